/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Table 60, output, per subnet (metadata):
 *   - reg7 = a local port's or a remote host's tunnel's ofport: output to
 *     reg7 (OVS drops an output to the packet's own in_port, so nothing goes
 *     back where it came from);
 *   - a gateway's MAC: the select group over the subnet's routers (ECMP). */

#include <config.h>

#include <inttypes.h>

#include "host-view.h"
#include "model.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"

/* Flow priority of table 60. */
enum {
    OUTPUT_PRIO = 100,
};

/* Adds the flow that outputs frames of 'ps' whose reg7 is 'ofport', owned
 * by the object of 'owner_kind' named 'owner_id'. */
static void
output_reg7(struct pipeline_ctx *ctx, const struct pipeline_subnet *ps,
            enum desired_owner_kind owner_kind, const char *owner_id,
            uint32_t ofport)
{
    struct pipeline_flow f;
    pipeline_flow_init(&f, PIPELINE_T_OUTPUT, OUTPUT_PRIO);
    match_set_reg(&f.match, 7, ofport);
    match_set_metadata(&f.match, htonll(ps->subnet->metadata));
    pipeline_flow_output_field(&f, MFF_REG7);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_OUTPUT, owner_kind, owner_id,
                            &f);
    pipeline_flow_uninit(&f);
}

/* Adds the flows of table 60. */
void
pipeline_output(struct pipeline_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_subnets; i++) {
        const struct pipeline_subnet *ps = &ctx->subnets[i];
        const struct model_subnet *subnet = ps->subnet;

        for (size_t j = 0; j < ps->n_ports; j++) {
            output_reg7(ctx, ps, DESIRED_OWNER_PORT, ps->ports[j]->port->id,
                        ps->ports[j]->ofport);
        }
        for (size_t j = 0; j < ps->hvs->n_remote_hosts; j++) {
            uint32_t ofport;
            if (pipeline_tunnel_ofport(ctx, ps->hvs->remote_hosts[j],
                                       &ofport)) {
                output_reg7(ctx, ps, DESIRED_OWNER_SUBNET, subnet->id,
                            ofport);
            }
        }
        if (ps->select_group) {
            for (size_t j = 0; j < subnet->n_gateway_ports; j++) {
                const struct model_port *gw = &subnet->gateway_ports[j];
                struct pipeline_flow f;
                pipeline_flow_init(&f, PIPELINE_T_OUTPUT, OUTPUT_PRIO);
                match_set_metadata(&f.match, htonll(subnet->metadata));
                match_set_dl_dst(&f.match, gw->mac);
                pipeline_flow_group(&f, ps->select_group);
                pipeline_add_built_flow(ctx, DESIRED_STAGE_OUTPUT,
                                        DESIRED_OWNER_PORT, gw->id, &f);
                pipeline_flow_uninit(&f);
            }
        }
    }
}
