/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Table 5, port security (anti-spoofing).
 *
 * Table 5 lets a local VM send only what its addresses allow, whether or
 * not the port has security groups:
 *   - TCP to the metadata service (169.254.169.254:80) -> 20, whatever its
 *     source: table 36 replaces the source address anyway (only when there
 *     is a metadata tap);
 *   - IPv4 from in_port + its MAC + its fixed IP -> 10 (egress conntrack);
 *   - ARP from in_port + its MAC + its IP as sender -> 20;
 *   - DHCP requests (UDP 68 -> 67) from in_port + its MAC -> 20, when they
 *     are broadcast or sent to the MAC of its subnet's DHCP server
 *     (renewals are unicast): whatever their source address (a client
 *     that has none yet sends from 0.0.0.0; one whose address was
 *     renumbered renews from the old one and must get its NAK), and above
 *     the IPv4 flow, so that security groups never stop DHCP;
 *   - each allowed address pair (IP or CIDR, MAC) the same way for IPv4 and
 *     ARP.
 * Everything else (other source MACs or addresses, IPv6, other ethertypes)
 * misses and is dropped. */

#include <config.h>

#include <inttypes.h>

#include "dhcp.h"
#include "flow.h"
#include "model.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"

/* Flow priorities of table 5. */
enum {
    PORTSEC_PRIO_METADATA = 200,
    PORTSEC_PRIO_DHCP = 110,
    PORTSEC_PRIO_PORT = 100,
};

/* Starts 'f' as a flow of table 5 at 'priority' for frames of 'dl_type'
 * that local port 'pp' sends from 'mac'. */
static void
port_security_flow(struct pipeline_flow *f, const struct pipeline_port *pp,
                   uint16_t priority, uint16_t dl_type, struct eth_addr mac)
{
    pipeline_flow_init(f, PIPELINE_T_PORT_SECURITY, priority);
    match_set_dl_type(&f->match, htons(dl_type));
    match_set_in_port(&f->match, u16_to_ofp(pp->ofport));
    match_set_dl_src(&f->match, mac);
}

/* Adds the IPv4 and ARP flows of table 5 that let local port 'pp' send from
 * 'ip'/'plen' with 'mac'. */
static void
port_security_address(struct pipeline_ctx *ctx,
                      const struct pipeline_port *pp, struct eth_addr mac,
                      ovs_be32 ip, unsigned int plen)
{
    ovs_be32 mask = be32_prefix_mask(plen);

    /* "ip,in_port=<ofport>,dl_src=<mac>,nw_src=<ip>/<mask>". */
    struct pipeline_flow f;
    port_security_flow(&f, pp, PORTSEC_PRIO_PORT, ETH_TYPE_IP, mac);
    match_set_nw_src_masked(&f.match, ip, mask);
    pipeline_flow_goto(&f, PIPELINE_T_EGRESS_CT);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_PORT_SECURITY,
                            DESIRED_OWNER_PORT, pp->port->id, &f);
    pipeline_flow_uninit(&f);

    /* "arp,in_port=<ofport>,dl_src=<mac>,arp_spa=<ip>/<mask>,
     * arp_sha=<mac>". */
    port_security_flow(&f, pp, PORTSEC_PRIO_PORT, ETH_TYPE_ARP, mac);
    match_set_nw_src_masked(&f.match, ip, mask);
    match_set_arp_sha(&f.match, mac);
    pipeline_flow_goto(&f, PIPELINE_T_DISPATCH);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_PORT_SECURITY,
                            DESIRED_OWNER_PORT, pp->port->id, &f);
    pipeline_flow_uninit(&f);
}

/* Adds the flow of table 5 that lets local port 'pp' send DHCP requests
 * to 'dl_dst'. */
static void
port_security_dhcp(struct pipeline_ctx *ctx, const struct pipeline_port *pp,
                   struct eth_addr dl_dst)
{
    /* "udp,in_port=<ofport>,dl_src=<mac>,dl_dst=<dl_dst>,tp_src=68,
     * tp_dst=67". */
    struct pipeline_flow f;
    port_security_flow(&f, pp, PORTSEC_PRIO_DHCP, ETH_TYPE_IP,
                       pp->port->mac);
    match_set_nw_proto(&f.match, IPPROTO_UDP);
    match_set_dl_dst(&f.match, dl_dst);
    match_set_tp_src(&f.match, htons(DHCP_CLIENT_UDP_PORT));
    match_set_tp_dst(&f.match, htons(DHCP_SERVER_UDP_PORT));
    pipeline_flow_goto(&f, PIPELINE_T_DISPATCH);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_PORT_SECURITY,
                            DESIRED_OWNER_PORT, pp->port->id, &f);
    pipeline_flow_uninit(&f);
}

/* Adds the flows of table 5 for local port 'pp'. */
static void
port_security_port(struct pipeline_ctx *ctx, const struct pipeline_port *pp)
{
    const struct model_port *port = pp->port;
    const struct model_port *server = dhcp_server_port(pp->subnet->subnet);

    port_security_address(ctx, pp, port->mac, port->fixed_ip, 32);
    port_security_dhcp(ctx, pp, eth_addr_broadcast);
    if (server) {
        port_security_dhcp(ctx, pp, server->mac);
    }
    for (size_t i = 0; i < port->n_pairs; i++) {
        const struct model_address_pair *pair = &port->pairs[i];
        port_security_address(ctx, pp, pair->mac, pair->ip, pair->plen);
    }
}

/* Adds the flows of table 5. */
void
pipeline_port_security(struct pipeline_ctx *ctx)
{
    if (ctx->host_scope && ctx->facts->metadata_ofport) {
        pipeline_add_flow(ctx, DESIRED_STAGE_PORT_SECURITY,
                          DESIRED_OWNER_HOST, "",
                          PIPELINE_T_PORT_SECURITY, PORTSEC_PRIO_METADATA,
                          "tcp,nw_dst="PIPELINE_METADATA_IP",tp_dst=80 "
                          "actions=goto_table:%d", PIPELINE_T_DISPATCH);
    }
    for (size_t i = 0; i < ctx->n_ports; i++) {
        port_security_port(ctx, &ctx->ports[i]);
    }
}
