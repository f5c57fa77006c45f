/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "pipeline.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "hash.h"
#include "host-view.h"
#include "ids.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"
#include "util.h"

/* Initializes 'facts' with no ports, no zones and no metadata tap. */
void
pipeline_facts_init(struct pipeline_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    simap_init(&facts->port_ofports);
    simap_init(&facts->tunnel_ofports);
    simap_init(&facts->patch_ofports);
    simap_init(&facts->ct_zones);
    simap_init(&facts->meter_ids);
    simap_init(&facts->flood_groups);
    simap_init(&facts->select_groups);
    sset_init(&facts->down_routers);
    facts->metadata_port = 8848;
    facts->dhcp_rate = PIPELINE_DHCP_RATE_DEFAULT;
}

/* Frees what 'facts' owns. */
void
pipeline_facts_destroy(struct pipeline_facts *facts)
{
    if (facts) {
        simap_destroy(&facts->port_ofports);
        simap_destroy(&facts->tunnel_ofports);
        simap_destroy(&facts->patch_ofports);
        simap_destroy(&facts->ct_zones);
        simap_destroy(&facts->meter_ids);
        simap_destroy(&facts->flood_groups);
        simap_destroy(&facts->select_groups);
        sset_destroy(&facts->down_routers);
    }
}

/* Exchanges the contents of 'a' and 'b'.  (A struct pipeline_facts must not
 * be copied with '=': its maps point into themselves.) */
void
pipeline_facts_swap(struct pipeline_facts *a, struct pipeline_facts *b)
{
    struct pipeline_facts tmp = *a;

    *a = *b;
    *b = tmp;
    struct simap *maps[][2] = {
        { &a->port_ofports, &b->port_ofports },
        { &a->tunnel_ofports, &b->tunnel_ofports },
        { &a->patch_ofports, &b->patch_ofports },
        { &a->ct_zones, &b->ct_zones },
        { &a->meter_ids, &b->meter_ids },
        { &a->flood_groups, &b->flood_groups },
        { &a->select_groups, &b->select_groups },
    };
    for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
        simap_moved(maps[i][0]);
        simap_moved(maps[i][1]);
    }
    sset_moved(&a->down_routers);
    sset_moved(&b->down_routers);
}

/* Gives every object of 'view' that has no zone, meter or group id in
 * 'facts' one, as the agent does on a fresh bridge (for tools and tests
 * that compute a pipeline without the agent's persisted ids). */
void
pipeline_facts_assign_ids(struct pipeline_facts *facts,
                          const struct host_view *view)
{
    struct ids_owners owners;

    ids_owners_collect(view, &owners);
    ids_assign(&facts->ct_zones, &owners.zones, PIPELINE_ZONE_MIN,
               PIPELINE_ZONE_MAX, NULL, NULL);
    ids_assign(&facts->meter_ids, &owners.meters, PIPELINE_METER_MIN,
               PIPELINE_METER_MAX, NULL, NULL);
    ids_assign(&facts->flood_groups, &owners.flood_groups, 0,
               PIPELINE_FLOOD_INDEX_MAX, NULL, NULL);
    ids_assign(&facts->select_groups, &owners.select_groups,
               PIPELINE_SELECT_GROUP_MIN, PIPELINE_SELECT_GROUP_MAX, NULL,
               NULL);
    ids_owners_destroy(&owners);
}

/* Returns true if 'a' and 'b' hold the same facts, so that the pipeline
 * would compute the same flows from either. */
bool
pipeline_facts_equal(const struct pipeline_facts *a,
                     const struct pipeline_facts *b)
{
    return (simap_equal(&a->port_ofports, &b->port_ofports)
            && simap_equal(&a->tunnel_ofports, &b->tunnel_ofports)
            && simap_equal(&a->patch_ofports, &b->patch_ofports)
            && simap_equal(&a->ct_zones, &b->ct_zones)
            && simap_equal(&a->meter_ids, &b->meter_ids)
            && simap_equal(&a->flood_groups, &b->flood_groups)
            && simap_equal(&a->select_groups, &b->select_groups)
            && sset_equals(&a->down_routers, &b->down_routers)
            && a->metadata_ofport == b->metadata_ofport
            && eth_addr_equals(a->metadata_mac, b->metadata_mac)
            && a->metadata_port == b->metadata_port
            && a->dhcp_rate == b->dhcp_rate);
}


/* Returns the conntrack zone of local port 'port' from the facts, or 0
 * (with a warning) if it has none yet. */
static uint32_t
pipeline_port_zone(struct pipeline_ctx *ctx, const struct model_port *port)
{
    const struct simap_node *zone = simap_find(&ctx->facts->ct_zones,
                                               port->id);
    if (zone && zone->data && zone->data <= UINT16_MAX) {
        return zone->data;
    }
    pipeline_warn(ctx, "port %s has no conntrack zone yet: its IP traffic "
                  "is dropped", port->id);
    return 0;
}

/* Fills in ctx->subnets and ctx->ports for the unit of subnet 'hvs' (NULL
 * for the host unit, which has neither) from the facts: whether the subnet
 * gets flows (a provider subnet needs its patch port), which of its
 * 'n_ports' local 'ports' have an ofport, and each port's zone. */
static void
pipeline_ctx_build(struct pipeline_ctx *ctx,
                   const struct host_view_subnet *hvs,
                   const struct host_view_port *const *ports, size_t n_ports)
{
    const struct pipeline_facts *facts = ctx->facts;

    ctx->subnets = xzalloc(sizeof *ctx->subnets);
    ctx->ports = xcalloc(MAX(n_ports, 1), sizeof *ctx->ports);
    if (!hvs) {
        return;
    }

    struct pipeline_subnet *ps = &ctx->subnets[0];
    ps->hvs = hvs;
    ps->subnet = hvs->subnet;
    if (!pipeline_provider_assign(ctx, ps)) {
        return;
    }
    ctx->n_subnets = 1;

    ps->ports = xcalloc(MAX(n_ports, 1), sizeof *ps->ports);
    for (size_t i = 0; i < n_ports; i++) {
        const struct host_view_port *hvp = ports[i];
        const struct simap_node *ofport = simap_find(&facts->port_ofports,
                                                     hvp->port->id);
        if (!ofport || !ofport->data) {
            pipeline_warn(ctx, "port %s (interface \"%s\") has no ofport "
                          "yet: its flows are left out",
                          hvp->port->id, hvp->port->device_id);
            continue;
        }

        struct pipeline_port *pp = &ctx->ports[ctx->n_ports++];
        pp->port = hvp->port;
        pp->subnet = ps;
        pp->ofport = ofport->data;
        pp->zone = pipeline_port_zone(ctx, hvp->port);
        if (!pipeline_meter_assign(ctx, pp)) {
            memset(pp, 0, sizeof *pp);
            ctx->n_ports--;
            continue;
        }
        ps->ports[ps->n_ports++] = pp;
    }
}

/* Frees what pipeline_ctx_build() and the stages allocated in 'ctx'. */
static void
pipeline_ctx_destroy(struct pipeline_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_subnets; i++) {
        free(ctx->subnets[i].ports);
    }
    free(ctx->subnets);
    free(ctx->ports);
    svec_destroy(&ctx->warnings);
}

/* Initializes 'ctx' to compute from 'in' into 'table' (may be NULL for a
 * computation that adds nothing) with the shared security-group state
 * 'sg': no unit, no subnets, no ports, no warnings yet. */
static void
pipeline_ctx_init(struct pipeline_ctx *ctx, const struct pipeline_input *in,
                  struct desired_table *table, struct pipeline_sg_shared *sg)
{
    *ctx = (struct pipeline_ctx) {
        .model = in->model,
        .hv = in->hv,
        .facts = in->facts,
        .segments = in->segments,
        .table = table,
        .sg = sg,
    };
    svec_init(&ctx->warnings);
}

/* Computes one unit of the pipeline from 'in': the host's own flows if
 * 'hvs' is NULL, otherwise those of subnet 'hvs' and of its 'n_ports'
 * local 'ports' (in view order).  Adds them to 'table', records every
 * addition in 'log', tags the unit's conjunction actions (collected in
 * 'sg', put into the table by pipeline_secgroups_flush()) with 'unit',
 * and adds its warnings to 'warnings'. */
void
pipeline_compute_unit(const struct pipeline_input *in,
                      const struct host_view_subnet *hvs,
                      const struct host_view_port *const *ports,
                      size_t n_ports, struct desired_table *table,
                      struct pipeline_log *log, const void *unit,
                      struct pipeline_sg_shared *sg, struct svec *warnings)
{
    struct pipeline_ctx ctx;
    pipeline_ctx_init(&ctx, in, table, sg);
    ctx.host_scope = !hvs;
    ctx.log = log;
    ctx.unit = unit;

    pipeline_ctx_build(&ctx, hvs, ports, n_ports);
    pipeline_groups_assign(&ctx);

    pipeline_classify(&ctx);
    pipeline_port_security(&ctx);
    pipeline_secgroups(&ctx);
    pipeline_dispatch(&ctx);
    pipeline_arp(&ctx);
    pipeline_punt(&ctx);
    pipeline_l3(&ctx);
    pipeline_l2(&ctx);
    pipeline_output(&ctx);
    pipeline_provider(&ctx);
    pipeline_groups(&ctx);
    pipeline_meters(&ctx);

    svec_append(warnings, &ctx.warnings);
    pipeline_ctx_destroy(&ctx);
}

/* Adds to 'keys' the security-group rule keys of the local 'port' of the
 * host view of 'in', and to 'groups' the ids of the groups they read. */
void
pipeline_port_sg_keys(const struct pipeline_input *in,
                      const struct model_port *port,
                      struct pipeline_sg_shared *sg, struct svec *keys,
                      struct sset *groups)
{
    struct pipeline_ctx ctx;
    pipeline_ctx_init(&ctx, in, NULL, sg);
    pipeline_secgroup_keys(&ctx, port, keys, groups);
    svec_destroy(&ctx.warnings);
}

/* Puts into 'table' the security-group clause flows whose conjunctions
 * changed (see pipeline_secgroups_flush()), recording them in 'sg' and
 * adding warnings to 'warnings'. */
void
pipeline_flush_conjunctions(const struct pipeline_input *in,
                            struct desired_table *table,
                            struct pipeline_sg_shared *sg,
                            struct svec *warnings)
{
    struct pipeline_ctx ctx;
    pipeline_ctx_init(&ctx, in, table, sg);
    pipeline_secgroups_flush(&ctx);
    svec_append(warnings, &ctx.warnings);
    svec_destroy(&ctx.warnings);
}

/* Returns true if 'table_id' is one of the pipeline's tables, in which the
 * agent removes every flow it did not compute. */
bool
pipeline_owns_table(uint8_t table_id)
{
    switch (table_id) {
    case PIPELINE_T_CLASSIFY:
    case PIPELINE_T_PORT_SECURITY:
    case PIPELINE_T_EGRESS_CT:
    case PIPELINE_T_EGRESS_SG:
    case PIPELINE_T_DISPATCH:
    case PIPELINE_T_ARP:
    case PIPELINE_T_DHCP:
    case PIPELINE_T_METADATA:
    case PIPELINE_T_METADATA_OUT:
    case PIPELINE_T_METADATA_REPLY:
    case PIPELINE_T_L3:
    case PIPELINE_T_L2:
    case PIPELINE_T_INGRESS_CT:
    case PIPELINE_T_INGRESS_SG:
    case PIPELINE_T_OUTPUT:
        return true;
    default:
        return false;
    }
}
