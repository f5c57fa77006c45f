/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "vr-liveness.h"
#include "vr-probe.h"

#include <string.h>

#include "dp-packet.h"
#include "host-state.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "pipeline.h"
#include "sset.h"
#include "suites.h"

#define HOST_IP htonl(0x0a0a0a02)       /* 10.10.10.2 */
#define VR1 htonl(0x0a0a0a04)           /* 10.10.10.4 */
#define VR2 htonl(0x0a0a0a05)           /* 10.10.10.5 */

/* A reflected probe: the frame a router sends back. */
struct test_reply {
    uint8_t data[VR_PROBE_FRAME_LEN];   /* The frame. */
    size_t len;                         /* Its length. */
};

/* Fills 'reply' with the reflection of the probe (HOST_IP, 'router',
 * 'seq', 'sent_ms'): the composed frame with its MACs swapped. */
static void
test_reply_init(struct test_reply *reply, ovs_be32 router, uint64_t seq,
                uint64_t sent_ms)
{
    struct vr_probe probe = {
        .host_ip = HOST_IP, .router_ip = router,
        .seq = seq, .sent_ms = sent_ms,
    };
    struct dp_packet packet;
    struct eth_header *eth;

    dp_packet_init(&packet, 0);
    vr_probe_compose(&packet, &probe);
    ck_assert_uint_eq(dp_packet_size(&packet), VR_PROBE_FRAME_LEN);
    memcpy(reply->data, dp_packet_data(&packet), VR_PROBE_FRAME_LEN);
    reply->len = VR_PROBE_FRAME_LEN;
    dp_packet_uninit(&packet);

    eth = (struct eth_header *) reply->data;
    struct eth_addr dst = eth->eth_dst;
    eth->eth_dst = eth->eth_src;
    eth->eth_src = dst;
}

/* Returns the verdict of vr_probe_parse_reply() on 'reply' for HOST_IP
 * and a reply arriving on the tunnel of 'router'. */
static enum vr_reply_status
test_parse(const struct test_reply *reply, ovs_be32 router)
{
    struct vr_probe probe;
    return vr_probe_parse_reply(reply->data, reply->len, HOST_IP, router,
                                &probe);
}

/* The composed probe is byte for byte the documented layout, and its
 * reflection parses back into the same fields. */
START_TEST(test_vr_probe_round_trip)
{
    static const uint8_t expected[VR_PROBE_FRAME_LEN] = {
        0x77, 0x66, 0x55, 0x44, 0x33, 0x22,     /* dst */
        0x22, 0x33, 0x44, 0x55, 0x66, 0x77,     /* src */
        0x88, 0xcd,                             /* EtherType */
        'J', 'S', 'V', 'R',
        10, 10, 10, 2,                          /* host */
        10, 10, 10, 4,                          /* router */
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,         /* seq */
        0x00, 0x00, 0x01, 0x8f, 0x00, 0x00, 0x30, 0x39,         /* ms */
        /* Zeros to 60 bytes. */
    };
    struct vr_probe probe = {
        .host_ip = HOST_IP, .router_ip = VR1,
        .seq = 0x0102030405060708ULL, .sent_ms = 0x18f00003039ULL,
    };
    struct dp_packet packet;

    dp_packet_init(&packet, 0);
    vr_probe_compose(&packet, &probe);
    ck_assert_uint_eq(dp_packet_size(&packet), sizeof expected);
    ck_assert(!memcmp(dp_packet_data(&packet), expected, sizeof expected));

    /* As sent, the frame is no reply: its MACs are the probe's. */
    struct vr_probe parsed;
    ck_assert_int_eq(vr_probe_parse_reply(dp_packet_data(&packet),
                                          dp_packet_size(&packet), HOST_IP,
                                          VR1, &parsed), VR_REPLY_BAD_MAC);
    dp_packet_uninit(&packet);

    struct test_reply reply;
    test_reply_init(&reply, VR1, probe.seq, probe.sent_ms);
    memset(&parsed, 0, sizeof parsed);
    ck_assert_int_eq(vr_probe_parse_reply(reply.data, reply.len, HOST_IP,
                                          VR1, &parsed), VR_REPLY_OK);
    ck_assert_uint_eq(parsed.host_ip, HOST_IP);
    ck_assert_uint_eq(parsed.router_ip, VR1);
    ck_assert_uint_eq(parsed.seq, probe.seq);
    ck_assert_uint_eq(parsed.sent_ms, probe.sent_ms);
}
END_TEST

/* A reply may be 42 to 60 bytes, whatever its padding holds. */
START_TEST(test_vr_probe_length)
{
    struct test_reply reply;
    test_reply_init(&reply, VR1, 1, 2);

    reply.len = VR_PROBE_CONTENT_LEN;
    ck_assert_int_eq(test_parse(&reply, VR1), VR_REPLY_OK);
    reply.len = VR_PROBE_CONTENT_LEN - 1;
    ck_assert_int_eq(test_parse(&reply, VR1), VR_REPLY_SHORT);
    reply.len = 0;
    ck_assert_int_eq(test_parse(&reply, VR1), VR_REPLY_SHORT);

    memset(reply.data + VR_PROBE_CONTENT_LEN, 0xa5,
           VR_PROBE_FRAME_LEN - VR_PROBE_CONTENT_LEN);
    reply.len = VR_PROBE_FRAME_LEN;
    ck_assert_int_eq(test_parse(&reply, VR1), VR_REPLY_OK);

    uint8_t longer[VR_PROBE_FRAME_LEN + 1];
    struct vr_probe parsed;
    memcpy(longer, reply.data, VR_PROBE_FRAME_LEN);
    longer[VR_PROBE_FRAME_LEN] = 0;
    ck_assert_int_eq(vr_probe_parse_reply(longer, sizeof longer, HOST_IP,
                                          VR1, &parsed), VR_REPLY_LONG);
}
END_TEST

/* Each field that makes a frame no reply of ours has its own reason, and
 * checks stop at the first. */
START_TEST(test_vr_probe_rejects)
{
    struct test_reply reply;

    /* One MAC wrong, the other right. */
    test_reply_init(&reply, VR1, 1, 2);
    reply.data[5] ^= 1;
    ck_assert_int_eq(test_parse(&reply, VR1), VR_REPLY_BAD_MAC);
    test_reply_init(&reply, VR1, 1, 2);
    reply.data[6] ^= 1;
    ck_assert_int_eq(test_parse(&reply, VR1), VR_REPLY_BAD_MAC);

    test_reply_init(&reply, VR1, 1, 2);
    reply.data[13] = 0xce;
    ck_assert_int_eq(test_parse(&reply, VR1), VR_REPLY_BAD_TYPE);

    test_reply_init(&reply, VR1, 1, 2);
    reply.data[17] = 'r';
    ck_assert_int_eq(test_parse(&reply, VR1), VR_REPLY_BAD_MAGIC);

    /* Another host's probe, reflected to us. */
    test_reply_init(&reply, VR1, 1, 2);
    reply.data[21] = 3;
    ck_assert_int_eq(test_parse(&reply, VR1), VR_REPLY_WRONG_HOST);

    /* The probe of router 1 coming back through router 2's tunnel. */
    test_reply_init(&reply, VR1, 1, 2);
    ck_assert_int_eq(test_parse(&reply, VR2), VR_REPLY_WRONG_ROUTER);
    ck_assert_int_eq(test_parse(&reply, 0), VR_REPLY_NOT_ROUTER_PORT);
}
END_TEST

/* Every verdict has its own name. */
START_TEST(test_vr_status_names)
{
    for (int i = 0; i < VR_REPLY_N_STATUS; i++) {
        const char *name = vr_reply_status_to_string(i);
        ck_assert_str_ne(name, "<invalid>");
        for (int j = 0; j < i; j++) {
            ck_assert_str_ne(name, vr_reply_status_to_string(j));
        }
    }
}
END_TEST

/* Returns the state of 'router' in 'set', which must hold it. */
static enum vr_state
test_state(const struct vr_liveness *set, ovs_be32 router)
{
    struct vr_liveness_stats stats;
    ck_assert(vr_liveness_get_stats(set, router, &stats));
    return stats.state;
}

/* Returns the misses in a row of 'router' in 'set'. */
static unsigned int
test_misses(const struct vr_liveness *set, ovs_be32 router)
{
    struct vr_liveness_stats stats;
    ck_assert(vr_liveness_get_stats(set, router, &stats));
    return stats.misses;
}

/* Sends probe 'seq' to 'router' at 'now', and answers it at 'now' + 1 if
 * 'answered', checking that the answer counts. */
static void
test_round(struct vr_liveness *set, ovs_be32 router, uint64_t seq,
           long long int now, bool answered)
{
    ck_assert(vr_liveness_probe_sent(set, router, seq, now));
    if (answered) {
        ck_assert_int_eq(vr_liveness_reply(set, router, seq, now + 1),
                         VR_REPLY_OK);
    }
}

/* Returns a set of routers VR1 and VR2 at time 0, thresholds 3 and 2. */
static struct vr_liveness *
test_set_create(void)
{
    const ovs_be32 routers[] = { VR1, VR2 };
    struct vr_liveness *set = vr_liveness_create(3, 2);
    vr_liveness_set_routers(set, routers, ARRAY_SIZE(routers), 0);
    return set;
}

/* A new router is unknown and live; its first reply makes it up without
 * changing which routers are live. */
START_TEST(test_vr_liveness_start)
{
    struct vr_liveness *set = test_set_create();
    uint64_t change = vr_liveness_change_seq(set);
    struct vr_liveness_stats stats;

    ck_assert_int_eq(test_state(set, VR1), VR_STATE_UNKNOWN);
    ck_assert(vr_liveness_is_up(set, VR1));
    ck_assert(vr_liveness_get_stats(set, VR1, &stats));
    ck_assert_int_eq(stats.last_rtt_ms, -1);
    ck_assert_int_eq(stats.last_reply_ms, -1);
    ck_assert_int_eq(stats.since_ms, 0);

    test_round(set, VR1, 1, 1000, true);
    ck_assert(vr_liveness_get_stats(set, VR1, &stats));
    ck_assert_int_eq(stats.state, VR_STATE_UP);
    ck_assert_int_eq(stats.since_ms, 1001);
    ck_assert_int_eq(stats.last_rtt_ms, 1);
    ck_assert_int_eq(stats.last_reply_ms, 1001);
    ck_assert_uint_eq(stats.n_sent, 1);
    ck_assert_uint_eq(stats.n_answered, 1);
    ck_assert_uint_eq(vr_liveness_change_seq(set), change);

    /* A router never added is not judged. */
    ck_assert(vr_liveness_is_up(set, htonl(0x0a0a0a09)));
    ck_assert(!vr_liveness_probe_sent(set, htonl(0x0a0a0a09), 1, 0));
    vr_liveness_destroy(set);
}
END_TEST

/* The third probe in a row without a reply makes a router down, counted
 * when the fourth is sent; then two replies in a row make it up. */
START_TEST(test_vr_liveness_misses_and_recovery)
{
    struct vr_liveness *set = test_set_create();

    test_round(set, VR1, 1, 1000, true);
    test_round(set, VR1, 2, 2000, false);
    test_round(set, VR1, 3, 3000, false);
    test_round(set, VR1, 4, 4000, false);
    ck_assert_uint_eq(test_misses(set, VR1), 2);
    ck_assert_int_eq(test_state(set, VR1), VR_STATE_UP);

    uint64_t change = vr_liveness_change_seq(set);
    test_round(set, VR1, 5, 5000, false);
    ck_assert_uint_eq(test_misses(set, VR1), 3);
    ck_assert_int_eq(test_state(set, VR1), VR_STATE_DOWN);
    ck_assert(!vr_liveness_is_up(set, VR1));
    ck_assert_uint_gt(vr_liveness_change_seq(set), change);

    struct vr_liveness_stats stats;
    ck_assert(vr_liveness_get_stats(set, VR1, &stats));
    ck_assert_int_eq(stats.since_ms, 5000);

    /* Still down after a fourth miss, and after one reply. */
    test_round(set, VR1, 6, 6000, true);
    ck_assert_uint_eq(test_misses(set, VR1), 0);
    ck_assert_int_eq(test_state(set, VR1), VR_STATE_DOWN);

    change = vr_liveness_change_seq(set);
    test_round(set, VR1, 7, 7000, true);
    ck_assert(vr_liveness_get_stats(set, VR1, &stats));
    ck_assert_int_eq(stats.state, VR_STATE_UP);
    ck_assert_int_eq(stats.since_ms, 7001);
    ck_assert_uint_eq(stats.n_sent, 7);
    ck_assert_uint_eq(stats.n_answered, 3);
    ck_assert_uint_gt(vr_liveness_change_seq(set), change);

    /* A router that never answers is down from unknown just the same. */
    for (uint64_t seq = 1; seq <= 4; seq++) {
        test_round(set, VR2, seq, seq * 1000, false);
    }
    ck_assert_int_eq(test_state(set, VR2), VR_STATE_DOWN);
    vr_liveness_destroy(set);
}
END_TEST

/* A router that answers every other probe never reaches three misses in a
 * row, and once down never two replies in a row. */
START_TEST(test_vr_liveness_flapping)
{
    struct vr_liveness *set = test_set_create();
    uint64_t seq = 1;

    for (int i = 0; i < 10; i++, seq++) {
        test_round(set, VR1, seq, seq * 1000, i % 2);
        ck_assert_int_ne(test_state(set, VR1), VR_STATE_DOWN);
    }
    for (int i = 0; i < 4; i++, seq++) {
        test_round(set, VR1, seq, seq * 1000, false);
    }
    ck_assert_int_eq(test_state(set, VR1), VR_STATE_DOWN);

    uint64_t change = vr_liveness_change_seq(set);
    for (int i = 0; i < 10; i++, seq++) {
        test_round(set, VR1, seq, seq * 1000, i % 2);
        ck_assert_int_eq(test_state(set, VR1), VR_STATE_DOWN);
    }
    ck_assert_uint_eq(vr_liveness_change_seq(set), change);
    vr_liveness_destroy(set);
}
END_TEST

/* A reply that arrives after the next probe went out still counts, once;
 * one older than the last three probes is stale, one never sent unknown. */
START_TEST(test_vr_liveness_late_stale_duplicate)
{
    struct vr_liveness *set = test_set_create();
    struct vr_liveness_stats stats;

    test_round(set, VR1, 10, 1000, false);
    test_round(set, VR1, 11, 2000, false);
    ck_assert_uint_eq(test_misses(set, VR1), 1);
    ck_assert_int_eq(vr_liveness_reply(set, VR1, 10, 2500), VR_REPLY_OK);
    ck_assert(vr_liveness_get_stats(set, VR1, &stats));
    ck_assert_uint_eq(stats.misses, 0);
    ck_assert_int_eq(stats.last_rtt_ms, 1500);
    ck_assert_int_eq(stats.state, VR_STATE_UP);
    ck_assert_int_eq(vr_liveness_reply(set, VR1, 10, 2600),
                     VR_REPLY_DUPLICATE);

    test_round(set, VR1, 12, 3000, false);
    test_round(set, VR1, 13, 4000, false);
    /* The window is now 11, 12, 13. */
    ck_assert_int_eq(vr_liveness_reply(set, VR1, 10, 4100),
                     VR_REPLY_STALE_SEQ);
    ck_assert_int_eq(vr_liveness_reply(set, VR1, 9, 4100),
                     VR_REPLY_STALE_SEQ);
    ck_assert_int_eq(vr_liveness_reply(set, VR1, 14, 4100),
                     VR_REPLY_UNKNOWN_SEQ);
    ck_assert_int_eq(vr_liveness_reply(set, VR1, 11, 4200), VR_REPLY_OK);
    ck_assert_int_eq(vr_liveness_reply(set, VR1, 11, 4300),
                     VR_REPLY_DUPLICATE);

    /* Nothing sent to router 2 yet: any number is unknown. */
    ck_assert_int_eq(vr_liveness_reply(set, VR2, 11, 4300),
                     VR_REPLY_UNKNOWN_SEQ);
    ck_assert_int_eq(vr_liveness_reply(set, htonl(1), 11, 4300),
                     VR_REPLY_UNKNOWN_ROUTER);

    /* Numbers shared with another router: a gap is unknown, not stale. */
    test_round(set, VR2, 20, 5000, false);
    test_round(set, VR2, 22, 6000, false);
    ck_assert_int_eq(vr_liveness_reply(set, VR2, 21, 6100),
                     VR_REPLY_UNKNOWN_SEQ);

    ck_assert(vr_liveness_get_stats(set, VR1, &stats));
    ck_assert_uint_eq(stats.n_answered, 2);
    ck_assert_uint_eq(vr_liveness_n_replies(set, VR_REPLY_OK), 2);
    ck_assert_uint_eq(vr_liveness_n_replies(set, VR_REPLY_DUPLICATE), 2);
    ck_assert_uint_eq(vr_liveness_n_replies(set, VR_REPLY_STALE_SEQ), 2);
    ck_assert_uint_eq(vr_liveness_n_replies(set, VR_REPLY_UNKNOWN_SEQ), 3);
    ck_assert_uint_eq(vr_liveness_n_replies(set, VR_REPLY_UNKNOWN_ROUTER),
                      1);
    vr_liveness_destroy(set);
}
END_TEST

/* A router removed while down is forgotten; added back it is unknown and
 * live again, with no probes counted. */
START_TEST(test_vr_liveness_remove_add)
{
    struct vr_liveness *set = test_set_create();
    const ovs_be32 only_vr2[] = { VR2 };
    const ovs_be32 both[] = { VR1, VR2, VR1 };
    struct vr_liveness_stats stats;

    for (uint64_t seq = 1; seq <= 4; seq++) {
        test_round(set, VR1, seq, seq * 1000, false);
    }
    ck_assert(!vr_liveness_is_up(set, VR1));

    uint64_t change = vr_liveness_change_seq(set);
    vr_liveness_set_routers(set, only_vr2, 1, 5000);
    ck_assert_uint_gt(vr_liveness_change_seq(set), change);
    ck_assert(!vr_liveness_get_stats(set, VR1, &stats));
    ck_assert(vr_liveness_is_up(set, VR1));
    ck_assert_int_eq(vr_liveness_reply(set, VR1, 4, 5000),
                     VR_REPLY_UNKNOWN_ROUTER);

    /* The same routers again change nothing. */
    change = vr_liveness_change_seq(set);
    vr_liveness_set_routers(set, only_vr2, 1, 5500);
    ck_assert_uint_eq(vr_liveness_change_seq(set), change);

    vr_liveness_set_routers(set, both, ARRAY_SIZE(both), 6000);
    ck_assert(vr_liveness_get_stats(set, VR1, &stats));
    ck_assert_int_eq(stats.state, VR_STATE_UNKNOWN);
    ck_assert_int_eq(stats.since_ms, 6000);
    ck_assert_uint_eq(stats.n_sent, 0);
    ck_assert_uint_eq(stats.misses, 0);
    ck_assert(vr_liveness_is_up(set, VR1));
    ck_assert_int_eq(vr_liveness_reply(set, VR1, 4, 6000),
                     VR_REPLY_UNKNOWN_SEQ);
    vr_liveness_destroy(set);
}
END_TEST

/* New thresholds judge the routers again at once. */
START_TEST(test_vr_liveness_thresholds)
{
    struct vr_liveness *set = test_set_create();

    for (uint64_t seq = 1; seq <= 3; seq++) {
        test_round(set, VR1, seq, seq * 1000, false);
    }
    ck_assert_uint_eq(test_misses(set, VR1), 2);
    ck_assert_int_eq(test_state(set, VR1), VR_STATE_UNKNOWN);

    vr_liveness_set_thresholds(set, 2, 1, 3500);
    ck_assert_int_eq(test_state(set, VR1), VR_STATE_DOWN);
    test_round(set, VR1, 4, 4000, true);
    ck_assert_int_eq(test_state(set, VR1), VR_STATE_UP);
    vr_liveness_destroy(set);
}
END_TEST

/* vr_liveness_receive() parses, checks and counts by reason. */
START_TEST(test_vr_liveness_receive)
{
    struct vr_liveness *set = test_set_create();
    struct test_reply reply;

    ck_assert(vr_liveness_probe_sent(set, VR1, 7, 1000));
    test_reply_init(&reply, VR1, 7, 1000);
    ck_assert_int_eq(vr_liveness_receive(set, HOST_IP, VR1, reply.data,
                                         reply.len, 1003), VR_REPLY_OK);
    ck_assert_int_eq(vr_liveness_receive(set, HOST_IP, VR1, reply.data,
                                         reply.len, 1004),
                     VR_REPLY_DUPLICATE);
    ck_assert_int_eq(vr_liveness_receive(set, HOST_IP, VR2, reply.data,
                                         reply.len, 1004),
                     VR_REPLY_WRONG_ROUTER);
    ck_assert_int_eq(vr_liveness_receive(set, HOST_IP, VR1, reply.data,
                                         10, 1004), VR_REPLY_SHORT);
    ck_assert_int_eq(test_state(set, VR1), VR_STATE_UP);
    ck_assert_uint_eq(vr_liveness_n_replies(set, VR_REPLY_OK), 1);
    ck_assert_uint_eq(vr_liveness_n_replies(set, VR_REPLY_SHORT), 1);
    ck_assert_uint_eq(vr_liveness_n_replies(set, VR_REPLY_WRONG_ROUTER),
                      1);
    vr_liveness_destroy(set);
}
END_TEST

/* What vr/show prints. */
START_TEST(test_vr_liveness_format)
{
    struct vr_liveness *set = test_set_create();
    struct ds out = DS_EMPTY_INITIALIZER;

    test_round(set, VR2, 1, 1000, true);
    for (uint64_t seq = 1; seq <= 5; seq++) {
        test_round(set, VR1, seq, seq * 1000, false);
    }
    ck_assert_int_eq(vr_liveness_reply(set, VR1, 1, 5100),
                     VR_REPLY_STALE_SEQ);

    vr_liveness_format(set, 6250, &out);
    ck_assert_str_eq(ds_cstr(&out),
                     "misses to down: 3, replies to up: 2\n"
                     "router 10.10.10.4: down for 2.250 s, rtt none, "
                     "sent 5, answered 0, misses 4\n"
                     "router 10.10.10.5: up for 5.249 s, rtt 1 ms, "
                     "sent 1, answered 1, misses 0\n"
                     "replies accepted: 1\n"
                     "replies dropped: stale-seq 1\n");
    ds_destroy(&out);
    vr_liveness_destroy(set);
}
END_TEST

/* Gives 'state' facts with the tunnel to router 10.10.10.4 on 'ofport' and
 * no down routers, as the plumbing reports them; returns whether they
 * changed the state. */
static bool
test_report_facts(struct host_state *state, uint32_t ofport)
{
    struct pipeline_facts facts;

    pipeline_facts_init(&facts);
    simap_put(&facts.tunnel_ofports, "10.10.10.4", ofport);
    bool changed = host_state_set_facts(state, &facts);
    pipeline_facts_destroy(&facts);
    return changed;
}

/* The host state takes its down routers from host_state_set_down_routers()
 * only, keeps them whatever facts the plumbing reports, and changes its
 * number exactly when they change. */
START_TEST(test_vr_host_state_down_routers)
{
    struct sset down = SSET_INITIALIZER(&down);
    struct host_state state;

    host_state_init(&state);
    ck_assert(test_report_facts(&state, 4));
    uint64_t seqno = state.seqno;
    ck_assert(!host_state_set_down_routers(&state, &down));
    ck_assert_uint_eq(state.seqno, seqno);

    sset_add(&down, "10.10.10.4");
    ck_assert(host_state_set_down_routers(&state, &down));
    ck_assert_uint_ne(state.seqno, seqno);
    seqno = state.seqno;
    ck_assert(!host_state_set_down_routers(&state, &down));
    ck_assert_uint_eq(state.seqno, seqno);

    /* The same facts again change nothing; new ones keep the down set. */
    ck_assert(!test_report_facts(&state, 4));
    ck_assert_uint_eq(state.seqno, seqno);
    ck_assert(sset_equals(&state.facts.down_routers, &down));
    ck_assert(test_report_facts(&state, 5));
    ck_assert_uint_eq(simap_get(&state.facts.tunnel_ofports, "10.10.10.4"),
                      5);
    ck_assert(sset_equals(&state.facts.down_routers, &down));

    sset_clear(&down);
    ck_assert(host_state_set_down_routers(&state, &down));
    ck_assert(sset_is_empty(&state.facts.down_routers));
    host_state_destroy(&state);
    sset_destroy(&down);
}
END_TEST

Suite *
test_vr_suite(void)
{
    Suite *suite = suite_create("vr");
    TCase *codec = tcase_create("probe");
    TCase *liveness = tcase_create("liveness");

    tcase_add_test(codec, test_vr_probe_round_trip);
    tcase_add_test(codec, test_vr_probe_length);
    tcase_add_test(codec, test_vr_probe_rejects);
    tcase_add_test(codec, test_vr_status_names);
    suite_add_tcase(suite, codec);

    tcase_add_test(liveness, test_vr_liveness_start);
    tcase_add_test(liveness, test_vr_liveness_misses_and_recovery);
    tcase_add_test(liveness, test_vr_liveness_flapping);
    tcase_add_test(liveness, test_vr_liveness_late_stale_duplicate);
    tcase_add_test(liveness, test_vr_liveness_remove_add);
    tcase_add_test(liveness, test_vr_liveness_thresholds);
    tcase_add_test(liveness, test_vr_liveness_receive);
    tcase_add_test(liveness, test_vr_liveness_format);
    tcase_add_test(liveness, test_vr_host_state_down_routers);
    suite_add_tcase(suite, liveness);
    return suite;
}
