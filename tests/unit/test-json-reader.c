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

#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "suites.h"
#include "util.h"

/* Returns 'v' converted to an OVS JSON value, which the caller must free
 * with json_destroy().  A repeated member name keeps its last value, as
 * OVS's parser does. */
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
        ck_assert_uint_eq(strlen(v->string), v->n);
        return json_string_create(v->string);
    case JSON_READER_OBJECT: {
        struct json *object = json_object_create();
        JSON_READER_FOR_EACH (member, v) {
            json_object_put_nocopy(object,
                                   xmemdup0(member->name, member->name_len),
                                   to_ovs(member));
        }
        return object;
    }
    case JSON_READER_ARRAY: {
        struct json *array = json_array_create_empty();
        JSON_READER_FOR_EACH (elem, v) {
            json_array_add(array, to_ovs(elem));
        }
        return array;
    }
    default:
        ck_abort_msg("bad type %d", v->type);
        return NULL;
    }
}

/* Inputs on which the reader must agree with OVS's json_from_string(): the
 * same accepted texts with the same values, the same rejected ones. */
static const char *const same_as_ovs[] = {
    "", " ", "{}", "[]", " [ ] ", "[1]", "{\"a\":1}", "\"top\"", "1", "null",
    "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{1:2}", "[1 2]", "{} x", "{}{}",
    "[", "{\"a\":1", "[\"abc", "[1,2", "{\"a\":1,}", "[}", "{]",
    " \n\t\r[ 1 ,\n 2 ]\r\n",
    /* Repeated names: the last one wins. */
    "{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":{\"x\":1},\"a\":[2]}",
    /* Numbers. */
    "[0]", "[-0]", "[0.0]", "[-0.0]", "[1.0]", "[1e2]", "[1E+2]", "[100e-2]",
    "[1.5]", "[-2.25e1]", "[1e400]", "[-1e400]", "[1e-400]",
    "[9223372036854775807]", "[9223372036854775808]",
    "[-9223372036854775808]", "[-9223372036854775809]",
    "[18446744073709551615]", "[184467440737095516150]",
    "[123456789012345678901234567890e-10]", "[0.000000000000000000001e21]",
    "[01]", "[-01]", "[-]", "[1.]", "[1e]", "[1e+]", "[.5]", "[+1]", "[1-2]",
    "[1.5.3]", "[1e99999999999]", "[1e-99999999999]", "[0x10]", "[1e5e5]",
    /* Strings. */
    "[\"\"]", "[\"a\\\"b\"]", "[\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"]",
    "[\"\\u0041\\u00e9\\u20ac\"]", "[\"\\u0000\"]", "[\"a\\u0000b\"]",
    "[\"\\ud83d\\ude00\"]", "[\"\\ud83d\"]", "[\"\\ud83dx\"]",
    "[\"\\ud83d\\u0041\"]", "[\"\\ude00\"]", "[\"\\u12\"]", "[\"\\u12g4\"]",
    "[\"\\x\"]", "[\"\\", "[\"a\tb\"]", "[\"a\nb\"]", "[\"\x01\"]",
    "[\"\xc3\xa9\"]", "[\"\xff\xfe\"]", "[\"a long string, longer than "
    "eight bytes, with an escape \\n at its end\"]",
    "{\"na\\u006De\":1,\"name\":2}", "{\"\":0}", "[\"\\\\\\\"\"]",
    /* Keywords. */
    "[true,false,null]", "[tru]", "[truex]", "[True]", "[nul]", "[nulll]",
    "[true1]", "[x]",
    /* Bytes that start no value. */
    "[#]", "[\x7f]", "[\xc3\xa9]",
};

/* The reader parses like OVS's json_from_string(). */
START_TEST(test_json_reader_same_as_ovs)
{
    const char *text = same_as_ovs[_i];
    struct json *expected = json_from_string(text);
    struct json_reader_tree tree;

    json_reader_tree_init(&tree);
    char *error = json_reader_parse(&tree, text, UINT_MAX);
    if (expected->type == JSON_STRING) {
        ck_assert_msg(error, "%s: accepted, OVS says %s", text,
                      json_string(expected));
        ck_assert_uint_eq(tree.n_values, 0);
    } else {
        ck_assert_msg(!error, "%s: %s", text, error);
        struct json *actual = to_ovs(&tree.values[0]);
        char *a = json_to_string(actual, JSSF_SORT);
        char *e = json_to_string(expected, JSSF_SORT);
        ck_assert_msg(json_equal(actual, expected), "%s: %s, OVS %s", text,
                      a, e);
        free(a);
        free(e);
        json_destroy(actual);
        ck_assert_uint_eq(tree.n_values, tree.values[0].n_values);
    }
    free(error);
    json_destroy(expected);
    json_reader_tree_destroy(&tree);
}
END_TEST

/* Returns a text of 'depth' nested arrays, which the caller must free. */
static char *
nested_arrays(size_t depth)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < depth; i++) {
        ds_put_char(&ds, '[');
    }
    for (size_t i = 0; i < depth; i++) {
        ds_put_char(&ds, ']');
    }
    return ds_steal_cstr(&ds);
}

/* 1000 levels of nesting are accepted, 1001 are not, as with OVS; much
 * deeper input fails without recursion. */
START_TEST(test_json_reader_depth)
{
    static const size_t depths[] = { 999, 1000, 1001, 100000 };
    struct json_reader_tree tree;

    json_reader_tree_init(&tree);
    for (size_t i = 0; i < ARRAY_SIZE(depths); i++) {
        char *text = nested_arrays(depths[i]);
        struct json *expected = json_from_string(text);
        char *error = json_reader_parse(&tree, text, UINT_MAX);

        ck_assert_msg(!error == (expected->type == JSON_ARRAY),
                      "depth %"PRIuSIZE": %s", depths[i],
                      error ? error : "accepted");
        if (!error) {
            ck_assert_uint_eq(tree.n_values, depths[i]);
        }
        free(error);
        json_destroy(expected);
        free(text);
    }
    json_reader_tree_destroy(&tree);
}
END_TEST

/* The last of repeated members is the one json_reader_member() finds. */
START_TEST(test_json_reader_member)
{
    static const char text[] = "{\"a\":1,\"ab\":2,\"a\":3,\"b\\u0061\":4}";
    struct json_reader_tree tree;

    json_reader_tree_init(&tree);
    ck_assert_ptr_null(json_reader_parse(&tree, text, UINT_MAX));
    const struct json_reader_value *root = &tree.values[0];
    ck_assert_int_eq(json_reader_member(root, "a")->integer, 3);
    ck_assert_int_eq(json_reader_member(root, "ab")->integer, 2);
    ck_assert_int_eq(json_reader_member(root, "ba")->integer, 4);
    ck_assert_ptr_null(json_reader_member(root, "b"));
    ck_assert_ptr_null(json_reader_member(root, ""));
    json_reader_tree_destroy(&tree);
}
END_TEST

/* Values below 'max_depth' are checked but not stored; expanding them later,
 * fully or again down to a depth, gives what a full parse gives. */
START_TEST(test_json_reader_expand)
{
    static const char text[] =
        "{\"list\": [ {\"a\": [[1], [2, [3]]], \"s\": \"x\\\"]}\"},"
        " [ ], [[]], [\"]\", {\"k\": \"\\\\\"}], 7, \"str\" ],"
        " \"n\": {\"deep\": {\"er\": [1, 2, 3]}}}";
    struct json_reader_tree full, top, sub, subsub;

    json_reader_tree_init(&full);
    json_reader_tree_init(&top);
    json_reader_tree_init(&sub);
    json_reader_tree_init(&subsub);
    ck_assert_ptr_null(json_reader_parse(&full, text, UINT_MAX));
    ck_assert_ptr_null(json_reader_parse(&top, text, 1));

    /* The root and its members are stored; "list" and "n" only counted. */
    const struct json_reader_value *list = json_reader_member(
        &top.values[0], "list");
    ck_assert(!list->expanded);
    ck_assert_uint_eq(list->n, 6);
    ck_assert_ptr_null(json_reader_first(list));
    ck_assert_uint_eq(top.n_values, 3);

    const struct json_reader_value *full_list = json_reader_member(
        &full.values[0], "list");
    json_reader_expand(&sub, text, list, UINT_MAX);
    struct json *a = to_ovs(&sub.values[0]);
    struct json *b = to_ovs(full_list);
    ck_assert(json_equal(a, b));
    json_destroy(a);
    json_destroy(b);

    /* Expanded down to one level, the elements of "list" are counted by
     * the quick skip of checked text. */
    static const uint32_t counts[] = { 2, 0, 1, 2 };
    json_reader_expand(&sub, text, list, 1);
    size_t i = 0;
    JSON_READER_FOR_EACH (elem, &sub.values[0]) {
        if (i < ARRAY_SIZE(counts)) {
            ck_assert(!elem->expanded);
            ck_assert_uint_eq(elem->n, counts[i]);
            ck_assert_uint_eq(elem->n_values, 1);

            /* And each expands to what the full parse has. */
            const struct json_reader_value *expected = full_list + 1;
            for (size_t j = 0; j < i; j++) {
                expected = json_reader_next(full_list, expected);
            }
            json_reader_expand(&subsub, text, elem, UINT_MAX);
            a = to_ovs(&subsub.values[0]);
            b = to_ovs(expected);
            ck_assert(json_equal(a, b));
            json_destroy(a);
            json_destroy(b);
        }
        i++;
    }
    ck_assert_uint_eq(i, 6);

    json_reader_tree_destroy(&full);
    json_reader_tree_destroy(&top);
    json_reader_tree_destroy(&sub);
    json_reader_tree_destroy(&subsub);
}
END_TEST

/* An error is reported for an error anywhere, even where values are not
 * stored. */
START_TEST(test_json_reader_checks_unstored)
{
    static const char *const texts[] = {
        "[[[\"\\u0000\"]]]", "[[[1e400]]]", "[[[\"\x01\"]]]", "[[[01]]]",
        "[[{\"a\":1,}]]", "[[[tru]]]", "[[[\"\\q\"]]]",
    };
    struct json_reader_tree tree;

    json_reader_tree_init(&tree);
    for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
        char *error = json_reader_parse(&tree, texts[i], 1);
        ck_assert_msg(error, "%s: accepted", texts[i]);
        free(error);
    }
    json_reader_tree_destroy(&tree);
}
END_TEST

Suite *
test_json_reader_suite(void)
{
    Suite *suite = suite_create("json-reader");
    TCase *tc = tcase_create("parse");

    tcase_add_loop_test(tc, test_json_reader_same_as_ovs, 0,
                        ARRAY_SIZE(same_as_ovs));
    tcase_add_test(tc, test_json_reader_depth);
    tcase_add_test(tc, test_json_reader_member);
    tcase_add_test(tc, test_json_reader_expand);
    tcase_add_test(tc, test_json_reader_checks_unstored);
    suite_add_tcase(suite, tc);
    return suite;
}
