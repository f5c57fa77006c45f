/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Table 20, dispatch of what local VMs send (tunnel traffic never comes
 * here): metadata service requests -> 35 (only when there is a metadata
 * tap), ARP -> 25, DHCP requests -> 30, everything else -> 40.
 *
 * DHCP requests are UDP 68 -> 67 sent to the broadcast MAC or, for
 * renewals, to the MAC of the subnet's DHCP server (one flow per subnet
 * served).  UDP 68 -> 67 to another MAC (a DHCP server the tenant runs
 * itself) is ordinary traffic. */

#include <config.h>

#include <inttypes.h>

#include "dhcp.h"
#include "model.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"

/* Flow priorities of table 20. */
enum {
    DISPATCH_PRIO_METADATA = 200,
    DISPATCH_PRIO_PROTOCOL = 100,
    DISPATCH_PRIO_DEFAULT = 50,
};

/* Adds the host's flows of table 20. */
static void
dispatch_host(struct pipeline_ctx *ctx)
{
    if (ctx->facts->metadata_ofport) {
        pipeline_add_flow(ctx, DESIRED_STAGE_DISPATCH, DESIRED_OWNER_HOST, "",
                          PIPELINE_T_DISPATCH, DISPATCH_PRIO_METADATA,
                          "tcp,nw_dst="PIPELINE_METADATA_IP",tp_dst=80 "
                          "actions=goto_table:%d", PIPELINE_T_METADATA);
    }
    pipeline_add_flow(ctx, DESIRED_STAGE_DISPATCH, DESIRED_OWNER_HOST, "",
                      PIPELINE_T_DISPATCH, DISPATCH_PRIO_PROTOCOL,
                      "arp actions=goto_table:%d", PIPELINE_T_ARP);
    pipeline_add_flow(ctx, DESIRED_STAGE_DISPATCH, DESIRED_OWNER_HOST, "",
                      PIPELINE_T_DISPATCH, DISPATCH_PRIO_PROTOCOL,
                      "udp,dl_dst=ff:ff:ff:ff:ff:ff,tp_src=68,tp_dst=67 "
                      "actions=goto_table:%d", PIPELINE_T_DHCP);
    pipeline_add_flow(ctx, DESIRED_STAGE_DISPATCH, DESIRED_OWNER_HOST, "",
                      PIPELINE_T_DISPATCH, DISPATCH_PRIO_DEFAULT,
                      "actions=goto_table:%d", PIPELINE_T_L3);
}

/* Adds the flows of table 20. */
void
pipeline_dispatch(struct pipeline_ctx *ctx)
{
    if (ctx->host_scope) {
        dispatch_host(ctx);
    }
    for (size_t i = 0; i < ctx->n_subnets; i++) {
        const struct model_subnet *subnet = ctx->subnets[i].subnet;
        const struct model_port *server = dhcp_server_port(subnet);
        if (server) {
            /* "udp,metadata=<metadata>,dl_dst=<server>,tp_src=68,
             * tp_dst=67". */
            struct pipeline_flow f;
            pipeline_flow_init(&f, PIPELINE_T_DISPATCH,
                               DISPATCH_PRIO_PROTOCOL);
            match_set_dl_type(&f.match, htons(ETH_TYPE_IP));
            match_set_nw_proto(&f.match, IPPROTO_UDP);
            match_set_metadata(&f.match, htonll(subnet->metadata));
            match_set_dl_dst(&f.match, server->mac);
            match_set_tp_src(&f.match, htons(DHCP_CLIENT_UDP_PORT));
            match_set_tp_dst(&f.match, htons(DHCP_SERVER_UDP_PORT));
            pipeline_flow_goto(&f, PIPELINE_T_DHCP);
            pipeline_add_built_flow(ctx, DESIRED_STAGE_DISPATCH,
                                    DESIRED_OWNER_SUBNET, subnet->id, &f);
            pipeline_flow_uninit(&f);
        }
    }
}
