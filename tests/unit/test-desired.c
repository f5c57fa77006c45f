/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Unit tests of lib/desired.c: parsing, merging, conflicts, canonical group
 * and meter text, and the dump-flows format. */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "openvswitch/dynamic-string.h"
#include "suites.h"
#include "util.h"

/* Returns desired_table_format() of 't' as a malloc()ed string. */
static char *
format_table(const struct desired_table *t)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    desired_table_format(t, &s);
    return ds_steal_cstr(&s);
}

/* Adds a flow that must be accepted. */
static void
add_ok(struct desired_table *t, uint8_t table_id, uint16_t priority,
       uint64_t cookie, const char *match, const char *actions)
{
    char *error = desired_table_add_flow(t, table_id, priority, cookie,
                                         match, actions, NULL);
    ck_assert_msg(!error, "%s", error ? error : "");
}

START_TEST(test_cookie_layout)
{
    uint64_t cookie = desired_cookie(DESIRED_STAGE_L2, DESIRED_OWNER_PORT,
                                     "port-1");
    ck_assert_uint_eq(cookie >> 56, DESIRED_COOKIE_MAGIC);
    ck_assert_uint_eq((cookie >> 48) & 0xff, DESIRED_STAGE_L2);
    ck_assert_uint_eq((cookie >> 44) & 0xf, DESIRED_OWNER_PORT);
    ck_assert_uint_ne(cookie, desired_cookie(DESIRED_STAGE_L2,
                                             DESIRED_OWNER_PORT, "port-2"));
    ck_assert_uint_ne(cookie, desired_cookie(DESIRED_STAGE_L2,
                                             DESIRED_OWNER_SUBNET,
                                             "port-1"));
    ck_assert_uint_eq(cookie, desired_cookie(DESIRED_STAGE_L2,
                                             DESIRED_OWNER_PORT, "port-1"));
}
END_TEST

/* The owner index: owner -> flows, many-to-many, and cookie -> owners. */
START_TEST(test_owner_index)
{
    struct desired_table t;
    desired_table_init(&t);

    uint64_t port_cookie = desired_cookie(DESIRED_STAGE_EGRESS_SG,
                                          DESIRED_OWNER_PORT, "p1");
    const struct desired_flow *shared, *own;
    char *error = desired_table_add_flow(&t, 15, 2000, port_cookie,
                                         "ip,nw_dst=10.0.0.0/8",
                                         "conjunction(7,2/2)", &shared);
    ck_assert_ptr_null(error);
    desired_table_add_owner(&t, shared, DESIRED_OWNER_PORT, "p1");
    desired_table_add_owner(&t, shared, DESIRED_OWNER_SECGROUP, "sg1");

    /* The same flow added again by another owner: one flow, first cookie,
     * both owners. */
    const struct desired_flow *again;
    error = desired_table_add_flow(&t, 15, 2000,
                                   desired_cookie(DESIRED_STAGE_EGRESS_SG,
                                                  DESIRED_OWNER_PORT, "p2"),
                                   "ip,nw_dst=10.0.0.0/8",
                                   "conjunction(7,2/2)", &again);
    ck_assert_ptr_null(error);
    ck_assert_ptr_eq(again, shared);
    desired_table_add_owner(&t, again, DESIRED_OWNER_PORT, "p2");

    error = desired_table_add_flow(&t, 15, 1000, port_cookie, "ip",
                                   "drop", &own);
    ck_assert_ptr_null(error);
    desired_table_add_owner(&t, own, DESIRED_OWNER_PORT, "p1");

    const struct desired_owner *p1 = desired_table_find_owner(
        &t, DESIRED_OWNER_PORT, "p1");
    ck_assert_ptr_nonnull(p1);
    ck_assert_uint_eq(hmap_count(&p1->flows), 2);
    ck_assert(desired_owner_has_flow(p1, shared));
    ck_assert(desired_owner_has_flow(p1, own));
    const struct desired_owner *p2 = desired_table_find_owner(
        &t, DESIRED_OWNER_PORT, "p2");
    ck_assert_uint_eq(hmap_count(&p2->flows), 1);
    ck_assert_ptr_null(desired_table_find_owner(&t, DESIRED_OWNER_SUBNET,
                                                "p1"));

    const struct desired_cookie_owners *c = desired_table_explain_cookie(
        &t, port_cookie);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->n_owners, 3);
    ck_assert_str_eq(c->owners[0]->id, "p1");
    ck_assert_int_eq(c->owners[1]->kind, DESIRED_OWNER_SECGROUP);
    ck_assert_str_eq(c->owners[2]->id, "p2");
    ck_assert_ptr_null(desired_table_explain_cookie(&t, 12345));

    desired_table_clear(&t);
    ck_assert_ptr_null(desired_table_find_owner(&t, DESIRED_OWNER_PORT,
                                                "p1"));
    desired_table_destroy(&t);
}
END_TEST

START_TEST(test_flow_format_matches_dump_flows)
{
    struct desired_table t;
    desired_table_init(&t);
    add_ok(&t, 0, 1000, 0x6a73010000000001ULL, "in_port=2,tun_id=1",
           "write_metadata:0x401/0xffffffff,goto_table:40");
    add_ok(&t, 25, 100, 0, "arp,metadata=0x1,arp_tpa=172.16.1.3,arp_op=1",
           "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
           "set_field:fa:16:3e:5e:16:34->eth_src,set_field:2->arp_op,"
           "IN_PORT");
    add_ok(&t, 10, 50, 0, "", "goto_table:20");
    add_ok(&t, 60, 100, 0, "metadata=1,reg7=2",
           "output:NXM_NX_REG7[]");

    char *text = format_table(&t);
    /* What "ovs-ofctl -O OpenFlow13 dump-flows --no-stats" prints: table 0
     * and cookie 0 are left out, fields in OVS's canonical order. */
    ck_assert_str_eq(text,
        "cookie=0x6a73010000000001, priority=1000,tun_id=0x1,in_port=2 "
        "actions=write_metadata:0x401/0xffffffff,goto_table:40\n"
        "table=10, priority=50 actions=goto_table:20\n"
        "table=25, priority=100,arp,metadata=0x1,arp_tpa=172.16.1.3,"
        "arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
        "set_field:fa:16:3e:5e:16:34->eth_src,set_field:2->arp_op,IN_PORT\n"
        "table=60, priority=100,reg7=0x2,metadata=0x1 "
        "actions=output:NXM_NX_REG7[]\n");
    free(text);
    desired_table_destroy(&t);
}
END_TEST

START_TEST(test_merge_and_conflict)
{
    struct desired_table t;
    desired_table_init(&t);
    add_ok(&t, 45, 100, 1, "metadata=1,dl_dst=fa:16:3e:00:00:01",
           "set_field:0x3->reg7,goto_table:50");
    /* Same flow written differently, other cookie: merged, first cookie
     * kept. */
    add_ok(&t, 45, 100, 2, "dl_dst=fa:16:3e:00:00:01,metadata=0x1",
           "set_field:3->reg7,goto_table:50");
    ck_assert_uint_eq(hmap_count(&t.flows), 1);

    char *error = desired_table_add_flow(&t, 45, 100, 3,
                                         "metadata=1,dl_dst=fa:16:3e:00:00:01",
                                         "set_field:0x4->reg7,goto_table:50",
                                         NULL);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(strstr(error, "conflicts"), "%s", error);
    free(error);
    ck_assert_uint_eq(hmap_count(&t.flows), 1);

    /* Another priority is another flow. */
    add_ok(&t, 45, 90, 1, "metadata=1,dl_dst=fa:16:3e:00:00:01",
           "set_field:0x4->reg7,goto_table:50");
    ck_assert_uint_eq(hmap_count(&t.flows), 2);

    struct desired_flow *f;
    HMAP_FOR_EACH (f, node, &t.flows) {
        ck_assert_ptr_eq(desired_table_find_flow(&t, f->table_id,
                                                 f->priority, &f->match), f);
        if (f->priority == 100) {
            ck_assert_uint_eq(f->cookie, 1);
        }
    }
    desired_table_destroy(&t);
}
END_TEST

/* A clone shares its flow's match and actions (the installed mirror and
 * ofctrl's change sets hold clones), and either may be destroyed first:
 * the sanitizer build would see a use after free or a leak. */
START_TEST(test_clone_shares_match_and_actions)
{
    struct desired_table t;
    desired_table_init(&t);
    add_ok(&t, 45, 100, 7, "metadata=1,dl_dst=fa:16:3e:00:00:01",
           "set_field:0x3->reg7,goto_table:50");
    struct desired_flow *f = CONTAINER_OF(hmap_first(&t.flows),
                                          struct desired_flow, node);

    struct desired_flow *a = desired_flow_clone(f);
    struct desired_flow *b = desired_flow_clone(a);
    ck_assert_ptr_eq(a->ofpacts, f->ofpacts);
    ck_assert_ptr_eq(b->match.flow, f->match.flow);
    ck_assert_uint_eq(b->cookie, 7);
    ck_assert(desired_flow_actions_equal(b, f));

    /* The table's flow goes first; its clones keep what they share. */
    desired_table_destroy(&t);
    struct desired_table mirror;
    desired_table_init(&mirror);
    desired_table_insert_flow(&mirror, a);
    ck_assert_ptr_eq(desired_table_find_flow(&mirror, 45, 100, &b->match),
                     a);
    struct ds s = DS_EMPTY_INITIALIZER;
    desired_flow_format(b, &s);
    ck_assert_msg(strstr(ds_cstr(&s), "dl_dst=fa:16:3e:00:00:01 "
                         "actions=set_field:0x3->reg7,goto_table:50"),
                  "%s", ds_cstr(&s));
    ds_destroy(&s);
    desired_flow_destroy(b);
    desired_table_destroy(&mirror);
}
END_TEST

START_TEST(test_set_flow_actions_keeps_clones)
{
    struct desired_table t, tracker;
    desired_table_init(&t);
    desired_table_init(&tracker);
    add_ok(&t, 55, 100, 7, "ip,nw_src=10.0.0.1",
           "conjunction(5,2/2)");
    struct desired_flow *f = CONTAINER_OF(hmap_first(&t.flows),
                                          struct desired_flow, node);
    const struct desired_owner *owner = desired_table_add_owner(
        &t, f, DESIRED_OWNER_SECGROUP, "sg-1");
    struct desired_flow *installed = desired_flow_clone(f);
    desired_table_track(&t, &tracker);

    struct desired_flow *other;
    ck_assert_ptr_null(desired_table_add_flow(
                           &t, 55, 100, 7, "ip,nw_src=10.0.0.2",
                           "conjunction(5,2/2),conjunction(6,2/2)",
                           (const struct desired_flow **) &other));
    desired_table_set_flow_actions(&t, f, other->ofpacts,
                                   other->ofpacts_len);

    /* The flow has the new actions, its owner and identity; the clone
     * keeps the old actions; the change is tracked. */
    ck_assert(desired_flow_actions_equal(f, other));
    ck_assert(!desired_flow_actions_equal(f, installed));
    ck_assert(desired_owner_has_flow(owner, f));
    ck_assert_ptr_eq(desired_table_find_flow(&t, 55, 100, &installed->match),
                     f);
    ck_assert_ptr_nonnull(desired_table_find_flow(&tracker, 55, 100,
                                                  &installed->match));
    struct ds s = DS_EMPTY_INITIALIZER;
    desired_flow_format(installed, &s);
    ck_assert_msg(strstr(ds_cstr(&s), "actions=conjunction(5,2/2)"), "%s",
                  ds_cstr(&s));
    ds_destroy(&s);

    desired_table_track(&t, NULL);
    desired_table_remove_owner(&t, f, owner);
    desired_table_destroy(&t);
    desired_flow_destroy(installed);
    desired_table_destroy(&tracker);
}
END_TEST

START_TEST(test_parse_errors)
{
    struct desired_table t;
    desired_table_init(&t);
    const char *bad[][2] = {
        { "no_such_field=1", "drop" },
        { "ip", "no_such_action" },
        { "", "set_field:80->tcp_dst" },        /* Prerequisite missing. */
        { "", "goto_table:5,output:1" },        /* Instruction order. */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *error = desired_table_add_flow(&t, 5, 1, 0, bad[i][0],
                                             bad[i][1], NULL);
        ck_assert_msg(error != NULL, "%s actions=%s accepted",
                      bad[i][0], bad[i][1]);
        free(error);
    }
    ck_assert_uint_eq(hmap_count(&t.flows), 0);

    char *error = desired_table_add_group(&t, 1, "type=nonsense");
    ck_assert_ptr_nonnull(error);
    free(error);
    error = desired_table_add_meter(&t, 1, "bands=type=drop rate=1");
    ck_assert_ptr_nonnull(error);
    free(error);
    desired_table_destroy(&t);
}
END_TEST

START_TEST(test_groups_and_meters_canonical)
{
    struct desired_table t;
    desired_table_init(&t);

    /* Short forms become what dump-groups / dump-meters print. */
    char *error = desired_table_add_group(&t, 7, "type=select,"
                                          "bucket=output:11,"
                                          "bucket=output:12");
    ck_assert_msg(!error, "%s", error);
    error = desired_table_add_group(&t, 2, "type=all");
    ck_assert_msg(!error, "%s", error);
    error = desired_table_add_group(&t, 7, "type=select,"
                                    "bucket=actions=output:11,"
                                    "bucket=actions=output:12");
    ck_assert_msg(!error, "%s", error);            /* Same: merged. */
    error = desired_table_add_group(&t, 7, "type=select,"
                                    "bucket=actions=output:11");
    ck_assert_ptr_nonnull(error);                  /* Conflict. */
    free(error);

    error = desired_table_add_meter(&t, 3, "kbps burst "
                                    "bands=type=drop rate=10000 "
                                    "burst_size=1000");
    ck_assert_msg(!error, "%s", error);
    error = desired_table_add_meter(&t, 1, "kbps bands=type=drop rate=5");
    ck_assert_msg(!error, "%s", error);
    error = desired_table_add_meter(&t, 1, "kbps bands=type=drop rate=6");
    ck_assert_ptr_nonnull(error);
    free(error);

    add_ok(&t, 45, 100, 0, "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00",
           "group:2");

    char *text = format_table(&t);
    ck_assert_str_eq(text,
        "table=45, priority=100,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 "
        "actions=group:2\n"
        "group_id=2,type=all\n"
        "group_id=7,type=select,bucket=actions=output:11,"
        "bucket=actions=output:12\n"
        "meter=1 kbps bands=type=drop rate=5\n"
        "meter=3 kbps burst bands=type=drop rate=10000 burst_size=1000\n");
    free(text);

    desired_table_clear(&t);
    ck_assert_uint_eq(hmap_count(&t.flows) + hmap_count(&t.groups)
                      + hmap_count(&t.meters), 0);
    desired_table_destroy(&t);
}
END_TEST

Suite *
test_desired_suite(void)
{
    Suite *s = suite_create("desired");
    TCase *tc = tcase_create("desired");
    tcase_add_test(tc, test_cookie_layout);
    tcase_add_test(tc, test_owner_index);
    tcase_add_test(tc, test_flow_format_matches_dump_flows);
    tcase_add_test(tc, test_merge_and_conflict);
    tcase_add_test(tc, test_clone_shares_match_and_actions);
    tcase_add_test(tc, test_set_flow_actions_keeps_clones);
    tcase_add_test(tc, test_parse_errors);
    tcase_add_test(tc, test_groups_and_meters_canonical);
    suite_add_tcase(s, tc);
    return s;
}
