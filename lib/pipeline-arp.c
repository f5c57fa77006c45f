/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Table 25, the ARP responder.  For every subnet with local ports, every
 * address of the subnet (each VM port wherever it runs, each gateway port,
 * the DHCP port) is answered in place: the request is turned into the reply
 * and sent back out of the port it came in (IN_PORT), as in the seed.
 *
 * Deliberate addition to the seed: a default flow passes every other ARP
 * packet (requests for addresses the model does not know, such as allowed
 * address pairs' virtual IPs, and replies, such as a VM's answer to a
 * router's request) on to L3/L2, where it is delivered or flooded like any
 * frame.  Port security (table 5) has already checked the sender. */

#include <config.h>

#include <inttypes.h>

#include "model.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"

/* Flow priorities of table 25. */
enum {
    ARP_PRIO_REPLY = 100,
    ARP_PRIO_DEFAULT = 50,
};

/* Adds the flow that answers ARP requests for 'port''s address in
 * 'subnet'. */
static void
arp_answer(struct pipeline_ctx *ctx, const struct model_subnet *subnet,
           const struct model_port *port)
{
    struct pipeline_flow f;
    pipeline_flow_init(&f, PIPELINE_T_ARP, ARP_PRIO_REPLY);
    match_set_dl_type(&f.match, htons(ETH_TYPE_ARP));
    match_set_metadata(&f.match, htonll(subnet->metadata));
    match_set_nw_dst(&f.match, port->fixed_ip);
    match_set_nw_proto(&f.match, ARP_OP_REQUEST);
    pipeline_flow_arp_reply(&f, port->mac, port->fixed_ip);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_ARP, DESIRED_OWNER_PORT,
                            port->id, &f);
    pipeline_flow_uninit(&f);
}

/* Adds the flows of table 25. */
void
pipeline_arp(struct pipeline_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_subnets; i++) {
        const struct model_subnet *subnet = ctx->subnets[i].subnet;

        for (size_t j = 0; j < subnet->n_ports; j++) {
            arp_answer(ctx, subnet, &subnet->ports[j]);
        }
        for (size_t j = 0; j < subnet->n_gateway_ports; j++) {
            arp_answer(ctx, subnet, &subnet->gateway_ports[j]);
        }
        if (subnet->dhcp_port) {
            arp_answer(ctx, subnet, subnet->dhcp_port);
        }
    }

    if (ctx->host_scope) {
        pipeline_add_flow(ctx, DESIRED_STAGE_ARP, DESIRED_OWNER_HOST, "",
                          PIPELINE_T_ARP,
                          ARP_PRIO_DEFAULT, "arp actions=goto_table:%d",
                          PIPELINE_T_L3);
    }
}
