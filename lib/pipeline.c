/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "pipeline.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "pipeline-private.h"
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
    simap_init(&facts->conj_ids);
    facts->metadata_port = 8848;
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
        simap_destroy(&facts->conj_ids);
    }
}

/* Adds a warning to the context (duplicates are removed at the end). */
void
pipeline_warn(struct pipeline_ctx *ctx, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    svec_add_nocopy(&ctx->warnings, xvasprintf(format, args));
    va_end(args);
}

/* Adds to the context's table a flow for 'table_id' at 'priority', owned by
 * the object 'owner_id' ("" for none) of 'stage'.  The text that 'format'
 * produces is "<match> actions=<actions>" (the match may be empty).  A flow
 * the table rejects becomes a warning: it means conflicting model data. */
void
pipeline_add_flow(struct pipeline_ctx *ctx, enum desired_stage stage,
                  const char *owner_id, uint8_t table_id, uint16_t priority,
                  const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *text = xvasprintf(format, args);
    va_end(args);

    char *actions = strstr(text, "actions=");
    ovs_assert(actions);
    const char *match = "";
    if (actions > text) {
        actions[-1] = '\0';    /* Ends the match at the space before. */
        match = text;
    }
    actions += strlen("actions=");

    char *error = desired_table_add_flow(ctx->table, table_id, priority,
                                         desired_cookie(stage, owner_id),
                                         match, actions);
    if (error) {
        pipeline_warn(ctx, "flow not added: %s", error);
        free(error);
    }
    free(text);
}

/* Adds group 'group_id' with 'spec' to the context's table; an error becomes
 * a warning. */
void
pipeline_add_group(struct pipeline_ctx *ctx, uint32_t group_id,
                   const char *spec)
{
    char *error = desired_table_add_group(ctx->table, group_id, spec);
    if (error) {
        pipeline_warn(ctx, "group not added: %s", error);
        free(error);
    }
}

/* Adds meter 'meter_id' with 'spec' to the context's table; an error becomes
 * a warning. */
void
pipeline_add_meter(struct pipeline_ctx *ctx, uint32_t meter_id,
                   const char *spec)
{
    char *error = desired_table_add_meter(ctx->table, meter_id, spec);
    if (error) {
        pipeline_warn(ctx, "meter not added: %s", error);
        free(error);
    }
}

/* Looks up the ofport of the tunnel to 'ip'.  Returns true and sets
 * '*ofport' if there is one, otherwise warns and returns false. */
bool
pipeline_tunnel_ofport(struct pipeline_ctx *ctx, ovs_be32 ip,
                       uint32_t *ofport)
{
    char name[INET_ADDRSTRLEN];
    snprintf(name, sizeof name, IP_FMT, IP_ARGS(ip));

    const struct simap_node *node = simap_find(&ctx->facts->tunnel_ofports,
                                               name);
    if (!node || !node->data) {
        pipeline_warn(ctx, "no tunnel port to %s yet: its flows are left "
                      "out", name);
        return false;
    }
    *ofport = node->data;
    return true;
}

/* Fills in ctx->subnets and ctx->ports from the host view and the facts:
 * which local ports have an ofport, and each subnet's zone. */
static void
pipeline_ctx_build(struct pipeline_ctx *ctx)
{
    const struct host_view *hv = ctx->hv;
    const struct pipeline_facts *facts = ctx->facts;

    ctx->n_subnets = hv->n_subnets;
    ctx->subnets = xcalloc(MAX(hv->n_subnets, 1), sizeof *ctx->subnets);
    for (size_t i = 0; i < hv->n_subnets; i++) {
        struct pipeline_subnet *ps = &ctx->subnets[i];
        ps->hvs = &hv->subnets[i];
        ps->subnet = hv->subnets[i].subnet;

        const struct simap_node *zone = simap_find(&facts->ct_zones,
                                                   ps->subnet->id);
        if (zone && zone->data && zone->data <= UINT16_MAX) {
            ps->zone = zone->data;
        } else {
            pipeline_warn(ctx, "subnet %s has no conntrack zone yet",
                          ps->subnet->id);
        }
    }

    ctx->ports = xcalloc(MAX(hv->n_local_ports, 1), sizeof *ctx->ports);
    for (size_t i = 0; i < hv->n_local_ports; i++) {
        const struct host_view_port *hvp = &hv->local_ports[i];
        const struct simap_node *ofport = simap_find(&facts->port_ofports,
                                                     hvp->port->id);
        if (!ofport || !ofport->data) {
            pipeline_warn(ctx, "port %s (interface \"%s\") has no ofport "
                          "yet: its flows are left out",
                          hvp->port->id, hvp->port->device_id);
            continue;
        }

        for (size_t j = 0; j < ctx->n_subnets; j++) {
            struct pipeline_subnet *ps = &ctx->subnets[j];
            if (ps->subnet == hvp->subnet) {
                struct pipeline_port *pp = &ctx->ports[ctx->n_ports++];
                pp->port = hvp->port;
                pp->subnet = ps;
                pp->ofport = ofport->data;
                ps->ports = xrealloc(ps->ports,
                                     (ps->n_ports + 1) * sizeof *ps->ports);
                ps->ports[ps->n_ports++] = pp;
                break;
            }
        }
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

/* Computes the desired flows, groups and meters of this host's bridge from
 * 'model', the host view 'hv' built from it and the local 'facts', and adds
 * them to 'table' (normally empty).  Problems that leave flows out, such as
 * a local port without an ofport yet, are appended to 'warnings' (if
 * nonnull), sorted and without duplicates.  The same input always gives the
 * same table. */
void
pipeline_compute(const struct model *model, const struct host_view *hv,
                 const struct pipeline_facts *facts,
                 struct desired_table *table, struct svec *warnings)
{
    struct pipeline_ctx ctx = {
        .model = model,
        .hv = hv,
        .facts = facts,
        .table = table,
    };
    svec_init(&ctx.warnings);

    pipeline_ctx_build(&ctx);
    pipeline_groups_assign(&ctx);
    pipeline_meters_assign(&ctx);

    pipeline_classify(&ctx);
    pipeline_port_security(&ctx);
    pipeline_dispatch(&ctx);
    pipeline_arp(&ctx);
    pipeline_punt(&ctx);
    pipeline_l3(&ctx);
    pipeline_l2(&ctx);
    pipeline_output(&ctx);
    pipeline_groups(&ctx);
    pipeline_meters(&ctx);

    if (warnings) {
        svec_sort_unique(&ctx.warnings);
        svec_append(warnings, &ctx.warnings);
    }
    pipeline_ctx_destroy(&ctx);
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
