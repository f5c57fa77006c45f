/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* libFuzzer harness for lib/json-reader.c, differential: the reader must
 * accept exactly what OVS's json_from_string() accepts, with the same
 * values, and expanding containers left unstored must give what a full
 * parse gives.  Built and run by tests/fuzz/run-fuzz.sh. */

#include <config.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json-reader.h"
#include "openvswitch/json.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns 'v' converted to an OVS JSON value, which the caller must free
 * with json_destroy(). */
static struct json *
to_ovs(const struct json_reader_value *v)
{
    switch (v->type) {
    case JSON_READER_NULL:
        return json_null_create();
    case JSON_READER_FALSE:
        return json_boolean_create(false);
    case JSON_READER_TRUE:
        return json_boolean_create(true);
    case JSON_READER_INTEGER:
        return json_integer_create(v->integer);
    case JSON_READER_REAL:
        return json_real_create(v->real);
    case JSON_READER_STRING:
        ovs_assert(strlen(v->string) == v->n);
        return json_string_create(v->string);
    case JSON_READER_OBJECT: {
        struct json *object = json_object_create();
        ovs_assert(v->expanded);
        JSON_READER_FOR_EACH (member, v) {
            json_object_put_nocopy(object,
                                   xmemdup0(member->name, member->name_len),
                                   to_ovs(member));
        }
        return object;
    }
    case JSON_READER_ARRAY: {
        struct json *array = json_array_create_empty();
        ovs_assert(v->expanded);
        JSON_READER_FOR_EACH (elem, v) {
            json_array_add(array, to_ovs(elem));
        }
        return array;
    }
    default:
        OVS_NOT_REACHED();
    }
}

/* Aborts unless 'v' and 'expected' are equal. */
static void
check_equal(const struct json_reader_value *v, const struct json *expected)
{
    struct json *actual = to_ovs(v);
    ovs_assert(json_equal(actual, expected));
    json_destroy(actual);
}

/* Checks that expanding the children of the root of 'top', parsed from
 * 'text' with max_depth 1, gives the children of 'expected' (the OVS parse
 * of 'text'), and that they were counted right. */
static void
check_expansion(const char *text, const struct json_reader_tree *top,
                const struct json *expected)
{
    const struct json_reader_value *root = &top->values[0];
    struct json_reader_tree sub;
    size_t i = 0;

    json_reader_tree_init(&sub);
    JSON_READER_FOR_EACH (child, root) {
        /* What OVS has for this child; only the last of members with the
         * same name is there. */
        const struct json *want = NULL;
        if (expected->type == JSON_ARRAY) {
            want = json_array(expected)->elems[i];
        } else {
            char *name = xmemdup0(child->name, child->name_len);
            if (json_reader_member(root, name) == child) {
                want = shash_find_data(json_object(expected), name);
                ovs_assert(want);
            }
            free(name);
        }

        if (child->type == JSON_READER_OBJECT
            || child->type == JSON_READER_ARRAY) {
            ovs_assert(!child->expanded && child->n_values == 1);
            json_reader_expand(&sub, text, child, UINT_MAX);
            ovs_assert(sub.values[0].n == child->n);
            if (want) {
                check_equal(&sub.values[0], want);
            }

            /* Expanded one level only, the grandchildren are counted by
             * the quick skip: the counts must agree with the full parse. */
            struct json_reader_tree shallow;
            json_reader_tree_init(&shallow);
            json_reader_expand(&shallow, text, child, 1);
            ovs_assert(shallow.values[0].n == child->n);
            const struct json_reader_value *deep
                = json_reader_first(&sub.values[0]);
            JSON_READER_FOR_EACH (grandchild, &shallow.values[0]) {
                ovs_assert(deep && deep->type == grandchild->type
                           && deep->n == grandchild->n);
                deep = json_reader_next(&sub.values[0], deep);
            }
            json_reader_tree_destroy(&shallow);
        } else if (want) {
            check_equal(child, want);
        }
        i++;
    }
    ovs_assert(i == root->n);
    json_reader_tree_destroy(&sub);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmemdup0((const char *) data, size);
    struct json *expected = json_from_string(text);
    struct json_reader_tree full, top;

    json_reader_tree_init(&full);
    json_reader_tree_init(&top);
    char *error = json_reader_parse(&full, text, UINT_MAX);
    char *top_error = json_reader_parse(&top, text, 1);
    ovs_assert(!error == !top_error);
    if (expected->type == JSON_STRING) {
        ovs_assert(error);
    } else {
        ovs_assert(!error);
        check_equal(&full.values[0], expected);
        ovs_assert(full.n_values == full.values[0].n_values);
        check_expansion(text, &top, expected);
    }
    free(error);
    free(top_error);
    json_reader_tree_destroy(&full);
    json_reader_tree_destroy(&top);
    json_destroy(expected);
    free(text);
    return 0;
}
