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

/* Splits the range ['start', 'end'] of a 'bits'-wide field (1 to 32 bits)
 * into the smallest set of value/mask pairs that together match exactly
 * the values of the range, in ascending order, and stores them in 'masks',
 * which must have room for PIPELINE_RANGE_MAX_MASKS.  Returns how many
 * there are.  The whole field gives the single pair 0/0 (any value).
 *
 * Each step takes the largest aligned power-of-two block that starts at
 * the next value and does not pass 'end', which is known to give the
 * minimal set of prefixes. */
size_t
pipeline_range_to_masks(uint32_t start, uint32_t end, unsigned int bits,
                        struct pipeline_masked *masks)
{
    ovs_assert(bits >= 1 && bits <= 32);
    uint64_t field = (UINT64_C(1) << bits) - 1;
    ovs_assert(start <= end && end <= field);

    size_t n = 0;
    for (uint64_t value = start; value <= end; ) {
        unsigned int size = 0;     /* The block is 2**size values. */
        while (size < bits) {
            uint64_t next = UINT64_C(1) << (size + 1);
            if (value & (next - 1) || value + next - 1 > end) {
                break;
            }
            size++;
        }
        masks[n].value = value;
        masks[n].mask = field & ~((UINT64_C(1) << size) - 1);
        n++;
        value += UINT64_C(1) << size;
    }
    return n;
}

/* One conjunction(id,clause/n_clauses) action. */
struct pipeline_conj_action {
    uint32_t id;                /* The conjunction's id. */
    unsigned int clause;        /* This flow's dimension, 1-based. */
    unsigned int n_clauses;     /* The conjunction's number of dimensions. */
};

/* One flow whose actions are conjunction() actions, being collected. */
struct pipeline_conj_flow {
    struct hmap_node node;      /* In pipeline_conj_flows 'flows'. */
    uint8_t table_id;           /* With 'priority' and 'match', the flow's
                                 * identity. */
    uint16_t priority;          /* See 'table_id'. */
    char *match;                /* Owned: as pipeline_conj_add() got it. */
    enum desired_stage stage;   /* Of the first contributor. */
    char *owner_id;             /* Owned: the first contributor's object. */
    struct pipeline_conj_action *actions;       /* Owned array, in the
                                                 * order added. */
    size_t n_actions;           /* Used elements of 'actions'. */
    size_t allocated_actions;   /* Allocated elements of 'actions'. */
};

/* Hash of a collected flow's identity. */
static uint32_t
pipeline_conj_hash(uint8_t table_id, uint16_t priority, const char *match)
{
    return hash_string(match, ((uint32_t) table_id << 16) | priority);
}

/* Initializes 'conj' as an empty collection. */
void
pipeline_conj_init(struct pipeline_conj_flows *conj)
{
    hmap_init(&conj->flows);
}

/* Returns the flow of 'conj' with this identity ('hash' is its
 * pipeline_conj_hash()), or NULL. */
static struct pipeline_conj_flow *
pipeline_conj_find(const struct pipeline_conj_flows *conj, uint32_t hash,
                   uint8_t table_id, uint16_t priority, const char *match)
{
    struct pipeline_conj_flow *flow;
    HMAP_FOR_EACH_WITH_HASH (flow, node, hash, &conj->flows) {
        if (flow->table_id == table_id && flow->priority == priority
            && !strcmp(flow->match, match)) {
            return flow;
        }
    }
    return NULL;
}

/* Adds the action "conjunction('id','clause'/'n_clauses')" to the flow of
 * 'table_id' at 'priority' with 'match' (as written, e.g. "ip,nw_src=..."),
 * creating that flow if it is the first action for it; the flow's cookie
 * names 'stage' and 'owner_id' of its first action.  Callers must write
 * equal matches as equal text. */
void
pipeline_conj_add(struct pipeline_conj_flows *conj, enum desired_stage stage,
                  const char *owner_id, uint8_t table_id, uint16_t priority,
                  const char *match, uint32_t id, unsigned int clause,
                  unsigned int n_clauses)
{
    uint32_t hash = pipeline_conj_hash(table_id, priority, match);
    struct pipeline_conj_flow *flow = pipeline_conj_find(conj, hash,
                                                         table_id, priority,
                                                         match);
    if (!flow) {
        flow = xzalloc(sizeof *flow);
        flow->table_id = table_id;
        flow->priority = priority;
        flow->match = xstrdup(match);
        flow->stage = stage;
        flow->owner_id = xstrdup(owner_id);
        hmap_insert(&conj->flows, &flow->node, hash);
    }

    if (flow->n_actions >= flow->allocated_actions) {
        flow->actions = x2nrealloc(flow->actions, &flow->allocated_actions,
                                   sizeof *flow->actions);
    }
    flow->actions[flow->n_actions++] = (struct pipeline_conj_action) {
        .id = id, .clause = clause, .n_clauses = n_clauses,
    };
}

/* qsort() comparator for conjunction actions: by id, then clause. */
static int
pipeline_conj_action_cmp(const void *a_, const void *b_)
{
    const struct pipeline_conj_action *a = a_, *b = b_;
    if (a->id != b->id) {
        return a->id < b->id ? -1 : 1;
    }
    return a->clause < b->clause ? -1 : a->clause > b->clause;
}

/* Adds every flow collected in 'conj' to the context's table, each with
 * its conjunction actions sorted by id and clause and without duplicates,
 * and empties 'conj', which must then be initialized again to be used. */
void
pipeline_conj_flush(struct pipeline_ctx *ctx,
                    struct pipeline_conj_flows *conj)
{
    struct pipeline_conj_flow *flow;
    HMAP_FOR_EACH_POP (flow, node, &conj->flows) {
        qsort(flow->actions, flow->n_actions, sizeof *flow->actions,
              pipeline_conj_action_cmp);

        struct ds actions = DS_EMPTY_INITIALIZER;
        for (size_t i = 0; i < flow->n_actions; i++) {
            const struct pipeline_conj_action *a = &flow->actions[i];
            if (i && !pipeline_conj_action_cmp(a, a - 1)) {
                continue;
            }
            ds_put_format(&actions, "%sconjunction(%"PRIu32",%u/%u)",
                          actions.length ? "," : "", a->id, a->clause,
                          a->n_clauses);
        }
        pipeline_add_flow(ctx, flow->stage, flow->owner_id, flow->table_id,
                          flow->priority, "%s actions=%s", flow->match,
                          ds_cstr(&actions));
        ds_destroy(&actions);

        free(flow->match);
        free(flow->owner_id);
        free(flow->actions);
        free(flow);
    }
    hmap_destroy(&conj->flows);
}

/* Fills in ctx->subnets and ctx->ports from the host view and the facts:
 * which local ports have an ofport, and each port's zone. */
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
                pp->zone = pipeline_port_zone(ctx, hvp->port);
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
    pipeline_secgroups(&ctx);
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
