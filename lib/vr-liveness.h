/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_VR_LIVENESS_H
#define JSTACK_VR_LIVENESS_H 1

/* Virtual-router liveness: which routers of the ECMP groups answer their
 * probes (docs/vr-probes.md).  Pure: every function takes the time as
 * 'now', in ms of the caller's monotonic clock.
 *
 * The agent tells the set which routers it probes (vr_liveness_set_routers),
 * each probe it sends (vr_liveness_probe_sent) and each reply it receives
 * (vr_liveness_reply or vr_liveness_receive).  The set decides:
 *
 *   - A router starts VR_STATE_UNKNOWN, which counts as live: a fresh agent
 *     keeps every bucket, as it did before it knew anything, instead of
 *     failing open.  Its first accepted reply makes it VR_STATE_UP.
 *
 *   - Misses are counted when probes are sent: sending a probe while the
 *     router's previous probe is still unanswered counts one miss.  After
 *     'max_misses' misses in a row the router is VR_STATE_DOWN.  With an
 *     interval I and max_misses N, a router that stops answering is down
 *     between N*I and (N+1)*I after its last reply.
 *
 *   - An accepted reply resets the misses to 0 and counts one reply in a
 *     row; a miss resets the replies in a row to 0.  A down router is up
 *     again after 'recover' replies in a row.
 *
 *   - A reply is accepted if its sequence number is one of the last
 *     'max_misses' probes sent to that router and not yet answered, even
 *     when it arrives after the next probe went out (its miss was counted;
 *     the reply still resets the misses).  Older ones are stale, ones never
 *     sent are unknown, and a second reply to one probe is a duplicate.
 *
 *   - A router removed from the set is forgotten: added back, it starts
 *     again as VR_STATE_UNKNOWN.
 *
 * The set keeps a change number that grows whenever a router becomes live
 * or not live (or the set of routers changes), so that the agent knows when
 * to recompute its select groups. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "vr-probe.h"

struct ds;
struct vr_liveness;

/* The most a 'max_misses' or 'recover' setting may be; also how many
 * probes per router the set remembers. */
#define VR_LIVENESS_MAX_COUNT 32

/* What the set believes of one router. */
enum vr_state {
    VR_STATE_UNKNOWN,           /* No reply yet, no verdict: live. */
    VR_STATE_UP,                /* Answering: live. */
    VR_STATE_DOWN,              /* 'max_misses' misses in a row: not live. */
};

const char *vr_state_to_string(enum vr_state);

/* Figures of one router, for vr/show. */
struct vr_liveness_stats {
    enum vr_state state;        /* Current state. */
    long long int since_ms;     /* When it entered 'state'. */
    long long int last_rtt_ms;  /* Round trip of the last accepted reply,
                                 * -1 before the first. */
    long long int last_reply_ms;        /* When the last accepted reply
                                         * arrived, -1 before the first. */
    uint64_t n_sent;            /* Probes sent since it was added. */
    uint64_t n_answered;        /* Replies accepted since it was added. */
    unsigned int misses;        /* Misses in a row now. */
    unsigned int replies;       /* Accepted replies in a row now. */
};

struct vr_liveness *vr_liveness_create(unsigned int max_misses,
                                       unsigned int recover);
void vr_liveness_destroy(struct vr_liveness *);
void vr_liveness_set_thresholds(struct vr_liveness *,
                                unsigned int max_misses,
                                unsigned int recover, long long int now);

void vr_liveness_set_routers(struct vr_liveness *, const ovs_be32 *routers,
                             size_t n, long long int now);
bool vr_liveness_probe_sent(struct vr_liveness *, ovs_be32 router,
                            uint64_t seq, long long int now);
enum vr_reply_status vr_liveness_reply(struct vr_liveness *, ovs_be32 router,
                                       uint64_t seq, long long int now);
enum vr_reply_status vr_liveness_receive(struct vr_liveness *,
                                         ovs_be32 host_ip, ovs_be32 router,
                                         const void *frame, size_t len,
                                         long long int now);

bool vr_liveness_is_up(const struct vr_liveness *, ovs_be32 router);
uint64_t vr_liveness_change_seq(const struct vr_liveness *);
bool vr_liveness_get_stats(const struct vr_liveness *, ovs_be32 router,
                           struct vr_liveness_stats *);
uint64_t vr_liveness_n_replies(const struct vr_liveness *,
                               enum vr_reply_status);
void vr_liveness_format(const struct vr_liveness *, long long int now,
                        struct ds *);

#endif /* lib/vr-liveness.h */
