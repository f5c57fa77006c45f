/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "host-view.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "suites.h"
#include "svec.h"

/* Returns the IPv4 address 's' in network byte order. */
static ovs_be32
ip(const char *s)
{
    ovs_be32 addr;
    ck_assert_msg(ip_parse(s, &addr), "bad test address %s", s);
    return addr;
}

/* Parses the fixture 'name', which must be free of problems. */
static struct model *
parse_fixture(const char *name)
{
    char *text = test_read_file(name);
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;
    char *error = model_parse(text, NULL, &model, &errors);

    ck_assert_msg(error == NULL, "%s", error);
    ck_assert_msg(errors.n == 0, "%s", errors.names[0]);
    svec_destroy(&errors);
    free(text);
    return model;
}

/* Returns the 'n' addresses of 'ips' as "a,b,c", to compare in one
 * assertion.  The caller must free the result. */
static char *
ips_to_string(const ovs_be32 *ips, size_t n)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < n; i++) {
        ds_put_format(&ds, "%s"IP_FMT, i ? "," : "", IP_ARGS(ips[i]));
    }
    return ds_steal_cstr(&ds);
}

/* Asserts that the 'n' addresses of 'ips' read 'expected'. */
static void
check_ips(const ovs_be32 *ips, size_t n, const char *expected)
{
    char *s = ips_to_string(ips, n);
    ck_assert_str_eq(s, expected);
    free(s);
}

/* Compute node 10.10.10.2 of the seed: two local ports. */
START_TEST(test_host_view_seed_compute1)
{
    struct model *model = parse_fixture("fixtures/seed-000.json");
    struct host_view view;

    host_view_build(model, ip("10.10.10.2"), &view);
    ck_assert_uint_eq(view.local_ip, ip("10.10.10.2"));
    ck_assert_uint_eq(view.n_subnets, 1);
    ck_assert_ptr_eq(view.subnets[0].subnet, model->subnets[0]);
    check_ips(view.subnets[0].remote_hosts, view.subnets[0].n_remote_hosts,
              "10.10.10.3");

    ck_assert_uint_eq(view.n_local_ports, 2);
    ck_assert_str_eq(view.local_ports[0].port->device_id, "compute1_ns");
    ck_assert_str_eq(view.local_ports[1].port->device_id, "compute1_ns_2");
    ck_assert_ptr_eq(view.local_ports[0].port, &model->subnets[0]->ports[0]);
    ck_assert_ptr_eq(view.local_ports[1].subnet, model->subnets[0]);

    check_ips(view.remote_hosts, view.n_remote_hosts, "10.10.10.3");
    check_ips(view.routers, view.n_routers, "10.10.10.4,10.10.10.5");
    check_ips(view.endpoints, view.n_endpoints,
              "10.10.10.3,10.10.10.4,10.10.10.5");

    host_view_destroy(&view);
    model_unref(model);
}
END_TEST

/* Compute node 10.10.10.3 of the seed: one local port. */
START_TEST(test_host_view_seed_compute2)
{
    struct model *model = parse_fixture("fixtures/seed-000.json");
    struct host_view view;

    host_view_build(model, ip("10.10.10.3"), &view);
    ck_assert_uint_eq(view.n_subnets, 1);
    check_ips(view.subnets[0].remote_hosts, view.subnets[0].n_remote_hosts,
              "10.10.10.2");
    ck_assert_uint_eq(view.n_local_ports, 1);
    ck_assert_str_eq(view.local_ports[0].port->device_id, "compute2_ns");
    ck_assert_ptr_eq(view.local_ports[0].port, &model->subnets[0]->ports[1]);
    check_ips(view.remote_hosts, view.n_remote_hosts, "10.10.10.2");
    check_ips(view.routers, view.n_routers, "10.10.10.4,10.10.10.5");
    check_ips(view.endpoints, view.n_endpoints,
              "10.10.10.2,10.10.10.4,10.10.10.5");

    host_view_destroy(&view);
    model_unref(model);
}
END_TEST

/* A host without local ports needs nothing, not even the routers. */
START_TEST(test_host_view_no_local_port)
{
    struct model *model = parse_fixture("fixtures/seed-000.json");
    struct host_view view;

    host_view_build(model, ip("10.10.10.4"), &view);
    ck_assert_uint_eq(view.n_subnets, 0);
    ck_assert_uint_eq(view.n_local_ports, 0);
    ck_assert_uint_eq(view.n_remote_hosts, 0);
    ck_assert_uint_eq(view.n_routers, 0);
    ck_assert_uint_eq(view.n_endpoints, 0);
    host_view_destroy(&view);

    host_view_build(model, 0, &view);
    ck_assert_uint_eq(view.n_local_ports, 0);
    host_view_destroy(&view);
    model_unref(model);
}
END_TEST

/* Two subnets: unions, numeric order (10.10.10.10 after 10.10.10.7),
 * duplicates removed. */
START_TEST(test_host_view_two_subnets)
{
    struct model *model = parse_fixture("fixtures/two-subnets.json");
    struct host_view view;

    host_view_build(model, ip("10.10.10.2"), &view);
    ck_assert_uint_eq(view.n_subnets, 2);
    ck_assert_ptr_eq(view.subnets[0].subnet, model->subnets[0]);
    ck_assert_ptr_eq(view.subnets[1].subnet, model->subnets[1]);
    check_ips(view.subnets[0].remote_hosts, view.subnets[0].n_remote_hosts,
              "10.10.10.3");
    check_ips(view.subnets[1].remote_hosts, view.subnets[1].n_remote_hosts,
              "10.10.10.7,10.10.10.10");
    ck_assert_uint_eq(view.n_local_ports, 3);
    ck_assert_str_eq(view.local_ports[2].port->id, "b-port-2");
    ck_assert_ptr_eq(view.local_ports[2].subnet, model->subnets[1]);
    check_ips(view.remote_hosts, view.n_remote_hosts,
              "10.10.10.3,10.10.10.7,10.10.10.10");
    check_ips(view.routers, view.n_routers,
              "10.10.10.4,10.10.10.5,10.10.10.6");
    check_ips(view.endpoints, view.n_endpoints,
              "10.10.10.3,10.10.10.4,10.10.10.5,10.10.10.6,10.10.10.7,"
              "10.10.10.10");
    host_view_destroy(&view);

    /* 10.10.10.10 has two ports in the second subnet only. */
    host_view_build(model, ip("10.10.10.10"), &view);
    ck_assert_uint_eq(view.n_subnets, 1);
    ck_assert_ptr_eq(view.subnets[0].subnet, model->subnets[1]);
    ck_assert_uint_eq(view.n_local_ports, 2);
    ck_assert_str_eq(view.local_ports[0].port->id, "b-port-1");
    ck_assert_str_eq(view.local_ports[1].port->id, "b-port-4");
    check_ips(view.remote_hosts, view.n_remote_hosts,
              "10.10.10.2,10.10.10.7");
    check_ips(view.routers, view.n_routers, "10.10.10.5,10.10.10.6");
    check_ips(view.endpoints, view.n_endpoints,
              "10.10.10.2,10.10.10.5,10.10.10.6,10.10.10.7");
    host_view_destroy(&view);
    model_unref(model);
}
END_TEST

/* An empty model gives an empty view. */
START_TEST(test_host_view_empty)
{
    struct model model = { .n_refs = 1 };
    struct host_view view;

    host_view_build(&model, ip("10.10.10.2"), &view);
    ck_assert_uint_eq(view.n_subnets, 0);
    ck_assert_uint_eq(view.n_endpoints, 0);
    host_view_destroy(&view);
}
END_TEST

Suite *
test_host_view_suite(void)
{
    Suite *suite = suite_create("host-view");
    TCase *tc = tcase_create("build");

    tcase_add_test(tc, test_host_view_seed_compute1);
    tcase_add_test(tc, test_host_view_seed_compute2);
    tcase_add_test(tc, test_host_view_no_local_port);
    tcase_add_test(tc, test_host_view_two_subnets);
    tcase_add_test(tc, test_host_view_empty);
    suite_add_tcase(suite, tc);
    return suite;
}
