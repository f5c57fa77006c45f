/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* libFuzzer harness for virtual-router probe replies: parses the input as a
 * reply, checks that an accepted one composes back to the same bytes, feeds
 * it to a liveness set that sent probes 1 to 3, then replays the input as a
 * script of probes, replies and router changes against the state machine,
 * checking its invariants after each step.  Built and run by
 * tests/fuzz/run-fuzz.sh. */

#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dp-packet.h"
#include "packets.h"
#include "util.h"
#include "vr-liveness.h"
#include "vr-probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HOST_IP htonl(0x0a0a0a02)       /* 10.10.10.2, as in the seeds. */
#define VR1 htonl(0x0a0a0a04)           /* 10.10.10.4, as in the seeds. */
#define VR2 htonl(0x0a0a0a05)

/* Aborts unless an accepted reply of 'size' bytes at 'data' is the
 * reflection of the probe composed from what it parsed into. */
static void
check_round_trip(const uint8_t *data, size_t size,
                 const struct vr_probe *probe)
{
    struct dp_packet packet;
    uint8_t expected[VR_PROBE_CONTENT_LEN];

    ovs_assert(size >= VR_PROBE_CONTENT_LEN && size <= VR_PROBE_FRAME_LEN);
    ovs_assert(probe->host_ip == HOST_IP && probe->router_ip == VR1);

    dp_packet_init(&packet, 0);
    vr_probe_compose(&packet, probe);
    ovs_assert(dp_packet_size(&packet) == VR_PROBE_FRAME_LEN);
    memcpy(expected, dp_packet_data(&packet), sizeof expected);
    dp_packet_uninit(&packet);

    /* Swap the MACs back, as the router did. */
    uint8_t mac[ETH_ADDR_LEN];
    memcpy(mac, expected, ETH_ADDR_LEN);
    memmove(expected, expected + ETH_ADDR_LEN, ETH_ADDR_LEN);
    memcpy(expected + ETH_ADDR_LEN, mac, ETH_ADDR_LEN);
    ovs_assert(!memcmp(expected, data, sizeof expected));
}

/* Aborts unless what 'set' says of 'router' is consistent. */
static void
check_router(const struct vr_liveness *set, ovs_be32 router)
{
    struct vr_liveness_stats stats;

    if (!vr_liveness_get_stats(set, router, &stats)) {
        ovs_assert(vr_liveness_is_up(set, router));
        return;
    }
    ovs_assert(stats.n_answered <= stats.n_sent);
    ovs_assert(!stats.misses || !stats.replies);
    ovs_assert((stats.last_rtt_ms >= 0) == (stats.n_answered > 0));
    ovs_assert((stats.last_reply_ms >= 0) == (stats.n_answered > 0));
    ovs_assert(vr_liveness_is_up(set, router)
               == (stats.state != VR_STATE_DOWN));
    ovs_assert(stats.state != VR_STATE_UNKNOWN || !stats.n_answered);
}

/* Replays 'data' as a script against a fresh set: each byte's low two bits
 * choose probe, reply, router change or threshold change, the rest its
 * argument.  The clock advances 100 ms a step. */
static void
run_script(const uint8_t *data, size_t size)
{
    const ovs_be32 routers[] = { VR1, VR2 };
    struct vr_liveness *set = vr_liveness_create(3, 2);
    uint64_t seqs[2] = { 0, 0 };
    long long int now = 0;

    vr_liveness_set_routers(set, routers, 2, now);
    for (size_t i = 0; i < size; i++, now += 100) {
        unsigned int arg = data[i] >> 2;
        size_t which = arg & 1;
        uint64_t change = vr_liveness_change_seq(set);

        switch (data[i] & 3) {
        case 0:
            if (vr_liveness_probe_sent(set, routers[which], seqs[which] + 1,
                                       now)) {
                seqs[which]++;
            }
            break;
        case 1:
            /* A reply to one of the last 32 numbers, or one never sent. */
            vr_liveness_reply(set, routers[which],
                              seqs[which] + 1 - (arg >> 1), now);
            break;
        case 2: {
            /* Bit 1: router 1 present; bit 2: router 2 present. */
            ovs_be32 present[2];
            size_t n = 0;
            if (arg & 2) {
                present[n++] = VR1;
            }
            if (arg & 4) {
                present[n++] = VR2;
            }
            vr_liveness_set_routers(set, present, n, now);
            break;
        }
        case 3:
            vr_liveness_set_thresholds(set, 1 + (arg & 7),
                                       1 + ((arg >> 3) & 3), now);
            break;
        }
        ovs_assert(vr_liveness_change_seq(set) >= change);
        check_router(set, VR1);
        check_router(set, VR2);
    }
    vr_liveness_destroy(set);
}

/* libFuzzer's entry point: one input, as a reply and as a script. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vr_probe probe;

    if (vr_probe_parse_reply(data, size, HOST_IP, VR1, &probe)
        == VR_REPLY_OK) {
        check_round_trip(data, size, &probe);
    }

    /* The same frame through the whole receive path. */
    const ovs_be32 routers[] = { VR1 };
    struct vr_liveness *set = vr_liveness_create(3, 2);
    vr_liveness_set_routers(set, routers, 1, 0);
    for (uint64_t seq = 1; seq <= 3; seq++) {
        ovs_assert(vr_liveness_probe_sent(set, VR1, seq, seq * 1000));
    }
    enum vr_reply_status status = vr_liveness_receive(set, HOST_IP, VR1,
                                                      data, size, 3500);
    ovs_assert(status < VR_REPLY_N_STATUS);
    ovs_assert(vr_liveness_n_replies(set, status) == 1);
    check_router(set, VR1);
    vr_liveness_destroy(set);

    run_script(data, size);
    return 0;
}
