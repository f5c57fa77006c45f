/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* The context of one pipeline computation and the helpers every stage uses
 * to add flows, groups, meters and warnings (see pipeline-ctx.h).  Below
 * both pipeline.c and the stages: it calls neither. */

#include <config.h>

#include "pipeline-ctx.h"

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
#include "util.h"

/* Adds a warning to the context (duplicates are removed at the end). */
void
pipeline_warn(struct pipeline_ctx *ctx, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    svec_add_nocopy(&ctx->warnings, xvasprintf(format, args));
    va_end(args);
}

/* Adds to the context's table a flow for 'table_id' at 'priority', made by
 * 'stage' for the object of 'kind' named 'owner_id' ("" for the host).  The
 * text that 'format' produces is "<match> actions=<actions>" (the match may
 * be empty).  Returns the table's flow, for pipeline_add_owner().  A flow
 * the table rejects becomes a warning, and NULL: it means conflicting model
 * data. */
const struct desired_flow *
pipeline_add_flow(struct pipeline_ctx *ctx, enum desired_stage stage,
                  enum desired_owner_kind kind, const char *owner_id,
                  uint8_t table_id, uint16_t priority,
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

    const struct desired_flow *flow;
    char *error = desired_table_add_flow(ctx->table, table_id, priority,
                                         desired_cookie(stage, kind,
                                                        owner_id),
                                         match, actions, &flow);
    if (error) {
        pipeline_warn(ctx, "flow not added: %s", error);
        free(error);
    } else {
        desired_table_add_owner(ctx->table, flow, kind, owner_id);
    }
    free(text);
    return flow;
}

/* Records that the object of 'kind' named 'owner_id' also owns 'flow' (as
 * returned by pipeline_add_flow(); nothing happens if it is NULL). */
void
pipeline_add_owner(struct pipeline_ctx *ctx, const struct desired_flow *flow,
                   enum desired_owner_kind kind, const char *owner_id)
{
    if (flow) {
        desired_table_add_owner(ctx->table, flow, kind, owner_id);
    }
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

/* One object that contributed to a collected conjunction flow. */
struct pipeline_conj_owner {
    enum desired_owner_kind kind;
    char *id;                   /* Owned. */
};

/* One flow whose actions are conjunction() actions, being collected. */
struct pipeline_conj_flow {
    struct hmap_node node;      /* In pipeline_conj_flows 'flows'. */
    uint8_t table_id;           /* With 'priority' and 'match', the flow's
                                 * identity. */
    uint16_t priority;          /* See 'table_id'. */
    char *match;                /* Owned: as pipeline_conj_add() got it. */
    enum desired_stage stage;   /* Of the first contributor. */
    struct pipeline_conj_owner *owners; /* Owned array: the objects that
                                         * contributed actions, distinct,
                                         * the first one names the flow. */
    size_t n_owners;            /* Used elements of 'owners'. */
    size_t allocated_owners;    /* Allocated elements of 'owners'. */
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
 * names 'stage' and the owner ('kind', 'owner_id') of its first action, and
 * every contributing owner is recorded in the owner index.  Callers must
 * write equal matches as equal text. */
void
pipeline_conj_add(struct pipeline_conj_flows *conj, enum desired_stage stage,
                  enum desired_owner_kind kind, const char *owner_id,
                  uint8_t table_id, uint16_t priority,
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
        hmap_insert(&conj->flows, &flow->node, hash);
    }

    bool known = false;
    for (size_t i = 0; i < flow->n_owners && !known; i++) {
        known = (flow->owners[i].kind == kind
                 && !strcmp(flow->owners[i].id, owner_id));
    }
    if (!known) {
        if (flow->n_owners >= flow->allocated_owners) {
            flow->owners = x2nrealloc(flow->owners, &flow->allocated_owners,
                                      sizeof *flow->owners);
        }
        flow->owners[flow->n_owners++] = (struct pipeline_conj_owner) {
            .kind = kind, .id = xstrdup(owner_id),
        };
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
        const struct desired_flow *added = pipeline_add_flow(
            ctx, flow->stage, flow->owners[0].kind, flow->owners[0].id,
            flow->table_id, flow->priority, "%s actions=%s", flow->match,
            ds_cstr(&actions));
        ds_destroy(&actions);

        for (size_t i = 0; i < flow->n_owners; i++) {
            pipeline_add_owner(ctx, added, flow->owners[i].kind,
                               flow->owners[i].id);
            free(flow->owners[i].id);
        }
        free(flow->owners);
        free(flow->match);
        free(flow->actions);
        free(flow);
    }
    hmap_destroy(&conj->flows);
}

/* Appends to 's' the actions that turn an ARP request into the reply "'ip'
 * is at 'mac'" and send it back out of the port it came in. */
void
pipeline_put_arp_reply(struct ds *s, struct eth_addr mac, ovs_be32 ip)
{
    ds_put_format(s, "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
                  "set_field:"ETH_ADDR_FMT"->eth_src,"
                  "set_field:2->arp_op,"
                  "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
                  "set_field:"ETH_ADDR_FMT"->arp_sha,"
                  "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
                  "set_field:"IP_FMT"->arp_spa,IN_PORT",
                  ETH_ADDR_ARGS(mac), ETH_ADDR_ARGS(mac), IP_ARGS(ip));
}
