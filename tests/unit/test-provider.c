/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Unit tests of provider networks (lib/pipeline-provider.c and what the
 * other stages leave out for them): golden tables for a host with a flat
 * subnet only, a VLAN subnet only, and both plus an overlay subnet
 * (fixtures/provider.json), targeted assertions, the host view, and
 * subnets that get no flows (unmapped physical network, two subnets on one
 * segment) while the others keep theirs. */

#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "pipeline.h"
#include "suites.h"
#include "svec.h"
#include "util.h"

/* Ids of fixtures/provider.json. */
#define FLAT_SUBNET "f1a70000-0000-4000-8000-000000000001"
#define FLAT_PORT_1 "f1a70000-0000-4000-8000-000000000014"
#define FLAT_PORT_2 "f1a70000-0000-4000-8000-000000000025"
#define VLAN_SUBNET "a1a00000-0000-4000-8000-000000000100"
#define VLAN_PORT_1 "a1a00000-0000-4000-8000-000000000114"
#define VLAN_PORT_3 "a1a00000-0000-4000-8000-000000000135"
#define OVERLAY_PORT_1 "0e000000-0000-4000-8000-000000000014"

/* The patch port to physnet1 in every fixture. */
#define PATCH_OFPORT 20

/* Host 10.0.0.1 of fixtures/provider.json (document text 'json', or the
 * file when NULL): flat_1, vlan_1 and overlay_1 on ofports 3, 4 and 5;
 * tunnels to 10.0.0.4 and the router 10.0.0.100 on 10 and 11; the patch
 * port to physnet1 on 20 unless 'patch' is false; the tap on 1. */
static void
fixture_host1(struct pipeline_fixture *f, const char *json, bool patch)
{
    if (json) {
        pipeline_fixture_init_json(f, "provider", json, "10.0.0.1", 1);
    } else {
        pipeline_fixture_init(f, "fixtures/provider.json", "10.0.0.1", 1);
    }
    simap_put(&f->facts.port_ofports, FLAT_PORT_1, 3);
    simap_put(&f->facts.port_ofports, VLAN_PORT_1, 4);
    simap_put(&f->facts.port_ofports, OVERLAY_PORT_1, 5);
    simap_put(&f->facts.tunnel_ofports, "10.0.0.4", 10);
    simap_put(&f->facts.tunnel_ofports, "10.0.0.100", 11);
    if (patch) {
        simap_put(&f->facts.patch_ofports, "physnet1", PATCH_OFPORT);
    }
    pipeline_fixture_compute(f);
}

/* Host 10.0.0.2 (flat_2 on ofport 3) or 10.0.0.3 (vlan_3 on ofport 3):
 * the patch port on 20, the tap on 1, no tunnel port at all. */
static void
fixture_single(struct pipeline_fixture *f, const char *local_ip,
               const char *port_id)
{
    pipeline_fixture_init(f, "fixtures/provider.json", local_ip, 1);
    simap_put(&f->facts.port_ofports, port_id, 3);
    simap_put(&f->facts.patch_ofports, "physnet1", PATCH_OFPORT);
    pipeline_fixture_compute(f);
}

/* Returns a copy of the lines of 'text' that contain 'needle', in order. */
static char *
lines_with(const char *text, const char *needle)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    char *copy = xstrdup(text);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strstr(line, needle)) {
            ds_put_format(&out, "%s\n", line);
        }
    }
    free(copy);
    return ds_steal_cstr(&out);
}

/* Returns true if one of 'f''s warnings contains every one of the
 * NULL-terminated strings that follow. */
static bool
has_warning(const struct pipeline_fixture *f, ...)
{
    for (size_t i = 0; i < f->warnings.n; i++) {
        va_list args;
        va_start(args, f);
        bool all = true;
        for (const char *s = va_arg(args, const char *); s;
             s = va_arg(args, const char *)) {
            all = all && strstr(f->warnings.names[i], s);
        }
        va_end(args);
        if (all) {
            return true;
        }
    }
    return false;
}

START_TEST(test_golden_provider_flat)
{
    struct pipeline_fixture f;
    fixture_single(&f, "10.0.0.2", FLAT_PORT_2);
    ck_assert_msg(!f.warnings.n, "%s", f.warnings.names[0]);
    test_check_golden(f.text, "golden/provider-flat.txt");
    test_check_parse_back(&f);
    pipeline_fixture_destroy(&f);
}
END_TEST

START_TEST(test_golden_provider_vlan)
{
    struct pipeline_fixture f;
    fixture_single(&f, "10.0.0.3", VLAN_PORT_3);
    ck_assert_msg(!f.warnings.n, "%s", f.warnings.names[0]);
    test_check_golden(f.text, "golden/provider-vlan.txt");
    test_check_parse_back(&f);
    pipeline_fixture_destroy(&f);
}
END_TEST

START_TEST(test_golden_provider_mixed)
{
    struct pipeline_fixture f;
    fixture_host1(&f, NULL, true);
    ck_assert_msg(!f.warnings.n, "%s", f.warnings.names[0]);
    test_check_golden(f.text, "golden/provider-mixed.txt");
    test_check_parse_back(&f);
    pipeline_fixture_destroy(&f);
}
END_TEST

/* The flows that make a provider subnet what it is, on host 10.0.0.1. */
START_TEST(test_provider_flows)
{
    struct pipeline_fixture f;
    fixture_host1(&f, NULL, true);

    /* From the patch port: untagged is the flat subnet, VLAN 100 (popped)
     * the VLAN subnet; then L3/L2 like tunnel traffic. */
    test_assert_line(&f, "priority=1000,in_port=20,vlan_tci=0x0000/0x1000 "
                     "actions=write_metadata:0x501/0xffffffff,"
                     "goto_table:40");
    test_assert_line(&f, "priority=1000,in_port=20,dl_vlan=100 "
                     "actions=pop_vlan,write_metadata:0x601/0xffffffff,"
                     "goto_table:40");

    /* Not local: from the physical side dropped, else to the patch port;
     * a broadcast from the physical side to the local ports only. */
    test_assert_line(&f, "table=45, priority=20,reg6=0,metadata=0x601 "
                     "actions=drop");
    test_assert_line(&f, "table=45, priority=10,metadata=0x601 "
                     "actions=set_field:0x14->reg7,goto_table:60");
    test_assert_line(&f, "table=45, priority=10,metadata=0x501 "
                     "actions=set_field:0x14->reg7,goto_table:60");
    test_assert_line(&f, "table=60, priority=100,reg7=0x14,metadata=0x601 "
                     "actions=push_vlan:0x8100,set_field:4196->vlan_vid,"
                     "output:20");
    test_assert_line(&f, "table=60, priority=100,reg7=0x14,metadata=0x501 "
                     "actions=output:20");

    /* The broadcast from a local VM has no tun_id and a flood group whose
     * only non-local bucket is the patch port. */
    char *flood = lines_with(f.text, "metadata=0x601,dl_dst=01:00");
    ck_assert_msg(!strstr(flood, "tun_id"), "%s", flood);
    free(flood);
    test_assert_line(&f, "group_id=16777218,type=all,bucket=actions="
                     "set_field:0x4->reg7,resubmit(,50),bucket=actions="
                     "set_field:0x14->reg7,resubmit(,60)");
    test_assert_line(&f, "group_id=16777219,type=all,bucket=actions="
                     "set_field:0x4->reg7,resubmit(,50)");

    /* No tunnel for them: no tun_id of theirs (vni 501 and 601) anywhere,
     * no remote MAC of theirs, and the router listed in the flat subnet
     * serves only the overlay subnet (one classification flow, vni 1). */
    ck_assert_ptr_null(strstr(f.text, "0x1f5"));
    ck_assert_ptr_null(strstr(f.text, "0x259"));
    ck_assert_ptr_null(strstr(f.text, "dl_dst=fa:16:3e:50:00:05"));
    ck_assert_ptr_null(strstr(f.text, "dl_dst=fa:16:3e:64:00:05"));
    ck_assert_int_eq(test_count_lines(f.text, "priority=1000,tun_id=0x1,"
                                      "in_port=11 actions=write_metadata:"
                                      "0x401/0xffffffff,goto_table:40"), 1);
    char *tunnel_in = lines_with(f.text, "in_port=11 ");
    ck_assert_msg(strchr(tunnel_in, '\n') == strrchr(tunnel_in, '\n'), "%s",
                  tunnel_in);
    free(tunnel_in);
    test_assert_line(&f, "group_id=1,type=select,bucket=actions=output:11");
    ck_assert_int_eq(test_count_lines(f.text, "actions=group:1"), 1);

    /* ARP for the document's addresses answered locally, as on overlay
     * subnets (the gateway's too). */
    char *arp = lines_with(f.text, "arp,metadata=0x601,arp_tpa=192.168.100.1,"
                           "arp_op=1");
    ck_assert_msg(strstr(arp, "IN_PORT"), "%s", arp);
    free(arp);

    /* Port security, security groups and DHCP as on overlay subnets. */
    test_assert_line(&f, "table=5, priority=100,ip,in_port=4,"
                     "dl_src=fa:16:3e:64:00:04,nw_src=192.168.100.4 "
                     "actions=goto_table:10");
    test_assert_line(&f, "table=30, priority=100,udp,reg6=0x4,tp_src=68,"
                     "tp_dst=67 actions=meter:2,CONTROLLER:65535");
    ck_assert_int_ne(test_count_lines(f.text, "actions=ct(table=55,zone=2)"),
                     0);
    pipeline_fixture_destroy(&f);
}
END_TEST

/* The host view gives provider subnets no remote hosts and leaves their
 * routers out, so the agent creates no tunnel for them. */
START_TEST(test_provider_host_view)
{
    struct pipeline_fixture f;
    pipeline_fixture_init(&f, "fixtures/provider.json", "10.0.0.1", 1);
    ck_assert_uint_eq(f.hv.n_subnets, 3);
    ck_assert_uint_eq(f.hv.subnets[0].n_remote_hosts, 0);
    ck_assert_uint_eq(f.hv.subnets[1].n_remote_hosts, 0);
    ck_assert_uint_eq(f.hv.subnets[2].n_remote_hosts, 1);
    ck_assert_uint_eq(f.hv.n_endpoints, 2);
    ck_assert_uint_eq(f.hv.endpoints[0], htonl(0x0a000004));
    ck_assert_uint_eq(f.hv.endpoints[1], htonl(0x0a000064));
    ck_assert_uint_eq(f.hv.n_routers, 1);
    pipeline_fixture_destroy(&f);

    /* A host with only a provider subnet needs no tunnel at all, even
     * though that subnet lists a router. */
    pipeline_fixture_init(&f, "fixtures/provider.json", "10.0.0.2", 1);
    ck_assert_uint_eq(f.hv.n_subnets, 1);
    ck_assert_uint_eq(f.hv.n_endpoints, 0);
    ck_assert_uint_eq(f.hv.n_routers, 0);
    pipeline_fixture_destroy(&f);
}
END_TEST

/* Without a patch port (unmapped, or no provider bridge), the provider
 * subnets get no flows at all and are named in a warning; the overlay
 * subnet's flows stay exactly as they were. */
START_TEST(test_provider_unmapped)
{
    struct pipeline_fixture mapped, unmapped;
    fixture_host1(&mapped, NULL, true);
    fixture_host1(&unmapped, NULL, false);

    ck_assert(has_warning(&unmapped, "subnet "FLAT_SUBNET" (flat on "
                          "physical network physnet1)", "left out", NULL));
    ck_assert(has_warning(&unmapped, "subnet "VLAN_SUBNET" (vlan 100 on "
                          "physical network physnet1)", "left out", NULL));
    ck_assert_ptr_null(strstr(unmapped.text, "metadata=0x501"));
    ck_assert_ptr_null(strstr(unmapped.text, "metadata:0x501"));
    ck_assert_ptr_null(strstr(unmapped.text, "metadata=0x601"));
    ck_assert_ptr_null(strstr(unmapped.text, "in_port=3 "));
    ck_assert_ptr_null(strstr(unmapped.text, "in_port=4 "));
    ck_assert_ptr_null(strstr(unmapped.text, "in_port=20"));

    char *before = lines_with(mapped.text, "0x401");
    char *after = lines_with(unmapped.text, "0x401");
    ck_assert_str_eq(before, after);
    ck_assert_int_ne(strlen(after), 0);
    free(before);
    free(after);
    pipeline_fixture_destroy(&mapped);
    pipeline_fixture_destroy(&unmapped);
}
END_TEST

/* Two subnets on one segment (here the VLAN subnet made flat on the same
 * physical network) cannot both be classified: the second in document
 * order gets no flows and is named, the first keeps its own. */
START_TEST(test_provider_same_segment)
{
    char *json = test_read_file("fixtures/provider.json");
    char *at = strstr(json, "\"vlan\"");
    ck_assert_ptr_nonnull(at);
    memcpy(at, "\"flat\"", 6);

    struct pipeline_fixture f;
    fixture_host1(&f, json, true);
    ck_assert(has_warning(&f, "subnet "VLAN_SUBNET" (flat on physical "
                          "network physnet1): subnet "FLAT_SUBNET" is "
                          "already on that segment", NULL));
    ck_assert_ptr_null(strstr(f.text, "metadata=0x601"));
    test_assert_line(&f, "priority=1000,in_port=20,vlan_tci=0x0000/0x1000 "
                     "actions=write_metadata:0x501/0xffffffff,"
                     "goto_table:40");
    pipeline_fixture_destroy(&f);
    free(json);
}
END_TEST

Suite *
test_provider_suite(void)
{
    Suite *s = suite_create("provider");
    TCase *tc = tcase_create("provider");
    tcase_add_test(tc, test_golden_provider_flat);
    tcase_add_test(tc, test_golden_provider_vlan);
    tcase_add_test(tc, test_golden_provider_mixed);
    tcase_add_test(tc, test_provider_flows);
    tcase_add_test(tc, test_provider_host_view);
    tcase_add_test(tc, test_provider_unmapped);
    tcase_add_test(tc, test_provider_same_segment);
    suite_add_tcase(s, tc);
    return s;
}
