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
#include "flow.h"
#include "hash.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "sset.h"
#include "openvswitch/util.h"
#include "util.h"

/* One addition to a desired table, in a struct pipeline_log (24 bytes: a
 * unit's log costs about one entry per flow). */
struct pipeline_log_entry {
    enum {
        PIPELINE_LOG_FLOW,      /* A reference to 'flow', and if 'owner'
                                 * is nonnull, 'flow' recorded for it. */
        PIPELINE_LOG_OWNER,     /* 'flow' recorded for 'owner'. */
        PIPELINE_LOG_GROUP,     /* A reference to group 'id'. */
        PIPELINE_LOG_METER,     /* A reference to meter 'id'. */
        PIPELINE_LOG_CONJ,      /* Actions added to 'conj' by the unit. */
        PIPELINE_LOG_MOVED,     /* Nothing: the entry moved to another
                                 * log (pipeline_conj_update_tier()). */
    } type;
    union {
        const struct desired_flow *flow;        /* FLOW, OWNER: in the
                                                 * desired table. */
        struct pipeline_conj_flow *conj;        /* CONJ: in a
                                                 * pipeline_conj_flows. */
        uint32_t id;                            /* GROUP, METER. */
    };
    const struct desired_owner *owner;  /* FLOW, OWNER: in the table's
                                         * owner index, which keeps it
                                         * while it owns 'flow'. */
};

/* Initializes 'log' as empty. */
void
pipeline_log_init(struct pipeline_log *log)
{
    log->entries = NULL;
    log->n = 0;
    log->allocated = 0;
}

/* Frees what 'log' owns, without undoing anything. */
void
pipeline_log_destroy(struct pipeline_log *log)
{
    free(log->entries);
    pipeline_log_init(log);
}

/* Gives back the room that 'log' has beyond its entries: a unit's log
 * stays as it is until the unit is computed again, and the doubling that
 * grew it would otherwise leave up to half of it unused for good. */
void
pipeline_log_shrink(struct pipeline_log *log)
{
    if (!log->n) {
        pipeline_log_destroy(log);
    } else if (log->allocated > log->n) {
        log->entries = xrealloc(log->entries, log->n * sizeof *log->entries);
        log->allocated = log->n;
    }
}

/* Appends a new zeroed entry of 'type' to 'log' and returns it. */
static struct pipeline_log_entry *
pipeline_log_append(struct pipeline_log *log, int type)
{
    if (log->n >= log->allocated) {
        log->entries = x2nrealloc(log->entries, &log->allocated,
                                  sizeof *log->entries);
    }
    struct pipeline_log_entry *e = &log->entries[log->n++];
    memset(e, 0, sizeof *e);
    e->type = type;
    return e;
}

static void pipeline_conj_remove_unit(struct pipeline_conj_flow *,
                                      const void *unit);

/* Records in 'log' that 'unit' added actions to 'conj' (once). */
static void
pipeline_log_add_conj(struct pipeline_log *log,
                      struct pipeline_conj_flow *conj)
{
    for (size_t i = log->n; i > 0 && i + 8 > log->n; i--) {
        if (log->entries[i - 1].type == PIPELINE_LOG_CONJ
            && log->entries[i - 1].conj == conj) {
            return;
        }
    }
    pipeline_log_append(log, PIPELINE_LOG_CONJ)->conj = conj;
}

/* Takes back from 'table' everything recorded in 'log', the last addition
 * first, and empties 'log'.  Conjunction actions are taken back from their
 * collections (the next pipeline_conj_flush() updates the table). */
void
pipeline_log_undo(struct pipeline_log *log, const void *unit,
                  struct desired_table *table)
{
    for (size_t i = log->n; i > 0; i--) {
        struct pipeline_log_entry *e = &log->entries[i - 1];
        switch (e->type) {
        case PIPELINE_LOG_FLOW:
            if (e->owner) {
                desired_table_remove_owner(table, e->flow, e->owner);
            }
            desired_table_unref_flow(table, e->flow);
            break;
        case PIPELINE_LOG_OWNER:
            desired_table_remove_owner(table, e->flow, e->owner);
            break;
        case PIPELINE_LOG_GROUP:
            desired_table_unref_group(table, e->id);
            break;
        case PIPELINE_LOG_METER:
            desired_table_unref_meter(table, e->id);
            break;
        case PIPELINE_LOG_CONJ:
            pipeline_conj_remove_unit(e->conj, unit);
            break;
        case PIPELINE_LOG_MOVED:
            break;
        }
    }
    pipeline_log_destroy(log);
}

/* Takes back from 'table', the last first, the additions that 'log'
 * recorded of flows at 'priority' (and their owners), and marks them
 * moved: a flow is about to be added again with other actions. */
static void
pipeline_log_undo_priority(struct pipeline_log *log, uint16_t priority,
                           struct desired_table *table)
{
    for (size_t i = log->n; i > 0; i--) {
        struct pipeline_log_entry *e = &log->entries[i - 1];
        if ((e->type == PIPELINE_LOG_FLOW || e->type == PIPELINE_LOG_OWNER)
            && e->flow->priority == priority) {
            if (e->owner) {
                desired_table_remove_owner(table, e->flow, e->owner);
            }
            if (e->type == PIPELINE_LOG_FLOW) {
                desired_table_unref_flow(table, e->flow);
            }
            e->type = PIPELINE_LOG_MOVED;
        }
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

/* Ends an addition of 'flow' to the context's table by the object of 'kind'
 * named 'owner_id': on 'error' (freed here), a warning; otherwise the
 * addition and its owner are recorded in the context's log. */
static void
pipeline_record_flow(struct pipeline_ctx *ctx, char *error,
                     const struct desired_flow *flow,
                     enum desired_owner_kind kind, const char *owner_id)
{
    if (error) {
        pipeline_warn(ctx, "flow not added: %s", error);
        free(error);
    } else {
        /* One entry for the flow and its first owner: a flow of the table
         * costs one log entry, not two. */
        const struct desired_owner *owner = desired_table_add_owner(
            ctx->table, flow, kind, owner_id);
        struct pipeline_log_entry *e = pipeline_log_append(
            ctx->log, PIPELINE_LOG_FLOW);
        e->flow = flow;
        e->owner = owner;
    }
}

/* Adds to the context's table a flow for 'table_id' at 'priority', made by
 * 'stage' for the object of 'kind' named 'owner_id' ("" for the host).  The
 * text that 'format' produces is "<match> actions=<actions>" (the match may
 * be empty).  Returns the table's flow, for pipeline_add_owner().  A flow
 * the table rejects becomes a warning, and NULL: it means conflicting model
 * data.
 *
 * Parsing the text costs about 5 us a flow: this is for the host's own
 * flows and the few of each provider network (whose VLAN actions are
 * easiest to read as text), not for flows repeated per port or rule
 * (pipeline_add_built_flow()). */
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
    pipeline_record_flow(ctx, error, flow, kind, owner_id);
    free(text);
    return flow;
}

/* Adds to the context's table, like pipeline_add_flow(), the flow that
 * 'stage' built in 'built' for the object of 'kind' named 'owner_id'. */
const struct desired_flow *
pipeline_add_built_flow(struct pipeline_ctx *ctx, enum desired_stage stage,
                        enum desired_owner_kind kind, const char *owner_id,
                        const struct pipeline_flow *built)
{
    const struct desired_flow *flow;
    char *error = desired_table_add_flow_ofpacts(
        ctx->table, built->table_id, built->priority,
        desired_cookie(stage, kind, owner_id), &built->match,
        built->ofpacts.data, built->ofpacts.size, &flow);
    pipeline_record_flow(ctx, error, flow, kind, owner_id);
    return flow;
}

/* Records that the object of 'kind' named 'owner_id' also owns 'flow' (as
 * returned by pipeline_add_flow(); nothing happens if it is NULL). */
void
pipeline_add_owner(struct pipeline_ctx *ctx, const struct desired_flow *flow,
                   enum desired_owner_kind kind, const char *owner_id)
{
    const struct desired_owner *owner = (flow
                                         ? desired_table_add_owner(
                                             ctx->table, flow, kind,
                                             owner_id)
                                         : NULL);
    if (owner) {
        struct pipeline_log_entry *e = pipeline_log_append(
            ctx->log, PIPELINE_LOG_OWNER);
        e->flow = flow;
        e->owner = owner;
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
    } else {
        pipeline_log_append(ctx->log, PIPELINE_LOG_GROUP)->id = group_id;
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
    } else {
        pipeline_log_append(ctx->log, PIPELINE_LOG_METER)->id = meter_id;
    }
}

/* Returns the security group 'id' of 'sg' (defined, or only named by
 * ports), or NULL. */
const struct pipeline_sg_group *
pipeline_sg_find_group(const struct pipeline_sg_shared *sg, const char *id)
{
    const struct pipeline_sg_group *g;
    HMAP_FOR_EACH_WITH_HASH (g, node, hash_string(id, 0), &sg->groups) {
        if (!strcmp(g->id, id)) {
            return g;
        }
    }
    return NULL;
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
    unsigned int owner;         /* Index in its flow's 'owners' of the
                                 * object that added it. */
    const void *unit;           /* The unit that added it (ctx->unit). */
};

/* One object that contributed to a collected conjunction flow. */
struct pipeline_conj_owner {
    enum desired_owner_kind kind;
    const char *id;             /* A reference to its collection's copy
                                 * (pipeline_conj_owner_id_ref()). */
};

/* One owner id of a collection, with how many owners of its flows name it
 * (struct pipeline_conj_flows 'owner_ids'). */
struct pipeline_conj_owner_id {
    struct hmap_node node;      /* In 'owner_ids', by hash_string(id, 0). */
    unsigned int n_refs;        /* Owners naming it; freed with the last. */
    char id[];                  /* The id, null-terminated. */
};

/* Returns the copy of 'id' in 'conj', counted once more; the caller gives
 * it back with pipeline_conj_owner_id_unref(). */
static const char *
pipeline_conj_owner_id_ref(struct pipeline_conj_flows *conj, const char *id)
{
    uint32_t hash = hash_string(id, 0);
    struct pipeline_conj_owner_id *entry;
    HMAP_FOR_EACH_WITH_HASH (entry, node, hash, &conj->owner_ids) {
        if (!strcmp(entry->id, id)) {
            entry->n_refs++;
            return entry->id;
        }
    }
    size_t length = strlen(id);
    entry = xmalloc(sizeof *entry + length + 1);
    entry->n_refs = 1;
    memcpy(entry->id, id, length + 1);
    hmap_insert(&conj->owner_ids, &entry->node, hash);
    return entry->id;
}

/* Gives back one reference to 'id', a copy in 'conj'. */
static void
pipeline_conj_owner_id_unref(struct pipeline_conj_flows *conj,
                             const char *id)
{
    struct pipeline_conj_owner_id *entry = CONTAINER_OF(
        id, struct pipeline_conj_owner_id, id);
    if (!--entry->n_refs) {
        hmap_remove(&conj->owner_ids, &entry->node);
        free(entry);
    }
}

/* One flow whose actions are conjunction() actions, collected from every
 * unit, with the flows it last put into the desired table. */
struct pipeline_conj_flow {
    struct hmap_node node;      /* In pipeline_conj_flows 'flows'. */
    struct pipeline_conj_flows *collection;     /* The one it is in. */
    uint8_t table_id;           /* With 'priority' and 'match', the flow's
                                 * identity. */
    uint16_t priority;          /* See 'table_id'. */
    struct minimatch match;     /* Owned. */
    enum desired_stage stage;   /* Of its contributors (one per table). */
    struct pipeline_conj_owner *owners; /* Owned array: the objects that
                                         * contributed actions, distinct. */
    size_t n_owners;            /* Used elements of 'owners'. */
    size_t allocated_owners;    /* Allocated elements of 'owners'. */
    struct pipeline_conj_action *actions;       /* Owned array. */
    size_t n_actions;           /* Used elements of 'actions'. */
    size_t allocated_actions;   /* Allocated elements of 'actions'. */
    bool dirty;                 /* Its actions changed since it was last
                                 * put into the table. */
    struct pipeline_log emitted;        /* What the last flush put into the
                                         * desired table for it. */
};

/* Hash of a collected flow's identity. */
static uint32_t
pipeline_conj_hash(uint8_t table_id, uint16_t priority,
                   const struct minimatch *match)
{
    return minimatch_hash(match, ((uint32_t) table_id << 16) | priority);
}

/* Initializes 'conj' as an empty collection whose conjunctions may be
 * spread over 'n_priorities' priorities from the one they are added at
 * (see pipeline-ctx.h).  'n_priorities' must be at least 1. */
void
pipeline_conj_init(struct pipeline_conj_flows *conj,
                   unsigned int n_priorities)
{
    ovs_assert(n_priorities >= 1);
    hmap_init(&conj->flows);
    sset_init(&conj->tiered_families);
    conj->n_priorities = n_priorities;
    conj->dirty = NULL;
    conj->n_dirty = conj->allocated_dirty = 0;
    hmap_init(&conj->owner_ids);
}

/* Gives back the room that 'flow''s arrays have beyond their elements
 * (see pipeline_log_shrink()): most clause flows keep their actions from
 * one flush to the next. */
static void
pipeline_conj_flow_shrink(struct pipeline_conj_flow *flow)
{
    if (flow->allocated_actions > flow->n_actions) {
        flow->actions = xrealloc(flow->actions,
                                 flow->n_actions * sizeof *flow->actions);
        flow->allocated_actions = flow->n_actions;
    }
    if (flow->allocated_owners > flow->n_owners) {
        flow->owners = xrealloc(flow->owners,
                                flow->n_owners * sizeof *flow->owners);
        flow->allocated_owners = flow->n_owners;
    }
}

/* Frees 'flow' and what it owns; its emitted flows must be undone. */
static void
pipeline_conj_flow_destroy(struct pipeline_conj_flow *flow)
{
    for (size_t i = 0; i < flow->n_owners; i++) {
        pipeline_conj_owner_id_unref(flow->collection, flow->owners[i].id);
    }
    free(flow->owners);
    minimatch_destroy(&flow->match);
    free(flow->actions);
    pipeline_log_destroy(&flow->emitted);
    free(flow);
}

/* Frees what 'conj' owns.  The flows it put into a desired table stay
 * there. */
void
pipeline_conj_destroy(struct pipeline_conj_flows *conj)
{
    struct pipeline_conj_flow *flow;
    HMAP_FOR_EACH_POP (flow, node, &conj->flows) {
        pipeline_conj_flow_destroy(flow);
    }
    hmap_destroy(&conj->flows);
    sset_destroy(&conj->tiered_families);
    free(conj->dirty);
    ovs_assert(hmap_is_empty(&conj->owner_ids));
    hmap_destroy(&conj->owner_ids);
}

/* Marks 'flow' of 'conj' as changed since the last flush. */
static void
pipeline_conj_mark_dirty(struct pipeline_conj_flows *conj,
                         struct pipeline_conj_flow *flow)
{
    if (!flow->dirty) {
        flow->dirty = true;
        if (conj->n_dirty >= conj->allocated_dirty) {
            conj->dirty = x2nrealloc(conj->dirty, &conj->allocated_dirty,
                                     sizeof *conj->dirty);
        }
        conj->dirty[conj->n_dirty++] = flow;
    }
}

/* Returns the flow of 'conj' with this identity ('hash' is its
 * pipeline_conj_hash()), or NULL. */
static struct pipeline_conj_flow *
pipeline_conj_find(const struct pipeline_conj_flows *conj, uint32_t hash,
                   uint8_t table_id, uint16_t priority,
                   const struct minimatch *match)
{
    struct pipeline_conj_flow *flow;
    HMAP_FOR_EACH_WITH_HASH (flow, node, hash, &conj->flows) {
        if (flow->table_id == table_id && flow->priority == priority
            && minimatch_equal(&flow->match, match)) {
            return flow;
        }
    }
    return NULL;
}

/* Adds the action "conjunction('id','clause'/'n_clauses')" to the flow of
 * 'table_id' at 'priority' with 'match', on behalf of the unit being
 * computed in 'ctx', creating that flow if it is the first action for it.
 * pipeline_conj_flush() puts the flow into the table; its cookie names
 * 'stage' and the least of its owners (by kind, then id), and every
 * contributing owner is recorded in the owner index. */
void
pipeline_conj_add(struct pipeline_ctx *ctx, struct pipeline_conj_flows *conj,
                  enum desired_stage stage, enum desired_owner_kind kind,
                  const char *owner_id, uint8_t table_id, uint16_t priority,
                  const struct minimatch *match, uint32_t id,
                  unsigned int clause, unsigned int n_clauses)
{
    uint32_t hash = pipeline_conj_hash(table_id, priority, match);
    struct pipeline_conj_flow *flow = pipeline_conj_find(conj, hash,
                                                         table_id, priority,
                                                         match);
    if (!flow) {
        flow = xzalloc(sizeof *flow);
        flow->table_id = table_id;
        flow->priority = priority;
        minimatch_clone(&flow->match, match);
        flow->stage = stage;
        pipeline_log_init(&flow->emitted);
        flow->collection = conj;
        hmap_insert(&conj->flows, &flow->node, hash);
    }
    pipeline_conj_mark_dirty(conj, flow);

    /* Consecutive additions to a flow mostly come from one owner: the last
     * one is tried first. */
    size_t owner = flow->n_owners;
    for (size_t i = flow->n_owners; i > 0; i--) {
        if (!desired_owner_cmp(flow->owners[i - 1].kind,
                               flow->owners[i - 1].id, kind, owner_id)) {
            owner = i - 1;
            break;
        }
    }
    if (owner == flow->n_owners) {
        if (flow->n_owners >= flow->allocated_owners) {
            flow->owners = x2nrealloc(flow->owners, &flow->allocated_owners,
                                      sizeof *flow->owners);
        }
        flow->owners[flow->n_owners++] = (struct pipeline_conj_owner) {
            .kind = kind, .id = pipeline_conj_owner_id_ref(conj, owner_id),
        };
    }

    if (flow->n_actions >= flow->allocated_actions) {
        flow->actions = x2nrealloc(flow->actions, &flow->allocated_actions,
                                   sizeof *flow->actions);
    }
    flow->actions[flow->n_actions++] = (struct pipeline_conj_action) {
        .id = id, .clause = clause, .n_clauses = n_clauses, .owner = owner,
        .unit = ctx->unit,
    };
    pipeline_log_add_conj(ctx->log, flow);
}

/* Takes back every action that 'unit' added to 'flow' (of 'conj'), and the
 * owners that no action names any more; the next pipeline_conj_flush()
 * puts the flow into the table again, or removes it. */
static void
pipeline_conj_remove_unit(struct pipeline_conj_flow *flow, const void *unit)
{
    bool *used = xcalloc(MAX(flow->n_owners, 1), sizeof *used);
    size_t n = 0;
    for (size_t i = 0; i < flow->n_actions; i++) {
        if (flow->actions[i].unit != unit) {
            used[flow->actions[i].owner] = true;
            flow->actions[n++] = flow->actions[i];
        }
    }
    if (n != flow->n_actions) {
        flow->n_actions = n;
        pipeline_conj_mark_dirty(flow->collection, flow);

        size_t *renumber = xmalloc(MAX(flow->n_owners, 1)
                                   * sizeof *renumber);
        size_t n_owners = 0;
        for (size_t i = 0; i < flow->n_owners; i++) {
            if (used[i]) {
                renumber[i] = n_owners;
                flow->owners[n_owners++] = flow->owners[i];
            } else {
                pipeline_conj_owner_id_unref(flow->collection,
                                             flow->owners[i].id);
            }
        }
        flow->n_owners = n_owners;
        for (size_t i = 0; i < flow->n_actions; i++) {
            flow->actions[i].owner = renumber[flow->actions[i].owner];
        }
        free(renumber);
    }
    free(used);
}

/* Returns a negative, zero or positive number as owner 'a' sorts before,
 * with or after owner 'b': by kind, then id. */
static int
pipeline_conj_owner_cmp(const struct pipeline_conj_owner *a,
                        const struct pipeline_conj_owner *b)
{
    return desired_owner_cmp(a->kind, a->id, b->kind, b->id);
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

/* Returns true if 'a' and 'b' print as the same action. */
static bool
pipeline_conj_action_equal(const struct pipeline_conj_action *a,
                           const struct pipeline_conj_action *b)
{
    return a->id == b->id && a->clause == b->clause;
}

/* The tier of one conjunction id of a family (the collected flows of one
 * table and priority), in pipeline_conj_flush(). */
struct pipeline_conj_tier {
    struct hmap_node node;      /* In the family's map, by hash_int(id, 0). */
    uint32_t id;                /* The conjunction's id. */
    size_t weight;              /* The number of the family's flows it has
                                 * an action on. */
    int tier;                   /* Its priority is the family's + 'tier';
                                 * -1 while not assigned. */
};

/* Returns the tier of conjunction 'id' in 'tiers'; it must be there. */
static struct pipeline_conj_tier *
pipeline_conj_tier_find(const struct hmap *tiers, uint32_t id)
{
    struct pipeline_conj_tier *t;
    HMAP_FOR_EACH_WITH_HASH (t, node, hash_int(id, 0), tiers) {
        if (t->id == id) {
            return t;
        }
    }
    OVS_NOT_REACHED();
}

/* qsort() comparator for pointers to tiers: by weight, the heaviest
 * first, then by id. */
static int
pipeline_conj_tier_cmp(const void *a_, const void *b_)
{
    const struct pipeline_conj_tier *a = *(struct pipeline_conj_tier **) a_;
    const struct pipeline_conj_tier *b = *(struct pipeline_conj_tier **) b_;
    if (a->weight != b->weight) {
        return a->weight > b->weight ? -1 : 1;
    }
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Returns true if no flow of the 'n_flows' 'flows' of one family gets more
 * than PIPELINE_CONJ_MAX_ACTIONS actions at any priority with the tiers of
 * 'tiers' ('n_tiers' of them). */
static bool
pipeline_conj_tiers_fit(struct pipeline_conj_flow **flows, size_t n_flows,
                        const struct hmap *tiers, unsigned int n_tiers)
{
    size_t *counts = xmalloc(n_tiers * sizeof *counts);
    bool fit = true;
    for (size_t i = 0; fit && i < n_flows; i++) {
        const struct pipeline_conj_flow *flow = flows[i];
        if (flow->n_actions <= PIPELINE_CONJ_MAX_ACTIONS) {
            continue;
        }
        memset(counts, 0, n_tiers * sizeof *counts);
        for (size_t j = 0; fit && j < flow->n_actions; j++) {
            uint32_t id = flow->actions[j].id;
            fit = ++counts[pipeline_conj_tier_find(tiers, id)->tier]
                  <= PIPELINE_CONJ_MAX_ACTIONS;
        }
    }
    free(counts);
    return fit;
}

/* Assigns tiers to the conjunctions of the flows that have more than
 * PIPELINE_CONJ_MAX_ACTIONS actions, flow by flow (in the order of
 * 'flows'): the conjunctions of a flow that have no tier yet go, the
 * heaviest first, to the lowest tier (below 'n_priorities') that still has
 * room in that flow.  The heavy ones (those on many flows, e.g. a rule
 * from a large remote group) thus stay together at tier 0 and their other
 * flows are not split.  Every other conjunction gets tier 0.  Returns the
 * number of tiers used. */
static unsigned int
pipeline_conj_assign_tiers(struct pipeline_conj_flow **flows, size_t n_flows,
                           struct hmap *tiers, unsigned int n_priorities)
{
    size_t *counts = xmalloc(n_priorities * sizeof *counts);
    unsigned int n_tiers = 1;
    for (size_t i = 0; i < n_flows; i++) {
        const struct pipeline_conj_flow *flow = flows[i];
        if (flow->n_actions <= PIPELINE_CONJ_MAX_ACTIONS) {
            continue;
        }

        memset(counts, 0, n_priorities * sizeof *counts);
        struct pipeline_conj_tier **free_ids = xmalloc(
            flow->n_actions * sizeof *free_ids);
        size_t n_free = 0;
        for (size_t j = 0; j < flow->n_actions; j++) {
            if (j && flow->actions[j].id == flow->actions[j - 1].id) {
                continue;
            }
            struct pipeline_conj_tier *t = pipeline_conj_tier_find(
                tiers, flow->actions[j].id);
            if (t->tier >= 0) {
                counts[t->tier]++;
            } else {
                free_ids[n_free++] = t;
            }
        }
        qsort(free_ids, n_free, sizeof *free_ids, pipeline_conj_tier_cmp);

        unsigned int tier = 0;
        for (size_t j = 0; j < n_free; j++) {
            while (tier + 1 < n_priorities
                   && counts[tier] >= PIPELINE_CONJ_MAX_ACTIONS) {
                tier++;
            }
            free_ids[j]->tier = tier;
            counts[tier]++;
            n_tiers = MAX(n_tiers, tier + 1);
        }
        free(free_ids);
    }
    free(counts);

    struct pipeline_conj_tier *t;
    HMAP_FOR_EACH (t, node, tiers) {
        t->tier = MAX(t->tier, 0);
    }
    return n_tiers;
}

/* Gives every conjunction of the 'n_flows' 'flows' of one family in
 * 'tiers' the tier id mod T, with the fewest T (at most 'n_priorities')
 * that keeps every flow within PIPELINE_CONJ_MAX_ACTIONS actions per tier,
 * a fallback for when pipeline_conj_assign_tiers() cannot; warns if no T
 * does.  Returns T. */
static unsigned int
pipeline_conj_modulo_tiers(struct pipeline_ctx *ctx,
                           struct pipeline_conj_flow **flows, size_t n_flows,
                           struct hmap *tiers, unsigned int n_priorities)
{
    size_t most = 0;
    for (size_t i = 0; i < n_flows; i++) {
        most = MAX(most, flows[i]->n_actions);
    }

    unsigned int n_tiers = MIN(n_priorities,
                               DIV_ROUND_UP(most, PIPELINE_CONJ_MAX_ACTIONS));
    for (;;) {
        struct pipeline_conj_tier *t;
        HMAP_FOR_EACH (t, node, tiers) {
            t->tier = t->id % n_tiers;
        }
        if (pipeline_conj_tiers_fit(flows, n_flows, tiers, n_tiers)) {
            return n_tiers;
        } else if (n_tiers >= n_priorities) {
            pipeline_warn(ctx, "table %d priority %d: %"PRIuSIZE
                          " conjunction() actions on one flow do not fit "
                          "in %u priorities: some flows exceed an OpenFlow "
                          "message", flows[0]->table_id, flows[0]->priority,
                          most, n_priorities);
            return n_tiers;
        }
        n_tiers++;
    }
}

/* Fills 'tiers' with the tier of every conjunction of the 'n_flows'
 * 'flows' of one family (see pipeline-ctx.h) and returns the number of
 * tiers, at most 'n_priorities'.  Leaves 'tiers' empty, all at tier 0, if
 * no flow has more than PIPELINE_CONJ_MAX_ACTIONS actions (the usual
 * case). */
static unsigned int
pipeline_conj_tiers(struct pipeline_ctx *ctx,
                    struct pipeline_conj_flow **flows, size_t n_flows,
                    struct hmap *tiers, unsigned int n_priorities)
{
    size_t most = 0;
    for (size_t i = 0; i < n_flows; i++) {
        most = MAX(most, flows[i]->n_actions);
    }
    if (most <= PIPELINE_CONJ_MAX_ACTIONS) {
        return 1;
    }

    for (size_t i = 0; i < n_flows; i++) {
        const struct pipeline_conj_flow *flow = flows[i];
        for (size_t j = 0; j < flow->n_actions; j++) {
            uint32_t id = flow->actions[j].id;
            if (j && id == flow->actions[j - 1].id) {
                continue;
            }

            struct pipeline_conj_tier *t = NULL;
            HMAP_FOR_EACH_WITH_HASH (t, node, hash_int(id, 0), tiers) {
                if (t->id == id) {
                    break;
                }
            }
            if (!t) {
                t = xmalloc(sizeof *t);
                t->id = id;
                t->weight = 0;
                t->tier = -1;
                hmap_insert(tiers, &t->node, hash_int(id, 0));
            }
            t->weight++;
        }
    }

    unsigned int n_tiers = pipeline_conj_assign_tiers(flows, n_flows, tiers,
                                                      n_priorities);
    if (n_tiers > 1
        && !pipeline_conj_tiers_fit(flows, n_flows, tiers, n_tiers)) {
        n_tiers = pipeline_conj_modulo_tiers(ctx, flows, n_flows, tiers,
                                             n_priorities);
    }
    return n_tiers;
}

/* qsort() comparator for pointers to conjunction flow owners. */
static int
pipeline_conj_owner_ptr_cmp(const void *a_, const void *b_)
{
    return pipeline_conj_owner_cmp(*(const struct pipeline_conj_owner **) a_,
                                   *(const struct pipeline_conj_owner **) b_);
}

/* Tries to bring the flow that 'flow' put into the context's table at
 * 'built->priority' at its last flush, recorded in 'old', up to date in
 * place: its actions become those of 'built' and its owners the 'n_owners'
 * of 'owners', whose least is 'first'.  Returns false, with nothing done,
 * if 'old' has no flow at that priority, or one that another addition
 * shares or whose cookie would change; then the caller undoes 'old' and
 * adds the flow again.  On success the flow's entries move from 'old' to
 * the context's log.
 *
 * A clause flow shared by many rules gets a conjunction action for each;
 * putting it in place keeps the owners that stay (often thousands) where
 * they are in the table's owner index, rather than removing and adding
 * each. */
static bool
pipeline_conj_update_tier(struct pipeline_ctx *ctx, struct pipeline_log *old,
                          const struct pipeline_flow *built,
                          const struct pipeline_conj_owner **owners,
                          size_t n_owners,
                          const struct pipeline_conj_owner *first,
                          enum desired_stage stage)
{
    const struct desired_flow *flow = NULL;
    for (size_t i = 0; i < old->n && !flow; i++) {
        const struct pipeline_log_entry *e = &old->entries[i];
        if (e->type == PIPELINE_LOG_FLOW
            && e->flow->priority == built->priority) {
            flow = e->flow;
        }
    }
    if (!flow || flow->n_refs != 1
        || flow->cookie != desired_cookie(stage, first->kind, first->id)) {
        return false;
    }

    /* The flow's owners as recorded, sorted; its entries are taken. */
    size_t n_recorded = 0;
    const struct desired_owner **recorded = xmalloc(
        MAX(old->n, 1) * sizeof *recorded);
    for (size_t i = 0; i < old->n; i++) {
        struct pipeline_log_entry *e = &old->entries[i];
        if ((e->type == PIPELINE_LOG_FLOW || e->type == PIPELINE_LOG_OWNER)
            && e->flow == flow) {
            recorded[n_recorded++] = e->owner;
            e->type = PIPELINE_LOG_MOVED;
        }
    }
    qsort(recorded, n_recorded, sizeof *recorded,
          desired_owner_ptr_cmp);
    qsort(owners, n_owners, sizeof *owners, pipeline_conj_owner_ptr_cmp);

    /* One FLOW entry holds the flow's reference (with its least owner, as
     * when it was added); each other owner has an OWNER entry. */
    size_t ref = ctx->log->n;       /* Appending moves the entries. */
    pipeline_log_append(ctx->log, PIPELINE_LOG_FLOW)->flow = flow;
    size_t i = 0, j = 0;
    while (i < n_recorded || j < n_owners) {
        int cmp;
        if (i >= n_recorded) {
            cmp = 1;
        } else if (j >= n_owners) {
            cmp = -1;
        } else {
            cmp = desired_owner_cmp(recorded[i]->kind, recorded[i]->id,
                                    owners[j]->kind, owners[j]->id);
        }

        const struct desired_owner *kept;
        if (cmp < 0) {
            desired_table_remove_owner(ctx->table, flow, recorded[i++]);
            continue;
        } else if (cmp > 0) {
            kept = desired_table_add_owner(ctx->table, flow, owners[j]->kind,
                                           owners[j]->id);
            j++;
        } else {
            kept = recorded[i];
            i++;
            j++;
        }
        if (!ctx->log->entries[ref].owner) {
            ctx->log->entries[ref].owner = kept;
        } else {
            struct pipeline_log_entry *e = pipeline_log_append(
                ctx->log, PIPELINE_LOG_OWNER);
            e->flow = flow;
            e->owner = kept;
        }
    }
    free(recorded);

    if (!ofpacts_equal(flow->ofpacts, flow->ofpacts_len, built->ofpacts.data,
                       built->ofpacts.size)) {
        desired_table_set_flow_actions(ctx->table, flow, built->ofpacts.data,
                                       built->ofpacts.size);
    }
    return true;
}

/* Puts into the context's table the flow of 'flow''s match at priority
 * 'flow->priority' + 'tier' with those of its actions (sorted) whose
 * conjunction is in tier 'tier' of 'tiers' (an empty 'tiers': all in tier
 * 0), once each, if it has any; its owners are the objects that added
 * them, and the least of them names it in its cookie.  The flow that
 * 'flow' put there at its last flush, recorded in 'old', is updated in
 * place when it can be (pipeline_conj_update_tier()).  What is put there
 * is recorded in 'flow->emitted'. */
static void
pipeline_conj_add_tier(struct pipeline_ctx *ctx,
                       struct pipeline_conj_flow *flow,
                       const struct hmap *tiers, int tier,
                       struct pipeline_log *old)
{
    struct pipeline_flow built;
    pipeline_flow_init(&built, flow->table_id, flow->priority + tier);
    bool *contributed = xcalloc(flow->n_owners, sizeof *contributed);
    const struct pipeline_conj_owner *first = NULL;
    const struct pipeline_conj_action *prev = NULL;

    for (size_t i = 0; i < flow->n_actions; i++) {
        const struct pipeline_conj_action *a = &flow->actions[i];
        if (!hmap_is_empty(tiers)
            && pipeline_conj_tier_find(tiers, a->id)->tier != tier) {
            continue;
        }
        const struct pipeline_conj_owner *owner = &flow->owners[a->owner];
        contributed[a->owner] = true;
        if (!first || pipeline_conj_owner_cmp(owner, first) < 0) {
            first = owner;
        }
        if (!prev || !pipeline_conj_action_equal(a, prev)) {
            struct ofpact_conjunction *oc = ofpact_put_CONJUNCTION(
                &built.ofpacts);
            oc->id = a->id;
            oc->clause = a->clause - 1;
            oc->n_clauses = a->n_clauses;
        }
        prev = a;
    }

    if (built.ofpacts.size) {
        size_t n_owners = 0;
        const struct pipeline_conj_owner **owners = xmalloc(
            flow->n_owners * sizeof *owners);
        for (size_t i = 0; i < flow->n_owners; i++) {
            if (contributed[i]) {
                owners[n_owners++] = &flow->owners[i];
            }
        }

        struct pipeline_log *log = ctx->log;
        ctx->log = &flow->emitted;
        if (!pipeline_conj_update_tier(ctx, old, &built, owners, n_owners,
                                       first, flow->stage)) {
            pipeline_log_undo_priority(old, built.priority, ctx->table);
            minimatch_expand(&flow->match, &built.match);
            const struct desired_flow *added = pipeline_add_built_flow(
                ctx, flow->stage, first->kind, first->id, &built);
            for (size_t i = 0; i < n_owners; i++) {
                if (owners[i] != first) {
                    pipeline_add_owner(ctx, added, owners[i]->kind,
                                       owners[i]->id);
                }
            }
        }
        ctx->log = log;
        free(owners);
    }
    free(contributed);
    pipeline_flow_uninit(&built);
}

/* Returns a negative, zero or positive number as match 'a' sorts before,
 * with or after match 'b', in an order that depends only on what they
 * match. */
static int
pipeline_conj_match_cmp(const struct minimatch *a, const struct minimatch *b)
{
    const struct miniflow *parts[2][2] = {
        { a->flow, &a->mask->masks }, { b->flow, &b->mask->masks },
    };
    for (size_t i = 0; i < 2; i++) {
        const struct miniflow *x = parts[0][i];
        const struct miniflow *y = parts[1][i];
        int cmp = memcmp(&x->map, &y->map, sizeof x->map);
        if (!cmp) {
            cmp = memcmp(miniflow_get_values(x), miniflow_get_values(y),
                         miniflow_n_values(x) * sizeof(uint64_t));
        }
        if (cmp) {
            return cmp;
        }
    }
    return 0;
}

/* qsort() comparator for pointers to collected flows: by table, then
 * priority, then match. */
static int
pipeline_conj_flow_cmp(const void *a_, const void *b_)
{
    const struct pipeline_conj_flow *a = *(struct pipeline_conj_flow **) a_;
    const struct pipeline_conj_flow *b = *(struct pipeline_conj_flow **) b_;
    if (a->table_id != b->table_id) {
        return a->table_id < b->table_id ? -1 : 1;
    } else if (a->priority != b->priority) {
        return a->priority < b->priority ? -1 : 1;
    }
    return pipeline_conj_match_cmp(&a->match, &b->match);
}

/* The name of the family (table and priority) of 'flow' in
 * 'tiered_families'. */
static char *
pipeline_conj_family_name(const struct pipeline_conj_flow *flow)
{
    return xasprintf("%"PRIu8"/%"PRIu16, flow->table_id, flow->priority);
}

/* Puts into the context's table, in place of what they put there before,
 * the flows of 'conj' whose actions changed since the last flush, each
 * with its conjunction actions sorted by id and clause and without
 * duplicates, and removes those left without actions.  A family (the flows
 * of one table and priority) in which some flow has more than
 * PIPELINE_CONJ_MAX_ACTIONS actions, now or at the last flush, is put
 * there again as a whole, spread over tiers of priorities (see
 * pipeline-ctx.h).  The result depends only on the actions collected, not
 * on the order of the units nor on what was flushed before. */
void
pipeline_conj_flush(struct pipeline_ctx *ctx,
                    struct pipeline_conj_flows *conj)
{
    struct sset redo = SSET_INITIALIZER(&redo);
    for (size_t i = 0; i < conj->n_dirty; i++) {
        if (conj->dirty[i]->n_actions > PIPELINE_CONJ_MAX_ACTIONS) {
            sset_add_and_free(&redo,
                              pipeline_conj_family_name(conj->dirty[i]));
        }
    }
    const char *family;
    SSET_FOR_EACH (family, &conj->tiered_families) {
        sset_add(&redo, family);
    }
    struct pipeline_conj_flow *flow;
    if (!sset_is_empty(&redo)) {
        /* Whole families again: every flow of theirs is dirty. */
        HMAP_FOR_EACH (flow, node, &conj->flows) {
            if (!flow->dirty) {
                char *name = pipeline_conj_family_name(flow);
                if (sset_contains(&redo, name)) {
                    pipeline_conj_mark_dirty(conj, flow);
                }
                free(name);
            }
        }
    }

    size_t n_flows = 0;
    struct pipeline_conj_flow **flows = xmalloc(
        MAX(conj->n_dirty, 1) * sizeof *flows);
    for (size_t i = 0; i < conj->n_dirty; i++) {
        flow = conj->dirty[i];
        flow->dirty = false;
        if (!flow->n_actions) {
            pipeline_log_undo(&flow->emitted, NULL, ctx->table);
            hmap_remove(&conj->flows, &flow->node);
            pipeline_conj_flow_destroy(flow);
            continue;
        }
        qsort(flow->actions, flow->n_actions, sizeof *flow->actions,
              pipeline_conj_action_cmp);
        pipeline_conj_flow_shrink(flow);
        flows[n_flows++] = flow;
    }
    conj->n_dirty = 0;
    qsort(flows, n_flows, sizeof *flows, pipeline_conj_flow_cmp);

    sset_clear(&conj->tiered_families);
    for (size_t i = 0; i < n_flows; ) {
        size_t j = i + 1;
        while (j < n_flows && flows[j]->table_id == flows[i]->table_id
               && flows[j]->priority == flows[i]->priority) {
            j++;
        }

        struct hmap tiers = HMAP_INITIALIZER(&tiers);
        unsigned int n_tiers = pipeline_conj_tiers(ctx, &flows[i], j - i,
                                                   &tiers,
                                                   conj->n_priorities);
        if (!hmap_is_empty(&tiers)) {
            sset_add_and_free(&conj->tiered_families,
                              pipeline_conj_family_name(flows[i]));
        }
        for (size_t k = i; k < j; k++) {
            /* What the last flush put into the table for the flow is
             * updated in place, or taken back, tier by tier; what is left
             * of it (tiers that are no more) is taken back at the end. */
            struct pipeline_log old = flows[k]->emitted;
            pipeline_log_init(&flows[k]->emitted);
            for (unsigned int tier = 0; tier < n_tiers; tier++) {
                pipeline_conj_add_tier(ctx, flows[k], &tiers, tier, &old);
            }
            pipeline_log_undo(&old, NULL, ctx->table);
        }

        struct pipeline_conj_tier *t;
        HMAP_FOR_EACH_POP (t, node, &tiers) {
            free(t);
        }
        hmap_destroy(&tiers);
        i = j;
    }
    free(flows);
    sset_destroy(&redo);
}
