/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "ofctrl.h"

#include <stdlib.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ofctrl);

/* Connection states.  Every (re)connection starts over at OFCTRL_CONNECTED
 * and moves forward; losing the connection returns to
 * OFCTRL_DISCONNECTED. */
enum ofctrl_state {
    OFCTRL_DISCONNECTED,        /* No target, or rconn still connecting. */
    OFCTRL_CONNECTED,           /* Negotiated; switch configuration next. */
    OFCTRL_STEADY,              /* Configured; serving messages. */
};

/* The connection to one bridge. */
struct ofctrl {
    struct rconn *rconn;        /* Owned.  Reconnects with backoff. */
    char *target;               /* Owned: "unix:<rundir>/<bridge>.mgmt". */
    enum ofctrl_state state;
    unsigned int seqno;         /* rconn_get_connection_seqno() when the
                                 * state machine last restarted. */
    uint64_t n_connects;        /* Connections made so far. */
    uint64_t n_packet_ins;      /* Packet-ins received. */
};

/* Creates an OpenFlow 1.3 connection that has no target yet.  The caller
 * owns the result (ofctrl_destroy()). */
struct ofctrl *
ofctrl_create(void)
{
    struct ofctrl *ofctrl = xzalloc(sizeof *ofctrl);

    ofctrl->rconn = rconn_create(5, 8, 0, 1u << OFP13_VERSION);
    ofctrl->state = OFCTRL_DISCONNECTED;
    return ofctrl;
}

/* Closes the connection and frees 'ofctrl'.  The switch keeps its flows. */
void
ofctrl_destroy(struct ofctrl *ofctrl)
{
    if (ofctrl) {
        rconn_destroy(ofctrl->rconn);
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
    } else {
        rconn_disconnect(ofctrl->rconn);
    }
    ofctrl->state = OFCTRL_DISCONNECTED;
}

/* Sends 'msg' (consumed) on the connection. */
static void
ofctrl_send(struct ofctrl *ofctrl, struct ofpbuf *msg)
{
    rconn_send(ofctrl->rconn, msg, NULL);
}

/* Configures a fresh connection: full-length packet-ins. */
static void
ofctrl_configure_switch(struct ofctrl *ofctrl)
{
    enum ofp_version version = rconn_get_version(ofctrl->rconn);
    struct ofputil_switch_config config = {
        .frag = OFPUTIL_FRAG_NORMAL,
        .invalid_ttl_to_controller = -1,
        .miss_send_len = UINT16_MAX,
    };
    ofctrl_send(ofctrl, ofputil_encode_set_config(&config, version));
}

/* Handles one message received from the switch. */
static void
ofctrl_handle_msg(struct ofctrl *ofctrl, const struct ofp_header *oh)
{
    enum ofptype type;

    if (ofptype_decode(&type, oh)) {
        return;
    }
    switch (type) {
    case OFPTYPE_ECHO_REQUEST:
        ofctrl_send(ofctrl, ofputil_encode_echo_reply(oh));
        break;
    case OFPTYPE_PACKET_IN:
        ofctrl->n_packet_ins++;
        break;
    case OFPTYPE_ERROR: {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        char *s = ofp_to_string(oh, ntohs(oh->length), NULL, NULL, 1);
        VLOG_WARN_RL(&rl, "%s: switch reported: %s", ofctrl->target, s);
        free(s);
        break;
    }
    default:
        break;
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
        return;
    }

    unsigned int seqno = rconn_get_connection_seqno(ofctrl->rconn);
    if (ofctrl->state == OFCTRL_DISCONNECTED || seqno != ofctrl->seqno) {
        ofctrl->seqno = seqno;
        ofctrl->state = OFCTRL_CONNECTED;
        ofctrl->n_connects++;
        VLOG_INFO("%s: connected to the bridge (OpenFlow 1.3)",
                  ofctrl->target);
    }
    if (ofctrl->state == OFCTRL_CONNECTED) {
        ofctrl_configure_switch(ofctrl);
        ofctrl->state = OFCTRL_STEADY;
    }

    for (int i = 0; i < 50; i++) {
        struct ofpbuf *msg = rconn_recv(ofctrl->rconn);
        if (!msg) {
            break;
        }
        ofctrl_handle_msg(ofctrl, msg->data);
        ofpbuf_delete(msg);
    }
}

/* Arranges for poll_block() to wake up when ofctrl_run() has work. */
void
ofctrl_wait(struct ofctrl *ofctrl)
{
    rconn_run_wait(ofctrl->rconn);
    rconn_recv_wait(ofctrl->rconn);
}

/* Returns true if the bridge connection is up and configured. */
bool
ofctrl_is_connected(const struct ofctrl *ofctrl)
{
    return ofctrl->state == OFCTRL_STEADY;
}

/* Returns the current target, or NULL. */
const char *
ofctrl_target(const struct ofctrl *ofctrl)
{
    return ofctrl->target;
}

/* Returns a name for 'state'. */
static const char *
ofctrl_state_name(enum ofctrl_state state)
{
    switch (state) {
    case OFCTRL_DISCONNECTED:
        return "disconnected";
    case OFCTRL_CONNECTED:
        return "connected";
    case OFCTRL_STEADY:
        return "connected";
    }
    OVS_NOT_REACHED();
}

/* Appends the connection's state, for "status", to 'out'. */
void
ofctrl_format_status(const struct ofctrl *ofctrl, struct ds *out)
{
    ds_put_format(out, "bridge connection: %s (%s, rconn %s)\n",
                  ofctrl_state_name(ofctrl->state),
                  ofctrl->target ? ofctrl->target : "no target",
                  rconn_get_state(ofctrl->rconn));
    ds_put_format(out, "bridge connects: %"PRIu64", packet-ins: %"PRIu64
                  "\n", ofctrl->n_connects, ofctrl->n_packet_ins);
}
