/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Table 0, classification: says where a packet came from and which subnet it
 * belongs to.
 *
 *   - From a tunnel (in_port + tun_id): write the subnet's metadata, go
 *     straight to L3 (table 40).  One flow per subnet and remote endpoint
 *     (compute host or router); none for provider subnets, whose traffic
 *     arrives through a patch port (pipeline-provider.c).
 *   - From a local VM (in_port): apply the port's meter if it has one, load
 *     reg6 = ofport, write the metadata, go to port security (table 5).
 *     (Conntrack zones are per port and written into the flows of tables 10
 *     and 50 as immediates, so nothing loads a zone here.)
 *   - From the metadata tap: go to the metadata reply table (37).
 *   - Virtual-router probe replies (dl_src 77:66:55:44:33:22, dl_dst
 *     22:33:44:55:66:77, dl_type 0x88cd): to the controller, but only when
 *     they arrive through the tunnel port of a router, one flow per router
 *     (the seed matches any in_port, so a VM could feed the agent forged
 *     replies).  The seed gives this flow priority 200, below the
 *     priority-1000 tunnel flows that would catch a reply carrying a
 *     subnet's tun_id; it gets 1100 here. */

#include <config.h>

#include <inttypes.h>

#include "host-view.h"
#include "model.h"
#include "flow.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"

/* Flow priorities of table 0. */
enum {
    CLASSIFY_PRIO_PROBE = 1100,
    CLASSIFY_PRIO_TUNNEL = 1000,
    CLASSIFY_PRIO_PORT = 100,
};

/* Adds the flow for packets of subnet 'ps' that arrive through the tunnel
 * from 'ip'. */
static void
classify_tunnel(struct pipeline_ctx *ctx, const struct pipeline_subnet *ps,
                ovs_be32 ip)
{
    uint32_t ofport;
    if (ip == ctx->hv->local_ip || !pipeline_tunnel_ofport(ctx, ip, &ofport)) {
        return;
    }

    struct pipeline_flow f;
    pipeline_flow_init(&f, PIPELINE_T_CLASSIFY, CLASSIFY_PRIO_TUNNEL);
    match_set_tun_id(&f.match, htonll(ps->subnet->vni));
    match_set_in_port(&f.match, u16_to_ofp(ofport));
    pipeline_flow_write_metadata(&f, ps->subnet->metadata);
    pipeline_flow_goto(&f, PIPELINE_T_L3);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_CLASSIFY, DESIRED_OWNER_SUBNET,
                            ps->subnet->id, &f);
    pipeline_flow_uninit(&f);
}

/* Adds the flow for packets that local VM port 'pp' sends. */
static void
classify_port(struct pipeline_ctx *ctx, const struct pipeline_port *pp)
{
    struct pipeline_flow f;
    pipeline_flow_init(&f, PIPELINE_T_CLASSIFY, CLASSIFY_PRIO_PORT);
    match_set_in_port(&f.match, u16_to_ofp(pp->ofport));
    if (pp->meter_id) {
        pipeline_flow_meter(&f, pp->meter_id);
    }
    pipeline_flow_set_u32(&f, MFF_REG6, pp->ofport);
    pipeline_flow_write_metadata(&f, pp->subnet->subnet->metadata);
    pipeline_flow_goto(&f, PIPELINE_T_PORT_SECURITY);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_CLASSIFY, DESIRED_OWNER_PORT,
                            pp->port->id, &f);
    pipeline_flow_uninit(&f);
}

/* Adds the flows of table 0. */
void
pipeline_classify(struct pipeline_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_subnets; i++) {
        const struct pipeline_subnet *ps = &ctx->subnets[i];

        for (size_t j = 0; j < ps->hvs->n_remote_hosts; j++) {
            classify_tunnel(ctx, ps, ps->hvs->remote_hosts[j]);
        }
        for (size_t j = 0; (j < ps->subnet->n_routers
                            && !model_subnet_is_provider(ps->subnet)); j++) {
            classify_tunnel(ctx, ps, ps->subnet->routers[j]);
        }
    }

    for (size_t i = 0; i < ctx->n_ports; i++) {
        classify_port(ctx, &ctx->ports[i]);
    }

    if (!ctx->host_scope) {
        return;
    }
    if (ctx->facts->metadata_ofport) {
        pipeline_add_flow(ctx, DESIRED_STAGE_CLASSIFY, DESIRED_OWNER_HOST, "",
                          PIPELINE_T_CLASSIFY, CLASSIFY_PRIO_PORT,
                          "in_port=%"PRIu32" actions=goto_table:%d",
                          ctx->facts->metadata_ofport,
                          PIPELINE_T_METADATA_REPLY);
    }

    for (size_t i = 0; i < ctx->hv->n_routers; i++) {
        uint32_t ofport;
        if (pipeline_tunnel_ofport(ctx, ctx->hv->routers[i], &ofport)) {
            pipeline_add_flow(ctx, DESIRED_STAGE_VR_PROBE,
                              DESIRED_OWNER_HOST, "", PIPELINE_T_CLASSIFY,
                              CLASSIFY_PRIO_PROBE,
                              "in_port=%"PRIu32",dl_src=77:66:55:44:33:22,"
                              "dl_dst=22:33:44:55:66:77,dl_type=0x88cd "
                              "actions=CONTROLLER:65535", ofport);
        }
    }
}
