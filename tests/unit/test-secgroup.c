/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Unit tests of the security-group stage (lib/pipeline-secgroup.c) and its
 * helpers: the range-to-masks split, the seed's group, a golden table for
 * tests/fixtures/secgroups.json, the conjunction dimensions and their
 * sharing, flow counts with a large remote group, the conjunction ids
 * (unique, stable, independent of ofports, gone when their rule changes),
 * the member check of existing connections, and the bound on the size of
 * one flow (a 10,000-member group and an address that 800 rules share). */

#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/ofp-protocol.h"
#include "pipeline.h"
#include "pipeline-ctx.h"
#include "simap.h"
#include "sset.h"
#include "suites.h"
#include "util.h"

/* Ids of seed 000's document. */
#define SEED_PORT_4 "df51f6d0-8381-47a5-8fa5-a46a8b64e095"  /* compute1_ns */
#define SEED_PORT_5 "eef67bf2-3d99-458b-b2fe-0616259ba63e"  /* compute1_ns_2 */
#define SEED_ICMP "proto=1,ports=any,remote=172.16.1.0/24"

/* The fixture of tests/fixtures/secgroups.json. */
#define SG_FIXTURE "fixtures/secgroups.json"

/* Returns the conjunction id that the scheme of lib/pipeline-secgroup.c
 * gives rule key 'key' when it collides with no other key. */
static uint32_t
expected_id(const char *key)
{
    return 1 + hash_string(key, 0) % 0x7fffffffu;
}

/* Returns the actions (a malloc()ed string) of the one flow of 'text' whose
 * line has "<flow> actions=" after its cookie, or NULL if there is none. */
static char *
flow_actions(const char *text, const char *flow)
{
    char *needle = xasprintf(" %s actions=", flow);
    const char *p = strstr(text, needle);
    char *actions = NULL;
    if (p) {
        p += strlen(needle);
        actions = xmemdup0(p, strcspn(p, "\n"));
    }
    free(needle);
    return actions;
}

/* Asserts that the flow '<flow>' of 'text' exists and has the action
 * conjunction('id','clause'/'n_clauses'). */
static void
assert_conj(const char *text, const char *flow, uint32_t id,
            unsigned int clause, unsigned int n_clauses)
{
    char *actions = flow_actions(text, flow);
    ck_assert_msg(actions != NULL, "no flow %s in:\n%s", flow, text);
    char *conj = xasprintf("conjunction(%"PRIu32",%u/%u)", id, clause,
                           n_clauses);
    ck_assert_msg(strstr(actions, conj), "%s: %s missing from %s", flow,
                  conj, actions);
    free(conj);
    free(actions);
}

/* Returns the number of conjunction() actions of flow '<flow>' of
 * 'text'. */
static int
count_conj(const char *text, const char *flow)
{
    char *actions = flow_actions(text, flow);
    ck_assert_msg(actions != NULL, "no flow %s", flow);
    int n = 0;
    for (const char *p = actions; (p = strstr(p, "conjunction(")); p++) {
        n++;
    }
    free(actions);
    return n;
}

/* Returns the number of lines of 'text' that contain 'needle'. */
static int
count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *line = text; *line; ) {
        size_t len = strcspn(line, "\n");
        char *copy = xmemdup0(line, len);
        n += strstr(copy, needle) != NULL;
        free(copy);
        line += len + (line[len] == '\n');
    }
    return n;
}

/* Returns the number of flows of tables 10, 15, 50 and 55 in 'text'. */
static int
count_sg_flows(const char *text)
{
    return (count_lines_with(text, " table=10, ")
            + count_lines_with(text, " table=15, ")
            + count_lines_with(text, " table=50, ")
            + count_lines_with(text, " table=55, "));
}

/* Adds to 'ids' the value of every "conj_id=N" of the commit flows of
 * 'text' (the rule ids); returns how many there were (with
 * repetitions). */
static int
collect_conj_ids(const char *text, struct sset *ids)
{
    static const char needle[] = " priority=1000,conj_id=";
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++) {
        p += strlen(needle);
        char *id = xmemdup0(p, strspn(p, "0123456789"));
        unsigned long long value = strtoull(id, NULL, 10);
        ck_assert(value >= 1 && value < 0x80000000ull);
        sset_add(ids, id);
        free(id);
        n++;
    }
    return n;
}

/* Seed 000 on host 10.10.10.2 with the facts of test-pipeline.c. */
static void
fixture_seed_host2(struct pipeline_fixture *f)
{
    pipeline_fixture_init(f, "fixtures/seed-000.json", "10.10.10.2", 1);
    simap_put(&f->facts.port_ofports, SEED_PORT_4, 3);
    simap_put(&f->facts.port_ofports, SEED_PORT_5, 4);
    simap_put(&f->facts.tunnel_ofports, "10.10.10.3", 10);
    simap_put(&f->facts.tunnel_ofports, "10.10.10.4", 11);
    simap_put(&f->facts.tunnel_ofports, "10.10.10.5", 12);
    simap_put(&f->facts.ct_zones, SEED_PORT_4, 1);
    simap_put(&f->facts.ct_zones, SEED_PORT_5, 2);
    pipeline_fixture_compute(f);
}

/* Sets the facts of host A (10.20.0.1) of the secgroups fixture: web-1,
 * web-2, web-3 on ofports 3, 4, 5 (zones 1, 2, 3), the tunnel to host B
 * on 10, the tap on 1. */
static void
secgroups_facts(struct pipeline_fixture *f)
{
    simap_put(&f->facts.port_ofports, "web-1", 3);
    simap_put(&f->facts.port_ofports, "web-2", 4);
    simap_put(&f->facts.port_ofports, "web-3", 5);
    simap_put(&f->facts.tunnel_ofports, "10.20.0.2", 10);
    simap_put(&f->facts.ct_zones, "web-1", 1);
    simap_put(&f->facts.ct_zones, "web-2", 2);
    simap_put(&f->facts.ct_zones, "web-3", 3);
}

/* The secgroups fixture on host A, computed. */
static void
fixture_secgroups(struct pipeline_fixture *f)
{
    pipeline_fixture_init(f, SG_FIXTURE, "10.20.0.1", 1);
    secgroups_facts(f);
    pipeline_fixture_compute(f);
}

/* Checks pipeline_range_to_masks() on ['start', 'end'] of a 'bits'-wide
 * field against the expected 'n' pairs 'expected' (NULL: only the count),
 * and, for up to 16 bits, value by value. */
static void
check_range(uint32_t start, uint32_t end, unsigned int bits,
            const struct pipeline_masked *expected, size_t n)
{
    struct pipeline_masked masks[PIPELINE_RANGE_MAX_MASKS];
    size_t got = pipeline_range_to_masks(start, end, bits, masks);
    ck_assert_msg(got == n, "[%"PRIu32", %"PRIu32"]: %"PRIuSIZE" pairs, "
                  "expected %"PRIuSIZE, start, end, got, n);
    for (size_t i = 0; expected && i < n; i++) {
        ck_assert_uint_eq(masks[i].value, expected[i].value);
        ck_assert_uint_eq(masks[i].mask, expected[i].mask);
    }
    if (bits <= 16) {
        for (uint32_t x = 0; x < (1u << bits); x++) {
            int matches = 0;
            for (size_t i = 0; i < got; i++) {
                matches += (x & masks[i].mask) == masks[i].value;
            }
            ck_assert_int_eq(matches, x >= start && x <= end);
        }
    }
}

START_TEST(test_range_masks)
{
    static const struct pipeline_masked r1000_2000[] = {
        { 1000, 0xfff8 },       /* 1000-1007 */
        { 1008, 0xfff0 },       /* 1008-1023 */
        { 1024, 0xfe00 },       /* 1024-1535 */
        { 1536, 0xff00 },       /* 1536-1791 */
        { 1792, 0xff80 },       /* 1792-1919 */
        { 1920, 0xffc0 },       /* 1920-1983 */
        { 1984, 0xfff0 },       /* 1984-1999 */
        { 2000, 0xffff },       /* 2000 */
    };
    check_range(1000, 2000, 16, r1000_2000, ARRAY_SIZE(r1000_2000));

    /* 1-65535: one prefix per bit, 1/0xffff, 2/0xfffe, ..., 32768/0x8000. */
    struct pipeline_masked all_but_0[16];
    for (int i = 0; i < 16; i++) {
        all_but_0[i].value = 1u << i;
        all_but_0[i].mask = 0xffff & ~((1u << i) - 1);
    }
    check_range(1, 65535, 16, all_but_0, 16);

    static const struct pipeline_masked single[] = { { 22, 0xffff } };
    check_range(22, 22, 16, single, 1);

    /* The whole field, as for ports 0/0: any value. */
    static const struct pipeline_masked any[] = { { 0, 0 } };
    check_range(0, 65535, 16, any, 1);

    static const struct pipeline_masked aligned[] = { { 1024, 0xfc00 } };
    check_range(1024, 2047, 16, aligned, 1);

    /* Worst case for 16 bits: 2 * 16 - 2. */
    check_range(1, 65534, 16, NULL, 30);

    /* 32 bits (addresses of a remote group). */
    static const struct pipeline_masked net24[] = {
        { 0x0a000000, 0xffffff00 },
    };
    check_range(0x0a000000, 0x0a0000ff, 32, net24, 1);
    check_range(0, UINT32_MAX, 32, any, 1);
    check_range(1, UINT32_MAX - 1, 32, NULL, 62);
}
END_TEST

START_TEST(test_seed_group)
{
    struct pipeline_fixture f;
    fixture_seed_host2(&f);
    ck_assert_msg(!f.warnings.n, "%s", f.warnings.names[0]);

    /* One rule per direction: ICMP with 172.16.1.0/24.  Its ipPrefix is
     * used, not its remoteGroupId (DESIGN.md section 4). */
    uint32_t e4 = expected_id(SEED_PORT_4 "/egress/" SEED_ICMP);
    uint32_t i4 = expected_id(SEED_PORT_4 "/ingress/" SEED_ICMP);
    uint32_t e5 = expected_id(SEED_PORT_5 "/egress/" SEED_ICMP);
    uint32_t i5 = expected_id(SEED_PORT_5 "/ingress/" SEED_ICMP);

    assert_conj(f.text, "table=15, priority=100,ct_state=-rpl-inv+trk,"
                "reg6=0x3", e4, 1, 3);
    assert_conj(f.text, "table=15, priority=100,ip,nw_dst=172.16.1.0/24",
                e4, 2, 3);
    assert_conj(f.text, "table=15, priority=100,icmp", e4, 3, 3);
    assert_conj(f.text, "table=15, priority=100,ip,nw_dst=172.16.1.0/24",
                e5, 2, 3);
    assert_conj(f.text, "table=15, priority=100,icmp", e5, 3, 3);

    /* Ingress matches the remote's source address, not nw_dst as the
     * seed's table 55 does. */
    assert_conj(f.text, "table=55, priority=100,ct_state=-rpl-inv+trk,"
                "reg7=0x4", i5, 1, 3);
    assert_conj(f.text, "table=55, priority=100,ip,nw_src=172.16.1.0/24",
                i4, 2, 3);
    assert_conj(f.text, "table=55, priority=100,ip,nw_src=172.16.1.0/24",
                i5, 2, 3);
    assert_conj(f.text, "table=55, priority=100,icmp", i4, 3, 3);
    ck_assert_int_eq(count_lines_with(f.text, " table=55, priority=100,"
                                      "ip,nw_dst="), 0);

    /* Commit with the rule's mark, in the port's zone. */
    char *line = xasprintf("table=15, priority=1000,conj_id=%"PRIu32",ip "
                           "actions=ct(commit,zone=1,exec(set_field:"
                           "%#"PRIx32"->ct_mark)),goto_table:20", e4, e4);
    test_assert_line(&f, line);
    free(line);
    line = xasprintf("table=55, priority=1000,conj_id=%"PRIu32",ip "
                     "actions=ct(commit,zone=2,exec(set_field:"
                     "%#"PRIx32"->ct_mark)),goto_table:60", i5, i5);
    test_assert_line(&f, line);
    free(line);

    /* Existing connections: the original direction with the table's own
     * direction's ids, replies with the other direction's. */
    line = xasprintf("table=15, priority=1500,ct_state=-new-rpl-inv+trk,"
                     "ct_mark=%#"PRIx32",reg6=0x3 actions=goto_table:20",
                     e4);
    test_assert_line(&f, line);
    free(line);
    line = xasprintf("table=15, priority=1500,ct_state=-new+rpl-inv+trk,"
                     "ct_mark=%#"PRIx32",reg6=0x3 actions=goto_table:20",
                     i4);
    test_assert_line(&f, line);
    free(line);
    line = xasprintf("table=55, priority=1500,ct_state=-new+rpl-inv+trk,"
                     "ct_mark=%#"PRIx32",reg7=0x4 actions=goto_table:60",
                     e5);
    test_assert_line(&f, line);
    free(line);

    test_assert_line(&f, "table=15, priority=2000,ct_state=+inv+trk "
                     "actions=drop");
    test_assert_line(&f, "table=55, priority=1 actions=drop");
    test_assert_line(&f, "table=50, priority=50 actions=goto_table:60");

    /* Per table: 2 defaults, per port 2 marks + 1 commit + 1 clause, and 2
     * shared clauses; per ct table: 1 default and 1 per port. */
    ck_assert_int_eq(count_lines_with(f.text, " table=15, "), 12);
    ck_assert_int_eq(count_lines_with(f.text, " table=55, "), 12);
    ck_assert_int_eq(count_sg_flows(f.text), 30);
    pipeline_fixture_destroy(&f);
}
END_TEST

START_TEST(test_golden_secgroups)
{
    struct pipeline_fixture f;
    fixture_secgroups(&f);

    ck_assert_int_eq(f.warnings.n, 1);
    ck_assert_str_eq(f.warnings.names[0], "subnet sg-subnet-web security "
                     "group sg-web rule 5: IPv6 rules are not supported "
                     "yet: skipped");
    test_check_golden(f.text, "golden/secgroups-host-a.txt");
    test_check_parse_back(&f);
    pipeline_fixture_destroy(&f);
}
END_TEST

START_TEST(test_secgroups_rules)
{
    struct pipeline_fixture f;
    fixture_secgroups(&f);

    /* web-1 ingress: TCP 22 from 10.0.0.0/8, three dimensions. */
    uint32_t ssh = expected_id("web-1/ingress/proto=6,ports=22-22,"
                               "remote=10.0.0.0/8");
    assert_conj(f.text, "table=55, priority=100,ct_state=-rpl-inv+trk,"
                "reg7=0x3", ssh, 1, 3);
    assert_conj(f.text, "table=55, priority=100,ip,nw_src=10.0.0.0/8",
                ssh, 2, 3);
    assert_conj(f.text, "table=55, priority=100,tcp,tp_dst=22", ssh, 3, 3);

    /* web-1 ingress: TCP 1000-2000 from anywhere: no remote dimension, the
     * range as 8 prefixes. */
    uint32_t range = expected_id("web-1/ingress/proto=6,ports=1000-2000,"
                                 "remote=any");
    static const char *const range_flows[] = {
        "tcp,tp_dst=0x3e8/0xfff8", "tcp,tp_dst=0x3f0/0xfff0",
        "tcp,tp_dst=0x400/0xfe00", "tcp,tp_dst=0x600/0xff00",
        "tcp,tp_dst=0x700/0xff80", "tcp,tp_dst=0x780/0xffc0",
        "tcp,tp_dst=0x7c0/0xfff0", "tcp,tp_dst=2000",
    };
    for (size_t i = 0; i < ARRAY_SIZE(range_flows); i++) {
        char *flow = xasprintf("table=55, priority=100,%s", range_flows[i]);
        assert_conj(f.text, flow, range, 2, 2);
        free(flow);
    }
    ck_assert_int_eq(count_lines_with(f.text, " table=55, priority=100,"
                                      "tcp,tp_dst="), 9);

    /* Any protocol from remote group sg-app: its members' fixed IPs in
     * both subnets, .20 and .21 merged into a /31. */
    uint32_t app1 = expected_id("web-1/ingress/proto=0,ports=any,"
                                "remote=group:sg-app");
    assert_conj(f.text, "table=55, priority=100,ip,nw_src=192.168.10.20/31",
                app1, 2, 2);
    assert_conj(f.text, "table=55, priority=100,ip,nw_src=192.168.20.5",
                app1, 2, 2);
    ck_assert_int_eq(count_lines_with(f.text, " table=55, priority=100,"
                                      "ip,nw_src=192.168."), 2);

    /* web-2 has the same rule in sg-web and sg-extra: one id.  Its "UDP 53
     * from sg-app" has the same remote matches: the remote flows are
     * shared, one flow with both rules' (and web-1's) actions. */
    uint32_t app2 = expected_id("web-2/ingress/proto=0,ports=any,"
                                "remote=group:sg-app");
    uint32_t dns2 = expected_id("web-2/ingress/proto=17,ports=53-53,"
                                "remote=group:sg-app");
    const char *members = "table=55, priority=100,ip,nw_src=192.168.10.20/31";
    assert_conj(f.text, members, app2, 2, 2);
    assert_conj(f.text, members, dns2, 2, 3);
    ck_assert_int_eq(count_conj(f.text, members), 3);
    assert_conj(f.text, "table=55, priority=100,udp,tp_dst=53", dns2, 3, 3);
    ck_assert_int_eq(count_lines_with(f.text, " table=55, priority=1000,"
                                      "conj_id="), 7);

    /* Egress: UDP 53 anywhere, anything to 192.168.0.0/16, ICMP. */
    uint32_t dns = expected_id("web-1/egress/proto=17,ports=53-53,"
                               "remote=any");
    uint32_t lan = expected_id("web-1/egress/proto=0,ports=any,"
                               "remote=192.168.0.0/16");
    uint32_t icmp = expected_id("web-2/egress/proto=1,ports=any,"
                                "remote=any");
    assert_conj(f.text, "table=15, priority=100,udp,tp_dst=53", dns, 2, 2);
    assert_conj(f.text, "table=15, priority=100,ip,nw_dst=192.168.0.0/16",
                lan, 2, 2);
    assert_conj(f.text, "table=15, priority=100,icmp", icmp, 2, 2);

    /* web-3 has no security group: anti-spoofing, conntrack, and nothing
     * that would allow a connection. */
    test_assert_line(&f, "table=5, priority=100,ip,in_port=5,"
                     "dl_src=fa:16:3e:00:10:0d,nw_src=192.168.10.13 "
                     "actions=goto_table:10");
    test_assert_line(&f, "table=5, priority=100,arp,in_port=5,"
                     "dl_src=fa:16:3e:00:10:0d,arp_spa=192.168.10.13,"
                     "arp_sha=fa:16:3e:00:10:0d actions=goto_table:20");
    test_assert_line(&f, "table=10, priority=100,ip,reg6=0x5 "
                     "actions=ct(table=15,zone=3)");
    test_assert_line(&f, "table=50, priority=100,ip,reg7=0x5 "
                     "actions=ct(table=55,zone=3)");
    ck_assert_int_eq(count_lines_with(f.text, "reg6=0x5 actions=conj"), 0);
    ck_assert_int_eq(count_lines_with(f.text, "reg7=0x5 actions=conj"), 0);
    /* A mark flow per id and table (2 * 12), and for the 3 rules from a
     * group one more each: related packets and the member check apart. */
    ck_assert_int_eq(count_lines_with(f.text, "ct_mark=0x"), 2 * 12 + 2 * 3);

    /* web-1's allowed address pair. */
    test_assert_line(&f, "table=5, priority=100,ip,in_port=3,"
                     "dl_src=fa:16:3e:00:10:64,nw_src=192.168.10.100 "
                     "actions=goto_table:10");
    pipeline_fixture_destroy(&f);
}
END_TEST

/* Returns a document with one subnet, 10.1.0.0/16: port "local" on host
 * 10.20.0.1 in group sg-l, and 'n_members' ports of group sg-r on host
 * 10.20.0.2 at every other address from 10.1.0.10 (so that no two merge).
 * sg-l allows ingress TCP 1000-2000 from sg-r and, if 'with_udp', UDP 53
 * from sg-r.  The caller frees the result. */
static char *
large_group_doc(size_t n_members, bool with_udp)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&s, "{\"code\":0,\"message\":\"\",\"Result\":{\"subnets\":["
                "{\"id\":\"big\",\"version\":1,\"vpcId\":\"v\","
                "\"tenantId\":\"t\",\"metadata\":1,\"vni\":1,\"mtu\":1450,"
                "\"network\":\"10.1.0.0/16\",\"dns\":null,\"routers\":null,"
                "\"dhcpPort\":null,\"gatewayPorts\":null,\"ports\":["
                "{\"id\":\"local\",\"version\":1,\"fixedip\":\"10.1.0.5\","
                "\"deviceId\":\"tap-local\",\"mac\":\"fa:16:3e:00:00:05\","
                "\"host\":\"10.20.0.1\",\"type\":0,"
                "\"securitygroupIds\":[\"sg-l\"]}");
    for (size_t i = 0; i < n_members; i++) {
        uint32_t ip = 0x0a01000a + 2 * i;
        ds_put_format(&s, ",{\"id\":\"m-%"PRIuSIZE"\",\"version\":1,"
                      "\"fixedip\":\""IP_FMT"\",\"deviceId\":\"\","
                      "\"mac\":\"fa:16:3e:01:%02x:%02x\","
                      "\"host\":\"10.20.0.2\",\"type\":0,"
                      "\"securitygroupIds\":[\"sg-r\"]}", i,
                      IP_ARGS(htonl(ip)), (unsigned int) (i >> 8) & 0xff,
                      (unsigned int) i & 0xff);
    }
    ds_put_cstr(&s, "],\"securitygroups\":[{\"id\":\"sg-r\","
                "\"securitygroupRules\":[]},{\"id\":\"sg-l\","
                "\"securitygroupRules\":[{\"direction\":0,\"type\":0,"
                "\"proto\":6,\"ipVersion\":0,\"portStart\":1000,"
                "\"portEnd\":2000,\"remoteGroupId\":\"sg-r\"}");
    if (with_udp) {
        ds_put_cstr(&s, ",{\"direction\":0,\"type\":0,\"proto\":17,"
                    "\"ipVersion\":0,\"portStart\":53,\"portEnd\":53,"
                    "\"remoteGroupId\":\"sg-r\"}");
    }
    ds_put_cstr(&s, "]}]}]}}");
    return ds_steal_cstr(&s);
}

/* Computes the pipeline of host 10.20.0.1 for large_group_doc() into 'f'
 * and returns its number of security-group flows. */
static int
large_group_flows(struct pipeline_fixture *f, bool with_udp)
{
    char *json = large_group_doc(1000, with_udp);
    pipeline_fixture_init_json(f, "large group", json, "10.20.0.1", 1);
    free(json);
    simap_put(&f->facts.port_ofports, "local", 3);
    simap_put(&f->facts.tunnel_ofports, "10.20.0.2", 10);
    simap_put(&f->facts.ct_zones, "local", 1);
    pipeline_fixture_compute(f);
    ck_assert_msg(!f->warnings.n, "%s", f->warnings.names[0]);
    return count_sg_flows(f->text);
}

START_TEST(test_flow_count_large_group)
{
    struct pipeline_fixture f;
    int n = large_group_flows(&f, false);
    ck_assert_int_eq(count_lines_with(f.text, "priority=100,ip,nw_src="),
                     1000);

    /* The member check of existing connections: the members again in
     * table 55 (the original direction) and in table 15 (the replies). */
    ck_assert_int_eq(count_lines_with(f.text, "table=55, priority=1500,ip,"
                                      "nw_src="), 1000);
    ck_assert_int_eq(count_lines_with(f.text, "table=15, priority=1500,ip,"
                                      "nw_dst="), 1000);
    ck_assert_msg(n < 3 * 1000 + 50, "%d flows", n);
    pipeline_fixture_destroy(&f);

    /* A second rule with the same remote group adds its own few flows,
     * not another 3 * 1000: the remote flows carry both rules' actions. */
    int n2 = large_group_flows(&f, true);
    ck_assert_msg(n2 < n + 15, "%d flows, %d with one rule", n2, n);
    ck_assert_int_eq(count_lines_with(f.text, "priority=100,ip,nw_src="),
                     1000);
    ck_assert_int_eq(count_conj(f.text, "table=55, priority=100,ip,"
                                "nw_src=10.1.0.10"), 2);
    ck_assert_int_eq(count_conj(f.text, "table=55, priority=100,ip,"
                                "nw_src=10.1.7.216"), 2);
    pipeline_fixture_destroy(&f);
}
END_TEST

START_TEST(test_conj_ids)
{
    struct pipeline_fixture a, b;
    fixture_secgroups(&a);

    /* Unique: one per port, direction and distinct rule (web-1: 2 egress,
     * 3 ingress; web-2: 3 egress, 4 ingress), each used once. */
    struct sset ids_a = SSET_INITIALIZER(&ids_a);
    ck_assert_int_eq(collect_conj_ids(a.text, &ids_a), 12);
    ck_assert_int_eq(sset_count(&ids_a), 12);

    /* Stable: the same again, and after recomputing. */
    fixture_secgroups(&b);
    ck_assert_str_eq(a.text, b.text);
    pipeline_fixture_compute(&b);
    ck_assert_str_eq(a.text, b.text);
    pipeline_fixture_destroy(&b);

    /* Not a function of ofports: other ofports, the same ids and marks. */
    pipeline_fixture_init(&b, SG_FIXTURE, "10.20.0.1", 1);
    secgroups_facts(&b);
    simap_put(&b.facts.port_ofports, "web-1", 503);
    simap_put(&b.facts.port_ofports, "web-2", 3);
    pipeline_fixture_compute(&b);
    ck_assert_str_ne(a.text, b.text);
    struct sset ids_b = SSET_INITIALIZER(&ids_b);
    collect_conj_ids(b.text, &ids_b);
    ck_assert(sset_equals(&ids_a, &ids_b));
    ck_assert_int_eq(count_lines_with(b.text, "ct_mark=0x"), 2 * 12 + 2 * 3);
    pipeline_fixture_destroy(&b);

    /* A port without an ofport yet moves no other port's id. */
    pipeline_fixture_init(&b, SG_FIXTURE, "10.20.0.1", 1);
    secgroups_facts(&b);
    simap_find_and_delete(&b.facts.port_ofports, "web-2");
    pipeline_fixture_compute(&b);
    sset_clear(&ids_b);
    ck_assert_int_eq(collect_conj_ids(b.text, &ids_b), 5);
    const char *id;
    SSET_FOR_EACH (id, &ids_b) {
        ck_assert(sset_contains(&ids_a, id));
    }
    pipeline_fixture_destroy(&b);

    sset_destroy(&ids_a);
    sset_destroy(&ids_b);
    pipeline_fixture_destroy(&a);
}
END_TEST

START_TEST(test_changed_rule_loses_its_id)
{
    struct pipeline_fixture a, b;
    fixture_secgroups(&a);

    /* Narrow web-1's and web-2's SSH rule from 10.0.0.0/8 to 10.0.0.0/16:
     * its connections' marks must no longer pass anywhere. */
    char *json = test_read_file(SG_FIXTURE);
    char *p = strstr(json, "\"10.0.0.0/8\"");
    ck_assert(p != NULL);
    struct ds changed = DS_EMPTY_INITIALIZER;
    ds_put_buffer(&changed, json, p - json);
    ds_put_cstr(&changed, "\"10.0.0.0/16\"");
    ds_put_cstr(&changed, p + strlen("\"10.0.0.0/8\""));
    pipeline_fixture_init_json(&b, "changed", ds_cstr(&changed),
                               "10.20.0.1", 1);
    secgroups_facts(&b);
    pipeline_fixture_compute(&b);

    uint32_t old = expected_id("web-1/ingress/proto=6,ports=22-22,"
                               "remote=10.0.0.0/8");
    uint32_t new = expected_id("web-1/ingress/proto=6,ports=22-22,"
                               "remote=10.0.0.0/16");
    char *old_mark = xasprintf("ct_mark=%#"PRIx32",", old);
    char *new_mark = xasprintf("ct_mark=%#"PRIx32",", new);
    ck_assert_int_eq(count_lines_with(a.text, old_mark), 2);
    ck_assert_int_eq(count_lines_with(b.text, old_mark), 0);
    ck_assert_int_eq(count_lines_with(b.text, new_mark), 2);
    free(old_mark);
    free(new_mark);

    /* The other rules keep their ids. */
    struct sset ids_a = SSET_INITIALIZER(&ids_a);
    struct sset ids_b = SSET_INITIALIZER(&ids_b);
    collect_conj_ids(a.text, &ids_a);
    collect_conj_ids(b.text, &ids_b);
    struct sset common = SSET_INITIALIZER(&common);
    const char *id;
    SSET_FOR_EACH (id, &ids_a) {
        if (sset_contains(&ids_b, id)) {
            sset_add(&common, id);
        }
    }
    ck_assert_int_eq(sset_count(&common), 10);

    sset_destroy(&common);
    sset_destroy(&ids_a);
    sset_destroy(&ids_b);
    ds_destroy(&changed);
    free(json);
    pipeline_fixture_destroy(&a);
    pipeline_fixture_destroy(&b);
}
END_TEST

/* Returns the secgroups fixture's JSON with app-1 (192.168.10.20) out of
 * sg-app (its securitygroupIds emptied).  The caller frees the result. */
static char *
secgroups_without_app1(void)
{
    char *json = test_read_file(SG_FIXTURE);
    const char *app1 = strstr(json, "\"id\": \"app-1\"");
    ck_assert(app1 != NULL);
    const char *ids = strstr(app1, "\"securitygroupIds\": [");
    const char *end = ids ? strchr(ids, ']') : NULL;
    ck_assert(end != NULL);

    struct ds changed = DS_EMPTY_INITIALIZER;
    ds_put_buffer(&changed, json, ids - json);
    ds_put_cstr(&changed, "\"securitygroupIds\": [");
    ds_put_cstr(&changed, end);
    free(json);
    return ds_steal_cstr(&changed);
}

START_TEST(test_member_check)
{
    struct pipeline_fixture a, b;
    fixture_secgroups(&a);

    /* web-1's ingress rule "anything from sg-app": an established packet
     * from a member passes by the conjunction of its mark and the members'
     * prefixes (nw_src in 55, nw_dst for the replies in 15); a related one
     * by its mark alone. */
    uint32_t app1 = expected_id("web-1/ingress/proto=0,ports=any,"
                                "remote=group:sg-app");
    uint32_t check = app1 | 0x80000000u;
    char *flow = xasprintf("table=55, priority=1500,ct_state=-new-rel-rpl"
                           "-inv+trk,ct_mark=%#"PRIx32",reg7=0x3", app1);
    assert_conj(a.text, flow, check, 1, 2);
    free(flow);
    flow = xasprintf("table=15, priority=1500,ct_state=-new-rel+rpl-inv"
                     "+trk,ct_mark=%#"PRIx32",reg6=0x3", app1);
    assert_conj(a.text, flow, check, 1, 2);
    free(flow);
    assert_conj(a.text, "table=55, priority=1500,ip,nw_src=192.168.10.20/31",
                check, 2, 2);
    assert_conj(a.text, "table=55, priority=1500,ip,nw_src=192.168.20.5",
                check, 2, 2);
    assert_conj(a.text, "table=15, priority=1500,ip,nw_dst=192.168.10.20/31",
                check, 2, 2);
    char *line = xasprintf("table=55, priority=1500,conj_id=%"PRIu32",ip "
                           "actions=goto_table:60", check);
    test_assert_line(&a, line);
    free(line);
    line = xasprintf("table=15, priority=1500,conj_id=%"PRIu32",ip "
                     "actions=goto_table:20", check);
    test_assert_line(&a, line);
    free(line);
    line = xasprintf("table=55, priority=1500,ct_state=-new+rel-rpl-inv+trk,"
                     "ct_mark=%#"PRIx32",reg7=0x3 actions=goto_table:60",
                     app1);
    test_assert_line(&a, line);
    free(line);

    /* A rule with a prefix keeps its one mark flow, without a check. */
    uint32_t ssh = expected_id("web-1/ingress/proto=6,ports=22-22,"
                               "remote=10.0.0.0/8");
    line = xasprintf("table=55, priority=1500,ct_state=-new-rpl-inv+trk,"
                     "ct_mark=%#"PRIx32",reg7=0x3 actions=goto_table:60",
                     ssh);
    test_assert_line(&a, line);
    free(line);
    char *ssh_check = xasprintf("conjunction(%"PRIu32",", ssh | 0x80000000u);
    ck_assert_int_eq(count_lines_with(a.text, ssh_check), 0);
    free(ssh_check);

    /* app-1 leaves sg-app: the rule keeps its id (and so the connections
     * of app-2 and app-3 keep passing), but app-1's address leaves the
     * member check in both tables, and the rules. */
    char *json = secgroups_without_app1();
    pipeline_fixture_init_json(&b, "app-1 removed", json, "10.20.0.1", 1);
    free(json);
    secgroups_facts(&b);
    pipeline_fixture_compute(&b);

    struct sset ids_a = SSET_INITIALIZER(&ids_a);
    struct sset ids_b = SSET_INITIALIZER(&ids_b);
    collect_conj_ids(a.text, &ids_a);
    collect_conj_ids(b.text, &ids_b);
    ck_assert(sset_equals(&ids_a, &ids_b));
    sset_destroy(&ids_a);
    sset_destroy(&ids_b);

    assert_conj(b.text, "table=55, priority=1500,ip,nw_src=192.168.10.21",
                check, 2, 2);
    assert_conj(b.text, "table=15, priority=1500,ip,nw_dst=192.168.10.21",
                check, 2, 2);
    assert_conj(b.text, "table=55, priority=1500,ip,nw_src=192.168.20.5",
                check, 2, 2);
    assert_conj(b.text, "table=55, priority=100,ip,nw_src=192.168.10.21",
                app1, 2, 2);
    ck_assert_int_eq(count_lines_with(a.text, "nw_src=192.168.10.20/31"), 2);
    ck_assert_int_eq(count_lines_with(a.text, "nw_dst=192.168.10.20/31"), 1);
    ck_assert_int_eq(count_lines_with(b.text, "nw_src=192.168.10.20"), 0);
    ck_assert_int_eq(count_lines_with(b.text, "nw_dst=192.168.10.20"), 0);
    pipeline_fixture_destroy(&a);
    pipeline_fixture_destroy(&b);
}
END_TEST

/* The document of the flow-size test: subnet 10.1.0.0/16 with
 * SIZE_PORTS local ports "l-N" (10.1.255.N) in group sg-l on host
 * 10.20.0.1, and 10,000 ports of group sg-r on host 10.20.0.2 at every
 * other address from 10.1.0.10, the first of which (10.1.0.10) is also in
 * the groups g-0 ... g-(SIZE_SHARED - 1).  sg-l allows ingress TCP
 * 1000-2000 from sg-r, TCP 3000 + i from 10.1.0.10/32 and TCP 4000 + i
 * from g-i, for i < SIZE_SHARED: 10.1.0.10 is the remote of
 * 1 + 2 * SIZE_SHARED rules of every local port.  The same document as
 * tests/functional/test-secgroup-big.sh writes. */
#define SIZE_PORTS 8
#define SIZE_MEMBERS 10000
#define SIZE_SHARED 400

/* Returns the document described above.  The caller frees the result. */
static char *
size_doc(void)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&s, "{\"code\":0,\"message\":\"\",\"Result\":{\"subnets\":["
                "{\"id\":\"big\",\"version\":1,\"vpcId\":\"v\","
                "\"tenantId\":\"t\",\"metadata\":1,\"vni\":1,\"mtu\":1450,"
                "\"network\":\"10.1.0.0/16\",\"dns\":null,\"routers\":null,"
                "\"dhcpPort\":null,\"gatewayPorts\":null,\"ports\":[");
    for (int i = 0; i < SIZE_PORTS; i++) {
        ds_put_format(&s, "{\"id\":\"l-%d\",\"version\":1,"
                      "\"fixedip\":\"10.1.255.%d\",\"deviceId\":\"tap-l-%d\","
                      "\"mac\":\"fa:16:3e:00:00:%02x\","
                      "\"host\":\"10.20.0.1\",\"type\":0,"
                      "\"securitygroupIds\":[\"sg-l\"]},", i + 1, i + 1,
                      i + 1, i + 1);
    }
    for (int i = 0; i < SIZE_MEMBERS; i++) {
        uint32_t ip = 0x0a01000a + 2 * i;
        ds_put_format(&s, "%s{\"id\":\"m-%d\",\"version\":1,"
                      "\"fixedip\":\""IP_FMT"\",\"deviceId\":\"\","
                      "\"mac\":\"fa:16:3e:01:%02x:%02x\","
                      "\"host\":\"10.20.0.2\",\"type\":0,"
                      "\"securitygroupIds\":[\"sg-r\"", i ? "," : "", i,
                      IP_ARGS(htonl(ip)), (i >> 8) & 0xff, i & 0xff);
        for (int j = 0; !i && j < SIZE_SHARED; j++) {
            ds_put_format(&s, ",\"g-%d\"", j);
        }
        ds_put_cstr(&s, "]}");
    }
    ds_put_cstr(&s, "],\"securitygroups\":[{\"id\":\"sg-r\","
                "\"securitygroupRules\":[]}");
    for (int j = 0; j < SIZE_SHARED; j++) {
        ds_put_format(&s, ",{\"id\":\"g-%d\",\"securitygroupRules\":[]}", j);
    }
    ds_put_cstr(&s, ",{\"id\":\"sg-l\",\"securitygroupRules\":["
                "{\"direction\":0,\"type\":0,\"proto\":6,\"ipVersion\":0,"
                "\"portStart\":1000,\"portEnd\":2000,"
                "\"remoteGroupId\":\"sg-r\"}");
    for (int j = 0; j < SIZE_SHARED; j++) {
        ds_put_format(&s, ",{\"direction\":0,\"type\":0,\"proto\":6,"
                      "\"ipVersion\":0,\"ipPrefix\":\"10.1.0.10/32\","
                      "\"portStart\":%d,\"portEnd\":%d}", 3000 + j, 3000 + j);
        ds_put_format(&s, ",{\"direction\":0,\"type\":0,\"proto\":6,"
                      "\"ipVersion\":0,\"portStart\":%d,\"portEnd\":%d,"
                      "\"remoteGroupId\":\"g-%d\"}", 4000 + j, 4000 + j, j);
    }
    ds_put_cstr(&s, "]}]}]}}");
    return ds_steal_cstr(&s);
}

/* Returns the priority of the flow on line 'line' of a desired table's
 * text, and sets '*table' to its table. */
static int
line_priority(const char *line, int *table)
{
    int priority = -1;
    const char *p = strstr(line, " table=");
    ck_assert(p && sscanf(p, " table=%d, priority=%d", table, &priority)
              == 2);
    return priority;
}

/* Checks that every conjunction id of 'text' has all its clause flows at
 * one priority of one table, and returns the number of distinct priorities
 * that table 55's conjunction() flows use. */
static int
check_conj_priorities(const char *text)
{
    struct simap priority_of = SIMAP_INITIALIZER(&priority_of);
    struct sset priorities_55 = SSET_INITIALIZER(&priorities_55);
    for (const char *line = text; *line; ) {
        size_t len = strcspn(line, "\n");
        char *copy = xmemdup0(line, len);
        const char *conj = strstr(copy, "conjunction(");
        if (conj) {
            int table;
            int priority = line_priority(copy, &table);
            if (table == 55) {
                char *name = xasprintf("%d", priority);
                sset_add(&priorities_55, name);
                free(name);
            }
            for (const char *p = conj; (p = strstr(p, "conjunction("));
                 p++) {
                char *key = xasprintf("%d/%.*s", table,
                                      (int) strcspn(p + 12, ","), p + 12);
                unsigned int value = table * 65536 + priority;
                if (!simap_put(&priority_of, key, value)) {
                    ck_assert_msg(simap_get(&priority_of, key) == value,
                                  "conjunction %s at two priorities", key);
                }
                free(key);
            }
        }
        free(copy);
        line += len + (line[len] == '\n');
    }
    int n = sset_count(&priorities_55);
    sset_destroy(&priorities_55);
    simap_destroy(&priority_of);
    return n;
}

START_TEST(test_flow_size_bound)
{
    struct pipeline_fixture f;
    char *json = size_doc();
    pipeline_fixture_init_json(&f, "flow size", json, "10.20.0.1", 1);
    free(json);
    for (int i = 0; i < SIZE_PORTS; i++) {
        char *id = xasprintf("l-%d", i + 1);
        simap_put(&f.facts.port_ofports, id, 3 + i);
        simap_put(&f.facts.ct_zones, id, 1 + i);
        free(id);
    }
    simap_put(&f.facts.tunnel_ofports, "10.20.0.2", 100);
    pipeline_fixture_compute(&f);
    ck_assert_msg(!f.warnings.n, "%s", f.warnings.names[0]);

    /* Every flow encodes to one OpenFlow 1.3 message. */
    size_t biggest = 0;
    const struct desired_flow *flow;
    HMAP_FOR_EACH (flow, node, &f.table.flows) {
        struct ofputil_flow_mod fm = {
            .match = flow->match,
            .priority = flow->priority,
            .new_cookie = htonll(flow->cookie),
            .table_id = flow->table_id,
            .command = OFPFC_ADD,
            .buffer_id = UINT32_MAX,
            .out_port = OFPP_ANY,
            .out_group = OFPG_ANY,
            .ofpacts = flow->ofpacts,
            .ofpacts_len = flow->ofpacts_len,
        };
        struct ofpbuf *msg = ofputil_encode_flow_mod(&fm,
                                                     OFPUTIL_P_OF13_OXM);
        biggest = MAX(biggest, msg->size);
        ofpbuf_delete(msg);
    }
    ck_assert_msg(biggest <= 65535, "a flow_mod of %"PRIuSIZE" bytes",
                  biggest);

    /* 10.1.0.10 is the remote of 801 rules of 8 ports, 6408 conjunctions
     * in table 55 at priority 100 (over 100 KB in one flow): they are
     * spread over priorities 100, 101, ...; the member check of the 401
     * group rules (3208) over 1500, 1501, ... */
    ck_assert_int_eq(count_lines_with(f.text, " table=55, priority=100,ip,"
                                      "nw_src=10.1.0.10 "), 1);
    ck_assert_int_ge(count_lines_with(f.text, ",ip,nw_src=10.1.0.10 "), 5);
    ck_assert_int_eq(count_lines_with(f.text, ",ip,nw_src=10.1.78.30 "), 2);
    ck_assert_int_ge(count_lines_with(f.text, " table=55, priority=1501,ip,"
                                      "nw_src=10.1.0.10 "), 1);
    int n_rule = 0, n_check = 0;
    for (const char *line = f.text; *line; ) {
        size_t len = strcspn(line, "\n");
        char *copy = xmemdup0(line, len);
        if (strstr(copy, ",ip,nw_src=10.1.0.10 actions=")) {
            int table;
            int priority = line_priority(copy, &table);
            ck_assert_int_eq(table, 55);
            int n = 0;
            for (const char *p = copy; (p = strstr(p, "conjunction("));
                 p++) {
                n++;
            }
            ck_assert_int_le(n, PIPELINE_CONJ_MAX_ACTIONS);
            *(priority < 1000 ? &n_rule : &n_check) += n;
        }
        free(copy);
        line += len + (line[len] == '\n');
    }
    ck_assert_int_eq(n_rule, SIZE_PORTS * (1 + 2 * SIZE_SHARED));
    ck_assert_int_eq(n_check, SIZE_PORTS * (1 + SIZE_SHARED));
    ck_assert_int_ge(check_conj_priorities(f.text), 3);

    /* The heavy conjunctions (the rule from sg-r, on 10,000 flows) stay
     * together at priority 100: the other members' flows are not split,
     * one flow each with the rule of every port. */
    ck_assert_int_eq(count_conj(f.text, "table=55, priority=100,ip,"
                                "nw_src=10.1.78.30"), SIZE_PORTS);
    pipeline_fixture_destroy(&f);
}
END_TEST

Suite *
test_secgroup_suite(void)
{
    Suite *s = suite_create("secgroup");
    TCase *tc = tcase_create("secgroup");
    tcase_add_test(tc, test_range_masks);
    tcase_add_test(tc, test_seed_group);
    tcase_add_test(tc, test_golden_secgroups);
    tcase_add_test(tc, test_secgroups_rules);
    tcase_add_test(tc, test_flow_count_large_group);
    tcase_add_test(tc, test_conj_ids);
    tcase_add_test(tc, test_changed_rule_loses_its_id);
    tcase_add_test(tc, test_member_check);
    tcase_add_test(tc, test_flow_size_bound);
    suite_add_tcase(s, tc);
    return s;
}
