/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Unit tests of the pipeline (lib/pipeline*.c): golden tables for the hosts
 * of seed 000's document, targeted assertions, determinism, id stability,
 * warnings, a parse-back of everything produced, and the flow-by-flow map
 * from seed 000's computeA dump to what the pipeline produces. */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "pipeline.h"
#include "pipeline-state.h"
#include "sset.h"
#include "suites.h"
#include "svec.h"
#include "util.h"

/* Ids of seed 000's document. */
#define SEED_PORT_4 "df51f6d0-8381-47a5-8fa5-a46a8b64e095"  /* compute1_ns */
#define SEED_PORT_5 "eef67bf2-3d99-458b-b2fe-0616259ba63e"  /* compute1_ns_2 */
#define SEED_PORT_3 "b115bdf0-ca9a-42e2-8f87-6b0e252ec9e3"  /* compute2_ns */

/* The seed's metadata tap MAC. */
#define TAP_MAC "fa:16:3e:25:fd:7e"

/* Parses the fixture document 'relative' (under tests/) into 'f' and
 * prepares empty facts for host 'local_ip' with the metadata tap on
 * ofport 'tap'. */
void
pipeline_fixture_init(struct pipeline_fixture *f, const char *relative,
                      const char *local_ip, uint32_t tap)
{
    char *json = test_read_file(relative);
    pipeline_fixture_init_json(f, relative, json, local_ip, tap);
    free(json);
}

/* Like pipeline_fixture_init() for the document text 'json', called 'name'
 * in messages. */
void
pipeline_fixture_init_json(struct pipeline_fixture *f, const char *name,
                           const char *json, const char *local_ip,
                           uint32_t tap)
{
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    char *error = model_parse(json, NULL, &f->model, &errors);
    ck_assert_msg(!error, "%s: %s", name, error);
    ck_assert_msg(!errors.n, "%s: %s", name, errors.names[0]);
    svec_destroy(&errors);

    ovs_be32 ip;
    ck_assert(ip_parse(local_ip, &ip));
    host_view_build(f->model, ip, &f->hv);

    pipeline_facts_init(&f->facts);
    f->facts.metadata_ofport = tap;
    ck_assert(eth_addr_from_string(TAP_MAC, &f->facts.metadata_mac));
    f->facts.metadata_port = 8848;
    desired_table_init(&f->table);
    svec_init(&f->warnings);
    f->text = NULL;
    f->assign_ids = true;
}

/* (Re)computes the pipeline of 'f' and its text.  Objects that the test
 * gave no id get one as the agent would on a fresh bridge. */
void
pipeline_fixture_compute(struct pipeline_fixture *f)
{
    if (f->assign_ids) {
        pipeline_facts_assign_ids(&f->facts, &f->hv);
    }

    desired_table_clear(&f->table);
    svec_clear(&f->warnings);
    pipeline_compute(f->model, &f->hv, &f->facts, &f->table, &f->warnings);

    struct ds s = DS_EMPTY_INITIALIZER;
    desired_table_format(&f->table, &s);
    free(f->text);
    f->text = ds_steal_cstr(&s);
}

/* Frees everything 'f' owns. */
void
pipeline_fixture_destroy(struct pipeline_fixture *f)
{
    free(f->text);
    svec_destroy(&f->warnings);
    desired_table_destroy(&f->table);
    pipeline_facts_destroy(&f->facts);
    host_view_destroy(&f->hv);
    model_unref(f->model);
}

/* Seed 000 on host 10.10.10.2: compute1_ns=3, compute1_ns_2=4, tunnels to
 * .3/.4/.5 = 10/11/12, tap=1, the ports in zones 1 and 2. */
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

/* Seed 000 on host 10.10.10.3: compute2_ns=3, tunnels to .2/.4/.5 =
 * 10/11/12, tap=1, the port in zone 1. */
static void
fixture_seed_host3(struct pipeline_fixture *f)
{
    pipeline_fixture_init(f, "fixtures/seed-000.json", "10.10.10.3", 1);
    simap_put(&f->facts.port_ofports, SEED_PORT_3, 3);
    simap_put(&f->facts.tunnel_ofports, "10.10.10.2", 10);
    simap_put(&f->facts.tunnel_ofports, "10.10.10.4", 11);
    simap_put(&f->facts.tunnel_ofports, "10.10.10.5", 12);
    simap_put(&f->facts.ct_zones, SEED_PORT_3, 1);
    pipeline_fixture_compute(f);
}

/* A model of seed 000's computeA (fixtures/seed-000-computeA.json): host
 * 10.0.0.1; subnet metadata 1 (172.19.29.0/24, VMs .4/.5/.3 on ofports
 * 4/9/3) and metadata 2 (10.100.10.0/24, VM .3 on ofport 5, VM .4 on host
 * 10.0.0.2 behind tunnel ofport 2); the router 10.0.0.100 behind tunnel
 * ofport 1; the tap on ofport 6; zones 1-4 for the local ports in that
 * order. */
static void
fixture_computea(struct pipeline_fixture *f)
{
    pipeline_fixture_init(f, "fixtures/seed-000-computeA.json", "10.0.0.1", 6);
    simap_put(&f->facts.port_ofports, "computeA-port-29-4", 4);
    simap_put(&f->facts.port_ofports, "computeA-port-29-5", 9);
    simap_put(&f->facts.port_ofports, "computeA-port-29-3", 3);
    simap_put(&f->facts.port_ofports, "computeA-port-10-3", 5);
    simap_put(&f->facts.tunnel_ofports, "10.0.0.100", 1);
    simap_put(&f->facts.tunnel_ofports, "10.0.0.2", 2);
    simap_put(&f->facts.ct_zones, "computeA-port-29-4", 1);
    simap_put(&f->facts.ct_zones, "computeA-port-29-5", 2);
    simap_put(&f->facts.ct_zones, "computeA-port-29-3", 3);
    simap_put(&f->facts.ct_zones, "computeA-port-10-3", 4);
    pipeline_fixture_compute(f);
}

/* Returns the number of lines of 'text' that end with 'suffix' (a flow
 * without its cookie, a group or a meter). */
int
test_count_lines(const char *text, const char *suffix)
{
    size_t len = strlen(suffix);
    int n = 0;
    for (const char *line = text; *line; ) {
        const char *end = strchr(line, '\n');
        size_t line_len = end ? end - line : strlen(line);
        if (line_len >= len && !memcmp(line + line_len - len, suffix, len)
            && (line_len == len || line[line_len - len - 1] == ' ')) {
            n++;
        }
        line += line_len + (end != NULL);
    }
    return n;
}

/* Asserts that 'f''s table has exactly one line ending with 'suffix'. */
void
test_assert_line(const struct pipeline_fixture *f, const char *suffix)
{
    if (test_count_lines(f->text, suffix) != 1) {
        fprintf(stderr, "table:\n%s", f->text);
        ck_abort_msg("missing: %s", suffix);
    }
}

/* Compares 'text' with the golden file 'relative', or rewrites the file
 * when JSTACK_UPDATE_GOLDEN=1. */
void
test_check_golden(const char *text, const char *relative)
{
    if (getenv("JSTACK_UPDATE_GOLDEN")
        && !strcmp(getenv("JSTACK_UPDATE_GOLDEN"), "1")) {
        FILE *file = fopen(test_path(relative), "w");
        ck_assert_msg(file != NULL, "%s: cannot write", relative);
        fputs(text, file);
        fclose(file);
        return;
    }
    char *golden = test_read_file(relative);
    ck_assert_msg(!strcmp(golden, text),
                  "%s differs (JSTACK_UPDATE_GOLDEN=1 rewrites it); "
                  "computed:\n%s", relative, text);
    free(golden);
}

START_TEST(test_golden_seed_host2)
{
    struct pipeline_fixture f;
    fixture_seed_host2(&f);
    ck_assert_msg(!f.warnings.n, "%s", f.warnings.names[0]);
    test_check_golden(f.text, "golden/seed-000-host-2.txt");
    pipeline_fixture_destroy(&f);
}
END_TEST

START_TEST(test_golden_seed_host3)
{
    struct pipeline_fixture f;
    fixture_seed_host3(&f);
    ck_assert_msg(!f.warnings.n, "%s", f.warnings.names[0]);
    test_check_golden(f.text, "golden/seed-000-host-3.txt");
    pipeline_fixture_destroy(&f);
}
END_TEST

START_TEST(test_seed_host2_assertions)
{
    struct pipeline_fixture f;
    fixture_seed_host2(&f);

    /* One tunnel classification flow per tunnel. */
    ck_assert_int_eq(test_count_lines(f.text, "priority=1000,tun_id=0x1,"
                     "in_port=10 actions="
                     "write_metadata:0x401/0xffffffff,goto_table:40"), 1);
    ck_assert_int_eq(test_count_lines(f.text, "priority=1000,tun_id=0x1,"
                     "in_port=11 actions="
                     "write_metadata:0x401/0xffffffff,goto_table:40"), 1);
    ck_assert_int_eq(test_count_lines(f.text, "priority=1000,tun_id=0x1,"
                     "in_port=12 actions="
                     "write_metadata:0x401/0xffffffff,goto_table:40"), 1);
    int n_tunnel = 0;
    for (const char *p = f.text; (p = strstr(p, "priority=1000,tun_id="));
         p++) {
        n_tunnel++;
    }
    ck_assert_int_eq(n_tunnel, 3);

    /* ARP answered in place for every address of the subnet. */
    static const char *const arp[][2] = {
        { "172.16.1.1", "fa:16:3e:97:64:ef" },  /* Gateway. */
        { "172.16.1.2", "fa:16:3e:f9:df:5d" },  /* DHCP port. */
        { "172.16.1.3", "fa:16:3e:5e:16:34" },  /* Remote VM. */
        { "172.16.1.4", "fa:16:3e:73:c9:74" },  /* Local VMs. */
        { "172.16.1.5", "fa:16:3e:8a:06:16" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(arp); i++) {
        char *line = xasprintf(
            "table=25, priority=100,arp,metadata=0x401,arp_tpa=%s,arp_op=1 "
            "actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
            "set_field:%s->eth_src,set_field:2->arp_op,"
            "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
            "set_field:%s->arp_sha,"
            "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
            "set_field:%s->arp_spa,IN_PORT", arp[i][0], arp[i][1],
            arp[i][1], arp[i][0]);
        test_assert_line(&f, line);
        free(line);
    }

    /* ECMP over the tunnels to the routers .4 and .5. */
    test_assert_line(&f, "group_id=1,type=select,bucket=actions=output:11,"
                "bucket=actions=output:12");

    /* L2: both local ports, and 172.16.1.3 through the tunnel to .3. */
    test_assert_line(&f, "table=45, priority=100,metadata=0x401,"
                "dl_dst=fa:16:3e:73:c9:74 actions=set_field:0x3->reg7,"
                "goto_table:50");
    test_assert_line(&f, "table=45, priority=100,metadata=0x401,"
                "dl_dst=fa:16:3e:8a:06:16 actions=set_field:0x4->reg7,"
                "goto_table:50");
    test_assert_line(&f, "table=45, priority=100,metadata=0x401,"
                "dl_dst=fa:16:3e:5e:16:34 actions=set_field:0x1->tun_id,"
                "set_field:0xa->reg7,goto_table:60");

    /* Meters for the rate-limited ports, applied in table 0. */
    test_assert_line(&f, "meter=1 kbps burst bands=type=drop rate=10000 "
                "burst_size=1000");
    test_assert_line(&f, "priority=100,in_port=3 actions=meter:1,"
                "set_field:0x3->reg6,write_metadata:0x401/0xffffffff,"
                "goto_table:5");

    /* Flooding: local ports and the host .3, local ports only from a
     * tunnel. */
    test_assert_line(&f, "group_id=16777216,type=all,"
                "bucket=actions=set_field:0x3->reg7,resubmit(,50),"
                "bucket=actions=set_field:0x4->reg7,resubmit(,50),"
                "bucket=actions=output:10");
    test_assert_line(&f, "group_id=16777217,type=all,"
                "bucket=actions=set_field:0x3->reg7,resubmit(,50),"
                "bucket=actions=set_field:0x4->reg7,resubmit(,50)");

    /* Conntrack in each port's own zone (test-secgroup.c checks the
     * security-group tables). */
    test_assert_line(&f, "table=10, priority=100,ip,reg6=0x3 "
                "actions=ct(table=15,zone=1)");
    test_assert_line(&f, "table=50, priority=100,ip,reg7=0x4 "
                "actions=ct(table=55,zone=2)");
    pipeline_fixture_destroy(&f);
}
END_TEST

/* Returns how many times 'needle' occurs in 'text'. */
static int
count_substrings(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++) {
        n++;
    }
    return n;
}

START_TEST(test_dhcp_punt)
{
    struct pipeline_fixture f;
    fixture_seed_host2(&f);

    /* Broadcast requests and those unicast to the DHCP port's MAC pass port
     * security above the IPv4 flow, whatever their source address. */
    test_assert_line(&f, "table=5, priority=110,udp,in_port=3,"
                     "dl_src=fa:16:3e:73:c9:74,dl_dst=ff:ff:ff:ff:ff:ff,"
                     "tp_src=68,tp_dst=67 actions=goto_table:20");
    test_assert_line(&f, "table=5, priority=110,udp,in_port=3,"
                     "dl_src=fa:16:3e:73:c9:74,dl_dst=fa:16:3e:f9:df:5d,"
                     "tp_src=68,tp_dst=67 actions=goto_table:20");
    ck_assert_int_eq(count_substrings(f.text, "tp_src=68,tp_dst=67 "
                                      "actions=goto_table:20"), 4);

    /* Table 20 sends both kinds to table 30. */
    test_assert_line(&f, "table=20, priority=100,udp,"
                     "dl_dst=ff:ff:ff:ff:ff:ff,tp_src=68,tp_dst=67 "
                     "actions=goto_table:30");
    test_assert_line(&f, "table=20, priority=100,udp,metadata=0x401,"
                     "dl_dst=fa:16:3e:f9:df:5d,tp_src=68,tp_dst=67 "
                     "actions=goto_table:30");

    /* One punt flow per port, each through its own pktps meter: the rate
     * meters of the two ports are 1 and 2, their DHCP meters 3 and 4. */
    test_assert_line(&f, "table=30, priority=100,udp,reg6=0x3,tp_src=68,"
                     "tp_dst=67 actions=meter:3,CONTROLLER:65535");
    test_assert_line(&f, "table=30, priority=100,udp,reg6=0x4,tp_src=68,"
                     "tp_dst=67 actions=meter:4,CONTROLLER:65535");
    test_assert_line(&f, "meter=3 pktps burst bands=type=drop rate=20 "
                     "burst_size=20");
    test_assert_line(&f, "meter=4 pktps burst bands=type=drop rate=20 "
                     "burst_size=20");
    pipeline_fixture_destroy(&f);

    /* The rate comes from the facts. */
    fixture_seed_host2(&f);
    f.facts.dhcp_rate = 5;
    pipeline_fixture_compute(&f);
    test_assert_line(&f, "meter=3 pktps burst bands=type=drop rate=5 "
                     "burst_size=5");
    pipeline_fixture_destroy(&f);

    /* A port without a DHCP meter id gets no punt flow, with a warning. */
    pipeline_fixture_init(&f, "fixtures/seed-000.json", "10.10.10.2", 1);
    f.assign_ids = false;
    simap_put(&f.facts.port_ofports, SEED_PORT_4, 3);
    simap_put(&f.facts.ct_zones, SEED_PORT_4, 1);
    simap_put(&f.facts.meter_ids, "rate/" SEED_PORT_4, 1);
    pipeline_fixture_compute(&f);
    ck_assert_int_eq(count_substrings(f.text, "table=30,"), 0);
    ck_assert(svec_contains_unsorted(&f.warnings, "port " SEED_PORT_4
                                     " has no DHCP meter yet: its DHCP "
                                     "requests are dropped"));
    pipeline_fixture_destroy(&f);
}
END_TEST

START_TEST(test_deterministic)
{
    struct pipeline_fixture a, b;
    fixture_seed_host2(&a);
    fixture_seed_host2(&b);
    pipeline_fixture_compute(&b);            /* Recomputing changes nothing. */
    ck_assert_str_eq(a.text, b.text);
    pipeline_fixture_destroy(&a);
    pipeline_fixture_destroy(&b);
}
END_TEST

/* The warning of a select group of seed 000's subnet that fails open. */
#define FAIL_OPEN_WARNING "subnet 1d05961d-e641-417e-8f19-803cae564547: " \
    "every virtual router is down: all keep their buckets (fail open)"

/* Returns how many flows of 'text' punt probe replies. */
static int
test_count_punts(const char *text)
{
    const char *punt = "dl_type=0x88cd actions=CONTROLLER:65535\n";
    int n = 0;
    for (const char *p = strstr(text, punt); p; p = strstr(p + 1, punt)) {
        n++;
    }
    return n;
}

/* Routers that the facts say are down leave the select group, unless
 * every router of the group that has a tunnel port is down (fail open);
 * probe replies are punted only from the routers' tunnel ports. */
START_TEST(test_down_routers)
{
    struct pipeline_fixture f;
    fixture_seed_host2(&f);

    /* One punt flow per router tunnel port (.4 = 11, .5 = 12), none from
     * any other port. */
    ck_assert_int_eq(test_count_punts(f.text), 2);
    test_assert_line(&f, "priority=1100,in_port=11,dl_src=77:66:55:44:33:22,"
                     "dl_dst=22:33:44:55:66:77,dl_type=0x88cd "
                     "actions=CONTROLLER:65535");
    test_assert_line(&f, "priority=1100,in_port=12,dl_src=77:66:55:44:33:22,"
                     "dl_dst=22:33:44:55:66:77,dl_type=0x88cd "
                     "actions=CONTROLLER:65535");

    /* .4 down: only .5's bucket. */
    sset_add(&f.facts.down_routers, "10.10.10.4");
    pipeline_fixture_compute(&f);
    test_assert_line(&f, "group_id=1,type=select,bucket=actions=output:12");
    ck_assert(!svec_contains_unsorted(&f.warnings, FAIL_OPEN_WARNING));
    /* The punt flows stay: a down router's replies bring it back. */
    ck_assert_int_eq(test_count_punts(f.text), 2);

    /* Both down: both buckets (fail open), with a warning. */
    sset_add(&f.facts.down_routers, "10.10.10.5");
    pipeline_fixture_compute(&f);
    test_assert_line(&f, "group_id=1,type=select,bucket=actions=output:11,"
                     "bucket=actions=output:12");
    ck_assert(svec_contains_unsorted(&f.warnings, FAIL_OPEN_WARNING));

    /* .5 down and .4 without a tunnel port: .5 is the only router the
     * group can reach, so it keeps it. */
    sset_find_and_delete(&f.facts.down_routers, "10.10.10.4");
    simap_find_and_delete(&f.facts.tunnel_ofports, "10.10.10.4");
    pipeline_fixture_compute(&f);
    test_assert_line(&f, "group_id=1,type=select,bucket=actions=output:12");
    ck_assert_int_eq(test_count_punts(f.text), 1);

    /* Up again: both buckets, no warning about failing open. */
    sset_clear(&f.facts.down_routers);
    simap_put(&f.facts.tunnel_ofports, "10.10.10.4", 11);
    pipeline_fixture_compute(&f);
    test_assert_line(&f, "group_id=1,type=select,bucket=actions=output:11,"
                     "bucket=actions=output:12");
    ck_assert(!svec_contains_unsorted(&f.warnings, FAIL_OPEN_WARNING));
    pipeline_fixture_destroy(&f);
}
END_TEST

/* pipeline_group_routers() by itself: order kept, routers without a
 * tunnel port never chosen, fail open only when some router is
 * reachable. */
START_TEST(test_group_routers)
{
    const ovs_be32 r4 = htonl(0x0a0a0a04), r5 = htonl(0x0a0a0a05);
    const ovs_be32 r6 = htonl(0x0a0a0a06);
    const ovs_be32 routers[] = { r6, r5, r4 };
    ovs_be32 buckets[ARRAY_SIZE(routers)];
    struct pipeline_facts facts;
    size_t n;

    pipeline_facts_init(&facts);
    ck_assert(!pipeline_group_routers(&facts, routers, 3, buckets, &n));
    ck_assert_uint_eq(n, 0);

    simap_put(&facts.tunnel_ofports, "10.10.10.4", 4);
    simap_put(&facts.tunnel_ofports, "10.10.10.6", 6);
    ck_assert(!pipeline_group_routers(&facts, routers, 3, buckets, &n));
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(buckets[0], r6);
    ck_assert_uint_eq(buckets[1], r4);

    sset_add(&facts.down_routers, "10.10.10.6");
    sset_add(&facts.down_routers, "10.10.10.5");
    ck_assert(!pipeline_group_routers(&facts, routers, 3, buckets, &n));
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(buckets[0], r4);

    sset_add(&facts.down_routers, "10.10.10.4");
    ck_assert(pipeline_group_routers(&facts, routers, 3, buckets, &n));
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(buckets[0], r6);
    ck_assert_uint_eq(buckets[1], r4);

    ck_assert(!pipeline_group_routers(&facts, routers, 0, buckets, &n));
    ck_assert_uint_eq(n, 0);

    /* Down routers count in equality, and swapped facts keep them. */
    struct pipeline_facts same;
    pipeline_facts_init(&same);
    simap_put(&same.tunnel_ofports, "10.10.10.4", 4);
    simap_put(&same.tunnel_ofports, "10.10.10.6", 6);
    ck_assert(!pipeline_facts_equal(&facts, &same));
    sset_clone(&same.down_routers, &facts.down_routers);
    ck_assert(pipeline_facts_equal(&facts, &same));
    pipeline_facts_destroy(&same);

    struct pipeline_facts other;
    pipeline_facts_init(&other);
    pipeline_facts_swap(&facts, &other);
    ck_assert_uint_eq(sset_count(&facts.down_routers), 0);
    ck_assert(sset_contains(&other.down_routers, "10.10.10.4"));
    sset_add(&other.down_routers, "10.10.10.7");
    ck_assert_uint_eq(sset_count(&other.down_routers), 4);
    pipeline_facts_destroy(&other);
    pipeline_facts_destroy(&facts);
}
END_TEST

/* Appends to 's' the group and meter lines of 'text' with their ids only
 * ("group_id=N" / "meter=N"), one per line. */
static void
collect_ids(const char *text, struct ds *s)
{
    for (const char *p = text; (p = strstr(p, "\n")) && p[1]; p++) {
        const char *line = p + 1;
        if (!strncmp(line, "group_id=", 9) || !strncmp(line, "meter=", 6)) {
            size_t n = strcspn(line, ", ");
            ds_put_buffer(s, line, n);
            ds_put_char(s, '\n');
        }
    }
}

START_TEST(test_ids_do_not_depend_on_ofports)
{
    struct pipeline_fixture a, b;
    fixture_seed_host2(&a);
    fixture_seed_host2(&b);
    simap_put(&b.facts.port_ofports, SEED_PORT_4, 40);
    simap_put(&b.facts.port_ofports, SEED_PORT_5, 7);
    simap_put(&b.facts.tunnel_ofports, "10.10.10.4", 99);
    simap_put(&b.facts.tunnel_ofports, "10.10.10.5", 2);
    pipeline_fixture_compute(&b);
    ck_assert_str_ne(a.text, b.text);

    struct ds ids_a = DS_EMPTY_INITIALIZER, ids_b = DS_EMPTY_INITIALIZER;
    collect_ids(a.text, &ids_a);
    collect_ids(b.text, &ids_b);
    ck_assert_str_eq(ds_cstr(&ids_a), "group_id=1\ngroup_id=16777216\n"
                     "group_id=16777217\nmeter=1\nmeter=2\nmeter=3\n"
                     "meter=4\n");
    ck_assert_str_eq(ds_cstr(&ids_a), ds_cstr(&ids_b));
    ds_destroy(&ids_a);
    ds_destroy(&ids_b);

    /* Routers are bucketed in address order, whatever the ofports. */
    test_assert_line(&b, "group_id=1,type=select,bucket=actions=output:99,"
                "bucket=actions=output:2");
    pipeline_fixture_destroy(&a);
    pipeline_fixture_destroy(&b);
}
END_TEST

START_TEST(test_warnings)
{
    struct pipeline_fixture f;
    pipeline_fixture_init(&f, "fixtures/seed-000.json", "10.10.10.2", 0);
    simap_put(&f.facts.port_ofports, SEED_PORT_4, 3);
    simap_put(&f.facts.tunnel_ofports, "10.10.10.4", 11);
    /* Every id but the port's conntrack zone. */
    pipeline_fixture_compute(&f);
    simap_find_and_delete(&f.facts.ct_zones, SEED_PORT_4);
    f.assign_ids = false;
    pipeline_fixture_compute(&f);

    struct ds all = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < f.warnings.n; i++) {
        ds_put_format(&all, "%s\n", f.warnings.names[i]);
    }
    const char *w = ds_cstr(&all);
    ck_assert_msg(strstr(w, "port " SEED_PORT_5 " (interface "
                         "\"compute1_ns_2\") has no ofport"), "%s", w);
    ck_assert_msg(strstr(w, "no tunnel port to 10.10.10.3"), "%s", w);
    ck_assert_msg(strstr(w, "no tunnel port to 10.10.10.5"), "%s", w);
    ck_assert_msg(strstr(w, "port " SEED_PORT_4 " has no conntrack zone"),
                  "%s", w);
    ck_assert_msg(strstr(w, "no metadata tap"), "%s", w);
    ds_destroy(&all);

    /* Sorted, without duplicates. */
    for (size_t i = 1; i < f.warnings.n; i++) {
        ck_assert_int_lt(strcmp(f.warnings.names[i - 1],
                                f.warnings.names[i]), 0);
    }

    /* The missing port has no flows, the missing tunnels neither; the
     * group keeps the router it can reach. */
    ck_assert_ptr_null(strstr(f.text, "fa:16:3e:8a:06:16 actions=set"));
    ck_assert_ptr_null(strstr(f.text, "in_port=10 "));
    ck_assert_ptr_null(strstr(f.text, "table=35,"));
    test_assert_line(&f, "group_id=1,type=select,bucket=actions=output:11");
    test_assert_line(&f, "table=10, priority=100,ip,reg6=0x3 actions=drop");
    test_assert_line(&f, "table=50, priority=100,ip,reg7=0x3 actions=drop");
    ck_assert_ptr_null(strstr(f.text, "reg6=0x3 actions=conjunction"));
    test_assert_line(&f, "priority=100,in_port=3 actions=meter:1,"
                "set_field:0x3->reg6,write_metadata:0x401/0xffffffff,"
                "goto_table:5");
    pipeline_fixture_destroy(&f);
}
END_TEST

/* Parses every line of the text of 'f''s table back with OVS's own parsers
 * (as ovs-ofctl add-flows, add-groups and add-meter would) and checks that
 * each flow formats back to the same line.  Then checks that every flow of
 * the table, which the stages built from OVS's structures, is exactly what
 * its text parses to: the same match, and actions that OpenFlow 1.3
 * encodes to the same bytes (the structures themselves have uninitialized
 * padding). */
void
test_check_parse_back(const struct pipeline_fixture *f)
{
    char *copy = xstrdup(f->text);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        enum ofputil_protocol usable;
        char *error;
        if (!strncmp(line, "group_id=", 9)) {
            struct ofputil_group_mod gm;
            error = parse_ofp_group_mod_str(&gm, OFPGC11_ADD, line, NULL,
                                            NULL, &usable);
            if (!error) {
                ofputil_uninit_group_mod(&gm);
            }
        } else if (!strncmp(line, "meter=", 6)) {
            struct ofputil_meter_mod mm;
            error = parse_ofp_meter_mod_str(&mm, line, OFPMC13_ADD, &usable);
            if (!error) {
                free(mm.meter.bands);
            }
        } else {
            struct ofputil_flow_mod fm;
            error = parse_ofp_flow_mod_str(&fm, line, NULL, NULL, OFPFC_ADD,
                                           &usable);
            if (!error) {
                struct ofputil_flow_stats fs = {
                    .cookie = fm.new_cookie,
                    /* No "table=" means table 0 to add-flows. */
                    .table_id = fm.table_id == 255 ? 0 : fm.table_id,
                    .priority = fm.priority,
                    .ofpacts = fm.ofpacts,
                    .ofpacts_len = fm.ofpacts_len,
                };
                minimatch_expand(&fm.match, &fs.match);
                struct ds s = DS_EMPTY_INITIALIZER;
                ofputil_flow_stats_format(&s, &fs, NULL, NULL, false);
                ck_assert_str_eq(ds_cstr(&s), line);
                ds_destroy(&s);
                minimatch_destroy(&fm.match);
                free(fm.ofpacts);
            }
        }
        ck_assert_msg(!error, "%s: %s", line, error);
        ck_assert_msg(usable & OFPUTIL_P_OF13_OXM, "%s: not OF1.3", line);
    }
    free(copy);

    const struct desired_flow *flow;
    HMAP_FOR_EACH (flow, node, &f->table.flows) {
        struct ds s = DS_EMPTY_INITIALIZER;
        desired_flow_format(flow, &s);
        struct ofputil_flow_mod fm;
        enum ofputil_protocol usable;
        char *error = parse_ofp_flow_mod_str(&fm, ds_cstr(&s), NULL, NULL,
                                             OFPFC_ADD, &usable);
        ck_assert_msg(!error, "%s: %s", ds_cstr(&s), error);
        ck_assert_msg(minimatch_equal(&fm.match, &flow->match),
                      "%s: the built match is not the parsed one",
                      ds_cstr(&s));
        struct ofpbuf parsed, built;
        ofpbuf_init(&parsed, 0);
        ofpbuf_init(&built, 0);
        ofpacts_put_openflow_instructions(fm.ofpacts, fm.ofpacts_len,
                                          &parsed, OFP13_VERSION);
        ofpacts_put_openflow_instructions(flow->ofpacts, flow->ofpacts_len,
                                          &built, OFP13_VERSION);
        ck_assert_msg(parsed.size == built.size
                      && (!parsed.size
                          || !memcmp(parsed.data, built.data, parsed.size)),
                      "%s: the built actions are not the parsed ones",
                      ds_cstr(&s));
        ofpbuf_uninit(&parsed);
        ofpbuf_uninit(&built);
        minimatch_destroy(&fm.match);
        free(fm.ofpacts);
        ds_destroy(&s);
    }
}

START_TEST(test_parse_back)
{
    struct pipeline_fixture f;
    fixture_seed_host2(&f);
    test_check_parse_back(&f);
    pipeline_fixture_destroy(&f);

    fixture_seed_host3(&f);
    test_check_parse_back(&f);
    pipeline_fixture_destroy(&f);

    fixture_computea(&f);
    test_check_parse_back(&f);
    pipeline_fixture_destroy(&f);
}
END_TEST

/* One flow (or group) of seed 000's computeA dump and the one the pipeline
 * produces for the same situation. */
struct seed_case {
    const char *seed;   /* As dumped, without cookie and statistics. */
    const char *ours;   /* What we produce (without cookie), NULL if we
                         * deliberately produce nothing for it. */
    const char *why;    /* Why 'ours' differs from 'seed', NULL if the two
                         * are the same flow field by field. */
};

#define VM_29_4 "fa:16:3e:6c:e5:40"
#define VM_29_5 "fa:16:3e:e3:74:d9"
#define VM_29_3 "fa:16:3e:a2:06:26"
#define VM_10_3 "fa:16:3e:d3:af:d4"
#define VM_10_4 "fa:16:3e:b2:aa:7b"
#define GW_29 "fa:16:3e:15:9a:ce"
#define GW_10 "fa:16:3e:12:78:6f"
#define ARP_REPLY(MAC, IP)                                              \
    "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:" MAC "->eth_src," \
    "set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"      \
    "set_field:" MAC "->arp_sha,move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[]," \
    "set_field:" IP "->arp_spa,IN_PORT"

/* Differences explained once. */
#define WHY_ZONE "a conntrack zone per local port, as an immediate " \
    "(metadata[0..15] collides, and a zone per subnet would let the " \
    "sender's commit skip the receiver's ingress rules)"
#define WHY_MARK "existing connections pass only with the ct_mark of " \
    "one of the port's current rules (lib/pipeline-secgroup.c)"
#define WHY_NEWREL "a new related connection is checked by the rules " \
    "like any new one"
#define WHY_RULES "one conjunction per rule with its own id, and the " \
    "computeA fixture has no security groups (the seed's document for " \
    "computeA is not known); tests/unit/test-secgroup.c checks the " \
    "scheme"
#define WHY_VNI "the seed gives both computeA subnets tun_id 0xa, so " \
    "tunnel traffic cannot be told apart; our model gives subnet 1 vni 0xb"
#define WHY_DHCP_PORTSEC "above the priority-100 IPv4 flow, which a " \
    "broadcast renewal from the port's own address also matches (same " \
    "priority, overlapping: the switch may pick either)"
#define WHY_DHCP_PUNT "one punt flow per local port (reg6) through the " \
    "port's own pktps meter (jstack-dhcp-rate), so that one flooding VM " \
    "cannot starve the agent or the others; test_dhcp_punt checks them"
#define WHY_GROUP_ID "group ids come from the sorted router sets " \
    "(pipeline-groups.c), not from the seed's arbitrary 10"

static const struct seed_case computea_cases[] = {
    /* Table 0. */
#define SAME(FLOW) { FLOW, FLOW, NULL }
    SAME("priority=1000,tun_id=0xa,in_port=1 actions="
         "write_metadata:0x2/0xffffffff,goto_table:40"),
    SAME("priority=1000,tun_id=0xa,in_port=2 actions="
         "write_metadata:0x2/0xffffffff,goto_table:40"),
    { "priority=200,dl_src=77:66:55:44:33:22,dl_dst=22:33:44:55:66:77,"
      "dl_type=0x88cd actions=CONTROLLER:65535",
      "priority=1100,in_port=1,dl_src=77:66:55:44:33:22,"
      "dl_dst=22:33:44:55:66:77,dl_type=0x88cd actions=CONTROLLER:65535",
      "above the priority-1000 tunnel flows, which would otherwise catch "
      "a probe reply carrying a subnet's tun_id, and only from the "
      "router's tunnel port (1): from any port, a VM could forge replies" },
    SAME("priority=100,in_port=4 actions=set_field:0x4->reg6,"
         "write_metadata:0x1/0xffffffff,goto_table:5"),
    SAME("priority=100,in_port=9 actions=set_field:0x9->reg6,"
         "write_metadata:0x1/0xffffffff,goto_table:5"),
    SAME("priority=100,in_port=3 actions=set_field:0x3->reg6,"
         "write_metadata:0x1/0xffffffff,goto_table:5"),
    SAME("priority=100,in_port=5 actions=set_field:0x5->reg6,"
         "write_metadata:0x2/0xffffffff,goto_table:5"),
    { "priority=100,in_port=6 actions=goto_table:37",
      "priority=100,in_port=6 actions=goto_table:37", NULL },

    /* Table 5. */
    { "table=5, priority=200,tcp,nw_dst=169.254.169.254,tp_dst=80 "
      "actions=goto_table:20",
      "table=5, priority=200,tcp,nw_dst=169.254.169.254,tp_dst=80 "
      "actions=goto_table:20", NULL },
#define PORTSEC(OFPORT, MAC, IP)                                          \
    { "table=5, priority=100,ip,in_port=" OFPORT ",dl_src=" MAC          \
      ",nw_src=" IP " actions=goto_table:10",                             \
      "table=5, priority=100,ip,in_port=" OFPORT ",dl_src=" MAC          \
      ",nw_src=" IP " actions=goto_table:10", NULL },                     \
    { "table=5, priority=100,arp,in_port=" OFPORT ",dl_src=" MAC         \
      ",arp_spa=" IP ",arp_sha=" MAC " actions=goto_table:20",            \
      "table=5, priority=100,arp,in_port=" OFPORT ",dl_src=" MAC         \
      ",arp_spa=" IP ",arp_sha=" MAC " actions=goto_table:20", NULL },    \
    { "table=5, priority=100,udp,in_port=" OFPORT ",dl_src=" MAC         \
      ",dl_dst=ff:ff:ff:ff:ff:ff,tp_src=68,tp_dst=67 "                    \
      "actions=goto_table:20",                                            \
      "table=5, priority=110,udp,in_port=" OFPORT ",dl_src=" MAC         \
      ",dl_dst=ff:ff:ff:ff:ff:ff,tp_src=68,tp_dst=67 "                    \
      "actions=goto_table:20", WHY_DHCP_PORTSEC }
    PORTSEC("4", VM_29_4, "172.19.29.4"),
    PORTSEC("9", VM_29_5, "172.19.29.5"),
    PORTSEC("3", VM_29_3, "172.19.29.3"),
    PORTSEC("5", VM_10_3, "10.100.10.3"),
#undef PORTSEC

    /* Tables 10 and 15. */
#define CT(TABLE, REG, OFPORT, NEXT, ZONE)                                \
    { "table=" TABLE ", priority=100,ip," REG "=" OFPORT " actions="      \
      "ct(table=" NEXT ",zone=OXM_OF_METADATA[0..15])",                   \
      "table=" TABLE ", priority=100,ip," REG "=" OFPORT " actions="      \
      "ct(table=" NEXT ",zone=" ZONE ")", WHY_ZONE }
    CT("10", "reg6", "0x4", "15", "1"),
    CT("10", "reg6", "0x9", "15", "2"),
    CT("10", "reg6", "0x3", "15", "3"),
    CT("10", "reg6", "0x5", "15", "4"),
    SAME("table=10, priority=50 actions=goto_table:20"),
#define SG_TABLE(T, NEXT, REG, FIELD, CLAUSE, BASE)                          \
    { "table=" T ", priority=2000,ct_state=-new+est-rel-inv+trk "         \
      "actions=goto_table:" NEXT, NULL, WHY_MARK },                       \
    { "table=" T ", priority=2000,ct_state=-new+rel-inv+trk "             \
      "actions=goto_table:" NEXT, NULL, WHY_MARK },                       \
    { "table=" T ", priority=2000,ct_state=+new+rel-inv+trk,ip "          \
      "actions=ct(commit,table=" NEXT ",zone=NXM_NX_CT_ZONE[])", NULL,    \
      WHY_NEWREL },                                                       \
    SAME("table=" T ", priority=2000,ct_state=+inv+trk actions=drop"),    \
    SG_PORT(T, NEXT, REG, FIELD, CLAUSE, "0x4", BASE "4"),              \
    SG_PORT(T, NEXT, REG, FIELD, CLAUSE, "0x9", BASE "9"),              \
    SG_PORT(T, NEXT, REG, FIELD, CLAUSE, "0x3", BASE "3"),              \
    SG_PORT(T, NEXT, REG, FIELD, CLAUSE, "0x5", BASE "5"),              \
    SAME("table=" T ", priority=1 actions=drop")
#define SG_PORT(T, NEXT, REG, FIELD, CLAUSE, OFPORT, ID)                  \
    { "table=" T ", priority=1000,conj_id=" ID ",ip," REG "=" OFPORT " "  \
      "actions=ct(commit,table=" NEXT ",zone=NXM_NX_CT_ZONE[])", NULL,    \
      WHY_RULES },                                                        \
    { "table=" T ", priority=100,ct_state=+new-est-rel-inv+trk," REG "="  \
      OFPORT " actions=conjunction(" ID ",1/2)", NULL, WHY_RULES },       \
    { "table=" T ", priority=100," CLAUSE "," REG "=" OFPORT "," FIELD    \
      "=172.19.29.0/24 actions=conjunction(" ID ",2/2)", NULL,           \
      WHY_RULES },                                                        \
    { "table=" T ", priority=100," CLAUSE "," REG "=" OFPORT "," FIELD    \
      "=10.100.10.0/24 actions=conjunction(" ID ",2/2)", NULL,           \
      WHY_RULES }
    /* The seed's conjunction ids are ofport (egress) and 500 + ofport
     * (ingress): they collide after 500 ports. */
    SG_TABLE("15", "20", "reg6", "nw_dst", "icmp", ""),

    /* Table 20. */
    { "table=20, priority=200,tcp,nw_dst=169.254.169.254,tp_dst=80 "
      "actions=goto_table:35",
      "table=20, priority=200,tcp,nw_dst=169.254.169.254,tp_dst=80 "
      "actions=goto_table:35", NULL },
    { "table=20, priority=100,arp actions=goto_table:25",
      "table=20, priority=100,arp actions=goto_table:25", NULL },
    { "table=20, priority=100,udp,dl_dst=ff:ff:ff:ff:ff:ff,tp_src=68,"
      "tp_dst=67 actions=goto_table:30",
      "table=20, priority=100,udp,dl_dst=ff:ff:ff:ff:ff:ff,tp_src=68,"
      "tp_dst=67 actions=goto_table:30", NULL },
    { "table=20, priority=50 actions=goto_table:40",
      "table=20, priority=50 actions=goto_table:40", NULL },

    /* Table 25. */
#define ARP(META, IP, MAC)                                                \
    { "table=25, priority=100,arp,metadata=" META ",arp_tpa=" IP         \
      ",arp_op=1 actions=" ARP_REPLY(MAC, IP),                            \
      "table=25, priority=100,arp,metadata=" META ",arp_tpa=" IP         \
      ",arp_op=1 actions=" ARP_REPLY(MAC, IP), NULL }
    ARP("0x1", "172.19.29.4", VM_29_4),
    ARP("0x1", "172.19.29.5", VM_29_5),
    ARP("0x1", "172.19.29.3", VM_29_3),
    ARP("0x1", "172.19.29.1", GW_29),
    ARP("0x2", "10.100.10.3", VM_10_3),
    ARP("0x2", "10.100.10.4", VM_10_4),
    ARP("0x2", "10.100.10.1", GW_10),
#undef ARP

    /* Table 30. */
    { "table=30, priority=100,udp,metadata=0x1,dl_dst=ff:ff:ff:ff:ff:ff,"
      "tp_src=68,tp_dst=67 actions=CONTROLLER:65535", NULL, WHY_DHCP_PUNT },
    { "table=30, priority=100,udp,metadata=0x2,dl_dst=ff:ff:ff:ff:ff:ff,"
      "tp_src=68,tp_dst=67 actions=CONTROLLER:65535", NULL, WHY_DHCP_PUNT },

    /* Tables 35, 36. */
    { "table=35, priority=100,tcp,nw_dst=169.254.169.254,tp_dst=80 "
      "actions=set_field:8848->tcp_dst,set_field:" TAP_MAC "->eth_dst,"
      "goto_table:36",
      "table=35, priority=100,tcp,nw_dst=169.254.169.254,tp_dst=80 "
      "actions=set_field:8848->tcp_dst,set_field:" TAP_MAC "->eth_dst,"
      "goto_table:36", NULL },
    { "table=36, priority=200,tcp,tcp_flags=+syn-ack "
      "actions=CONTROLLER:65535", NULL,
      "replaced by proactive per-port reply flows in table 37 (DESIGN)" },
    { "table=36, priority=100,tcp,nw_dst=169.254.169.254 "
      "actions=move:NXM_NX_REG6[]->NXM_OF_IP_SRC[],"
      "load:0x1->NXM_OF_IP_SRC[31],output:6",
      "table=36, priority=100,tcp,nw_dst=169.254.169.254 "
      "actions=move:NXM_NX_REG6[]->NXM_OF_IP_SRC[],"
      "load:0x1->NXM_OF_IP_SRC[31],output:6", NULL },

    /* Table 45. */
#define L2_LOCAL(META, MAC, OFPORT)                                       \
    { "table=45, priority=100,metadata=" META ",dl_dst=" MAC             \
      " actions=set_field:" OFPORT "->reg7,goto_table:50",                \
      "table=45, priority=100,metadata=" META ",dl_dst=" MAC             \
      " actions=set_field:" OFPORT "->reg7,goto_table:50", NULL }
    L2_LOCAL("0x1", VM_29_4, "0x4"),
    L2_LOCAL("0x1", VM_29_5, "0x9"),
    L2_LOCAL("0x1", VM_29_3, "0x3"),
    L2_LOCAL("0x2", VM_10_3, "0x5"),
#undef L2_LOCAL
    { "table=45, priority=100,metadata=0x1,dl_dst=" GW_29 " "
      "actions=set_field:0xa->tun_id,goto_table:60",
      "table=45, priority=100,metadata=0x1,dl_dst=" GW_29 " "
      "actions=set_field:0xb->tun_id,goto_table:60", WHY_VNI },
    { "table=45, priority=100,metadata=0x2,dl_dst=" VM_10_4 " "
      "actions=set_field:0xa->tun_id,set_field:0x2->reg7,goto_table:60",
      "table=45, priority=100,metadata=0x2,dl_dst=" VM_10_4 " "
      "actions=set_field:0xa->tun_id,set_field:0x2->reg7,goto_table:60",
      NULL },
    { "table=45, priority=100,metadata=0x2,dl_dst=" GW_10 " "
      "actions=set_field:0xa->tun_id,goto_table:60",
      "table=45, priority=100,metadata=0x2,dl_dst=" GW_10 " "
      "actions=set_field:0xa->tun_id,goto_table:60", NULL },

    /* Tables 50 and 55.  The seed's table 55 matches nw_dst, the local
     * port's own subnets: ours matches the remote's source address. */
    CT("50", "reg7", "0x4", "55", "1"),
    CT("50", "reg7", "0x9", "55", "2"),
    CT("50", "reg7", "0x3", "55", "3"),
    CT("50", "reg7", "0x5", "55", "4"),
    SAME("table=50, priority=50 actions=goto_table:60"),
    SG_TABLE("55", "60", "reg7", "nw_dst", "ip", "50"),
#undef SG_PORT
#undef SG_TABLE
#undef CT

    /* Table 60. */
    { "table=60, priority=100,reg7=0x1,metadata=0x1 "
      "actions=output:NXM_NX_REG7[]", NULL,
      "dead in the seed: no flow loads reg7 with the router tunnel, "
      "gateway traffic takes the select group" },
    { "table=60, priority=100,reg7=0x1,metadata=0x2 "
      "actions=output:NXM_NX_REG7[]", NULL,
      "dead in the seed: no flow loads reg7 with the router tunnel, "
      "gateway traffic takes the select group" },
#define OUT(OFPORT, META)                                                 \
    { "table=60, priority=100,reg7=" OFPORT ",metadata=" META            \
      " actions=output:NXM_NX_REG7[]",                                    \
      "table=60, priority=100,reg7=" OFPORT ",metadata=" META            \
      " actions=output:NXM_NX_REG7[]", NULL }
    OUT("0x2", "0x2"),
    OUT("0x4", "0x1"),
    OUT("0x9", "0x1"),
    OUT("0x3", "0x1"),
    OUT("0x5", "0x2"),
#undef OUT
    { "table=60, priority=100,metadata=0x1,dl_dst=" GW_29 " "
      "actions=group:10",
      "table=60, priority=100,metadata=0x1,dl_dst=" GW_29 " "
      "actions=group:1", WHY_GROUP_ID },
    { "table=60, priority=100,metadata=0x2,dl_dst=" GW_10 " "
      "actions=group:10",
      "table=60, priority=100,metadata=0x2,dl_dst=" GW_10 " "
      "actions=group:1", WHY_GROUP_ID },

    /* The group. */
    { "group_id=10,type=select,bucket=actions=output:1",
      "group_id=1,type=select,bucket=actions=output:1", WHY_GROUP_ID },
#undef SAME
};

/* Parses flow 'text' into 'fm', failing the test if it does not parse. */
static void
parse_case_flow(const char *text, struct ofputil_flow_mod *fm)
{
    enum ofputil_protocol usable;
    char *error = parse_ofp_flow_mod_str(fm, text, NULL, NULL, OFPFC_ADD,
                                         &usable);
    ck_assert_msg(!error, "%s: %s", text, error);
    if (fm->table_id == 255) {
        fm->table_id = 0;       /* No "table=" means table 0 to add-flows. */
    }
}

/* Frees what parse_case_flow() put in 'fm'. */
static void
free_case_flow(struct ofputil_flow_mod *fm)
{
    minimatch_destroy(&fm->match);
    free(fm->ofpacts);
}

/* Returns true if 'a' and 'b' are the same actions, compared as OVS prints
 * them (see desired_flow_actions_equal()). */
static bool
case_actions_equal(const struct ofpact *a, size_t a_len,
                   const struct ofpact *b, size_t b_len)
{
    struct ds sa = DS_EMPTY_INITIALIZER, sb = DS_EMPTY_INITIALIZER;
    struct ofpact_format_params pa = { .s = &sa }, pb = { .s = &sb };
    ofpacts_format(a, a_len, &pa);
    ofpacts_format(b, b_len, &pb);
    bool equal = !strcmp(ds_cstr(&sa), ds_cstr(&sb));
    ds_destroy(&sa);
    ds_destroy(&sb);
    return equal;
}

/* Checks one flow case against the table of 'f'. */
static void
check_flow_case(const struct pipeline_fixture *f, const struct seed_case *c)
{
    struct ofputil_flow_mod seed;
    parse_case_flow(c->seed, &seed);

    if (!c->ours) {
        ck_assert_msg(c->why != NULL, "%s: dropped without a reason",
                      c->seed);
        ck_assert_msg(!desired_table_find_flow(&f->table, seed.table_id,
                                               seed.priority, &seed.match),
                      "%s: produced, but should not be", c->seed);
        free_case_flow(&seed);
        return;
    }

    struct ofputil_flow_mod ours;
    parse_case_flow(c->ours, &ours);
    const struct desired_flow *flow = desired_table_find_flow(
        &f->table, ours.table_id, ours.priority, &ours.match);
    ck_assert_msg(flow != NULL, "seed flow %s: missing %s",
                  c->seed, c->ours);
    ck_assert_msg(case_actions_equal(flow->ofpacts, flow->ofpacts_len,
                                     ours.ofpacts, ours.ofpacts_len),
                  "%s: other actions than expected", c->ours);

    bool same = (seed.table_id == ours.table_id
                 && seed.priority == ours.priority
                 && minimatch_equal(&seed.match, &ours.match)
                 && case_actions_equal(seed.ofpacts, seed.ofpacts_len,
                                       ours.ofpacts, ours.ofpacts_len));
    if (c->why) {
        ck_assert_msg(!same, "%s: documented as different but equal",
                      c->seed);
    } else {
        ck_assert_msg(same, "%s: differs from ours %s without a reason",
                      c->seed, c->ours);
    }
    free_case_flow(&seed);
    free_case_flow(&ours);
}

START_TEST(test_computea_map)
{
    struct pipeline_fixture f;
    fixture_computea(&f);
    ck_assert_msg(!f.warnings.n, "%s", f.warnings.names[0]);

    for (size_t i = 0; i < ARRAY_SIZE(computea_cases); i++) {
        const struct seed_case *c = &computea_cases[i];
        if (!strncmp(c->seed, "group_id=", 9)) {
            test_assert_line(&f, c->ours);
            ck_assert(c->why || !strcmp(c->seed, c->ours));
        } else {
            check_flow_case(&f, c);
        }
    }
    pipeline_fixture_destroy(&f);
}
END_TEST

Suite *
test_pipeline_suite(void)
{
    Suite *s = suite_create("pipeline");
    TCase *tc = tcase_create("pipeline");
    tcase_add_test(tc, test_golden_seed_host2);
    tcase_add_test(tc, test_golden_seed_host3);
    tcase_add_test(tc, test_seed_host2_assertions);
    tcase_add_test(tc, test_dhcp_punt);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_ids_do_not_depend_on_ofports);
    tcase_add_test(tc, test_warnings);
    tcase_add_test(tc, test_parse_back);
    tcase_add_test(tc, test_computea_map);
    tcase_add_test(tc, test_down_routers);
    tcase_add_test(tc, test_group_routers);
    suite_add_tcase(s, tc);
    return s;
}
