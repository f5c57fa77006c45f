/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "dhcp-handler.h"

#include <inttypes.h>
#include <stdlib.h>

#include "coverage.h"
#include "dhcp.h"
#include "dp-packet.h"
#include "host-state.h"
#include "model.h"
#include "ofctrl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "pipeline.h"
#include "settings.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dhcp_handler);

COVERAGE_DEFINE(dhcp_handler_packet_in);
COVERAGE_DEFINE(dhcp_handler_reply);
COVERAGE_DEFINE(dhcp_handler_drop);

/* Why a DHCP packet got no answer. */
enum dhcp_handler_drop {
    DHCP_HANDLER_DROP_UNKNOWN_PORT,     /* Its in_port is no local port of
                                         * the document. */
    DHCP_HANDLER_DROP_MALFORMED,        /* dhcp_parse_request() refused
                                         * it. */
    DHCP_HANDLER_DROP_FOREIGN_MAC,      /* Its source MAC or chaddr is not
                                         * the port's. */
    DHCP_HANDLER_DROP_NOT_SERVED,       /* The subnet has no port to serve
                                         * DHCP from. */
    DHCP_HANDLER_DROP_IGNORED,          /* dhcp_decide() gives no answer
                                         * (relayed, another server's,
                                         * a server's message type). */
    DHCP_HANDLER_DROP_SEND_FAILED,      /* The packet-out could not be
                                         * sent. */
    DHCP_HANDLER_N_DROPS
};

/* Names of the drop reasons, for "status" and "dhcp/show". */
static const char *const dhcp_handler_drop_names[DHCP_HANDLER_N_DROPS] = {
    [DHCP_HANDLER_DROP_UNKNOWN_PORT] = "unknown port",
    [DHCP_HANDLER_DROP_MALFORMED] = "malformed",
    [DHCP_HANDLER_DROP_FOREIGN_MAC] = "foreign MAC",
    [DHCP_HANDLER_DROP_NOT_SERVED] = "not served",
    [DHCP_HANDLER_DROP_IGNORED] = "ignored",
    [DHCP_HANDLER_DROP_SEND_FAILED] = "send failed",
};

/* Counters of one port, or of all of them.  Plain data. */
struct dhcp_handler_stats {
    uint64_t received[DHCP_MSG_INFORM + 1];     /* By message type (option
                                                 * 53); malformed ones are
                                                 * not counted here. */
    uint64_t verdicts[DHCP_VERDICT_DECLINE + 1];        /* By verdict; the
                                                         * answers only once
                                                         * sent. */
    uint64_t drops[DHCP_HANDLER_N_DROPS];       /* By reason. */
};

/* What the handler saw of one local port. */
struct dhcp_handler_port {
    struct dhcp_handler_stats stats;    /* Since the agent started. */
    enum dhcp_msg_type last_type;       /* Type of the last message. */
    long long int last_msg_at;          /* time_msec() of the last message,
                                         * 0 for none. */
    char last_answer[64];               /* E.g. "OFFER 172.16.1.4", or
                                         * "none (foreign MAC)". */
    long long int last_answer_at;       /* time_msec() of 'last_answer', 0
                                         * for none. */
};

/* The DHCP server of the agent. */
struct dhcp_handler {
    const struct host_state *state;     /* Owned by the agent, which changes
                                         * it only between handler calls. */
    const struct settings *settings;    /* Owned by the agent, likewise. */
    struct shash ports;         /* Port id -> owned struct dhcp_handler_port,
                                 * for the ports that sent something. */
    uint64_t state_seqno;       /* host_state 'seqno' that 'ports' was last
                                 * pruned at. */
    struct dhcp_handler_stats totals;   /* All ports together, and packets
                                         * of unknown ports. */
    uint32_t last_unknown_ofport;       /* In_port of the last packet from
                                         * an unknown port, 0 for none. */
};

static ofctrl_packet_in_cb dhcp_handler_packet_in;

/* Creates a DHCP server that reads the agent's host state 'state' and
 * settings 'settings' (both borrowed: they must outlive it).  The caller
 * owns the result (dhcp_handler_destroy()). */
struct dhcp_handler *
dhcp_handler_create(const struct host_state *state,
                    const struct settings *settings)
{
    struct dhcp_handler *handler = xzalloc(sizeof *handler);

    handler->state = state;
    handler->settings = settings;
    shash_init(&handler->ports);
    handler->state_seqno = state->seqno;
    return handler;
}

/* Frees 'handler'.  Unregister it from ofctrl first. */
void
dhcp_handler_destroy(struct dhcp_handler *handler)
{
    if (handler) {
        shash_destroy_free_data(&handler->ports);
        free(handler);
    }
}

/* Makes 'handler' the handler of the DHCP table's packet-ins on 'ofctrl'. */
void
dhcp_handler_register(struct dhcp_handler *handler, struct ofctrl *ofctrl)
{
    ofctrl_register_packet_in(ofctrl, PIPELINE_T_DHCP,
                              dhcp_handler_packet_in, handler);
}

/* Forgets the counters of ports that are no longer local, whenever the host
 * state changed. */
void
dhcp_handler_run(struct dhcp_handler *handler)
{
    const struct host_state *state = handler->state;
    if (state->seqno == handler->state_seqno) {
        return;
    }
    handler->state_seqno = state->seqno;

    struct sset local = SSET_INITIALIZER(&local);
    for (size_t i = 0; state->has_view && i < state->view.n_local_ports;
         i++) {
        sset_add(&local, state->view.local_ports[i].port->id);
    }
    struct shash_node *node;
    SHASH_FOR_EACH_SAFE (node, &handler->ports) {
        if (!sset_contains(&local, node->name)) {
            free(node->data);
            shash_delete(&handler->ports, node);
        }
    }
    sset_destroy(&local);
}

/* Returns the counters of the port with 'port_id', created empty if
 * needed. */
static struct dhcp_handler_port *
dhcp_handler_port(struct dhcp_handler *handler, const char *port_id)
{
    struct dhcp_handler_port *hp = shash_find_data(&handler->ports, port_id);
    if (!hp) {
        hp = xzalloc(sizeof *hp);
        shash_add(&handler->ports, port_id, hp);
    }
    return hp;
}

/* Counts a packet of port 'hp' (NULL for an unknown port) dropped for
 * 'reason', at 'now'. */
static void
dhcp_handler_drop(struct dhcp_handler *handler,
                  struct dhcp_handler_port *hp,
                  enum dhcp_handler_drop reason, long long int now)
{
    COVERAGE_INC(dhcp_handler_drop);
    handler->totals.drops[reason]++;
    if (hp) {
        hp->stats.drops[reason]++;
        snprintf(hp->last_answer, sizeof hp->last_answer, "none (%s)",
                 dhcp_handler_drop_names[reason]);
        hp->last_answer_at = now;
    }
}

/* Counts verdict 'type' for port 'hp'. */
static void
dhcp_handler_count_verdict(struct dhcp_handler *handler,
                           struct dhcp_handler_port *hp,
                           enum dhcp_verdict_type type)
{
    handler->totals.verdicts[type]++;
    hp->stats.verdicts[type]++;
}

/* Builds the reply of 'verdict' to 'req' as 'config' says and sends it out
 * of 'out_port'.  Returns false if it could not be sent. */
static bool
dhcp_handler_reply(struct ofctrl *ofctrl, const struct dhcp_request *req,
                   const struct dhcp_config *config,
                   enum dhcp_verdict_type verdict, ofp_port_t out_port)
{
    uint64_t stub[2048 / 8];
    struct dp_packet packet;

    dp_packet_use_stub(&packet, stub, sizeof stub);
    dhcp_build_reply(req, config, verdict, &packet);
    bool sent = ofctrl_send_packet_out(ofctrl, dp_packet_data(&packet),
                                       dp_packet_size(&packet), out_port,
                                       NULL);
    dp_packet_uninit(&packet);
    return sent;
}

/* Answers the DHCP packet-in 'pin' (ofctrl_packet_in_cb). */
static void
dhcp_handler_packet_in(struct ofctrl *ofctrl,
                       const struct ofputil_packet_in *pin, void *handler_)
{
    static struct vlog_rate_limit drop_rl = VLOG_RATE_LIMIT_INIT(5, 20);
    static struct vlog_rate_limit info_rl = VLOG_RATE_LIMIT_INIT(20, 100);
    struct dhcp_handler *handler = handler_;
    long long int now = time_msec();
    ofp_port_t in_port = pin->flow_metadata.flow.in_port.ofp_port;

    COVERAGE_INC(dhcp_handler_packet_in);
    const struct host_view_port *hvp = host_state_port_by_ofport(
        handler->state, ofp_to_u16(in_port));
    if (!hvp) {
        handler->last_unknown_ofport = ofp_to_u16(in_port);
        dhcp_handler_drop(handler, NULL, DHCP_HANDLER_DROP_UNKNOWN_PORT,
                          now);
        VLOG_WARN_RL(&drop_rl, "DHCP packet from ofport %"PRIu16", which "
                     "is no local port of the document: no answer",
                     ofp_to_u16(in_port));
        return;
    }
    const struct model_port *port = hvp->port;
    struct dhcp_handler_port *hp = dhcp_handler_port(handler, port->id);

    struct dhcp_request req;
    char *error = dhcp_parse_request(pin->packet, pin->packet_len, &req);
    if (error) {
        dhcp_handler_drop(handler, hp, DHCP_HANDLER_DROP_MALFORMED, now);
        VLOG_WARN_RL(&drop_rl, "port %s: malformed DHCP packet: %s",
                     port->id, error);
        free(error);
        return;
    }
    handler->totals.received[req.msg_type]++;
    hp->stats.received[req.msg_type]++;
    hp->last_type = req.msg_type;
    hp->last_msg_at = now;

    const char *type_name = dhcp_msg_type_name(req.msg_type);
    if (!eth_addr_equals(req.eth_src, port->mac)
        || !eth_addr_equals(req.chaddr, port->mac)) {
        dhcp_handler_drop(handler, hp, DHCP_HANDLER_DROP_FOREIGN_MAC, now);
        VLOG_WARN_RL(&drop_rl, "port %s: DHCP %s from "ETH_ADDR_FMT
                     " for chaddr "ETH_ADDR_FMT", not the port's MAC "
                     ETH_ADDR_FMT": no answer", port->id, type_name,
                     ETH_ADDR_ARGS(req.eth_src), ETH_ADDR_ARGS(req.chaddr),
                     ETH_ADDR_ARGS(port->mac));
        return;
    }

    struct dhcp_options options;
    struct dhcp_config config;
    char *reason;
    dhcp_options_from_settings(handler->settings, &options);
    if (!dhcp_config_from_model(hvp->subnet, port, &options, &config,
                                &reason)) {
        dhcp_handler_drop(handler, hp, DHCP_HANDLER_DROP_NOT_SERVED, now);
        VLOG_WARN_RL(&drop_rl, "port %s: DHCP %s not answered: %s",
                     port->id, type_name, reason);
        free(reason);
        return;
    }

    struct dhcp_verdict verdict;
    dhcp_decide(&req, &config, &verdict);
    const char *verdict_name = dhcp_verdict_name(verdict.type);
    switch (verdict.type) {
    case DHCP_VERDICT_IGNORE:
        dhcp_handler_count_verdict(handler, hp, verdict.type);
        dhcp_handler_drop(handler, hp, DHCP_HANDLER_DROP_IGNORED, now);
        VLOG_INFO_RL(&drop_rl, "port %s: DHCP %s not answered: %s",
                     port->id, type_name, verdict.reason);
        return;

    case DHCP_VERDICT_RELEASE:
    case DHCP_VERDICT_DECLINE:
        dhcp_handler_count_verdict(handler, hp, verdict.type);
        snprintf(hp->last_answer, sizeof hp->last_answer, "none (%s)",
                 verdict_name);
        hp->last_answer_at = now;
        VLOG_INFO_RL(&info_rl, "port %s (%s): %s, nothing to answer",
                     port->id, port->device_id, verdict.reason);
        return;

    case DHCP_VERDICT_OFFER:
    case DHCP_VERDICT_ACK:
    case DHCP_VERDICT_ACK_INFORM:
    case DHCP_VERDICT_NAK:
        break;
    }

    if (!dhcp_handler_reply(ofctrl, &req, &config, verdict.type, in_port)) {
        dhcp_handler_drop(handler, hp, DHCP_HANDLER_DROP_SEND_FAILED, now);
        return;
    }
    COVERAGE_INC(dhcp_handler_reply);
    dhcp_handler_count_verdict(handler, hp, verdict.type);
    if (verdict.type == DHCP_VERDICT_NAK) {
        snprintf(hp->last_answer, sizeof hp->last_answer, "NAK");
    } else {
        snprintf(hp->last_answer, sizeof hp->last_answer, "%s "IP_FMT,
                 verdict_name, IP_ARGS(config.yiaddr));
    }
    hp->last_answer_at = now;
    VLOG_INFO_RL(&info_rl, "port %s (%s) answered %s (%s)", port->id,
                 port->device_id, hp->last_answer, verdict.reason);
}

/* Appends 'stats' to 'out' as "received ..., answered ..., dropped ...",
 * the drops of unknown ports only if 'with_unknown_port'. */
static void
dhcp_handler_format_stats(const struct dhcp_handler_stats *stats,
                          bool with_unknown_port, struct ds *out)
{
    uint64_t n_received = 0;
    for (int type = DHCP_MSG_DISCOVER; type <= DHCP_MSG_INFORM; type++) {
        n_received += stats->received[type];
    }
    ds_put_format(out, "received %"PRIu64" (", n_received);
    for (int type = DHCP_MSG_DISCOVER; type <= DHCP_MSG_INFORM; type++) {
        ds_put_format(out, "%s%s %"PRIu64,
                      type == DHCP_MSG_DISCOVER ? "" : ", ",
                      dhcp_msg_type_name(type), stats->received[type]);
    }
    ds_put_format(out, "), answered OFFER %"PRIu64", ACK %"PRIu64
                  ", NAK %"PRIu64", dropped",
                  stats->verdicts[DHCP_VERDICT_OFFER],
                  stats->verdicts[DHCP_VERDICT_ACK]
                  + stats->verdicts[DHCP_VERDICT_ACK_INFORM],
                  stats->verdicts[DHCP_VERDICT_NAK]);
    const char *separator = " ";
    for (int i = 0; i < DHCP_HANDLER_N_DROPS; i++) {
        if (i != DHCP_HANDLER_DROP_UNKNOWN_PORT || with_unknown_port) {
            ds_put_format(out, "%s%s %"PRIu64, separator,
                          dhcp_handler_drop_names[i], stats->drops[i]);
            separator = ", ";
        }
    }
}

/* Appends the "DHCP:" line of "status" to 'out'. */
void
dhcp_handler_format_status(const struct dhcp_handler *handler,
                           struct ds *out)
{
    ds_put_cstr(out, "DHCP: ");
    dhcp_handler_format_stats(&handler->totals, true, out);
    ds_put_char(out, '\n');
}

/* Appends to 'out', for "dhcp/show", one paragraph per local port with an
 * ofport: the last message and when (relative to 'now', a time_msec()),
 * the last answer, counts by message type, answers and drops by reason;
 * then the packets of unknown ports. */
void
dhcp_handler_format_show(const struct dhcp_handler *handler,
                         long long int now, struct ds *out)
{
    const struct host_state *state = handler->state;

    for (size_t i = 0; state->has_view && i < state->view.n_local_ports;
         i++) {
        const struct host_view_port *hvp = &state->view.local_ports[i];
        const struct model_port *port = hvp->port;
        const struct dhcp_handler_port *hp = shash_find_data(
            &handler->ports, port->id);

        ds_put_format(out, "port %s device %s mac "ETH_ADDR_FMT" ip "IP_FMT
                      "\n", port->id,
                      port->device_id[0] ? port->device_id : "-",
                      ETH_ADDR_ARGS(port->mac), IP_ARGS(port->fixed_ip));
        if (!hp) {
            ds_put_cstr(out, "  no DHCP packet yet\n");
            continue;
        }
        ds_put_format(out, "  last message: %s, %lld s ago\n",
                      dhcp_msg_type_name(hp->last_type),
                      (now - hp->last_msg_at) / 1000);
        if (hp->last_answer_at) {
            ds_put_format(out, "  last answer: %s, %lld s ago\n",
                          hp->last_answer,
                          (now - hp->last_answer_at) / 1000);
        }
        ds_put_cstr(out, "  ");
        dhcp_handler_format_stats(&hp->stats, false, out);
        ds_put_char(out, '\n');
    }
    ds_put_format(out, "unknown ports: %"PRIu64" packets dropped",
                  handler->totals.drops[DHCP_HANDLER_DROP_UNKNOWN_PORT]);
    if (handler->last_unknown_ofport) {
        ds_put_format(out, " (last from ofport %"PRIu32")",
                      handler->last_unknown_ofport);
    }
    ds_put_char(out, '\n');
}
