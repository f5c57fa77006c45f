/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "vr-liveness.h"

#include <inttypes.h>
#include <stdlib.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "util.h"

/* One probe sent to a router. */
struct vr_sent_probe {
    uint64_t seq;               /* Its sequence number. */
    long long int sent_ms;      /* When it was sent. */
    bool answered;              /* Whether a reply was accepted for it. */
};

/* One router being probed. */
struct vr_router {
    struct hmap_node node;      /* In vr_liveness 'routers', hashed on
                                 * 'ip'. */
    ovs_be32 ip;                /* The router's tunnel IP. */
    struct vr_liveness_stats stats;     /* Its state and figures. */
    struct vr_sent_probe sent[VR_LIVENESS_MAX_COUNT];  /* The last probes
                                 * sent, a ring: 'sent[next]' is the oldest
                                 * once the ring is full. */
    size_t next;                /* Where the next probe goes in 'sent'. */
};

/* A set of routers and the thresholds that judge them. */
struct vr_liveness {
    struct hmap routers;        /* Owns its "struct vr_router"s. */
    unsigned int max_misses;    /* Misses in a row that make a router down;
                                 * also how many probes may be answered. */
    unsigned int recover;       /* Replies in a row that make a down router
                                 * up. */
    uint64_t change_seq;        /* Grows when liveness or routers change. */
    uint64_t n_status[VR_REPLY_N_STATUS];   /* Replies handled, by verdict:
                                 * n_status[VR_REPLY_OK] were accepted. */
};

/* Returns the name of 'state', as vr/show prints it. */
const char *
vr_state_to_string(enum vr_state state)
{
    switch (state) {
    case VR_STATE_UNKNOWN: return "unknown";
    case VR_STATE_UP: return "up";
    case VR_STATE_DOWN: return "down";
    default: return "<invalid>";
    }
}

/* Aborts unless 'max_misses' and 'recover' are in the range the settings
 * allow. */
static void
vr_liveness_check_thresholds(unsigned int max_misses, unsigned int recover)
{
    ovs_assert(max_misses >= 1 && max_misses <= VR_LIVENESS_MAX_COUNT);
    ovs_assert(recover >= 1 && recover <= VR_LIVENESS_MAX_COUNT);
}

/* Returns a new empty set: a router is down after 'max_misses' misses in a
 * row and up again after 'recover' replies in a row, both in
 * [1, VR_LIVENESS_MAX_COUNT].  Free it with vr_liveness_destroy(). */
struct vr_liveness *
vr_liveness_create(unsigned int max_misses, unsigned int recover)
{
    struct vr_liveness *set = xzalloc(sizeof *set);

    vr_liveness_check_thresholds(max_misses, recover);
    hmap_init(&set->routers);
    set->max_misses = max_misses;
    set->recover = recover;
    return set;
}

/* Frees 'set' and every router in it.  'set' may be NULL. */
void
vr_liveness_destroy(struct vr_liveness *set)
{
    if (set) {
        struct vr_router *r;
        HMAP_FOR_EACH_POP (r, node, &set->routers) {
            free(r);
        }
        hmap_destroy(&set->routers);
        free(set);
    }
}

/* Returns the router 'ip' of 'set', or NULL. */
static struct vr_router *
vr_liveness_find(const struct vr_liveness *set, ovs_be32 ip)
{
    struct vr_router *r;
    HMAP_FOR_EACH_WITH_HASH (r, node, hash_int(ntohl(ip), 0),
                             &set->routers) {
        if (r->ip == ip) {
            return r;
        }
    }
    return NULL;
}

/* Returns true if a router in 'state' keeps its bucket. */
static bool
vr_state_is_live(enum vr_state state)
{
    return state != VR_STATE_DOWN;
}

/* Moves 'r' into 'state' at 'now', counting a change of 'set' if that
 * changes whether 'r' is live. */
static void
vr_router_set_state(struct vr_liveness *set, struct vr_router *r,
                    enum vr_state state, long long int now)
{
    if (r->stats.state != state) {
        if (vr_state_is_live(r->stats.state) != vr_state_is_live(state)) {
            set->change_seq++;
        }
        r->stats.state = state;
        r->stats.since_ms = now;
    }
}

/* Applies the thresholds of 'set' to the counts of 'r'. */
static void
vr_router_judge(struct vr_liveness *set, struct vr_router *r,
                long long int now)
{
    if (r->stats.state != VR_STATE_DOWN
        && r->stats.misses >= set->max_misses) {
        vr_router_set_state(set, r, VR_STATE_DOWN, now);
    } else if (r->stats.state == VR_STATE_DOWN
               && r->stats.replies >= set->recover) {
        vr_router_set_state(set, r, VR_STATE_UP, now);
    }
}

/* Changes the thresholds of 'set' (same ranges as vr_liveness_create())
 * and judges every router again under them at 'now'. */
void
vr_liveness_set_thresholds(struct vr_liveness *set, unsigned int max_misses,
                           unsigned int recover, long long int now)
{
    vr_liveness_check_thresholds(max_misses, recover);
    set->max_misses = max_misses;
    set->recover = recover;

    struct vr_router *r;
    HMAP_FOR_EACH (r, node, &set->routers) {
        vr_router_judge(set, r, now);
    }
}

/* Returns true if 'ip' is one of the 'n' addresses of 'ips'. */
static bool
vr_ip_in(ovs_be32 ip, const ovs_be32 *ips, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ips[i] == ip) {
            return true;
        }
    }
    return false;
}

/* Makes the routers of 'set' the 'n' addresses of 'routers' (duplicates
 * allowed): new ones start VR_STATE_UNKNOWN at 'now', missing ones are
 * forgotten, the others keep their state. */
void
vr_liveness_set_routers(struct vr_liveness *set, const ovs_be32 *routers,
                        size_t n, long long int now)
{
    struct vr_router *r;
    HMAP_FOR_EACH_SAFE (r, node, &set->routers) {
        if (!vr_ip_in(r->ip, routers, n)) {
            hmap_remove(&set->routers, &r->node);
            free(r);
            set->change_seq++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!vr_liveness_find(set, routers[i])) {
            r = xzalloc(sizeof *r);
            r->ip = routers[i];
            r->stats.state = VR_STATE_UNKNOWN;
            r->stats.since_ms = now;
            r->stats.last_rtt_ms = -1;
            r->stats.last_reply_ms = -1;
            hmap_insert(&set->routers, &r->node, hash_int(ntohl(r->ip), 0));
            set->change_seq++;
        }
    }
}

/* Returns the probe sent to 'r' 'age' probes ago (0 is the last one).
 * 'age' must be below both VR_LIVENESS_MAX_COUNT and the probes sent. */
static struct vr_sent_probe *
vr_router_sent(struct vr_router *r, size_t age)
{
    return &r->sent[(r->next + VR_LIVENESS_MAX_COUNT - 1 - age)
                    % VR_LIVENESS_MAX_COUNT];
}

/* Records that probe 'seq' was sent to 'router' at 'now'.  If the previous
 * probe to 'router' is still unanswered, that is one miss, which may make
 * it down.  Each probe to a router must have a greater 'seq' than the one
 * before (since the router was added).
 *
 * Returns false, recording nothing, if 'router' is not in 'set'. */
bool
vr_liveness_probe_sent(struct vr_liveness *set, ovs_be32 router,
                       uint64_t seq, long long int now)
{
    struct vr_router *r = vr_liveness_find(set, router);
    if (!r) {
        return false;
    }

    ovs_assert(!r->stats.n_sent || seq > vr_router_sent(r, 0)->seq);
    if (r->stats.n_sent && !vr_router_sent(r, 0)->answered) {
        r->stats.misses++;
        r->stats.replies = 0;
        vr_router_judge(set, r, now);
    }

    r->sent[r->next] = (struct vr_sent_probe) { .seq = seq, .sent_ms = now };
    r->next = (r->next + 1) % VR_LIVENESS_MAX_COUNT;
    r->stats.n_sent++;
    return true;
}

/* Counts a reply with 'status' in 'set' and returns 'status'. */
static enum vr_reply_status
vr_liveness_count(struct vr_liveness *set, enum vr_reply_status status)
{
    set->n_status[status]++;
    return status;
}

/* Handles a reply from 'router' to probe 'seq', received at 'now' (the
 * frame already checked by vr_probe_parse_reply()).
 *
 * Returns VR_REPLY_OK if it counts: the router's misses go to 0 and its
 * replies in a row up by one, which may make it up.  Otherwise returns
 * VR_REPLY_UNKNOWN_ROUTER, VR_REPLY_UNKNOWN_SEQ, VR_REPLY_STALE_SEQ or
 * VR_REPLY_DUPLICATE and changes no router.  Either way the verdict is
 * counted (vr_liveness_n_replies()). */
enum vr_reply_status
vr_liveness_reply(struct vr_liveness *set, ovs_be32 router, uint64_t seq,
                  long long int now)
{
    struct vr_router *r = vr_liveness_find(set, router);
    if (!r) {
        return vr_liveness_count(set, VR_REPLY_UNKNOWN_ROUTER);
    }

    size_t window = MIN(r->stats.n_sent, set->max_misses);
    if (!window || seq > vr_router_sent(r, 0)->seq) {
        return vr_liveness_count(set, VR_REPLY_UNKNOWN_SEQ);
    }
    if (seq < vr_router_sent(r, window - 1)->seq) {
        return vr_liveness_count(set, VR_REPLY_STALE_SEQ);
    }

    for (size_t age = 0; age < window; age++) {
        struct vr_sent_probe *probe = vr_router_sent(r, age);
        if (probe->seq == seq) {
            if (probe->answered) {
                return vr_liveness_count(set, VR_REPLY_DUPLICATE);
            }
            probe->answered = true;
            r->stats.n_answered++;
            r->stats.last_rtt_ms = now - probe->sent_ms;
            r->stats.last_reply_ms = now;
            r->stats.misses = 0;
            r->stats.replies++;
            if (r->stats.state == VR_STATE_UNKNOWN) {
                vr_router_set_state(set, r, VR_STATE_UP, now);
            }
            vr_router_judge(set, r, now);
            return vr_liveness_count(set, VR_REPLY_OK);
        }
    }
    /* Within the window's range but sent to another router. */
    return vr_liveness_count(set, VR_REPLY_UNKNOWN_SEQ);
}

/* Handles the 'len' bytes at 'frame', received at 'now' on the tunnel port
 * of 'router' (0 if that port is no router's) by the host whose encap IP
 * is 'host_ip': vr_probe_parse_reply(), then vr_liveness_reply().  Returns
 * and counts the verdict. */
enum vr_reply_status
vr_liveness_receive(struct vr_liveness *set, ovs_be32 host_ip,
                    ovs_be32 router, const void *frame, size_t len,
                    long long int now)
{
    struct vr_probe probe;
    enum vr_reply_status status;

    status = vr_probe_parse_reply(frame, len, host_ip, router, &probe);
    if (status != VR_REPLY_OK) {
        return vr_liveness_count(set, status);
    }
    return vr_liveness_reply(set, router, probe.seq, now);
}

/* Returns true if 'router' keeps its bucket: it is up or unknown in 'set',
 * or not in 'set' at all (nothing is known against it). */
bool
vr_liveness_is_up(const struct vr_liveness *set, ovs_be32 router)
{
    const struct vr_router *r = vr_liveness_find(set, router);
    return !r || vr_state_is_live(r->stats.state);
}

/* Returns a number that grows whenever a router of 'set' becomes live or
 * not live, or routers are added or removed: the agent recomputes its
 * select groups when it differs from the one it saw last. */
uint64_t
vr_liveness_change_seq(const struct vr_liveness *set)
{
    return set->change_seq;
}

/* Stores the figures of 'router' in '*stats' and returns true, or returns
 * false if 'router' is not in 'set'. */
bool
vr_liveness_get_stats(const struct vr_liveness *set, ovs_be32 router,
                      struct vr_liveness_stats *stats)
{
    const struct vr_router *r = vr_liveness_find(set, router);
    if (!r) {
        return false;
    }
    *stats = r->stats;
    return true;
}

/* Returns how many replies 'set' handled with verdict 'status' (for
 * VR_REPLY_OK: how many it accepted). */
uint64_t
vr_liveness_n_replies(const struct vr_liveness *set,
                      enum vr_reply_status status)
{
    ovs_assert(status < VR_REPLY_N_STATUS);
    return set->n_status[status];
}

/* qsort() comparator for routers by numeric address. */
static int
vr_router_compare(const void *a_, const void *b_)
{
    const struct vr_router *const *a = a_;
    const struct vr_router *const *b = b_;
    uint32_t a_ip = ntohl((*a)->ip);
    uint32_t b_ip = ntohl((*b)->ip);
    return a_ip < b_ip ? -1 : a_ip > b_ip;
}

/* Appends to 'out' what vr/show prints at 'now': one line per router,
 * sorted by address, then the replies dropped by reason. */
void
vr_liveness_format(const struct vr_liveness *set, long long int now,
                   struct ds *out)
{
    size_t n = hmap_count(&set->routers);
    const struct vr_router **routers = xmalloc((n ? n : 1) * sizeof *routers);
    const struct vr_router *r;
    size_t i = 0;

    HMAP_FOR_EACH (r, node, &set->routers) {
        routers[i++] = r;
    }
    qsort(routers, n, sizeof *routers, vr_router_compare);

    ds_put_format(out, "misses to down: %u, replies to up: %u\n",
                  set->max_misses, set->recover);
    for (i = 0; i < n; i++) {
        const struct vr_liveness_stats *s = &routers[i]->stats;
        long long int age = MAX(now - s->since_ms, 0);

        ds_put_format(out, "router "IP_FMT": %s for %lld.%03lld s, rtt ",
                      IP_ARGS(routers[i]->ip), vr_state_to_string(s->state),
                      age / 1000, age % 1000);
        if (s->last_rtt_ms >= 0) {
            ds_put_format(out, "%lld ms", s->last_rtt_ms);
        } else {
            ds_put_cstr(out, "none");
        }
        ds_put_format(out, ", sent %"PRIu64", answered %"PRIu64", "
                      "misses %u\n", s->n_sent, s->n_answered, s->misses);
    }
    free(routers);

    ds_put_format(out, "replies accepted: %"PRIu64"\nreplies dropped:",
                  set->n_status[VR_REPLY_OK]);
    bool any = false;
    for (int status = VR_REPLY_OK + 1; status < VR_REPLY_N_STATUS;
         status++) {
        if (set->n_status[status]) {
            ds_put_format(out, " %s %"PRIu64,
                          vr_reply_status_to_string(status),
                          set->n_status[status]);
            any = true;
        }
    }
    ds_put_cstr(out, any ? "\n" : " none\n");
}
