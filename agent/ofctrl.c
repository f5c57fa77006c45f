/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "ofctrl.h"

#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "socket-util.h"
#include "coverage.h"
#include "desired.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-connection.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vlog.h"
#include "sset.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofctrl);

COVERAGE_DEFINE(ofctrl_flow_mod);
COVERAGE_DEFINE(ofctrl_group_mod);
COVERAGE_DEFINE(ofctrl_meter_mod);
COVERAGE_DEFINE(ofctrl_bundle_commit);
COVERAGE_DEFINE(ofctrl_diff_full);
COVERAGE_DEFINE(ofctrl_diff_tracked);
COVERAGE_DEFINE(ofctrl_bundle_discard);
COVERAGE_DEFINE(ofctrl_packet_in);

/* How long a bundle may take from open to commit reply before the agent
 * gives up on it and starts over (OVS expires idle bundles after 10 s),
 * plus OFCTRL_BUNDLE_MS_PER_10K for every 10,000 changes it carries (a
 * loaded switch takes about a second to add that many flows). */
#define OFCTRL_BUNDLE_TIMEOUT_MS 8000
#define OFCTRL_BUNDLE_MS_PER_10K 1000

/* While a bundle is encoded, what is queued is written to the switch every
 * this many messages (see ofctrl_bundle_add()). */
#define OFCTRL_BUNDLE_FLUSH_EVERY 256

/* Largest OpenFlow message the agent sends: the encoder wraps lengths above
 * 65535 silently, so anything bigger is refused before it is sent. */
#define OFCTRL_MAX_MSG UINT16_MAX

/* How often a local unix socket target is tried while the switch is away.
 * Connecting to a unix socket costs next to nothing, and rconn's own
 * exponential backoff (up to seconds) would delay the flows' return by as
 * long after the switch comes back. */
#define OFCTRL_LOCAL_RETRY_MS 100

/* How long the first install after start waits for the ports the agent
 * plumbs (tunnels, patch ends, the metadata tap) to get their ofports
 * before it installs without the flows that need them. */
#define OFCTRL_PLUMBING_WAIT_MS 5000

/* Connection states.  Each (re)connection starts at OFCTRL_SNAPSHOT. */
enum ofctrl_state {
    OFCTRL_DISCONNECTED,        /* No target, or rconn still connecting. */
    OFCTRL_SNAPSHOT,            /* Dump requests sent, replies coming. */
    OFCTRL_STEADY,              /* Mirror valid, no bundle in flight. */
    OFCTRL_BUNDLE_SENT,         /* Bundle filled, waiting for the barrier. */
    OFCTRL_COMMITTING,          /* Commit sent, waiting for its reply. */
};

/* The parts of a snapshot still outstanding. */
enum {
    OFCTRL_DUMP_FLOWS = 1 << 0,
    OFCTRL_DUMP_GROUPS = 1 << 1,
    OFCTRL_DUMP_METERS = 1 << 2,
};

/* A set of changes that takes the switch from the mirror to the desired
 * state.  Every entry is an owned copy, so the desired table may change
 * while the changes are in flight. */
struct ofctrl_changes {
    struct desired_table puts;  /* Flows, groups, meters to add or modify. */
    struct desired_table dels;  /* Flows, groups, meters to delete. */
    size_t n_modified_flows;    /* How many of 'puts' replace a flow. */
};

/* The connection to one bridge. */
struct ofctrl {
    struct rconn *rconn;        /* Owned.  Reconnects with backoff. */
    char *target;               /* Owned: "unix:<rundir>/<bridge>.mgmt". */
    bool (*owns_table)(uint8_t);    /* Tables whose foreign flows go. */
    enum ofctrl_state state;
    unsigned int conn_seqno;    /* rconn_get_connection_seqno() of the
                                 * connection the state belongs to. */

    /* Snapshot and mirror. */
    unsigned int dump_pending;  /* OFCTRL_DUMP_* still outstanding. */
    ovs_be32 dump_xids[3];      /* Xids of the three dump requests. */
    struct desired_table installed;     /* What the switch holds. */

    /* The bundle in flight. */
    struct ofctrl_changes changes;      /* What it changes. */
    uint32_t bundle_id;         /* Its id, new for each bundle. */
    ovs_be32 first_xid;         /* Xids from its open request... */
    ovs_be32 barrier_xid;       /* ...to the barrier after its messages. */
    ovs_be32 commit_xid;        /* Xid of its commit request. */
    ovs_be32 discard_xid;       /* Xid of the last discard request: the
                                 * switch may have dropped the bundle
                                 * already, and says so; that is no news. */
    char *bundle_error;         /* First error the switch reported, owned. */
    long long int bundle_started;       /* time_msec() it was opened. */
    long long int bundle_deadline;      /* time_msec() after which it is
                                         * given up. */
    bool mirror_tracks_desired; /* The mirror holds the desired state of
                                 * 'synced_seqno' exactly (a full or
                                 * tracked diff was applied and nothing
                                 * else came from the switch), so that the
                                 * next diff may look only at what the
                                 * desired state's tracker names. */
    uint64_t bundle_seqno;      /* Desired seqno the bundle brings. */
    uint64_t bundle_flow_mods;  /* flow_mods inside it. */
    size_t bundle_msgs;         /* Messages queued for it so far. */
    long long int commit_sent;  /* time_usec() its commit was written. */
    ovs_be32 ack_xid;           /* Xid of the barrier sent right after the
                                 * commit: its reply acknowledges the
                                 * update. */
    struct ofctrl_update acking;        /* The committed update waiting for
                                         * that reply, if 'is_acking'. */
    bool is_acking;             /* A commit succeeded and its barrier
                                 * reply has not come yet. */
    bool inject_bad_flow;       /* Test hook: add a flow the switch
                                 * rejects to every bundle. */

    /* Sync bookkeeping. */
    uint64_t synced_seqno;      /* Desired seqno the switch equals, or
                                 * UINT64_MAX when not known to be in
                                 * sync. */
    long long int sync_started; /* When the current sync began. */
    long long int last_sync_ms; /* Duration of the last completed sync. */
    long long int last_sync_at; /* time_msec() it completed, or 0. */
    long long int last_sync_wall;       /* time_wall_msec() it completed,
                                         * for "status". */
    char *last_error;           /* Owned: last bundle error, or NULL. */
    struct ofctrl_update last_update;   /* The last update acknowledged;
                                         * number 0 before the first. */

    /* The first install after start waits for the plumbing. */
    bool installed_once;        /* The bridge was once in sync. */
    struct sset unplumbed;      /* Names of the ports the agent plumbs
                                 * that have no ofport yet. */
    long long int hold_until;   /* time_msec() up to which the first
                                 * install waits for them, or 0 while it
                                 * has not waited. */
    bool hold_expired;          /* It stopped waiting at 'hold_until'. */

    /* Reconnection to a local switch. */
    bool target_is_local;       /* 'target' is a unix: socket. */
    long long int next_local_retry;     /* time_msec() of the next try
                                         * while disconnected. */

    /* Packet-ins, dispatched by table. */
    struct ofctrl_handler {
        ofctrl_packet_in_cb *cb;        /* NULL: the table has none. */
        void *aux;                      /* Owned by the registrant. */
        uint64_t n_packet_ins;          /* Received for this table. */
    } handlers[256];            /* Indexed by table id. */
    uint64_t n_unhandled;       /* Packet-ins of tables without a handler
                                 * or that did not decode. */
    uint64_t n_packet_outs;     /* Sent for handlers. */

    /* Counters since start. */
    uint64_t n_connects;
    uint64_t n_flow_mods;
    uint64_t n_group_mods;
    uint64_t n_meter_mods;
    uint64_t n_bundles_committed;
    uint64_t n_bundles_discarded;
};

static void ofctrl_changes_init(struct ofctrl_changes *);
static void ofctrl_changes_destroy(struct ofctrl_changes *);
static void ofctrl_compute_tracked_changes(const struct ofctrl *,
                                           const struct desired_table *,
                                           const struct desired_table *,
                                           struct ofctrl_changes *);
static void ofctrl_compute_changes(const struct ofctrl *,
                                   const struct desired_table *,
                                   struct ofctrl_changes *);

/* Creates an OpenFlow 1.3 connection that has no target yet.  Flows in the
 * tables for which 'owns_table' returns true belong to the agent: any of
 * them it did not put there is removed.  Every group and meter of the bridge
 * belongs to the agent.  The caller owns the result (ofctrl_destroy()). */
struct ofctrl *
ofctrl_create(bool (*owns_table)(uint8_t table_id))
{
    struct ofctrl *ofctrl = xzalloc(sizeof *ofctrl);

    ofctrl->rconn = rconn_create(5, 8, 0, 1u << OFP13_VERSION);
    ofctrl->owns_table = owns_table;
    ofctrl->state = OFCTRL_DISCONNECTED;
    ofctrl->synced_seqno = UINT64_MAX;
    desired_table_init(&ofctrl->installed);
    ofctrl_changes_init(&ofctrl->changes);
    sset_init(&ofctrl->unplumbed);
    return ofctrl;
}

/* Closes the connection and frees 'ofctrl'.  The switch keeps its flows. */
void
ofctrl_destroy(struct ofctrl *ofctrl)
{
    if (ofctrl) {
        rconn_destroy(ofctrl->rconn);
        desired_table_destroy(&ofctrl->installed);
        ofctrl_changes_destroy(&ofctrl->changes);
        sset_destroy(&ofctrl->unplumbed);
        free(ofctrl->bundle_error);
        free(ofctrl->last_error);
        free(ofctrl->target);
        free(ofctrl);
    }
}

/* Connects to 'target' (e.g. "unix:/var/run/openvswitch/br0.mgmt"), or
 * disconnects if it is NULL.  Does nothing if the target is unchanged. */
void
ofctrl_set_target(struct ofctrl *ofctrl, const char *target)
{
    if (nullable_string_is_equal(target, ofctrl->target)) {
        return;
    }
    free(ofctrl->target);
    ofctrl->target = nullable_xstrdup(target);
    if (target) {
        VLOG_INFO("%s: connecting to the bridge", target);
        rconn_connect(ofctrl->rconn, target, target);
        ofctrl->target_is_local = !strncmp(target, "unix:", 5);
        ofctrl->next_local_retry = time_msec() + OFCTRL_LOCAL_RETRY_MS;
    } else {
        rconn_disconnect(ofctrl->rconn);
    }
    ofctrl->state = OFCTRL_DISCONNECTED;
}

/* Makes 'cb' (with 'aux') the handler of the packet-ins that flows of table
 * 'table_id' send, replacing any earlier one; a NULL 'cb' removes it. */
void
ofctrl_register_packet_in(struct ofctrl *ofctrl, uint8_t table_id,
                          ofctrl_packet_in_cb *cb, void *aux)
{
    ofctrl->handlers[table_id].cb = cb;
    ofctrl->handlers[table_id].aux = aux;
}

/* Sends 'msg' (consumed) and returns its xid. */
static ovs_be32
ofctrl_send(struct ofctrl *ofctrl, struct ofpbuf *msg)
{
    ovs_be32 xid = ((struct ofp_header *) msg->data)->xid;
    rconn_send(ofctrl->rconn, msg, NULL);
    return xid;
}

/* Records 'error' (consumed) as the last error, logging it. */
static void
ofctrl_set_error(struct ofctrl *ofctrl, char *error)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

    VLOG_WARN_RL(&rl, "%s: %s", ofctrl->target, error);
    free(ofctrl->last_error);
    ofctrl->last_error = error;
}

/* Starts over on the current connection: configures the switch for this
 * agent and asks for its flows, groups and meters. */
static void
ofctrl_start_snapshot(struct ofctrl *ofctrl)
{
    enum ofp_version version = rconn_get_version(ofctrl->rconn);

    /* Full-length packet-ins, and packet-ins at all: a connection to the
     * management socket gets no asynchronous messages until it asks. */
    struct ofputil_switch_config config = {
        .frag = OFPUTIL_FRAG_NORMAL,
        .invalid_ttl_to_controller = -1,
        .miss_send_len = UINT16_MAX,
    };
    ofctrl_send(ofctrl, ofputil_encode_set_config(&config, version));
    struct ofputil_async_cfg async = ofputil_async_cfg_default(version);
    ofctrl_send(ofctrl, ofputil_encode_set_async_config(&async, UINT32_MAX,
                                                         version));

    struct ofputil_flow_stats_request fsr = {
        .aggregate = false,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    match_init_catchall(&fsr.match);
    ofctrl->dump_xids[0] = ofctrl_send(
        ofctrl, ofputil_encode_flow_stats_request(
            &fsr, ofputil_protocol_from_ofp_version(version)));
    ofctrl->dump_xids[1] = ofctrl_send(
        ofctrl, ofputil_encode_group_desc_request(version, OFPG_ALL));
    ofctrl->dump_xids[2] = ofctrl_send(
        ofctrl, ofputil_encode_meter_request(version, OFPUTIL_METER_CONFIG,
                                             OFPM13_ALL));
    ofctrl->dump_pending = (OFCTRL_DUMP_FLOWS | OFCTRL_DUMP_GROUPS
                            | OFCTRL_DUMP_METERS);
    desired_table_clear(&ofctrl->installed);
    ofctrl_changes_destroy(&ofctrl->changes);
    ofctrl_changes_init(&ofctrl->changes);
    ofctrl->synced_seqno = UINT64_MAX;
    ofctrl->mirror_tracks_desired = false;
    ofctrl->sync_started = time_msec();
    ofctrl->state = OFCTRL_SNAPSHOT;
}

/* Makes the agent read the bridge again and repair what differs. */
void
ofctrl_resync(struct ofctrl *ofctrl)
{
    if (ofctrl->state != OFCTRL_DISCONNECTED) {
        ofctrl_start_snapshot(ofctrl);
    }
}

/* Test hook: while 'inject' is true, every bundle also carries a flow
 * that the switch rejects (it refers to a meter that does not exist), so
 * none can commit. */
void
ofctrl_inject_bad_flow(struct ofctrl *ofctrl, bool inject)
{
    ofctrl->inject_bad_flow = inject;
    ofctrl->synced_seqno = UINT64_MAX;
    ofctrl->mirror_tracks_desired = false;
}

/* Adds the flows of flow stats reply 'oh' to the mirror. */
static void
ofctrl_snapshot_flows(struct ofctrl *ofctrl, const struct ofp_header *oh)
{
    struct ofpbuf msg = ofpbuf_const_initializer(oh, ntohs(oh->length));
    uint64_t ofpacts_stub[1024 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(ofpacts_stub);

    for (;;) {
        struct ofputil_flow_stats fs;
        int retval = ofputil_decode_flow_stats_reply(&fs, &msg, false,
                                                     &ofpacts);
        if (retval) {
            if (retval != EOF) {
                ofctrl_set_error(ofctrl, xasprintf(
                                     "bad flow stats reply: %s",
                                     ofperr_to_string(retval)));
            }
            break;
        }
        struct minimatch match;
        minimatch_init(&match, &fs.match);
        desired_table_insert_flow(&ofctrl->installed, desired_flow_create(
                                      fs.table_id, fs.priority,
                                      ntohll(fs.cookie), &match, fs.ofpacts,
                                      fs.ofpacts_len));
    }
    ofpbuf_uninit(&ofpacts);
}

/* Adds the groups of group description reply 'oh' to the mirror. */
static void
ofctrl_snapshot_groups(struct ofctrl *ofctrl, const struct ofp_header *oh)
{
    struct ofpbuf msg = ofpbuf_const_initializer(oh, ntohs(oh->length));

    for (;;) {
        struct ofputil_group_desc gd;
        int retval = ofputil_decode_group_desc_reply(&gd, &msg,
                                                     oh->version);
        if (retval) {
            if (retval != EOF) {
                ofctrl_set_error(ofctrl, xasprintf(
                                     "bad group description reply: %s",
                                     ofperr_to_string(retval)));
            }
            break;
        }
        struct ofputil_group_mod gm = {
            .command = OFPGC11_ADD,
            .type = gd.type,
            .group_id = gd.group_id,
            .props = gd.props,
        };
        ovs_list_move(&gm.buckets, &gd.buckets);
        struct ds spec = DS_EMPTY_INITIALIZER;
        desired_format_group_spec(&spec, &gm);
        desired_table_set_group(&ofctrl->installed, gd.group_id,
                                ds_cstr(&spec));
        ds_destroy(&spec);
        ofputil_bucket_list_destroy(&gm.buckets);
    }
}

/* Adds the meters of meter configuration reply 'oh' to the mirror. */
static void
ofctrl_snapshot_meters(struct ofctrl *ofctrl, const struct ofp_header *oh)
{
    struct ofpbuf msg = ofpbuf_const_initializer(oh, ntohs(oh->length));
    struct ofpbuf bands;

    ofpbuf_init(&bands, 64);
    for (;;) {
        struct ofputil_meter_config mc;
        int retval = ofputil_decode_meter_config(&msg, &mc, &bands);
        if (retval) {
            if (retval != EOF) {
                ofctrl_set_error(ofctrl, xasprintf(
                                     "bad meter configuration reply: %s",
                                     ofperr_to_string(retval)));
            }
            break;
        }
        struct ds spec = DS_EMPTY_INITIALIZER;
        desired_format_meter_spec(&spec, &mc);
        desired_table_set_meter(&ofctrl->installed, mc.meter_id,
                                ds_cstr(&spec));
        ds_destroy(&spec);
    }
    ofpbuf_uninit(&bands);
}

/* Handles a reply that belongs to the snapshot: stores its contents and
 * marks its part done when it is the last of its series. */
static void
ofctrl_handle_snapshot_reply(struct ofctrl *ofctrl,
                             const struct ofp_header *oh, enum ofptype type)
{
    unsigned int part = 0;

    if (oh->xid == ofctrl->dump_xids[0] && type == OFPTYPE_FLOW_STATS_REPLY) {
        ofctrl_snapshot_flows(ofctrl, oh);
        part = OFCTRL_DUMP_FLOWS;
    } else if (oh->xid == ofctrl->dump_xids[1]
               && type == OFPTYPE_GROUP_DESC_STATS_REPLY) {
        ofctrl_snapshot_groups(ofctrl, oh);
        part = OFCTRL_DUMP_GROUPS;
    } else if (oh->xid == ofctrl->dump_xids[2]
               && type == OFPTYPE_METER_CONFIG_STATS_REPLY) {
        ofctrl_snapshot_meters(ofctrl, oh);
        part = OFCTRL_DUMP_METERS;
    }
    if (part && !ofpmp_more(oh)) {
        ofctrl->dump_pending &= ~part;
        if (!ofctrl->dump_pending) {
            VLOG_INFO("%s: read %"PRIuSIZE" flows, %"PRIuSIZE" groups, "
                      "%"PRIuSIZE" meters from the bridge", ofctrl->target,
                      hmap_count(&ofctrl->installed.flows),
                      hmap_count(&ofctrl->installed.groups),
                      hmap_count(&ofctrl->installed.meters));
            ofctrl->state = OFCTRL_STEADY;
        }
    }
}

/* Returns true if 'xid' belongs to the bundle in flight. */
static bool
ofctrl_xid_in_bundle(const struct ofctrl *ofctrl, ovs_be32 xid)
{
    uint32_t x = ntohl(xid);
    return ((ofctrl->state == OFCTRL_BUNDLE_SENT
             || ofctrl->state == OFCTRL_COMMITTING)
            && ((x >= ntohl(ofctrl->first_xid)
                 && x <= ntohl(ofctrl->barrier_xid))
                || xid == ofctrl->commit_xid));
}

/* Gives up on the bundle in flight, reports why, and starts over from a
 * fresh snapshot so that the mirror is right whatever the switch did. */
static void
ofctrl_abandon_bundle(struct ofctrl *ofctrl, const char *why)
{
    enum ofp_version version = rconn_get_version(ofctrl->rconn);
    struct ofputil_bundle_ctrl_msg bc = {
        .bundle_id = ofctrl->bundle_id,
        .type = OFPBCT_DISCARD_REQUEST,
        .flags = OFPBF_ATOMIC | OFPBF_ORDERED,
    };
    ofctrl->discard_xid = ofctrl_send(
        ofctrl, ofputil_encode_bundle_ctrl_request(version, &bc));
    ofctrl->is_acking = false;
    ofctrl->n_bundles_discarded++;
    COVERAGE_INC(ofctrl_bundle_discard);
    ofctrl_set_error(ofctrl, xasprintf("bundle %"PRIu32" discarded, the "
                                       "bridge is unchanged: %s",
                                       ofctrl->bundle_id, why));
    ofctrl_start_snapshot(ofctrl);
}

/* Sends 'msg' (consumed) inside the bundle in flight. */
static void
ofctrl_bundle_add(struct ofctrl *ofctrl, struct ofpbuf *msg)
{
    enum ofp_version version = rconn_get_version(ofctrl->rconn);
    struct ofputil_bundle_add_msg bam = {
        .bundle_id = ofctrl->bundle_id,
        .flags = OFPBF_ATOMIC | OFPBF_ORDERED,
        .msg = msg->data,
    };
    struct ofpbuf *add = ofputil_encode_bundle_add(version, &bam);
    ofpbuf_delete(msg);
    if (add->size > OFCTRL_MAX_MSG) {
        if (!ofctrl->bundle_error) {
            ofctrl->bundle_error = xasprintf(
                "a message of %"PRIu32" bytes exceeds the OpenFlow limit",
                add->size);
        }
        ofpbuf_delete(add);
        return;
    }
    ofctrl_send(ofctrl, add);

    /* rconn_send() writes only while nothing is queued: once the socket is
     * full, nothing more would reach the switch until the whole bundle is
     * encoded.  Writing what fits every few messages lets the switch work
     * on the bundle while the rest is encoded. */
    if (!(++ofctrl->bundle_msgs % OFCTRL_BUNDLE_FLUSH_EVERY)) {
        rconn_run(ofctrl->rconn);
    }
}

/* Encodes flow 'f' as a flow_mod with 'command'. */
static struct ofpbuf *
ofctrl_encode_flow_mod(const struct desired_flow *f, uint16_t command)
{
    struct ofputil_flow_mod fm = {
        .match = f->match,
        .priority = f->priority,
        .new_cookie = command == OFPFC_ADD ? htonll(f->cookie) : OVS_BE64_MAX,
        .table_id = f->table_id,
        .command = command,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .ofpacts = command == OFPFC_ADD ? f->ofpacts : NULL,
        .ofpacts_len = command == OFPFC_ADD ? f->ofpacts_len : 0,
    };
    return ofputil_encode_flow_mod(&fm, OFPUTIL_P_OF13_OXM);
}

/* Encodes group 'group_id' with canonical 'spec' as a group_mod with
 * 'command'. */
static struct ofpbuf *
ofctrl_encode_group_mod(uint32_t group_id, const char *spec,
                        uint16_t command)
{
    char *text = (command == OFPGC11_DELETE
                  ? xasprintf("group_id=%"PRIu32, group_id)
                  : xasprintf("group_id=%"PRIu32",%s", group_id, spec));
    struct ofputil_group_mod gm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_group_mod_str(&gm, command, text, NULL, NULL,
                                          &usable);
    /* The spec was canonicalized by parsing it before: it parses. */
    ovs_assert(!error);
    struct ofpbuf *msg = ofputil_encode_group_mod(OFP13_VERSION, &gm, NULL,
                                                  -1);
    ofputil_uninit_group_mod(&gm);
    free(text);
    return msg;
}

/* Encodes meter 'meter_id' with canonical 'spec' as a meter_mod with
 * 'command'. */
static struct ofpbuf *
ofctrl_encode_meter_mod(uint32_t meter_id, const char *spec,
                        uint16_t command)
{
    char *text = (command == OFPMC13_DELETE
                  ? xasprintf("meter=%"PRIu32, meter_id)
                  : xasprintf("meter=%"PRIu32" %s", meter_id, spec));
    struct ofputil_meter_mod mm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_meter_mod_str(&mm, text, command, &usable);
    ovs_assert(!error);
    struct ofpbuf *msg = ofputil_encode_meter_mod(OFP13_VERSION, &mm);
    free(mm.meter.bands);
    free(text);
    return msg;
}

/* Sends the meter_mods among 'changes' for which 'dels' is as given: the
 * new and changed meters before a bundle, the removed ones after it. */
static void
ofctrl_send_meters(struct ofctrl *ofctrl, bool dels)
{
    const struct desired_table *t = (dels ? &ofctrl->changes.dels
                                     : &ofctrl->changes.puts);
    const struct desired_meter *m;

    HMAP_FOR_EACH (m, node, &t->meters) {
        uint16_t command = (dels ? OFPMC13_DELETE
                            : desired_table_find_meter(&ofctrl->installed,
                                                       m->meter_id)
                            ? OFPMC13_MODIFY : OFPMC13_ADD);
        ofctrl_send(ofctrl, ofctrl_encode_meter_mod(m->meter_id, m->spec,
                                                    command));
        ofctrl->n_meter_mods++;
        COVERAGE_INC(ofctrl_meter_mod);
    }
}

/* Sends the bundle that applies 'ofctrl->changes'. */
static void
ofctrl_send_bundle(struct ofctrl *ofctrl)
{
    enum ofp_version version = rconn_get_version(ofctrl->rconn);
    struct ofctrl_changes *changes = &ofctrl->changes;

    ofctrl_send_meters(ofctrl, false);

    ofctrl->bundle_id++;
    ofctrl->bundle_flow_mods = 0;
    ofctrl->bundle_msgs = 0;
    free(ofctrl->bundle_error);
    ofctrl->bundle_error = NULL;
    ofctrl->bundle_started = time_msec();
    size_t n_changes = (hmap_count(&changes->puts.flows)
                        + hmap_count(&changes->dels.flows)
                        + hmap_count(&changes->puts.groups)
                        + hmap_count(&changes->dels.groups));
    ofctrl->bundle_deadline = (ofctrl->bundle_started
                               + OFCTRL_BUNDLE_TIMEOUT_MS
                               + n_changes * OFCTRL_BUNDLE_MS_PER_10K
                                 / 10000);
    struct ofputil_bundle_ctrl_msg bc = {
        .bundle_id = ofctrl->bundle_id,
        .type = OFPBCT_OPEN_REQUEST,
        .flags = OFPBF_ATOMIC | OFPBF_ORDERED,
    };
    ofctrl->first_xid = ofctrl_send(
        ofctrl, ofputil_encode_bundle_ctrl_request(version, &bc));

    /* Groups first (flows may refer to them), then flow deletions, then
     * flow additions, then group deletions. */
    const struct desired_group *g;
    HMAP_FOR_EACH (g, node, &changes->puts.groups) {
        bool exists = desired_table_find_group(&ofctrl->installed,
                                               g->group_id) != NULL;
        ofctrl_bundle_add(ofctrl, ofctrl_encode_group_mod(
                              g->group_id, g->spec,
                              exists ? OFPGC11_MODIFY : OFPGC11_ADD));
        ofctrl->n_group_mods++;
        COVERAGE_INC(ofctrl_group_mod);
    }
    const struct desired_flow *f;
    HMAP_FOR_EACH (f, node, &changes->dels.flows) {
        ofctrl_bundle_add(ofctrl,
                          ofctrl_encode_flow_mod(f, OFPFC_DELETE_STRICT));
        ofctrl->bundle_flow_mods++;
        ofctrl->n_flow_mods++;
        COVERAGE_INC(ofctrl_flow_mod);
    }
    HMAP_FOR_EACH (f, node, &changes->puts.flows) {
        ofctrl_bundle_add(ofctrl, ofctrl_encode_flow_mod(f, OFPFC_ADD));
        ofctrl->bundle_flow_mods++;
        ofctrl->n_flow_mods++;
        COVERAGE_INC(ofctrl_flow_mod);
    }
    if (ofctrl->inject_bad_flow) {
        struct desired_table bad;
        desired_table_init(&bad);
        char *error = desired_table_add_flow(&bad, 0, 1, 0, "reg0=0x7f",
                                             "meter:4000000000", NULL);
        ovs_assert(!error);
        HMAP_FOR_EACH (f, node, &bad.flows) {
            ofctrl_bundle_add(ofctrl, ofctrl_encode_flow_mod(f, OFPFC_ADD));
        }
        desired_table_destroy(&bad);
    }
    HMAP_FOR_EACH (g, node, &changes->dels.groups) {
        ofctrl_bundle_add(ofctrl, ofctrl_encode_group_mod(
                              g->group_id, NULL, OFPGC11_DELETE));
        ofctrl->n_group_mods++;
        COVERAGE_INC(ofctrl_group_mod);
    }

    /* The switch answers a bad bundle message with an error but keeps the
     * bundle open: the barrier tells when every error has been seen. */
    ofctrl->barrier_xid = ofctrl_send(
        ofctrl, ofputil_encode_barrier_request(version));
    ofctrl->state = OFCTRL_BUNDLE_SENT;
}

/* Applies the committed changes to the mirror. */
static void
ofctrl_apply_changes(struct ofctrl *ofctrl)
{
    struct ofctrl_changes *changes = &ofctrl->changes;
    struct desired_flow *f;
    const struct desired_group *g;
    const struct desired_meter *m;

    HMAP_FOR_EACH (f, node, &changes->dels.flows) {
        desired_table_remove_flow(&ofctrl->installed, f);
    }
    HMAP_FOR_EACH_POP (f, node, &changes->puts.flows) {
        desired_table_insert_flow(&ofctrl->installed, f);
    }
    HMAP_FOR_EACH (g, node, &changes->dels.groups) {
        desired_table_remove_group(&ofctrl->installed, g->group_id);
    }
    HMAP_FOR_EACH (g, node, &changes->puts.groups) {
        desired_table_set_group(&ofctrl->installed, g->group_id, g->spec);
    }
    HMAP_FOR_EACH (m, node, &changes->dels.meters) {
        desired_table_remove_meter(&ofctrl->installed, m->meter_id);
    }
    HMAP_FOR_EACH (m, node, &changes->puts.meters) {
        desired_table_set_meter(&ofctrl->installed, m->meter_id, m->spec);
    }
}

/* Handles the reply to the bundle's barrier or commit, or an error about
 * one of its messages. */
static void
ofctrl_handle_bundle_reply(struct ofctrl *ofctrl,
                           const struct ofp_header *oh, enum ofptype type)
{
    if (type == OFPTYPE_ERROR) {
        if (!ofctrl->bundle_error) {
            ofctrl->bundle_error = ofp_to_string(oh, ntohs(oh->length),
                                                 NULL, NULL, 1);
        }
        if (oh->xid == ofctrl->commit_xid) {
            ofctrl_abandon_bundle(ofctrl, ofctrl->bundle_error);
        }
        return;
    }

    if (type == OFPTYPE_BARRIER_REPLY && oh->xid == ofctrl->barrier_xid
        && ofctrl->state == OFCTRL_BUNDLE_SENT) {
        if (ofctrl->bundle_error) {
            ofctrl_abandon_bundle(ofctrl, ofctrl->bundle_error);
            return;
        }
        struct ofputil_bundle_ctrl_msg bc = {
            .bundle_id = ofctrl->bundle_id,
            .type = OFPBCT_COMMIT_REQUEST,
            .flags = OFPBF_ATOMIC | OFPBF_ORDERED,
        };
        ofctrl->commit_xid = ofctrl_send(
            ofctrl, ofputil_encode_bundle_ctrl_request(oh->version, &bc));
        ofctrl->commit_sent = time_usec();
        ofctrl->ack_xid = ofctrl_send(
            ofctrl, ofputil_encode_barrier_request(oh->version));
        ofctrl->state = OFCTRL_COMMITTING;
    } else if (type == OFPTYPE_BUNDLE_CONTROL
               && oh->xid == ofctrl->commit_xid
               && ofctrl->state == OFCTRL_COMMITTING) {
        struct ofputil_bundle_ctrl_msg reply;
        if (ofputil_decode_bundle_ctrl(oh, &reply)
            || reply.type != OFPBCT_COMMIT_REPLY) {
            ofctrl_abandon_bundle(ofctrl, "unexpected bundle reply");
            return;
        }
        ofctrl_apply_changes(ofctrl);
        ofctrl_send_meters(ofctrl, true);
        ofctrl_changes_destroy(&ofctrl->changes);
        ofctrl_changes_init(&ofctrl->changes);
        ofctrl->n_bundles_committed++;
        COVERAGE_INC(ofctrl_bundle_commit);
        ofctrl->synced_seqno = ofctrl->bundle_seqno;
        ofctrl->mirror_tracks_desired = !ofctrl->inject_bad_flow;
        ofctrl->installed_once = true;
        ofctrl->last_sync_at = time_msec();
        ofctrl->last_sync_wall = time_wall_msec();
        ofctrl->last_sync_ms = ofctrl->last_sync_at - ofctrl->sync_started;
        ofctrl->state = OFCTRL_STEADY;
        ofctrl->acking = (struct ofctrl_update) {
            .number = ofctrl->last_update.number + 1,
            .desired_seqno = ofctrl->bundle_seqno,
            .sent = ofctrl->commit_sent,
            .n_flow_mods = ofctrl->bundle_flow_mods,
        };
        ofctrl->is_acking = true;
    }
}

/* Handles the reply to the barrier that followed a commit: the update is
 * acknowledged. */
static void
ofctrl_handle_ack(struct ofctrl *ofctrl)
{
    if (ofctrl->is_acking) {
        ofctrl->is_acking = false;
        ofctrl->acking.acked = time_usec();
        ofctrl->last_update = ofctrl->acking;
    }
}

/* Decodes a packet-in and passes it to the handler of its table. */
static void
ofctrl_handle_packet_in(struct ofctrl *ofctrl, const struct ofp_header *oh)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct ofputil_packet_in pin;
    size_t total_len;
    uint32_t buffer_id;

    COVERAGE_INC(ofctrl_packet_in);
    enum ofperr error = ofputil_decode_packet_in(oh, true, NULL, NULL, &pin,
                                                 &total_len, &buffer_id,
                                                 NULL);
    if (error) {
        ofctrl->n_unhandled++;
        VLOG_WARN_RL(&rl, "%s: bad packet-in: %s", ofctrl->target,
                     ofperr_to_string(error));
        return;
    }
    struct ofctrl_handler *handler = &ofctrl->handlers[pin.table_id];
    handler->n_packet_ins++;
    if (handler->cb) {
        handler->cb(ofctrl, &pin, handler->aux);
    } else {
        ofctrl->n_unhandled++;
        VLOG_DBG_RL(&rl, "%s: packet-in from table %"PRIu8" (no handler), "
                    "%"PRIuSIZE" bytes", ofctrl->target, pin.table_id,
                    pin.packet_len);
    }
    free(pin.userdata);
}

/* Sends the Ethernet frame 'packet' of 'size' bytes out of 'out_port' of
 * the switch, as if it came from the controller; with a nonnull 'tun_id'
 * the frame's tunnel id is set to '*tun_id' first (for a tunnel port).
 * Returns false, with a rate-limited warning, if it cannot be sent (not
 * connected, or too big for one message). */
bool
ofctrl_send_packet_out(struct ofctrl *ofctrl, const void *packet,
                       size_t size, ofp_port_t out_port,
                       const ovs_be64 *tun_id)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

    if (!ofctrl_is_connected(ofctrl)) {
        VLOG_DBG_RL(&rl, "packet-out dropped: not connected to the bridge");
        return false;
    }

    uint64_t ofpacts_stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(ofpacts_stub);
    if (tun_id) {
        ofpact_put_set_field(&ofpacts, mf_from_id(MFF_TUN_ID), tun_id,
                             NULL);
    }
    ofpact_put_OUTPUT(&ofpacts)->port = out_port;

    struct ofputil_packet_out po = {
        .packet = packet,
        .packet_len = size,
        .buffer_id = UINT32_MAX,
        .ofpacts = ofpacts.data,
        .ofpacts_len = ofpacts.size,
    };
    match_init_catchall(&po.flow_metadata);
    match_set_in_port(&po.flow_metadata, OFPP_CONTROLLER);

    enum ofp_version version = rconn_get_version(ofctrl->rconn);
    struct ofpbuf *msg = ofputil_encode_packet_out(
        &po, ofputil_protocol_from_ofp_version(version));
    ofpbuf_uninit(&ofpacts);
    if (msg->size > OFCTRL_MAX_MSG) {
        VLOG_WARN_RL(&rl, "packet-out of %"PRIuSIZE" bytes dropped: too big "
                     "for one OpenFlow message", size);
        ofpbuf_delete(msg);
        return false;
    }
    ofctrl_send(ofctrl, msg);
    ofctrl->n_packet_outs++;
    return true;
}

/* Handles one message received from the switch. */
static void
ofctrl_handle_msg(struct ofctrl *ofctrl, const struct ofp_header *oh)
{
    enum ofptype type;

    if (ofptype_decode(&type, oh)) {
        return;
    }
    if (type == OFPTYPE_ECHO_REQUEST) {
        ofctrl_send(ofctrl, ofputil_encode_echo_reply(oh));
    } else if (type == OFPTYPE_PACKET_IN) {
        ofctrl_handle_packet_in(ofctrl, oh);
    } else if (ofctrl->state == OFCTRL_SNAPSHOT
               && (oh->xid == ofctrl->dump_xids[0]
                   || oh->xid == ofctrl->dump_xids[1]
                   || oh->xid == ofctrl->dump_xids[2])) {
        if (type == OFPTYPE_ERROR) {
            /* A switch without meters or groups has none to read. */
            unsigned int part = (oh->xid == ofctrl->dump_xids[0]
                                 ? OFCTRL_DUMP_FLOWS
                                 : oh->xid == ofctrl->dump_xids[1]
                                 ? OFCTRL_DUMP_GROUPS : OFCTRL_DUMP_METERS);
            ofctrl->dump_pending &= ~part;
            if (!ofctrl->dump_pending) {
                ofctrl->state = OFCTRL_STEADY;
            }
        } else {
            ofctrl_handle_snapshot_reply(ofctrl, oh, type);
        }
    } else if (type == OFPTYPE_BARRIER_REPLY && oh->xid == ofctrl->ack_xid) {
        ofctrl_handle_ack(ofctrl);
    } else if (ofctrl_xid_in_bundle(ofctrl, oh->xid)) {
        ofctrl_handle_bundle_reply(ofctrl, oh, type);
    } else if (type == OFPTYPE_ERROR && oh->xid != ofctrl->discard_xid) {
        char *s = ofp_to_string(oh, ntohs(oh->length), NULL, NULL, 1);
        ofctrl_set_error(ofctrl, xasprintf("switch reported: %s", s));
        free(s);
    }
}

/* While a local switch is away, checks every OFCTRL_LOCAL_RETRY_MS whether
 * its socket accepts connections again and, once it does, makes rconn
 * connect at once instead of at the end of its backoff. */
static void
ofctrl_retry_local(struct ofctrl *ofctrl)
{
    long long int now = time_msec();

    if (!ofctrl->target_is_local || now < ofctrl->next_local_retry
        || rconn_is_connected(ofctrl->rconn)) {
        return;
    }
    ofctrl->next_local_retry = now + OFCTRL_LOCAL_RETRY_MS;

    struct stream *stream;
    if (!stream_open_block(stream_open(ofctrl->target, &stream,
                                       DSCP_DEFAULT), 0, &stream)) {
        stream_close(stream);
        VLOG_INFO("%s: the bridge accepts connections again", ofctrl->target);
        rconn_connect(ofctrl->rconn, ofctrl->target, ofctrl->target);
    }
}

/* Runs the connection's state machine and handles what the switch sent. */
void
ofctrl_run(struct ofctrl *ofctrl)
{
    rconn_run(ofctrl->rconn);

    if (!rconn_is_connected(ofctrl->rconn)) {
        if (ofctrl->state != OFCTRL_DISCONNECTED && ofctrl->target) {
            VLOG_WARN("%s: connection to the bridge lost, retrying",
                      ofctrl->target);
        }
        ofctrl->state = OFCTRL_DISCONNECTED;
        ofctrl_retry_local(ofctrl);
        return;
    }

    unsigned int seqno = rconn_get_connection_seqno(ofctrl->rconn);
    if (ofctrl->state == OFCTRL_DISCONNECTED || seqno != ofctrl->conn_seqno) {
        ofctrl->conn_seqno = seqno;
        ofctrl->n_connects++;
        VLOG_INFO("%s: connected to the bridge (OpenFlow 1.3)",
                  ofctrl->target);
        ofctrl_start_snapshot(ofctrl);
    }

    /* Read a bounded batch, so a flood of messages cannot starve the rest
     * of the loop; replies are drained every pass, so the switch never
     * holds 100 unread replies for long. */
    for (int i = 0; i < 500; i++) {
        struct ofpbuf *msg = rconn_recv(ofctrl->rconn);
        if (!msg) {
            break;
        }
        ofctrl_handle_msg(ofctrl, msg->data);
        ofpbuf_delete(msg);
    }

    if ((ofctrl->state == OFCTRL_BUNDLE_SENT
         || ofctrl->state == OFCTRL_COMMITTING)
        && time_msec() > ofctrl->bundle_deadline) {
        ofctrl_abandon_bundle(ofctrl, "no reply from the switch in time");
    }
}

/* Arranges for poll_block() to wake up when ofctrl_run() has work. */
void
ofctrl_wait(struct ofctrl *ofctrl)
{
    rconn_run_wait(ofctrl->rconn);
    rconn_recv_wait(ofctrl->rconn);
    if (ofctrl->target_is_local && !rconn_is_connected(ofctrl->rconn)) {
        poll_timer_wait_until(ofctrl->next_local_retry);
    }
    if (ofctrl->state == OFCTRL_BUNDLE_SENT
        || ofctrl->state == OFCTRL_COMMITTING) {
        poll_timer_wait_until(ofctrl->bundle_deadline + 1);
    }
    if (!ofctrl->installed_once && ofctrl->hold_until
        && !ofctrl->hold_expired) {
        poll_timer_wait_until(ofctrl->hold_until);
    }
}

/* Tells 'ofctrl' which ports the agent plumbs (tunnels, patch ends, the
 * metadata tap) have no ofport yet, by name in 'unplumbed' (copied), at
 * time_msec() 'now'.  The desired state lacks the flows that need them, so
 * before the first install after start this starts the wait for them (see
 * ofctrl_holds_first_install()). */
void
ofctrl_set_unplumbed(struct ofctrl *ofctrl, const struct sset *unplumbed,
                     long long int now)
{
    sset_destroy(&ofctrl->unplumbed);
    sset_clone(&ofctrl->unplumbed, unplumbed);
    if (!ofctrl->installed_once && !ofctrl->hold_until
        && !sset_is_empty(unplumbed)) {
        ofctrl->hold_until = now + OFCTRL_PLUMBING_WAIT_MS;
        char *names = sset_join(unplumbed, ", ", "");
        VLOG_INFO("first install waits for ports %s to get their ofports",
                  names);
        free(names);
    }
}

/* Returns true if 'ofctrl' has a bridge to connect to but has not yet
 * asked it for its flows (the connection is being made, or down). */
bool
ofctrl_is_connecting(const struct ofctrl *ofctrl)
{
    return ofctrl->target && ofctrl->state == OFCTRL_DISCONNECTED;
}

/* Returns true if the first install after start is to wait, at time_msec()
 * 'now', for ports that have no ofport yet (ofctrl_set_unplumbed()): then
 * neither computing the desired state nor installing it is worth it.  Only
 * the first install waits: once the agent has put its flows on the bridge,
 * an empty bridge (ovs-vswitchd restarted and lost them) gets what is ready
 * at once.  It waits at most OFCTRL_PLUMBING_WAIT_MS, then warns, naming
 * the ports still missing. */
bool
ofctrl_holds_first_install(struct ofctrl *ofctrl, long long int now)
{
    if (ofctrl->installed_once || ofctrl->hold_expired
        || sset_is_empty(&ofctrl->unplumbed)) {
        return false;
    }
    if (now < ofctrl->hold_until) {
        return true;
    }
    ofctrl->hold_expired = true;
    char *names = sset_join(&ofctrl->unplumbed, ", ", "");
    VLOG_WARN("ports %s still have no ofport after %d ms: installing "
              "without their flows", names, OFCTRL_PLUMBING_WAIT_MS);
    free(names);
    return false;
}

/* Brings the switch toward 'desired', whose contents are identified by
 * 'desired_seqno' (a new number whenever they change): if the mirror is
 * valid and no bundle is in flight, and the switch is not known to hold
 * this seqno already, sends the difference as one bundle.  'desired' is
 * only read during the call.  'changed' (may be NULL) is the tracker of
 * 'desired' (desired_table_track()): when the mirror holds an earlier
 * desired state exactly, only the flows, groups and meters it names are
 * compared; ofctrl empties it whenever it takes a difference.  The first
 * install after start waits while ofctrl_holds_first_install() says so.
 * 'now' is time_msec(). */
void
ofctrl_put(struct ofctrl *ofctrl, const struct desired_table *desired,
           struct desired_table *changed, uint64_t desired_seqno,
           long long int now)
{
    if (ofctrl->state != OFCTRL_STEADY
        || ofctrl->synced_seqno == desired_seqno
        || ofctrl_holds_first_install(ofctrl, now)) {
        return;
    }

    if (ofctrl->synced_seqno != UINT64_MAX) {
        /* A change of the desired state, not a (re)connection. */
        ofctrl->sync_started = now;
    }
    ofctrl_changes_destroy(&ofctrl->changes);
    ofctrl_changes_init(&ofctrl->changes);
    if (changed && !changed->untracked && ofctrl->mirror_tracks_desired) {
        ofctrl_compute_tracked_changes(ofctrl, desired, changed,
                                       &ofctrl->changes);
        COVERAGE_INC(ofctrl_diff_tracked);
    } else {
        ofctrl_compute_changes(ofctrl, desired, &ofctrl->changes);
        COVERAGE_INC(ofctrl_diff_full);
    }
    if (changed) {
        desired_table_clear(changed);
    }
    ofctrl->bundle_seqno = desired_seqno;

    struct ofctrl_changes *c = &ofctrl->changes;
    if (!hmap_count(&c->puts.flows) && !hmap_count(&c->dels.flows)
        && !hmap_count(&c->puts.groups) && !hmap_count(&c->dels.groups)
        && !hmap_count(&c->puts.meters) && !hmap_count(&c->dels.meters)
        && !ofctrl->inject_bad_flow) {
        ofctrl->synced_seqno = desired_seqno;
        ofctrl->mirror_tracks_desired = !ofctrl->inject_bad_flow;
        ofctrl->installed_once = true;
        ofctrl->last_sync_at = now;
        ofctrl->last_sync_wall = time_wall_msec();
        ofctrl->last_sync_ms = now - ofctrl->sync_started;
        long long int in_sync = time_usec();
        ofctrl->last_update = (struct ofctrl_update) {
            .number = ofctrl->last_update.number + 1,
            .desired_seqno = desired_seqno,
            .sent = in_sync,
            .acked = in_sync,
        };
        return;
    }
    VLOG_INFO("%s: sending %"PRIuSIZE" flow additions (%"PRIuSIZE
              " replacing), %"PRIuSIZE" flow deletions, %"PRIuSIZE
              " group and %"PRIuSIZE" meter changes in one bundle",
              ofctrl->target, hmap_count(&c->puts.flows),
              c->n_modified_flows, hmap_count(&c->dels.flows),
              hmap_count(&c->puts.groups) + hmap_count(&c->dels.groups),
              hmap_count(&c->puts.meters) + hmap_count(&c->dels.meters));
    ofctrl_send_bundle(ofctrl);
}

/* Initializes 'changes' as empty. */
static void
ofctrl_changes_init(struct ofctrl_changes *changes)
{
    desired_table_init(&changes->puts);
    desired_table_init(&changes->dels);
    changes->n_modified_flows = 0;
}

/* Frees what 'changes' owns. */
static void
ofctrl_changes_destroy(struct ofctrl_changes *changes)
{
    desired_table_destroy(&changes->puts);
    desired_table_destroy(&changes->dels);
}

/* Stores in 'changes' what takes the mirror of 'ofctrl' to 'desired':
 * desired flows missing or different in the mirror, mirror flows of owned
 * tables missing from 'desired', and likewise for groups and meters. */
static void
ofctrl_compute_changes(const struct ofctrl *ofctrl,
                       const struct desired_table *desired,
                       struct ofctrl_changes *changes)
{
    const struct desired_table *installed = &ofctrl->installed;
    const struct desired_flow *f;

    HMAP_FOR_EACH (f, node, &desired->flows) {
        const struct desired_flow *old = desired_table_find_flow(
            installed, f->table_id, f->priority, &f->match);
        if (!old || old->cookie != f->cookie
            || !desired_flow_actions_equal(old, f)) {
            desired_table_insert_flow(&changes->puts, desired_flow_clone(f));
            changes->n_modified_flows += old != NULL;
        }
    }
    HMAP_FOR_EACH (f, node, &installed->flows) {
        if (ofctrl->owns_table(f->table_id)
            && !desired_table_find_flow(desired, f->table_id, f->priority,
                                        &f->match)) {
            desired_table_insert_flow(&changes->dels, desired_flow_clone(f));
        }
    }

    const struct desired_group *g;
    HMAP_FOR_EACH (g, node, &desired->groups) {
        const struct desired_group *old
            = desired_table_find_group(installed, g->group_id);
        if (!old || strcmp(old->spec, g->spec)) {
            desired_table_set_group(&changes->puts, g->group_id, g->spec);
        }
    }
    HMAP_FOR_EACH (g, node, &installed->groups) {
        if (!desired_table_find_group(desired, g->group_id)) {
            desired_table_set_group(&changes->dels, g->group_id, g->spec);
        }
    }

    const struct desired_meter *m;
    HMAP_FOR_EACH (m, node, &desired->meters) {
        const struct desired_meter *old
            = desired_table_find_meter(installed, m->meter_id);
        if (!old || strcmp(old->spec, m->spec)) {
            desired_table_set_meter(&changes->puts, m->meter_id, m->spec);
        }
    }
    HMAP_FOR_EACH (m, node, &installed->meters) {
        if (!desired_table_find_meter(desired, m->meter_id)) {
            desired_table_set_meter(&changes->dels, m->meter_id, m->spec);
        }
    }
}

/* Adds to 'changes' what takes the mirror of 'ofctrl' to 'desired' for
 * the flow, group and meter identities named in 'changed': the mirror is
 * known to equal an earlier desired state everywhere else. */
static void
ofctrl_compute_tracked_changes(const struct ofctrl *ofctrl,
                               const struct desired_table *desired,
                               const struct desired_table *changed,
                               struct ofctrl_changes *changes)
{
    const struct desired_table *installed = &ofctrl->installed;
    const struct desired_flow *key;

    HMAP_FOR_EACH (key, node, &changed->flows) {
        const struct desired_flow *f = desired_table_find_flow(
            desired, key->table_id, key->priority, &key->match);
        const struct desired_flow *old = desired_table_find_flow(
            installed, key->table_id, key->priority, &key->match);
        if (f && (!old || old->cookie != f->cookie
                  || !desired_flow_actions_equal(old, f))) {
            desired_table_insert_flow(&changes->puts, desired_flow_clone(f));
            changes->n_modified_flows += old != NULL;
        } else if (!f && old && ofctrl->owns_table(old->table_id)) {
            desired_table_insert_flow(&changes->dels,
                                      desired_flow_clone(old));
        }
    }

    const struct desired_group *id;
    HMAP_FOR_EACH (id, node, &changed->groups) {
        const struct desired_group *g
            = desired_table_find_group(desired, id->group_id);
        const struct desired_group *old
            = desired_table_find_group(installed, id->group_id);
        if (g && (!old || strcmp(old->spec, g->spec))) {
            desired_table_set_group(&changes->puts, g->group_id, g->spec);
        } else if (!g && old) {
            desired_table_set_group(&changes->dels, old->group_id,
                                    old->spec);
        }
    }

    const struct desired_meter *mid;
    HMAP_FOR_EACH (mid, node, &changed->meters) {
        const struct desired_meter *m
            = desired_table_find_meter(desired, mid->meter_id);
        const struct desired_meter *old
            = desired_table_find_meter(installed, mid->meter_id);
        if (m && (!old || strcmp(old->spec, m->spec))) {
            desired_table_set_meter(&changes->puts, m->meter_id, m->spec);
        } else if (!m && old) {
            desired_table_set_meter(&changes->dels, old->meter_id,
                                    old->spec);
        }
    }
}

/* Returns true if the bridge connection is up and the mirror valid. */
bool
ofctrl_is_connected(const struct ofctrl *ofctrl)
{
    return (ofctrl->state != OFCTRL_DISCONNECTED
            && ofctrl->state != OFCTRL_SNAPSHOT);
}

/* Returns true if the switch is known to hold desired state
 * 'desired_seqno'. */
bool
ofctrl_in_sync(const struct ofctrl *ofctrl, uint64_t desired_seqno)
{
    return (ofctrl->state == OFCTRL_STEADY
            && ofctrl->synced_seqno == desired_seqno);
}

/* Returns the last update of the bridge that was acknowledged: a
 * committed bundle once the barrier after its commit came back, or a
 * desired state found installed already (then without flow_mods, sent and
 * acknowledged when that was found).  Its 'number' is 0 before the
 * first. */
struct ofctrl_update
ofctrl_last_update(const struct ofctrl *ofctrl)
{
    return ofctrl->last_update;
}

/* Returns the current target, or NULL. */
const char *
ofctrl_target(const struct ofctrl *ofctrl)
{
    return ofctrl->target;
}

/* Returns the mirror of what the switch holds (valid only while
 * connected). */
const struct desired_table *
ofctrl_installed(const struct ofctrl *ofctrl)
{
    return &ofctrl->installed;
}

/* Returns a name for 'state'. */
static const char *
ofctrl_state_name(enum ofctrl_state state)
{
    switch (state) {
    case OFCTRL_DISCONNECTED:
        return "disconnected";
    case OFCTRL_SNAPSHOT:
        return "connected, reading the bridge";
    case OFCTRL_STEADY:
        return "connected";
    case OFCTRL_BUNDLE_SENT:
    case OFCTRL_COMMITTING:
        return "connected, bundle in flight";
    }
    OVS_NOT_REACHED();
}

/* Appends the connection's state and counters, for "status", to 'out'. */
void
ofctrl_format_status(const struct ofctrl *ofctrl, struct ds *out)
{
    ds_put_format(out, "bridge connection: %s (%s)\n",
                  ofctrl_state_name(ofctrl->state),
                  ofctrl->target ? ofctrl->target : "no target");
    ds_put_format(out, "installed: %"PRIuSIZE" flows, %"PRIuSIZE" groups, "
                  "%"PRIuSIZE" meters\n",
                  hmap_count(&ofctrl->installed.flows),
                  hmap_count(&ofctrl->installed.groups),
                  hmap_count(&ofctrl->installed.meters));
    ds_put_format(out, "flow_mods sent: %"PRIu64", group_mods: %"PRIu64
                  ", meter_mods: %"PRIu64"\n", ofctrl->n_flow_mods,
                  ofctrl->n_group_mods, ofctrl->n_meter_mods);
    ds_put_format(out, "bundles committed: %"PRIu64", discarded: %"PRIu64
                  "\n", ofctrl->n_bundles_committed,
                  ofctrl->n_bundles_discarded);
    if (ofctrl->last_sync_at) {
        ds_put_format(out, "last bridge sync: took %lld ms, %lld s ago, at ",
                      ofctrl->last_sync_ms,
                      (time_msec() - ofctrl->last_sync_at) / 1000);
        ds_put_strftime_msec(out, "%Y-%m-%d %H:%M:%S.### UTC\n",
                             ofctrl->last_sync_wall, true);
    } else {
        ds_put_cstr(out, "last bridge sync: never\n");
    }
    ds_put_format(out, "bridge connects: %"PRIu64"\n", ofctrl->n_connects);
    ds_put_cstr(out, "packet-ins by table:");
    for (size_t i = 0; i < ARRAY_SIZE(ofctrl->handlers); i++) {
        if (ofctrl->handlers[i].n_packet_ins) {
            ds_put_format(out, " %"PRIuSIZE": %"PRIu64, i,
                          ofctrl->handlers[i].n_packet_ins);
        }
    }
    ds_put_format(out, " (unhandled %"PRIu64"), packet-outs: %"PRIu64"\n",
                  ofctrl->n_unhandled, ofctrl->n_packet_outs);
    if (ofctrl->last_error) {
        ds_put_format(out, "last bridge error: %s\n", ofctrl->last_error);
    }
}

/* Appends 't' to 'out' as desired_table_format() prints it, each line
 * preceded by 'prefix'. */
static void
ofctrl_format_prefixed(const struct desired_table *t, const char *prefix,
                       struct ds *out)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    char *save_ptr = NULL;

    desired_table_format(t, &text);
    for (char *line = strtok_r(ds_cstr(&text), "\n", &save_ptr); line;
         line = strtok_r(NULL, "\n", &save_ptr)) {
        ds_put_format(out, "%s%s\n", prefix, line);
    }
    ds_destroy(&text);
}

/* Appends to 'out' what differs between 'desired' and the mirror, one flow,
 * group or meter per line: "+ " for what the bridge lacks or holds
 * differently, "- " for what it holds and should not.  Nothing when in
 * sync. */
void
ofctrl_format_diff(const struct ofctrl *ofctrl,
                   const struct desired_table *desired, struct ds *out)
{
    struct ofctrl_changes changes;

    ofctrl_changes_init(&changes);
    ofctrl_compute_changes(ofctrl, desired, &changes);
    ofctrl_format_prefixed(&changes.dels, "- ", out);
    ofctrl_format_prefixed(&changes.puts, "+ ", out);
    ofctrl_changes_destroy(&changes);
}
