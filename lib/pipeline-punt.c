/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Tables 30 (DHCP) and 35, 36, 37 (metadata service): the traffic the agent
 * itself answers.
 *
 * Table 30: the DHCP requests of a local port (table 20 sends broadcast
 * ones and those to the DHCP server's MAC here) go to the controller, that
 * is the agent, which answers with a packet-out, through the port's DHCP
 * meter (pipeline-meters.c) so that a flooding VM cannot starve the agent
 * or the other VMs.  Only ports of subnets served by DHCP (a DHCP port or
 * a gateway port to serve from) that have their meter get this flow; the
 * requests of the others miss and are dropped.
 *
 * The metadata service (only when the facts name a metadata tap).  VMs
 * reach 169.254.169.254:80; the agent's proxy listens on the host side of
 * the tap, which carries 169.254.169.254 and a route to 128.0.0.0/1 through
 * the tap.
 *   - Table 35 turns the request toward the proxy: tcp_dst <- the proxy's
 *     port, eth_dst <- the tap's MAC.
 *   - Table 36 hides the VM's address behind one that names its port:
 *     ip_src <- 128.0.0.0 | reg6 (the VM's ofport, bit 31 set), and outputs
 *     to the tap.  The proxy maps the source address back to the port.  The
 *     seed's priority-200 "TCP SYN to CONTROLLER" flow is not used: the agent
 *     knows every local port, so table 37 holds the reply flows in advance
 *     and no packet-in is needed.
 *   - Table 37 takes what comes back from the tap (table 0 sends the tap's
 *     traffic here), per local port with address A = 128.0.0.0 | ofport:
 *       . the host's ARP request for A is answered in place with the VM's
 *         MAC (so the host sends its replies to that MAC);
 *       . TCP from 169.254.169.254:<proxy port> to A gets its source port
 *         set back to 80, its destination address to the VM's fixed IP,
 *         eth_src to the subnet's gateway MAC (the VM sent its request to
 *         the gateway; the tap's MAC when the subnet has no gateway) and
 *         eth_dst to the VM's MAC, and is output to the VM's port.
 *     Anything else from the tap (ARP for other addresses, IPv6, ...) is
 *     dropped. */

#include <config.h>

#include <inttypes.h>

#include "dhcp.h"
#include "model.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"

/* Flow priority of the tables of this file. */
enum {
    PUNT_PRIO = 100,
};

/* Returns the address that names local port 'pp' toward the metadata proxy:
 * 128.0.0.0 | ofport, as table 36 computes it from reg6. */
static ovs_be32
punt_port_address(const struct pipeline_port *pp)
{
    return htonl(0x80000000u | pp->ofport);
}

/* Adds the flows of table 37 for local port 'pp'. */
static void
punt_metadata_reply(struct pipeline_ctx *ctx, const struct pipeline_port *pp)
{
    const struct model_subnet *subnet = pp->subnet->subnet;
    const struct pipeline_facts *facts = ctx->facts;
    ovs_be32 address = punt_port_address(pp);
    struct eth_addr src = (subnet->n_gateway_ports
                           ? subnet->gateway_ports[0].mac
                           : facts->metadata_mac);

    struct pipeline_flow f;
    pipeline_flow_init(&f, PIPELINE_T_METADATA_REPLY, PUNT_PRIO);
    match_set_dl_type(&f.match, htons(ETH_TYPE_ARP));
    match_set_nw_dst(&f.match, address);
    match_set_nw_proto(&f.match, ARP_OP_REQUEST);
    pipeline_flow_arp_reply(&f, pp->port->mac, address);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_METADATA, DESIRED_OWNER_PORT,
                            pp->port->id, &f);
    pipeline_flow_uninit(&f);

    ovs_be16 http = htons(80);
    pipeline_flow_init(&f, PIPELINE_T_METADATA_REPLY, PUNT_PRIO);
    match_set_dl_type(&f.match, htons(ETH_TYPE_IP));
    match_set_nw_proto(&f.match, IPPROTO_TCP);
    match_set_nw_src(&f.match, htonl(PIPELINE_METADATA_ADDRESS));
    match_set_nw_dst(&f.match, address);
    match_set_tp_src(&f.match, htons(facts->metadata_port));
    pipeline_flow_set_field(&f, MFF_TCP_SRC, &http);
    pipeline_flow_set_field(&f, MFF_IPV4_DST, &pp->port->fixed_ip);
    pipeline_flow_set_field(&f, MFF_ETH_SRC, &src);
    pipeline_flow_set_field(&f, MFF_ETH_DST, &pp->port->mac);
    pipeline_flow_output(&f, pp->ofport);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_METADATA, DESIRED_OWNER_PORT,
                            pp->port->id, &f);
    pipeline_flow_uninit(&f);
}

/* Adds the host's metadata service flows of tables 35 and 36. */
static void
punt_metadata(struct pipeline_ctx *ctx)
{
    const struct pipeline_facts *facts = ctx->facts;

    pipeline_add_flow(ctx, DESIRED_STAGE_METADATA, DESIRED_OWNER_HOST, "",
                      PIPELINE_T_METADATA, PUNT_PRIO,
                      "tcp,nw_dst="PIPELINE_METADATA_IP",tp_dst=80 "
                      "actions=set_field:%"PRIu16"->tcp_dst,"
                      "set_field:"ETH_ADDR_FMT"->eth_dst,goto_table:%d",
                      facts->metadata_port,
                      ETH_ADDR_ARGS(facts->metadata_mac),
                      PIPELINE_T_METADATA_OUT);
    pipeline_add_flow(ctx, DESIRED_STAGE_METADATA, DESIRED_OWNER_HOST, "",
                      PIPELINE_T_METADATA_OUT, PUNT_PRIO,
                      "tcp,nw_dst="PIPELINE_METADATA_IP" "
                      "actions=move:NXM_NX_REG6[]->NXM_OF_IP_SRC[],"
                      "load:0x1->NXM_OF_IP_SRC[31],output:%"PRIu32,
                      facts->metadata_ofport);
}

/* Adds the flows of tables 30, 35, 36 and 37. */
void
pipeline_punt(struct pipeline_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_ports; i++) {
        const struct pipeline_port *pp = &ctx->ports[i];
        if (pp->dhcp_meter_id) {
            struct pipeline_flow f;
            pipeline_flow_init(&f, PIPELINE_T_DHCP, PUNT_PRIO);
            match_set_dl_type(&f.match, htons(ETH_TYPE_IP));
            match_set_nw_proto(&f.match, IPPROTO_UDP);
            match_set_reg(&f.match, 6, pp->ofport);
            match_set_tp_src(&f.match, htons(DHCP_CLIENT_UDP_PORT));
            match_set_tp_dst(&f.match, htons(DHCP_SERVER_UDP_PORT));
            pipeline_flow_meter(&f, pp->dhcp_meter_id);
            pipeline_flow_controller(&f);
            pipeline_add_built_flow(ctx, DESIRED_STAGE_DHCP,
                                    DESIRED_OWNER_PORT, pp->port->id, &f);
            pipeline_flow_uninit(&f);
        }
    }

    if (ctx->facts->metadata_ofport) {
        if (ctx->host_scope) {
            punt_metadata(ctx);
        }
        for (size_t i = 0; i < ctx->n_ports; i++) {
            punt_metadata_reply(ctx, &ctx->ports[i]);
        }
    } else if (ctx->n_ports) {
        pipeline_warn(ctx, "no metadata tap port: the metadata service is "
                      "not reachable");
    }
}
