/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_TESTS_SUITES_H
#define JSTACK_TESTS_SUITES_H 1

/* Every Check suite of the unit tier.  A test file defines one or more
 * "Suite *test_X_suite(void)" and lists it in UNIT_SUITES below; main.c runs
 * them all. */

#include <check.h>

/* Absolute path of a file under tests/, e.g. "fixtures/seed-000.json".
 * Returns a static buffer. */
const char *test_path(const char *relative);

/* Reads a whole file under tests/ into a malloc()ed NUL-terminated string,
 * failing the test if it cannot. */
char *test_read_file(const char *relative);

#define UNIT_SUITES                             \
    UNIT_SUITE(test_settings_suite)             \
    UNIT_SUITE(test_model_suite)                \
    UNIT_SUITE(test_host_view_suite)            \
    UNIT_SUITE(test_desired_suite)              \
    UNIT_SUITE(test_pipeline_suite)

#define UNIT_SUITE(NAME) Suite *NAME(void);
UNIT_SUITES
#undef UNIT_SUITE

#endif /* tests/unit/suites.h */
