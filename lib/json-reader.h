/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_JSON_READER_H
#define JSTACK_JSON_READER_H 1

/* A fast, strict, read-only JSON reader for the controller's document.
 *
 * json_reader_parse() reads a whole text in one pass into a tree held in two
 * allocations: one array of values, in document order (each container is
 * followed by its subtree), and one buffer of the string values, unescaped
 * and NUL-terminated.  Objects are arrays of members with their names
 * (which point into the text unless they have escapes); member lookup is
 * linear, which suits the small objects of the document.
 *
 * A large text need not be held as one tree: json_reader_parse() can check
 * everything but store only the values down to a given depth, leaving the
 * containers there unexpanded, and json_reader_expand() parses one of them
 * at a time into a second tree, whose memory is reused from one to the
 * next.  Touching little memory matters more than anything else for speed:
 * a page fault costs as much as parsing a few kilobytes.
 *
 * It accepts exactly what OVS's json_from_string() accepts, with the same
 * values: the top level must be an object or an array; nesting is limited
 * to 1000 levels; a number is an integer if its value is integral and fits
 * in a long long int (so 1.0 and 1e2 are integers), a real otherwise, and an
 * error if a double cannot hold it; "\u0000" is rejected, surrogate pairs
 * are decoded, other bytes are kept as they are; when a name appears twice
 * in an object, the last member wins.  The error messages are its own.
 *
 * Nothing here does I/O or keeps global state. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/compiler.h"

/* The type of a value. */
enum json_reader_type {
    JSON_READER_NULL,
    JSON_READER_FALSE,
    JSON_READER_TRUE,
    JSON_READER_OBJECT,
    JSON_READER_ARRAY,
    JSON_READER_INTEGER,
    JSON_READER_REAL,
    JSON_READER_STRING,
};

/* One value of a tree.  Every pointer points into the tree, which owns it. */
struct json_reader_value {
    const char *name;           /* Member name if the value is a member of
                                 * an object, else NULL.  Points into the
                                 * parsed text or the tree's 'strings', and
                                 * is not NUL-terminated: see 'name_len'. */
    union {
        const char *string;     /* JSON_READER_STRING: NUL-terminated, in
                                 * the tree's 'strings'; may contain bytes
                                 * of any value but 0. */
        long long int integer;  /* JSON_READER_INTEGER. */
        double real;            /* JSON_READER_REAL. */
        struct {
            uint32_t offset;    /* Containers: where the value's text
                                 * starts in the parsed text... */
            uint32_t length;    /* ...and its length, brackets included. */
        } span;
    };
    uint32_t name_len;          /* Bytes of 'name', 0 without a name. */
    uint32_t n;                 /* Strings: length; containers: number of
                                 * elements or members. */
    uint32_t n_values;          /* Values stored in this one's subtree,
                                 * itself included: the next sibling is at
                                 * 'this + n_values'. */
    uint8_t type;               /* An enum json_reader_type. */
    bool expanded;              /* False for a container whose elements
                                 * are not stored (see json_reader_parse()):
                                 * it then looks empty, but 'n' counts
                                 * them. */
};

/* A parsed text.  Member names may point into the text, which must
 * outlive the tree. */
struct json_reader_tree {
    struct json_reader_value *values;   /* Owned; values[0] is the root. */
    size_t n_values;
    size_t allocated;           /* Capacity of 'values'. */
    char *strings;              /* Owned: the string values, unescaped and
                                 * NUL-terminated, and the member names that
                                 * had escapes. */
    size_t strings_allocated;   /* Capacity of 'strings'. */
};

void json_reader_tree_init(struct json_reader_tree *);
void json_reader_tree_destroy(struct json_reader_tree *);
char *json_reader_parse(struct json_reader_tree *, const char *text,
                        unsigned int max_depth)
    OVS_WARN_UNUSED_RESULT;
void json_reader_expand(struct json_reader_tree *subtree, const char *text,
                        const struct json_reader_value *container,
                        unsigned int max_depth);

const struct json_reader_value *json_reader_member(
    const struct json_reader_value *object, const char *name);

/* Returns the first element or member of the container 'v', or NULL if it
 * is empty or not expanded. */
static inline const struct json_reader_value *
json_reader_first(const struct json_reader_value *v)
{
    return v->n_values > 1 ? v + 1 : NULL;
}

/* Returns the element or member that follows 'child' in the container 'v',
 * or NULL if 'child' is the last one. */
static inline const struct json_reader_value *
json_reader_next(const struct json_reader_value *v,
                 const struct json_reader_value *child)
{
    const struct json_reader_value *next = child + child->n_values;
    return next < v + v->n_values ? next : NULL;
}

/* Iterates CHILD over the elements or members of the container CONTAINER,
 * in document order. */
#define JSON_READER_FOR_EACH(CHILD, CONTAINER)                  \
    for (const struct json_reader_value *CHILD                  \
             = json_reader_first(CONTAINER);                    \
         CHILD; CHILD = json_reader_next(CONTAINER, CHILD))

#endif /* lib/json-reader.h */
