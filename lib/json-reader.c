/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "json-reader.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "unicode.h"
#include "util.h"

/* Containers nested deeper than this are an error, as in OVS's parser. */
#define JSON_READER_MAX_DEPTH 1000

/* The state of one json_reader_parse() or json_reader_expand() call. */
struct reader {
    struct json_reader_tree *tree;      /* The tree being built. */
    const char *text;           /* The text being parsed... */
    const char *end;            /* ...and where it ends. */
    char *strings_end;          /* Where the next string goes in the
                                 * tree's 'strings'. */
    bool checked;               /* The text was checked already: containers
                                 * that are not stored are skipped without
                                 * checking them again. */
    char *error;                /* Owned: the first error, or NULL. */
};

/* Records 'message', about the byte at 'p' of the text, as the
 * reader's error unless one was recorded already.  Returns NULL. */
static char *
reader_error(struct reader *r, const char *p, const char *message)
{
    if (!r->error) {
        r->error = xasprintf("%s at byte %"PRIuSIZE, message,
                             (size_t) (p - r->text));
    }
    return NULL;
}

/* Appends a value of 'type', named 'name' (NULL outside objects), to the
 * tree and returns its index. */
static size_t
reader_add(struct reader *r, enum json_reader_type type, const char *name,
           size_t name_len)
{
    struct json_reader_tree *tree = r->tree;

    if (tree->n_values >= tree->allocated) {
        tree->values = x2nrealloc(tree->values, &tree->allocated,
                                  sizeof *tree->values);
    }
    struct json_reader_value *v = &tree->values[tree->n_values];
    v->name = name;
    v->name_len = name_len;
    v->type = type;
    v->n = 0;
    v->n_values = 1;
    v->integer = 0;
    v->expanded = true;
    return tree->n_values++;
}

/* Returns 'p' advanced past JSON whitespace. */
static const char *
skip_space(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
        p++;
    }
    return p;
}

/* Returns true if 'c' may appear as itself inside a string. */
static bool
is_plain_string_byte(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\';
}

/* Returns the first byte from 'p' on, before 'end', that cannot appear as
 * itself in a string ('"', '\\' or a control character), or 'end'.  Eight
 * bytes are looked at a time while there are that many. */
static const char *
find_string_special(const char *p, const char *end)
{
    const uint64_t ones = 0x0101010101010101ULL;
    const uint64_t highs = ones << 7;

    while (end - p >= 8) {
        uint64_t x;
        memcpy(&x, p, sizeof x);

        /* A high bit of 'special' is set in the first byte that is a quote,
         * a backslash or below 0x20 (and maybe in later bytes, never in
         * earlier ones). */
        uint64_t quote = x ^ (ones * '"');
        uint64_t backslash = x ^ (ones * '\\');
        uint64_t special = (((quote - ones) & ~quote)
                            | ((backslash - ones) & ~backslash)
                            | ((x - ones * 0x20) & ~x)) & highs;
        if (special) {
#ifdef WORDS_BIGENDIAN
            return p + raw_clz64(special) / 8;
#else
            return p + raw_ctz(special) / 8;
#endif
        }
        p += 8;
    }
    while (p < end && is_plain_string_byte(*p)) {
        p++;
    }
    return p;
}

/* Writes the UTF-8 encoding of the code point 'c' at 'out' and returns the
 * byte after it. */
static char *
put_utf8(char *out, unsigned int c)
{
    if (c < 0x80) {
        *out++ = c;
    } else if (c < 0x800) {
        *out++ = 0xc0 | (c >> 6);
        *out++ = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
        *out++ = 0xe0 | (c >> 12);
        *out++ = 0x80 | ((c >> 6) & 0x3f);
        *out++ = 0x80 | (c & 0x3f);
    } else {
        *out++ = 0xf0 | (c >> 18);
        *out++ = 0x80 | ((c >> 12) & 0x3f);
        *out++ = 0x80 | ((c >> 6) & 0x3f);
        *out++ = 0x80 | (c & 0x3f);
    }
    return out;
}

/* Reads the four hex digits of a \u escape at 'p' into '*c'.  Returns the
 * byte after them, or NULL after recording an error. */
static const char *
lex_4hex(struct reader *r, const char *p, unsigned int *c)
{
    bool ok;

    *c = hexits_value(p, 4, &ok);
    if (!ok) {
        return reader_error(r, p, "malformed \\u escape");
    }
    if (!*c) {
        return reader_error(r, p, "\\u0000 is not supported in strings");
    }
    return p + 4;
}

/* Unescapes the escape sequence at 'in' (just after its backslash), writing
 * its bytes at '*outp', which it advances past them.  Returns the byte after
 * the sequence, or NULL after recording an error. */
static const char *
lex_escape(struct reader *r, const char *in, char **outp)
{
    static const char plain[] = "\"\\/bfnrt";
    static const char meaning[] = "\"\\/\b\f\n\r\t";
    char *out = *outp;
    const char *simple = *in ? strchr(plain, *in) : NULL;
    unsigned int c0, c1;

    if (simple) {
        *out++ = meaning[simple - plain];
        *outp = out;
        return in + 1;
    }
    if (*in != 'u') {
        return reader_error(r, in, "bad escape in string");
    }
    in = lex_4hex(r, in + 1, &c0);
    if (!in) {
        return NULL;
    }
    if (uc_is_leading_surrogate(c0)) {
        if (in[0] != '\\' || in[1] != 'u') {
            return reader_error(r, in, "malformed escaped surrogate pair");
        }
        in = lex_4hex(r, in + 2, &c1);
        if (!in) {
            return NULL;
        }
        if (!uc_is_trailing_surrogate(c1)) {
            return reader_error(r, in, "second half of escaped surrogate "
                                "pair is not a trailing surrogate");
        }
        c0 = utf16_decode_surrogate_pair(c0, c1);
    }
    *outp = put_utf8(out, c0);
    return in;
}

/* Reports the byte at 'p', which cannot appear in a string.  Returns
 * NULL. */
static const char *
string_error(struct reader *r, const char *p)
{
    return reader_error(r, p, (p == r->end
                               ? "unexpected end of input in string"
                               : "control character must be escaped in "
                               "string"));
}

/* Checks the string whose first byte (after the opening quote) is at 'p',
 * without storing it.  Returns the byte after the closing quote, or NULL
 * after recording an error. */
static const char *
check_string(struct reader *r, const char *p)
{
    for (;;) {
        p = find_string_special(p, r->end);
        if (*p == '"') {
            return p + 1;
        } else if (*p == '\\') {
            char scratch[4];    /* One escape unescapes into 4 bytes. */
            char *out = scratch;
            p = lex_escape(r, p + 1, &out);
            if (!p) {
                return NULL;
            }
        } else {
            return string_error(r, p);
        }
    }
}

/* Reads the string whose first byte (after the opening quote) is at 'p'.
 * Stores in '*string' and '*length' the string, unescaped: if 'copy' is
 * false and it has no escapes, in the text itself (not NUL-terminated),
 * otherwise NUL-terminated in the tree's 'strings'.  Returns the byte after
 * the closing quote, or NULL after recording an error. */
static const char *
lex_string(struct reader *r, const char *p, bool copy, const char **string,
           size_t *length)
{
    const char *start = p;

    p = find_string_special(p, r->end);
    if (*p == '"' && !copy) {
        *string = start;
        *length = p - start;
        return p + 1;
    }

    char *out = r->strings_end;
    memcpy(out, start, p - start);
    out += p - start;
    for (;;) {
        unsigned char c = *p;
        if (c == '"') {
            *out = '\0';
            *string = r->strings_end;
            *length = out - r->strings_end;
            r->strings_end = out + 1;
            return p + 1;
        } else if (c == '\\') {
            p = lex_escape(r, p + 1, &out);
            if (!p) {
                return NULL;
            }
        } else if (c >= 0x20) {
            *out++ = *p++;
        } else {
            return string_error(r, p);
        }
    }
}

/* Returns true if 'c' is a decimal digit. */
static bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Reads the number at 'p' into 'v' (an integer when it is integral and fits
 * in a long long int, else a real), as OVS's parser does.  Returns the byte
 * after it, or NULL after recording an error. */
static const char *
lex_number(struct reader *r, const char *p, struct json_reader_value *v)
{
    unsigned long long int significand = 0;
    bool imprecise = false;
    bool negative = false;
    const char *start = p;
    int pow10 = 0;

    if (*p == '-') {
        negative = true;
        p++;
    }
    if (*p == '0') {
        p++;
        if (is_digit(*p)) {
            return reader_error(r, p, "leading zeros not allowed");
        }
    } else if (is_digit(*p)) {
        for (; is_digit(*p); p++) {
            if (significand <= ULLONG_MAX / 10) {
                significand = significand * 10 + (*p - '0');
            } else {
                pow10++;
                imprecise = imprecise || *p != '0';
            }
        }
    } else {
        return reader_error(r, p, "'-' must be followed by a digit");
    }

    if (*p == '.') {
        p++;
        if (!is_digit(*p)) {
            return reader_error(r, p, "decimal point must be followed by "
                                "a digit");
        }
        for (; is_digit(*p); p++) {
            if (significand <= ULLONG_MAX / 10) {
                significand = significand * 10 + (*p - '0');
                pow10--;
            } else {
                imprecise = imprecise || *p != '0';
            }
        }
    }

    if (*p == 'e' || *p == 'E') {
        bool negative_exponent = false;
        int exponent = 0;

        p++;
        if (*p == '+' || *p == '-') {
            negative_exponent = *p == '-';
            p++;
        }
        if (!is_digit(*p)) {
            return reader_error(r, p, "exponent must contain a digit");
        }
        for (; is_digit(*p); p++) {
            if (exponent >= INT_MAX / 10) {
                return reader_error(r, p, "exponent out of range");
            }
            exponent = exponent * 10 + (*p - '0');
        }
        if (negative_exponent ? pow10 < INT_MIN + exponent
                              : pow10 > INT_MAX - exponent) {
            return reader_error(r, p, "exponent out of range");
        }
        pow10 += negative_exponent ? -exponent : exponent;
    }

    /* Negative zero is zero. */
    if (!significand) {
        v->type = JSON_READER_INTEGER;
        v->integer = 0;
        return p;
    }
    if (!imprecise) {
        while (pow10 > 0 && significand < ULLONG_MAX / 10) {
            significand *= 10;
            pow10--;
        }
        while (pow10 < 0 && significand % 10 == 0) {
            significand /= 10;
            pow10++;
        }
        unsigned long long int limit = LLONG_MAX;
        if (!pow10 && significand <= limit + negative) {
            v->type = JSON_READER_INTEGER;
            v->integer = (negative
                          ? (long long int) (0 - significand)
                          : (long long int) significand);
            return p;
        }
    }

    /* A real, which strtod() reads from a NUL-terminated copy. */
    char *copy = xmemdup0(start, p - start);
    double real;
    bool ok = str_to_double(copy, &real);
    free(copy);
    if (!ok) {
        return reader_error(r, start, "number out of range");
    }
    v->type = JSON_READER_REAL;
    v->real = real ? real : 0;
    return p;
}

/* Reads the keyword (true, false or null) at 'p' into 'v'.  Returns the
 * byte after it, or NULL after recording an error. */
static const char *
lex_keyword(struct reader *r, const char *p, struct json_reader_value *v)
{
    static const struct {
        const char *word;
        size_t length;
        enum json_reader_type type;
    } keywords[] = {
        { "true", 4, JSON_READER_TRUE },
        { "false", 5, JSON_READER_FALSE },
        { "null", 4, JSON_READER_NULL },
    };

    for (size_t i = 0; i < ARRAY_SIZE(keywords); i++) {
        size_t n = keywords[i].length;
        if (!strncmp(p, keywords[i].word, n)
            && !((p[n] >= 'a' && p[n] <= 'z')
                 || (p[n] >= 'A' && p[n] <= 'Z'))) {
            v->type = keywords[i].type;
            return p + n;
        }
    }
    return reader_error(r, p, "invalid keyword");
}

/* Returns the byte after the object or array at 'p', in a text that was
 * checked already, and stores the number of its elements or members in
 * '*n'. */
static const char *
skip_checked_container(const char *p, uint32_t *n)
{
    size_t depth = 1;
    uint32_t commas = 0;        /* Commas between its own elements. */
    bool empty = true;

    for (p++;; p++) {
        char c = *p;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            continue;
        } else if (c == '}' || c == ']') {
            if (!--depth) {
                *n = empty ? 0 : commas + 1;
                return p + 1;
            }
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '"') {
            /* Past the string, whose escapes were checked. */
            for (p = strchr(p + 1, '"'); p[-1] == '\\';
                 p = strchr(p + 1, '"')) {
                size_t n_backslashes = 1;
                while (p[-1 - n_backslashes] == '\\') {
                    n_backslashes++;
                }
                if (n_backslashes % 2 == 0) {
                    break;
                }
            }
        } else if (c == ',' && depth == 1) {
            commas++;
        }
        empty = false;
    }
}

/* A container that is open while parsing. */
struct open_container {
    uint32_t index;             /* Its value in the tree, or UINT32_MAX if
                                 * it is not stored. */
    bool is_object;             /* An object, else an array. */
};

/* Parses into 'r->tree' the value at 'p', which must be an object or an
 * array, and everything in it: values nested up to 'max_depth' levels
 * below it are stored, deeper ones only checked.  Returns the byte after
 * the value, or NULL after recording an error. */
static const char *
parse_container(struct reader *r, const char *p, unsigned int max_depth)
{
    struct open_container stack[JSON_READER_MAX_DEPTH];
    struct json_reader_tree *tree = r->tree;
    size_t depth = 0;
    const char *name = NULL;
    size_t name_len = 0;

value:
    /* 'p' is where a value should start, named 'name' in an object. */
    p = skip_space(p);
    bool store = depth <= max_depth;
    if (r->checked && depth == max_depth && (*p == '{' || *p == '[')) {
        /* Store it, unexpanded, and skip what is in it. */
        size_t index = reader_add(r, (*p == '{'
                                      ? JSON_READER_OBJECT
                                      : JSON_READER_ARRAY), name, name_len);
        struct json_reader_value *v = &tree->values[index];
        v->expanded = false;
        v->span.offset = p - r->text;
        p = skip_checked_container(p, &v->n);
        v->span.length = p - r->text - v->span.offset;
        goto next;
    }
    if (*p == '{' || *p == '[') {
        bool is_object = *p == '{';
        if (depth >= JSON_READER_MAX_DEPTH) {
            return reader_error(r, p, "nesting deeper than 1000 levels");
        }
        uint32_t index = UINT32_MAX;
        if (store) {
            index = reader_add(r, (is_object
                                   ? JSON_READER_OBJECT
                                   : JSON_READER_ARRAY), name, name_len);
            tree->values[index].span.offset = p - r->text;
            tree->values[index].expanded = depth < max_depth;
        }
        stack[depth].index = index;
        stack[depth].is_object = is_object;
        depth++;
        p = skip_space(p + 1);
        if (*p == (is_object ? '}' : ']')) {
            p++;
            goto close;
        }
        if (is_object) {
            goto member;
        }
        name = NULL;
        name_len = 0;
        goto value;
    } else {
        struct json_reader_value scratch;
        struct json_reader_value *v = &scratch;
        if (store) {
            size_t index = reader_add(r, JSON_READER_NULL, name, name_len);
            v = &tree->values[index];
        }

        if (*p == '"') {
            size_t n;
            v->type = JSON_READER_STRING;
            if (store) {
                p = lex_string(r, p + 1, true, &v->string, &n);
                v->n = n;
            } else {
                p = check_string(r, p + 1);
            }
        } else if (*p == '-' || is_digit(*p)) {
            p = lex_number(r, p, v);
        } else if (*p >= 'a' && *p <= 'z') {
            p = lex_keyword(r, p, v);
        } else {
            p = reader_error(r, p, (p == r->end
                                    ? "unexpected end of input"
                                    : "syntax error expecting a value"));
        }
        if (!p) {
            return NULL;
        }
        goto next;
    }

close:
    /* 'p' is just after the bracket that closes the innermost container. */
    depth--;
    if (stack[depth].index != UINT32_MAX) {
        struct json_reader_value *v = &tree->values[stack[depth].index];
        v->n_values = tree->n_values - stack[depth].index;
        v->span.length = p - r->text - v->span.offset;
    }

next:
    /* A value ends just before 'p'. */
    if (!depth) {
        return p;
    }
    {
        const struct open_container *top = &stack[depth - 1];

        if (top->index != UINT32_MAX) {
            tree->values[top->index].n++;
        }
        p = skip_space(p);
        if (*p == ',') {
            p++;
            if (top->is_object) {
                goto member;
            }
            name = NULL;
            name_len = 0;
            goto value;
        } else if (*p == (top->is_object ? '}' : ']')) {
            p++;
            goto close;
        }
        return reader_error(r, p, (p == r->end
                                   ? "unexpected end of input"
                                   : top->is_object
                                   ? "syntax error expecting '}' or ','"
                                   : "syntax error expecting ']' or ','"));
    }

member:
    /* 'p' is where the name of an object's member should start. */
    p = skip_space(p);
    if (*p != '"') {
        return reader_error(r, p, (p == r->end
                                   ? "unexpected end of input"
                                   : "syntax error expecting a member "
                                   "name"));
    }
    if (depth <= max_depth) {
        p = lex_string(r, p + 1, false, &name, &name_len);
    } else {
        p = check_string(r, p + 1);
    }
    if (!p) {
        return NULL;
    }
    p = skip_space(p);
    if (*p != ':') {
        return reader_error(r, p, (p == r->end
                                   ? "unexpected end of input"
                                   : "syntax error expecting ':'"));
    }
    p++;
    goto value;
}

/* Makes 'tree' ready to hold at least 'length' bytes of strings, and
 * empty. */
static void
tree_prepare(struct json_reader_tree *tree, size_t length)
{
    if (tree->strings_allocated < length + 1) {
        free(tree->strings);
        tree->strings = xmalloc(length + 1);
        tree->strings_allocated = length + 1;
    }
    tree->n_values = 0;
}

/* Initializes 'tree' empty. */
void
json_reader_tree_init(struct json_reader_tree *tree)
{
    memset(tree, 0, sizeof *tree);
}

/* Parses the NUL-terminated 'text' into 'tree' (initialized, possibly
 * holding an earlier parse, which this one replaces, reusing its memory).
 * Objects and arrays nested 'max_depth' levels below the top level
 * (UINT_MAX for all of them) are checked but not expanded: their elements
 * are not stored, and json_reader_expand() parses them later.  Member names
 * point into 'text', which must outlive the tree's use.
 *
 * Returns NULL on success.  Otherwise returns an error message, which the
 * caller must free, and leaves 'tree' empty. */
char *
json_reader_parse(struct json_reader_tree *tree, const char *text,
                  unsigned int max_depth)
{
    size_t length = strlen(text);
    struct reader r = {
        .tree = tree,
        .text = text,
        .end = text + length,
    };

    if (length >= UINT32_MAX) {
        tree->n_values = 0;
        return xstrdup("text larger than 4 GB");
    }
    /* A string needs at most its length in the text, quotes included, in
     * 'strings'. */
    tree_prepare(tree, length);
    r.strings_end = tree->strings;

    const char *p = skip_space(text);
    if (p == r.end) {
        reader_error(&r, p, "empty input");
    } else if (*p != '{' && *p != '[') {
        reader_error(&r, p, "the top level must be an object or an array");
    } else {
        p = parse_container(&r, p, max_depth);
        if (p) {
            p = skip_space(p);
            if (p != r.end) {
                reader_error(&r, p, "trailing garbage at end of input");
            }
        }
    }
    if (r.error) {
        tree->n_values = 0;
    }
    return r.error;
}

/* Parses into 'subtree' (initialized, possibly holding an earlier parse,
 * which this one replaces, reusing its memory) the object or array
 * 'container', which was left unexpanded in a tree parsed from 'text', and
 * what is in it down to 'max_depth' levels below it (UINT_MAX for
 * everything).  The root of 'subtree' is a copy of 'container'.  As the
 * text was checked already, the containers below 'max_depth' are skipped
 * quickly. */
void
json_reader_expand(struct json_reader_tree *subtree, const char *text,
                   const struct json_reader_value *container,
                   unsigned int max_depth)
{
    const char *start = text + container->span.offset;
    struct reader r = {
        .tree = subtree,
        .text = text,
        .end = start + container->span.length,
        .checked = true,
    };

    tree_prepare(subtree, container->span.length);
    r.strings_end = subtree->strings;
    const char *end = parse_container(&r, start, max_depth);

    /* json_reader_parse() checked the text already. */
    ovs_assert(end == r.end && !r.error);
    subtree->values[0].name = container->name;
    subtree->values[0].name_len = container->name_len;
}

/* Frees what 'tree' owns. */
void
json_reader_tree_destroy(struct json_reader_tree *tree)
{
    free(tree->values);
    free(tree->strings);
}

/* Returns the member called 'name' of 'object', the last one if there are
 * several, or NULL if there is none. */
const struct json_reader_value *
json_reader_member(const struct json_reader_value *object, const char *name)
{
    const struct json_reader_value *found = NULL;
    size_t length = strlen(name);

    JSON_READER_FOR_EACH (member, object) {
        if (member->name_len == length
            && (!length || member->name[0] == name[0])
            && !memcmp(member->name, name, length)) {
            found = member;
        }
    }
    return found;
}
