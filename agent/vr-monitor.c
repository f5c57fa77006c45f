/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "vr-monitor.h"

#include <inttypes.h>
#include <stdlib.h>

#include "dp-packet.h"
#include "host-state.h"
#include "host-view.h"
#include "ids.h"
#include "model.h"
#include "ofctrl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "pipeline.h"
#include "settings.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "vr-liveness.h"
#include "vr-probe.h"

VLOG_DEFINE_THIS_MODULE(vr_monitor);

/* One router of the host view, as the monitor probes it. */
struct vr_monitor_router {
    ovs_be32 ip;                /* The router's tunnel IP. */
    ofp_port_t ofport;          /* Its tunnel port, OFPP_NONE while the
                                 * plumbing has not made one: not probed. */
    enum vr_state logged_state; /* The state the log last reported. */
};

/* The agent's virtual-router monitor. */
struct vr_monitor {
    struct ofctrl *ofctrl;      /* Not owned: sends the probes and delivers
                                 * the replies. */
    struct vr_liveness *liveness;       /* Owned: the state machine. */

    /* What the host state said when its sequence number was
     * 'state_seqno'. */
    uint64_t state_seqno;       /* host_state 'seqno' last read. */
    ovs_be32 host_ip;           /* This host's encap IP, 0 without a host
                                 * view. */
    struct vr_monitor_router *routers;  /* Owned array: the host view's
                                         * routers, ascending. */
    size_t n_routers;
    size_t n_probed;            /* Routers in 'routers' with a tunnel port. */

    /* Probing. */
    bool active;                /* The settings are known: probes are due. */
    unsigned int interval;      /* Milliseconds between two rounds. */
    unsigned int max_misses;    /* Misses in a row that make a router down,
                                 * as 'liveness' was last told. */
    unsigned int recover;       /* Replies in a row that bring it back,
                                 * likewise. */
    long long int last_round_ms;        /* time_msec() of the last round of
                                         * probes, LLONG_MIN before the
                                         * first. */
    long long int next_round_ms;        /* When the next round is due. */
    uint64_t next_seq;          /* Sequence number of the next probe. */
    uint64_t n_sent;            /* Probes sent. */
    uint64_t n_unsent;          /* Probes due but not sent, the bridge
                                 * being disconnected. */

    /* What the host state and the log were told. */
    uint64_t published_change_seq;      /* vr_liveness_change_seq() when
                                         * the down routers were last given
                                         * to the host state. */
    uint64_t fail_open_seqno;   /* host_state 'seqno' at which
                                 * 'failing_open' was last worked out. */
    struct smap failing_open;   /* Owned: ids_router_set_key() of each
                                 * select group that fails open -> its
                                 * routers, for the log. */
};

static unixctl_cb_func vr_monitor_unixctl_show;
static ofctrl_packet_in_cb vr_monitor_handle_reply;

/* Creates a monitor that sends its probes through 'ofctrl' and handles the
 * packet-ins of table 0 from it, and registers "vr/show".  It probes
 * nothing until vr_monitor_run() gives it a host state and settings.  The
 * caller owns the result and destroys it before 'ofctrl'. */
struct vr_monitor *
vr_monitor_create(struct ofctrl *ofctrl)
{
    struct vr_monitor *m = xzalloc(sizeof *m);

    m->ofctrl = ofctrl;
    m->max_misses = 3;
    m->recover = 2;
    m->liveness = vr_liveness_create(m->max_misses, m->recover);
    m->state_seqno = UINT64_MAX;
    m->last_round_ms = LLONG_MIN;
    m->next_round_ms = LLONG_MIN;
    m->next_seq = 1;
    m->published_change_seq = UINT64_MAX;
    m->fail_open_seqno = UINT64_MAX;
    smap_init(&m->failing_open);

    ofctrl_register_packet_in(ofctrl, PIPELINE_T_CLASSIFY,
                              vr_monitor_handle_reply, m);
    unixctl_command_register("vr/show", "", 0, 0, vr_monitor_unixctl_show,
                             m);
    return m;
}

/* Frees 'm' and stops handling table 0's packet-ins.  'm' may be NULL. */
void
vr_monitor_destroy(struct vr_monitor *m)
{
    if (m) {
        ofctrl_register_packet_in(m->ofctrl, PIPELINE_T_CLASSIFY, NULL,
                                  NULL);
        vr_liveness_destroy(m->liveness);
        smap_destroy(&m->failing_open);
        free(m->routers);
        free(m);
    }
}

/* Returns the state of 'ip' in 'm''s state machine (unknown if it is not
 * there). */
static enum vr_state
vr_monitor_state(const struct vr_monitor *m, ovs_be32 ip)
{
    struct vr_liveness_stats stats;
    return (vr_liveness_get_stats(m->liveness, ip, &stats)
            ? stats.state : VR_STATE_UNKNOWN);
}

/* Takes the routers, their tunnel ports and this host's IP from 'state',
 * keeping what 'm' knows of the routers that stay. */
static void
vr_monitor_refresh(struct vr_monitor *m, const struct host_state *state,
                   long long int now)
{
    const struct host_view *view = state->has_view ? &state->view : NULL;
    size_t n = view ? view->n_routers : 0;
    struct vr_monitor_router *routers = xcalloc(MAX(n, 1), sizeof *routers);

    vr_liveness_set_routers(m->liveness, view ? view->routers : NULL, n,
                            now);
    m->n_probed = 0;
    for (size_t i = 0; i < n; i++) {
        struct vr_monitor_router *r = &routers[i];
        char name[INET_ADDRSTRLEN];

        r->ip = view->routers[i];
        snprintf(name, sizeof name, IP_FMT, IP_ARGS(r->ip));
        uint32_t ofport = simap_get(&state->facts.tunnel_ofports, name);
        r->ofport = ofport ? u16_to_ofp(ofport) : OFPP_NONE;
        m->n_probed += ofport != 0;

        r->logged_state = vr_monitor_state(m, r->ip);
        for (size_t j = 0; j < m->n_routers; j++) {
            if (m->routers[j].ip == r->ip) {
                r->logged_state = m->routers[j].logged_state;
                break;
            }
        }
    }
    free(m->routers);
    m->routers = routers;
    m->n_routers = n;
    m->host_ip = view ? view->local_ip : 0;
    m->state_seqno = state->seqno;
}

/* Applies 'settings' to 'm' at 'now'. */
static void
vr_monitor_configure(struct vr_monitor *m, const struct settings *settings,
                     long long int now)
{
    if (settings->vr_probe_misses != m->max_misses
        || settings->vr_probe_recover != m->recover) {
        m->max_misses = settings->vr_probe_misses;
        m->recover = settings->vr_probe_recover;
        vr_liveness_set_thresholds(m->liveness, m->max_misses, m->recover,
                                   now);
    }
    if (settings->vr_probe_interval != m->interval) {
        m->interval = settings->vr_probe_interval;
        if (m->last_round_ms != LLONG_MIN) {
            m->next_round_ms = m->last_round_ms + m->interval;
        }
    }
}

/* Sends one probe to each router of 'm' that has a tunnel port, at 'now'. */
static void
vr_monitor_send_probes(struct vr_monitor *m, long long int now)
{
    const ovs_be64 tun_id = htonll(0);
    uint64_t stub[128 / 8];
    struct dp_packet packet;

    dp_packet_use_stub(&packet, stub, sizeof stub);
    for (size_t i = 0; i < m->n_routers; i++) {
        const struct vr_monitor_router *r = &m->routers[i];
        if (r->ofport == OFPP_NONE) {
            continue;
        }

        struct vr_probe probe = {
            .host_ip = m->host_ip,
            .router_ip = r->ip,
            .seq = m->next_seq,
            .sent_ms = now,
        };
        vr_probe_compose(&packet, &probe);
        if (ofctrl_send_packet_out(m->ofctrl, dp_packet_data(&packet),
                                   dp_packet_size(&packet), r->ofport,
                                   &tun_id)) {
            vr_liveness_probe_sent(m->liveness, r->ip, m->next_seq, now);
            m->next_seq++;
            m->n_sent++;
        } else {
            m->n_unsent++;
        }
    }
    dp_packet_uninit(&packet);
}

/* Logs each router of 'm' whose state changed since it was last logged,
 * at 'now'. */
static void
vr_monitor_log_changes(struct vr_monitor *m, long long int now)
{
    for (size_t i = 0; i < m->n_routers; i++) {
        struct vr_monitor_router *r = &m->routers[i];
        struct vr_liveness_stats s;

        if (!vr_liveness_get_stats(m->liveness, r->ip, &s)
            || s.state == r->logged_state) {
            continue;
        }
        if (s.state == VR_STATE_DOWN) {
            long long int age = now - s.last_reply_ms;
            if (s.last_reply_ms < 0) {
                VLOG_WARN("virtual router "IP_FMT" is down: %u probes in a "
                          "row unanswered, never a reply; its bucket "
                          "leaves the select groups", IP_ARGS(r->ip),
                          s.misses);
            } else {
                VLOG_WARN("virtual router "IP_FMT" is down: %u probes in a "
                          "row unanswered, last reply %lld.%03lld s ago; "
                          "its bucket leaves the select groups",
                          IP_ARGS(r->ip), s.misses, age / 1000, age % 1000);
            }
        } else if (r->logged_state == VR_STATE_DOWN) {
            VLOG_INFO("virtual router "IP_FMT" is up again: %u replies in a "
                      "row, round trip %lld ms; its bucket returns to the "
                      "select groups", IP_ARGS(r->ip), s.replies,
                      s.last_rtt_ms);
        } else {
            VLOG_INFO("virtual router "IP_FMT" is up: round trip %lld ms",
                      IP_ARGS(r->ip), s.last_rtt_ms);
        }
        r->logged_state = s.state;
    }
}

/* Gives 'state' the routers that 'm' judges down, if that changed since
 * it last did. */
static void
vr_monitor_publish(struct vr_monitor *m, struct host_state *state)
{
    uint64_t change_seq = vr_liveness_change_seq(m->liveness);
    if (change_seq == m->published_change_seq) {
        return;
    }
    m->published_change_seq = change_seq;

    struct sset down = SSET_INITIALIZER(&down);
    for (size_t i = 0; i < m->n_routers; i++) {
        if (!vr_liveness_is_up(m->liveness, m->routers[i].ip)) {
            sset_add_and_free(&down, xasprintf(IP_FMT,
                                               IP_ARGS(m->routers[i].ip)));
        }
    }
    host_state_set_down_routers(state, &down);
    sset_destroy(&down);
}

/* Works out which select groups of 'state' fail open, as the pipeline
 * does (pipeline_group_routers()), and logs each group that starts (an
 * error) or stops failing open. */
static void
vr_monitor_check_fail_open(struct vr_monitor *m,
                           const struct host_state *state)
{
    if (state->seqno == m->fail_open_seqno) {
        return;
    }
    m->fail_open_seqno = state->seqno;

    struct smap failing = SMAP_INITIALIZER(&failing);
    for (size_t i = 0; state->has_view && i < state->view.n_subnets; i++) {
        const struct model_subnet *subnet = state->view.subnets[i].subnet;
        size_t n = subnet->n_routers;
        if (!n) {
            continue;
        }
        char *key = ids_router_set_key(subnet);
        ovs_be32 *buckets = xmalloc(n * sizeof *buckets);
        size_t n_buckets;
        if (!smap_get(&failing, key)
            && pipeline_group_routers(&state->facts, subnet->routers, n,
                                      buckets, &n_buckets)) {
            struct ds routers = DS_EMPTY_INITIALIZER;
            for (size_t j = 0; j < n; j++) {
                ds_put_format(&routers, "%s"IP_FMT, j ? ", " : "",
                              IP_ARGS(subnet->routers[j]));
            }
            if (!smap_get(&m->failing_open, key)) {
                VLOG_ERR("every virtual router of the select group of "
                         "subnet %s (%s) is down: failing open, traffic to "
                         "the gateway goes to all of them", subnet->id,
                         ds_cstr(&routers));
            }
            smap_add_nocopy(&failing, key, ds_steal_cstr(&routers));
        } else {
            free(key);
        }
        free(buckets);
    }

    struct smap_node *node;
    SMAP_FOR_EACH (node, &m->failing_open) {
        if (!smap_get(&failing, node->key)) {
            VLOG_WARN("virtual routers %s: no longer failing open",
                      node->value);
        }
    }
    smap_destroy(&m->failing_open);
    smap_clone(&m->failing_open, &failing);
    smap_destroy(&failing);
}

/* Probes the routers of 'state' when a round is due under 'settings' (NULL
 * while the settings are incomplete: then nothing is probed), and gives
 * 'state' the routers that are down whenever that changes. */
void
vr_monitor_run(struct vr_monitor *m, struct host_state *state,
               const struct settings *settings)
{
    long long int now = time_msec();

    m->active = settings != NULL;
    if (settings) {
        vr_monitor_configure(m, settings, now);
    }
    if (state->seqno != m->state_seqno) {
        vr_monitor_refresh(m, state, now);
    }
    if (m->active && now >= m->next_round_ms) {
        vr_monitor_send_probes(m, now);
        m->last_round_ms = now;
        m->next_round_ms = now + m->interval;
    }
    vr_monitor_log_changes(m, now);
    vr_monitor_publish(m, state);
    vr_monitor_check_fail_open(m, state);
}

/* Arranges for poll_block() to wake up when the next round of probes is
 * due, or at once if a reply changed a router's liveness since
 * vr_monitor_run() last told the host state. */
void
vr_monitor_wait(const struct vr_monitor *m)
{
    if (vr_liveness_change_seq(m->liveness) != m->published_change_seq) {
        poll_immediate_wake();
    }
    if (m->active && m->n_probed) {
        poll_timer_wait_until(m->next_round_ms);
    }
}

/* Returns the router whose tunnel port is 'ofport', or 0. */
static ovs_be32
vr_monitor_router_by_port(const struct vr_monitor *m, ofp_port_t ofport)
{
    for (size_t i = 0; i < m->n_routers; i++) {
        if (m->routers[i].ofport == ofport) {
            return m->routers[i].ip;
        }
    }
    return 0;
}

/* Handles a packet-in of table 0: a probe reply, which the flows punt only
 * from a router's tunnel port.  The state machine checks it against this
 * host, the router of that port and the probes sent. */
static void
vr_monitor_handle_reply(struct ofctrl *ofctrl OVS_UNUSED,
                        const struct ofputil_packet_in *pin, void *m_)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct vr_monitor *m = m_;
    long long int now = time_msec();
    ofp_port_t in_port = pin->flow_metadata.flow.in_port.ofp_port;
    ovs_be32 router = vr_monitor_router_by_port(m, in_port);

    enum vr_reply_status status = vr_liveness_receive(
        m->liveness, m->host_ip, router, pin->packet, pin->packet_len, now);
    if (status == VR_REPLY_OK) {
        vr_monitor_log_changes(m, now);
    } else if (status >= VR_REPLY_UNKNOWN_SEQ) {
        VLOG_DBG_RL(&rl, "probe reply from port %"PRIu16" dropped: %s",
                    ofp_to_u16(in_port), vr_reply_status_to_string(status));
    } else {
        VLOG_WARN_RL(&rl, "probe reply from port %"PRIu16" dropped: %s",
                     ofp_to_u16(in_port), vr_reply_status_to_string(status));
    }
}

/* Counts the routers of 'm' in each state into 'n_states'. */
static void
vr_monitor_count_states(const struct vr_monitor *m, size_t n_states[3])
{
    n_states[VR_STATE_UNKNOWN] = 0;
    n_states[VR_STATE_UP] = 0;
    n_states[VR_STATE_DOWN] = 0;
    for (size_t i = 0; i < m->n_routers; i++) {
        n_states[vr_monitor_state(m, m->routers[i].ip)]++;
    }
}

/* Appends the monitor's one line of "status" to 'out'. */
void
vr_monitor_format_status(const struct vr_monitor *m, struct ds *out)
{
    size_t n_states[3];

    vr_monitor_count_states(m, n_states);
    ds_put_format(out, "virtual routers: %"PRIuSIZE" (%"PRIuSIZE" up, "
                  "%"PRIuSIZE" down, %"PRIuSIZE" unknown), %"PRIuSIZE
                  " groups failing open, probes every %u ms\n",
                  m->n_routers, n_states[VR_STATE_UP],
                  n_states[VR_STATE_DOWN], n_states[VR_STATE_UNKNOWN],
                  smap_count(&m->failing_open), m->interval);
}

/* "vr/show": the probing, then per router its state, since when, round
 * trip, probes sent and answered and misses, the replies dropped by
 * reason, and the groups that fail open. */
static void
vr_monitor_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                        const char *argv[] OVS_UNUSED, void *m_)
{
    const struct vr_monitor *m = m_;
    long long int now = time_msec();
    struct ds out = DS_EMPTY_INITIALIZER;

    ds_put_format(&out, "probe interval: %u ms", m->interval);
    if (m->active && m->n_probed) {
        ds_put_format(&out, ", next round in %lld ms",
                      MAX(m->next_round_ms - now, 0));
    }
    ds_put_format(&out, "; probes sent %"PRIu64", not sent (bridge "
                  "disconnected) %"PRIu64"\n", m->n_sent, m->n_unsent);
    vr_liveness_format(m->liveness, now, &out);
    for (size_t i = 0; i < m->n_routers; i++) {
        if (m->routers[i].ofport == OFPP_NONE) {
            ds_put_format(&out, "router "IP_FMT": no tunnel port yet, not "
                          "probed\n", IP_ARGS(m->routers[i].ip));
        }
    }
    ds_put_cstr(&out, "groups failing open:");
    if (smap_is_empty(&m->failing_open)) {
        ds_put_cstr(&out, " none");
    }
    const struct smap_node **nodes = smap_sort(&m->failing_open);
    for (size_t i = 0; i < smap_count(&m->failing_open); i++) {
        ds_put_format(&out, " (%s)", nodes[i]->value);
    }
    free(nodes);
    ds_put_char(&out, '\n');
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}
