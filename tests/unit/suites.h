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
    UNIT_SUITE(test_json_reader_suite)          \
    UNIT_SUITE(test_host_view_suite)            \
    UNIT_SUITE(test_desired_suite)              \
    UNIT_SUITE(test_pipeline_suite)             \
    UNIT_SUITE(test_secgroup_suite)             \
    UNIT_SUITE(test_dhcp_suite)               \
    UNIT_SUITE(test_metadata_suite)             \
    UNIT_SUITE(test_vr_suite)                   \
    UNIT_SUITE(test_provider_suite)             \
    UNIT_SUITE(test_incremental_suite)

#define UNIT_SUITE(NAME) Suite *NAME(void);
UNIT_SUITES
#undef UNIT_SUITE

/* Pipeline test helpers (test-pipeline.c), shared with test-secgroup.c. */

#include "desired.h"
#include "host-view.h"
#include "pipeline.h"
#include "svec.h"

struct model;

/* One pipeline computation and everything it needs. */
struct pipeline_fixture {
    struct model *model;        /* Owned. */
    struct host_view hv;        /* Owned, built from 'model'. */
    struct pipeline_facts facts;        /* Owned: filled in by the test. */
    struct desired_table table; /* Owned: the last computation. */
    struct svec warnings;       /* Owned: its warnings. */
    char *text;                 /* Owned: desired_table_format() of
                                 * 'table'. */
    bool assign_ids;            /* pipeline_fixture_compute() gives the
                                 * objects without zone, meter or group ids
                                 * ids first, as a fresh bridge would (the
                                 * default). */
};

void pipeline_fixture_init(struct pipeline_fixture *, const char *relative,
                           const char *local_ip, uint32_t tap);
void pipeline_fixture_init_json(struct pipeline_fixture *, const char *name,
                                const char *json, const char *local_ip,
                                uint32_t tap);
void pipeline_fixture_compute(struct pipeline_fixture *);
void pipeline_fixture_destroy(struct pipeline_fixture *);
int test_count_lines(const char *text, const char *suffix);
void test_assert_line(const struct pipeline_fixture *, const char *suffix);
void test_check_golden(const char *text, const char *relative);
void test_check_parse_back(const struct pipeline_fixture *);

#endif /* tests/unit/suites.h */
