/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Table 45, the L2 lookup, per subnet (metadata) and destination MAC:
 *   - a local VM's MAC (or one of its allowed address pairs' MACs):
 *     reg7 <- its ofport, go to ingress conntrack (50);
 *   - a remote VM's MAC: tun_id <- vni, reg7 <- the tunnel to its host, go to
 *     output (60);
 *   - a gateway's MAC (subnets with routers): tun_id <- vni, go to output,
 *     where the ECMP group over the routers takes it;
 *   - multicast and broadcast: from a local VM, tun_id <- vni and the
 *     subnet's flood group (local ports and remote hosts); from a tunnel
 *     (reg6 = 0), the subnet's local-only flood group, so that a frame a
 *     remote host flooded is never flooded again to the other hosts.
 * Unknown unicast misses and is dropped.
 *
 * A provider subnet (ps->patch_ofport set) has no remote MACs and no
 * gateway flows here and no tun_id: what is not local goes to its physical
 * network instead (pipeline_provider_l2()), and its flood group holds the
 * patch port instead of tunnels. */

#include <config.h>

#include <inttypes.h>

#include "host-view.h"
#include "model.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"

/* The multicast bit of a MAC address, as value and as mask. */
static const struct eth_addr l2_multicast = ETH_ADDR_C(01,00,00,00,00,00);

/* Flow priorities of table 45. */
enum {
    L2_PRIO_FLOOD_FROM_TUNNEL = 110,
    L2_PRIO_MAC = 100,
};

/* Starts 'f' as the flow of table 45 for frames to 'mac' in 'ps'. */
static void
l2_mac_flow(struct pipeline_flow *f, const struct pipeline_subnet *ps,
            struct eth_addr mac)
{
    pipeline_flow_init(f, PIPELINE_T_L2, L2_PRIO_MAC);
    match_set_metadata(&f->match, htonll(ps->subnet->metadata));
    match_set_dl_dst(&f->match, mac);
}

/* Adds the flow that delivers frames to 'mac' in 'ps' to local port 'pp'. */
static void
l2_local(struct pipeline_ctx *ctx, const struct pipeline_subnet *ps,
         const struct pipeline_port *pp, struct eth_addr mac)
{
    struct pipeline_flow f;
    l2_mac_flow(&f, ps, mac);
    pipeline_flow_set_u32(&f, MFF_REG7, pp->ofport);
    pipeline_flow_goto(&f, PIPELINE_T_INGRESS_CT);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_L2, DESIRED_OWNER_PORT,
                            pp->port->id, &f);
    pipeline_flow_uninit(&f);
}

/* Adds the flows that send frames for remote port 'port' of 'ps' (its MAC
 * and its allowed address pairs' MACs) through the tunnel to its host. */
static void
l2_remote(struct pipeline_ctx *ctx, const struct pipeline_subnet *ps,
          const struct model_port *port)
{
    uint32_t ofport;
    if (!pipeline_tunnel_ofport(ctx, port->host, &ofport)) {
        return;
    }
    for (size_t i = 0; i <= port->n_pairs; i++) {
        struct eth_addr mac = i ? port->pairs[i - 1].mac : port->mac;
        struct pipeline_flow f;
        l2_mac_flow(&f, ps, mac);
        pipeline_flow_set_u32(&f, MFF_TUN_ID, ps->subnet->vni);
        pipeline_flow_set_u32(&f, MFF_REG7, ofport);
        pipeline_flow_goto(&f, PIPELINE_T_OUTPUT);
        pipeline_add_built_flow(ctx, DESIRED_STAGE_L2, DESIRED_OWNER_PORT,
                                port->id, &f);
        pipeline_flow_uninit(&f);
    }
}

/* Adds the flows of table 45 for subnet 'ps'. */
static void
l2_subnet(struct pipeline_ctx *ctx, const struct pipeline_subnet *ps)
{
    const struct model_subnet *subnet = ps->subnet;

    for (size_t i = 0; i < ps->n_ports; i++) {
        const struct pipeline_port *pp = ps->ports[i];
        l2_local(ctx, ps, pp, pp->port->mac);
        for (size_t j = 0; j < pp->port->n_pairs; j++) {
            l2_local(ctx, ps, pp, pp->port->pairs[j].mac);
        }
    }

    for (size_t i = 0; i < subnet->n_ports && !ps->patch_ofport; i++) {
        const struct model_port *port = &subnet->ports[i];
        if (port->host && port->host != ctx->hv->local_ip) {
            l2_remote(ctx, ps, port);
        }
    }
    if (ps->patch_ofport) {
        pipeline_provider_l2(ctx, ps);
    }

    if (ps->select_group) {
        for (size_t i = 0; i < subnet->n_gateway_ports; i++) {
            const struct model_port *gw = &subnet->gateway_ports[i];
            struct pipeline_flow f;
            l2_mac_flow(&f, ps, gw->mac);
            pipeline_flow_set_u32(&f, MFF_TUN_ID, subnet->vni);
            pipeline_flow_goto(&f, PIPELINE_T_OUTPUT);
            pipeline_add_built_flow(ctx, DESIRED_STAGE_L2, DESIRED_OWNER_PORT,
                                    gw->id, &f);
            pipeline_flow_uninit(&f);
        }
    }

    if (!ps->flood_group) {
        return;
    }

    /* Multicast and broadcast: "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00";
     * from a tunnel or the physical network (reg6=0), to local ports
     * only. */
    struct pipeline_flow f;
    pipeline_flow_init(&f, PIPELINE_T_L2, L2_PRIO_FLOOD_FROM_TUNNEL);
    match_set_reg(&f.match, 6, 0);
    match_set_metadata(&f.match, htonll(subnet->metadata));
    match_set_dl_dst_masked(&f.match, l2_multicast,
                            l2_multicast);
    pipeline_flow_group(&f, ps->flood_local_group);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_L2, DESIRED_OWNER_SUBNET,
                            subnet->id, &f);
    pipeline_flow_uninit(&f);

    pipeline_flow_init(&f, PIPELINE_T_L2, L2_PRIO_MAC);
    match_set_metadata(&f.match, htonll(subnet->metadata));
    match_set_dl_dst_masked(&f.match, l2_multicast,
                            l2_multicast);
    if (!ps->patch_ofport) {
        pipeline_flow_set_u32(&f, MFF_TUN_ID, subnet->vni);
    }
    pipeline_flow_group(&f, ps->flood_group);
    pipeline_add_built_flow(ctx, DESIRED_STAGE_L2, DESIRED_OWNER_SUBNET,
                            subnet->id, &f);
    pipeline_flow_uninit(&f);
}

/* Adds the flows of table 45. */
void
pipeline_l2(struct pipeline_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_subnets; i++) {
        l2_subnet(ctx, &ctx->subnets[i]);
    }
}
