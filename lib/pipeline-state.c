/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* The pipeline computed incrementally (see pipeline-state.h).
 *
 * One update:
 *   1. the members of every security group, kept as counted addresses per
 *      group and updated from the subnets whose digest changed, and the
 *      definitions, taken again from the model (the first in document
 *      order): a group whose merged prefixes or definition changed is
 *      "changed";
 *   2. one unit per subnet of the host view, and the host unit; a unit is
 *      dirty if it is new, its subnet's digest changed, a fact it reads
 *      changed (facts are compared key by key), a group it reads changed,
 *      or its provider segment's first subnet changed;
 *   3. the rule keys of the dirty units' local ports; if the keys of some
 *      unit changed, the conjunction ids are assigned again from all keys
 *      and the units whose ids moved become dirty too;
 *   4. each dirty unit's additions are taken back and it is computed
 *      again; the conjunction flows whose actions changed are put into the
 *      table last. */

#include <config.h>

#include "pipeline-state.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "host-view.h"
#include "ids.h"
#include "model.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"
#include "pipeline.h"
#include "simap.h"
#include "sset.h"
#include "svec.h"
#include "util.h"

/* One unit: the host's own flows ('subnet_id' NULL) or one subnet's. */
struct pipeline_unit {
    struct hmap_node node;      /* In 'units' by hash_string(subnet_id, 0);
                                 * the host unit is in no map. */
    char *subnet_id;            /* Owned, NULL for the host unit. */
    uint64_t digest;            /* Of the subnet it was computed from. */
    char *segment_first;        /* Owned: for a provider subnet, the first
                                 * subnet of its segment when computed. */
    struct pipeline_log log;    /* What it added to the table. */
    struct svec warnings;       /* Its warnings when computed. */
    struct svec sg_keys;        /* Its local ports' rule keys, sorted. */
    struct sset sg_groups;      /* The groups those rules read. */
    bool dirty;                 /* To be computed in this update. */
    bool seen;                  /* In the host view of this update. */
    const struct host_view_subnet *hvs;         /* This update's. */
    const struct host_view_port **ports;        /* Owned array of this
                                                 * update's local ports. */
    size_t n_ports;
    size_t allocated_ports;
};

/* One member address that a subnet gives a security group. */
struct pipeline_state_member {
    char *group_id;             /* Owned. */
    uint32_t ip;                /* Host byte order. */
};

/* What one subnet of the model (local or not) gives the groups. */
struct pipeline_state_subnet {
    struct hmap_node node;      /* In 'subnets', by hash_string(id, 0). */
    char *id;                   /* Owned. */
    uint64_t digest;            /* Of the subnet 'members' came from. */
    struct pipeline_state_member *members;      /* Owned array. */
    size_t n_members;
    struct pipeline_sg_group **defines; /* Owned array: the group of each of
                                         * the subnet's 'secgroups', in
                                         * order (valid for 'digest'). */
    uint32_t *definition_hashes;        /* Owned array: the hash of each of
                                         * those definitions. */
    size_t n_defines;
    bool seen;                  /* In the model of this update. */
};

/* A conjunction id in use. */
struct pipeline_state_id {
    struct hmap_node node;      /* In 'used_ids', by hash_int(id, 0). */
    uint32_t id;
};

/* The incremental pipeline. */
struct pipeline_state {
    struct desired_table table; /* The desired state: the union of the
                                 * units and the conjunction flows. */
    struct desired_table changes;       /* What changed in 'table' since
                                         * its consumer last emptied it
                                         * (table.tracker). */
    struct pipeline_sg_shared sg;       /* Groups, conjunction ids and
                                         * conjunction flows. */
    struct pipeline_unit host;  /* The host's own flows. */
    struct hmap units;          /* Contains struct pipeline_unit, one per
                                 * subnet of the host view. */
    struct hmap subnets;        /* Contains struct pipeline_state_subnet,
                                 * one per subnet of the model. */
    struct pipeline_facts facts;        /* A copy of the facts of the last
                                         * update. */
    ovs_be32 local_ip;          /* Of the last update's host view. */
    ovs_be32 *routers;          /* Owned: the last host view's routers. */
    size_t n_routers;
    struct shash segments;      /* See struct pipeline_ctx 'segments'
                                 * (values owned). */
    struct svec flush_warnings; /* Of the last flush that had any. */
    struct simap key_refs;      /* Rule key -> the units that have it. */
    struct hmap used_ids;       /* Contains struct pipeline_state_id: the
                                 * values of sg.conj_ids. */
    size_t n_displaced;         /* Keys whose id is not their home id (a
                                 * collision moved them). */
    bool ids_stale;             /* A unit left with keys whose ids could
                                 * not be freed alone: assign them all
                                 * again. */
    bool computed;              /* Updated at least once. */
    struct pipeline_state_stats stats;
};

/* Initializes 'unit' for 'subnet_id' (NULL for the host unit). */
static void
pipeline_unit_init(struct pipeline_unit *unit, const char *subnet_id)
{
    memset(unit, 0, sizeof *unit);
    unit->subnet_id = nullable_xstrdup(subnet_id);
    pipeline_log_init(&unit->log);
    svec_init(&unit->warnings);
    svec_init(&unit->sg_keys);
    sset_init(&unit->sg_groups);
}

/* Frees what 'unit' owns (its additions stay in the table). */
static void
pipeline_unit_destroy(struct pipeline_unit *unit)
{
    free(unit->subnet_id);
    free(unit->segment_first);
    pipeline_log_destroy(&unit->log);
    svec_destroy(&unit->warnings);
    svec_destroy(&unit->sg_keys);
    sset_destroy(&unit->sg_groups);
    free(unit->ports);
}

/* Creates an empty state; the caller owns it. */
struct pipeline_state *
pipeline_state_create(void)
{
    struct pipeline_state *st = xzalloc(sizeof *st);

    desired_table_init(&st->table);
    desired_table_init(&st->changes);
    desired_table_track(&st->table, &st->changes);
    pipeline_secgroups_init(&st->sg);
    pipeline_unit_init(&st->host, NULL);
    hmap_init(&st->units);
    hmap_init(&st->subnets);
    pipeline_facts_init(&st->facts);
    shash_init(&st->segments);
    svec_init(&st->flush_warnings);
    simap_init(&st->key_refs);
    hmap_init(&st->used_ids);
    return st;
}

/* Frees the members and definitions of 'ss'. */
static void
pipeline_state_subnet_clear(struct pipeline_state_subnet *ss)
{
    free(ss->defines);
    free(ss->definition_hashes);
    ss->defines = NULL;
    ss->definition_hashes = NULL;
    ss->n_defines = 0;
    for (size_t i = 0; i < ss->n_members; i++) {
        free(ss->members[i].group_id);
    }
    free(ss->members);
    ss->members = NULL;
    ss->n_members = 0;
}

/* Frees a group of 'sg'. */
static void
pipeline_sg_group_destroy(struct pipeline_sg_group *g)
{
    struct pipeline_sg_member *m;
    HMAP_FOR_EACH_POP (m, node, &g->members) {
        free(m);
    }
    hmap_destroy(&g->members);
    free(g->prefixes);
    free(g->id);
    free(g);
}

/* Frees 'st' and everything it owns. */
void
pipeline_state_destroy(struct pipeline_state *st)
{
    if (!st) {
        return;
    }

    struct pipeline_unit *unit;
    HMAP_FOR_EACH_POP (unit, node, &st->units) {
        pipeline_unit_destroy(unit);
        free(unit);
    }
    hmap_destroy(&st->units);
    pipeline_unit_destroy(&st->host);

    struct pipeline_state_subnet *ss;
    HMAP_FOR_EACH_POP (ss, node, &st->subnets) {
        pipeline_state_subnet_clear(ss);
        free(ss->id);
        free(ss);
    }
    hmap_destroy(&st->subnets);

    struct pipeline_sg_group *g;
    HMAP_FOR_EACH_POP (g, node, &st->sg.groups) {
        pipeline_sg_group_destroy(g);
    }
    hmap_destroy(&st->sg.groups);
    simap_destroy(&st->sg.conj_ids);
    pipeline_conj_destroy(&st->sg.rule_conj);
    pipeline_conj_destroy(&st->sg.check_conj);

    desired_table_destroy(&st->table);
    desired_table_destroy(&st->changes);
    pipeline_facts_destroy(&st->facts);
    free(st->routers);
    shash_destroy_free_data(&st->segments);
    svec_destroy(&st->flush_warnings);
    simap_destroy(&st->key_refs);
    struct pipeline_state_id *u;
    HMAP_FOR_EACH_POP (u, node, &st->used_ids) {
        free(u);
    }
    hmap_destroy(&st->used_ids);
    free(st);
}

/* Returns the desired table, owned by 'st'. */
const struct desired_table *
pipeline_state_table(const struct pipeline_state *st)
{
    return &st->table;
}

/* Returns the identities of the flows, groups and meters that changed in
 * the table since the caller last emptied it (desired_table_clear()). */
struct desired_table *
pipeline_state_changes(struct pipeline_state *st)
{
    return &st->changes;
}

/* Returns what the last update did. */
const struct pipeline_state_stats *
pipeline_state_stats(const struct pipeline_state *st)
{
    return &st->stats;
}

/* Returns the group 'id' of 'st', created (with no definition and no
 * members) if needed. */
static struct pipeline_sg_group *
pipeline_state_group(struct pipeline_state *st, const char *id)
{
    struct pipeline_sg_group *g = CONST_CAST(
        struct pipeline_sg_group *, pipeline_sg_find_group(&st->sg, id));
    if (!g) {
        g = xzalloc(sizeof *g);
        g->id = xstrdup(id);
        hmap_init(&g->members);
        hmap_insert(&st->sg.groups, &g->node, hash_string(id, 0));
    }
    return g;
}

/* Adds 'delta' (1 or -1) to the count of member 'ip' of group 'group_id',
 * marking the group changed when the address appears or leaves. */
static void
pipeline_state_count_member(struct pipeline_state *st, const char *group_id,
                            uint32_t ip, int delta)
{
    struct pipeline_sg_group *g = pipeline_state_group(st, group_id);
    struct pipeline_sg_member *m;
    HMAP_FOR_EACH_WITH_HASH (m, node, hash_int(ip, 0), &g->members) {
        if (m->ip == ip) {
            break;
        }
    }
    if (delta > 0) {
        if (!m) {
            m = xzalloc(sizeof *m);
            m->ip = ip;
            hmap_insert(&g->members, &m->node, hash_int(ip, 0));
            g->members_changed = true;
        }
        m->count++;
    } else {
        ovs_assert(m && m->count > 0);
        if (!--m->count) {
            hmap_remove(&g->members, &m->node);
            free(m);
            g->members_changed = true;
        }
    }
}

/* Adds or removes ('delta' 1 or -1) the member addresses of 'ss'. */
static void
pipeline_state_count_subnet(struct pipeline_state *st,
                            const struct pipeline_state_subnet *ss,
                            int delta)
{
    for (size_t i = 0; i < ss->n_members; i++) {
        pipeline_state_count_member(st, ss->members[i].group_id,
                                    ss->members[i].ip, delta);
    }
}

/* Sets the members that 'subnet''s VM ports give their groups (once per
 * port and group) into 'ss'. */
static void
pipeline_state_collect_members(struct pipeline_state_subnet *ss,
                               const struct model_subnet *subnet)
{
    size_t allocated = 0;

    pipeline_state_subnet_clear(ss);
    for (size_t i = 0; i < subnet->n_ports; i++) {
        const struct model_port *port = &subnet->ports[i];
        for (size_t j = 0; j < port->n_sg_ids; j++) {
            bool again = false;
            for (size_t k = 0; k < j && !again; k++) {
                again = !strcmp(port->sg_ids[k], port->sg_ids[j]);
            }
            if (again) {
                continue;
            }
            if (ss->n_members >= allocated) {
                ss->members = x2nrealloc(ss->members, &allocated,
                                         sizeof *ss->members);
            }
            ss->members[ss->n_members++] = (struct pipeline_state_member) {
                .group_id = xstrdup(port->sg_ids[j]),
                .ip = ntohl(port->fixed_ip),
            };
        }
    }
}

/* qsort() comparator for host-order IPv4 addresses. */
static int
pipeline_state_u32_cmp(const void *a_, const void *b_)
{
    uint32_t a = *(const uint32_t *) a_;
    uint32_t b = *(const uint32_t *) b_;
    return a < b ? -1 : a > b;
}

/* Merges the members of 'g' into prefixes again, if they changed, and
 * marks 'g' changed if the prefixes differ from before. */
static void
pipeline_state_merge_group(struct pipeline_sg_group *g)
{
    if (!g->members_changed) {
        return;
    }
    g->members_changed = false;

    size_t n_ips = 0;
    uint32_t *ips = xmalloc(MAX(hmap_count(&g->members), 1) * sizeof *ips);
    const struct pipeline_sg_member *m;
    HMAP_FOR_EACH (m, node, &g->members) {
        ips[n_ips++] = m->ip;
    }
    qsort(ips, n_ips, sizeof *ips, pipeline_state_u32_cmp);

    struct pipeline_masked *prefixes;
    size_t n_prefixes;
    pipeline_secgroup_merge_members(ips, n_ips, &prefixes, &n_prefixes);
    free(ips);

    if (n_prefixes == g->n_prefixes
        && (!n_prefixes || !memcmp(prefixes, g->prefixes,
                                   n_prefixes * sizeof *prefixes))) {
        free(prefixes);
    } else {
        free(g->prefixes);
        g->prefixes = prefixes;
        g->n_prefixes = n_prefixes;
        g->changed = true;
    }
}

/* Returns a hash of the definition 'sg' in 'subnet'. */
static uint32_t
pipeline_state_definition_hash(const struct model_subnet *subnet,
                               const struct model_secgroup *sg)
{
    uint32_t hash = hash_string(subnet->id, sg->n_rules);
    for (size_t i = 0; i < sg->n_rules; i++) {
        const struct model_sg_rule *r = &sg->rules[i];
        hash = hash_int(r->direction | r->proto << 8 | r->ip_version << 16
                        | r->has_prefix << 20, hash);
        hash = hash_int(r->port_start << 16 | r->port_end, hash);
        hash = hash_int(r->prefix_len, hash_int(ntohl(r->prefix), hash));
        hash = hash_string(r->remote_group_id ? r->remote_group_id : "",
                           hash);
    }
    return hash;
}

/* Sets the groups that 'subnet' defines, and their definitions' hashes,
 * into 'ss'. */
static void
pipeline_state_collect_definitions(struct pipeline_state *st,
                                   struct pipeline_state_subnet *ss,
                                   const struct model_subnet *subnet)
{
    ss->n_defines = subnet->n_secgroups;
    ss->defines = xcalloc(MAX(ss->n_defines, 1), sizeof *ss->defines);
    ss->definition_hashes = xcalloc(MAX(ss->n_defines, 1),
                                    sizeof *ss->definition_hashes);
    for (size_t j = 0; j < subnet->n_secgroups; j++) {
        const struct model_secgroup *sg = &subnet->secgroups[j];
        ss->defines[j] = pipeline_state_group(st, sg->id);
        ss->definition_hashes[j] = pipeline_state_definition_hash(subnet,
                                                                  sg);
    }
}

/* Step 1: brings the groups of 'st' up to date with 'model' and marks
 * those whose members or definition changed.  Returns true if any did.
 * The members come from the subnets whose digest changed; the definitions
 * are taken again in document order (the first wins), from each unchanged
 * subnet's list of the groups it defines, without a lookup. */
static bool
pipeline_state_update_groups(struct pipeline_state *st,
                             const struct model *model)
{
    struct pipeline_state_subnet *ss;
    HMAP_FOR_EACH (ss, node, &st->subnets) {
        ss->seen = false;
    }
    struct pipeline_sg_group *g;
    HMAP_FOR_EACH (g, node, &st->sg.groups) {
        g->defined = false;
    }

    struct sset touched = SSET_INITIALIZER(&touched);
    for (size_t i = 0; i < model->n_subnets; i++) {
        const struct model_subnet *subnet = model->subnets[i];
        uint32_t hash = hash_string(subnet->id, 0);
        bool found = false;
        HMAP_FOR_EACH_WITH_HASH (ss, node, hash, &st->subnets) {
            if (!strcmp(ss->id, subnet->id)) {
                found = true;
                break;
            }
        }
        if (!found) {
            ss = xzalloc(sizeof *ss);
            ss->id = xstrdup(subnet->id);
            ss->digest = subnet->digest + 1;
            hmap_insert(&st->subnets, &ss->node, hash);
        }
        ss->seen = true;
        if (ss->digest != subnet->digest) {
            for (size_t j = 0; j < ss->n_members; j++) {
                sset_add(&touched, ss->members[j].group_id);
            }
            pipeline_state_count_subnet(st, ss, -1);
            pipeline_state_collect_members(ss, subnet);
            pipeline_state_count_subnet(st, ss, 1);
            for (size_t j = 0; j < ss->n_members; j++) {
                sset_add(&touched, ss->members[j].group_id);
            }
            pipeline_state_collect_definitions(st, ss, subnet);
            ss->digest = subnet->digest;
        }

        for (size_t j = 0; j < ss->n_defines; j++) {
            g = ss->defines[j];
            if (g->defined) {
                continue;
            }
            g->defined = true;
            if (!g->sg || g->definition_hash != ss->definition_hashes[j]) {
                g->changed = true;
            }
            g->sg = &subnet->secgroups[j];
            g->subnet = subnet;
            g->definition_hash = ss->definition_hashes[j];
        }
    }
    HMAP_FOR_EACH_SAFE (ss, node, &st->subnets) {
        if (!ss->seen) {
            for (size_t j = 0; j < ss->n_members; j++) {
                sset_add(&touched, ss->members[j].group_id);
            }
            pipeline_state_count_subnet(st, ss, -1);
            pipeline_state_subnet_clear(ss);
            hmap_remove(&st->subnets, &ss->node);
            free(ss->id);
            free(ss);
        }
    }

    const char *id;
    SSET_FOR_EACH (id, &touched) {
        pipeline_state_merge_group(pipeline_state_group(st, id));
    }
    sset_destroy(&touched);

    bool any = false;
    HMAP_FOR_EACH_SAFE (g, node, &st->sg.groups) {
        if (!g->defined && g->sg) {
            g->sg = NULL;
            g->subnet = NULL;
            g->changed = true;
        }
        any = any || g->changed;
        if (!g->sg && hmap_is_empty(&g->members)) {
            hmap_remove(&st->sg.groups, &g->node);
            pipeline_sg_group_destroy(g);
        }
    }
    return any;
}

/* Returns the unit of subnet 'id', or NULL. */
static struct pipeline_unit *
pipeline_state_find_unit(const struct pipeline_state *st, const char *id)
{
    struct pipeline_unit *unit;
    HMAP_FOR_EACH_WITH_HASH (unit, node, hash_string(id, 0), &st->units) {
        if (!strcmp(unit->subnet_id, id)) {
            return unit;
        }
    }
    return NULL;
}

/* Marks dirty the unit of subnet 'id', if there is one. */
static void
pipeline_state_dirty_subnet(struct pipeline_state *st, const char *id)
{
    struct pipeline_unit *unit = pipeline_state_find_unit(st, id);
    if (unit) {
        unit->dirty = true;
    }
}

/* Adds to 'changed' the keys whose values differ between 'a' and 'b'
 * (present in one only, or with other data). */
static void
pipeline_state_simap_diff(const struct simap *a, const struct simap *b,
                          struct sset *changed)
{
    const struct simap_node *node;
    SIMAP_FOR_EACH (node, a) {
        const struct simap_node *other = simap_find(b, node->name);
        if (!other || other->data != node->data) {
            sset_add(changed, node->name);
        }
    }
    SIMAP_FOR_EACH (node, b) {
        if (!simap_contains(a, node->name)) {
            sset_add(changed, node->name);
        }
    }
}

/* Adds to 'changed' the names in only one of 'a' and 'b'. */
static void
pipeline_state_sset_diff(const struct sset *a, const struct sset *b,
                         struct sset *changed)
{
    const char *name;
    SSET_FOR_EACH (name, a) {
        if (!sset_contains(b, name)) {
            sset_add(changed, name);
        }
    }
    SSET_FOR_EACH (name, b) {
        if (!sset_contains(a, name)) {
            sset_add(changed, name);
        }
    }
}

/* Returns true if 'ips' (dotted quads) names one of the 'n' addresses
 * 'list'. */
static bool
pipeline_state_ips_touch(const struct sset *ips, const ovs_be32 *list,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char name[INET_ADDRSTRLEN];
        snprintf(name, sizeof name, IP_FMT, IP_ARGS(list[i]));
        if (sset_contains(ips, name)) {
            return true;
        }
    }
    return false;
}

/* Copies the facts 'src' into 'dst'. */
static void
pipeline_state_copy_facts(struct pipeline_facts *dst,
                          const struct pipeline_facts *src)
{
    pipeline_facts_destroy(dst);
    pipeline_facts_init(dst);

    const struct simap *from[] = {
        &src->port_ofports, &src->tunnel_ofports, &src->patch_ofports,
        &src->ct_zones, &src->meter_ids, &src->flood_groups,
        &src->select_groups,
    };
    struct simap *to[] = {
        &dst->port_ofports, &dst->tunnel_ofports, &dst->patch_ofports,
        &dst->ct_zones, &dst->meter_ids, &dst->flood_groups,
        &dst->select_groups,
    };
    for (size_t i = 0; i < ARRAY_SIZE(from); i++) {
        const struct simap_node *node;
        SIMAP_FOR_EACH (node, from[i]) {
            simap_put(to[i], node->name, node->data);
        }
    }
    sset_clone(&dst->down_routers, &src->down_routers);
    dst->metadata_ofport = src->metadata_ofport;
    dst->metadata_mac = src->metadata_mac;
    dst->metadata_port = src->metadata_port;
    dst->dhcp_rate = src->dhcp_rate;
}

/* Step 2, facts: marks dirty the units that read a fact that differs
 * between the last update's facts and 'facts'.  Returns true if every unit
 * must be computed. */
static bool
pipeline_state_diff_facts(struct pipeline_state *st,
                          const struct pipeline_facts *facts)
{
    const struct pipeline_facts *old = &st->facts;
    if (old->metadata_ofport != facts->metadata_ofport
        || !eth_addr_equals(old->metadata_mac, facts->metadata_mac)
        || old->metadata_port != facts->metadata_port
        || old->dhcp_rate != facts->dhcp_rate) {
        return true;
    }

    /* Local ports' facts: by port id. */
    struct sset ports = SSET_INITIALIZER(&ports);
    pipeline_state_simap_diff(&old->port_ofports, &facts->port_ofports,
                              &ports);
    pipeline_state_simap_diff(&old->ct_zones, &facts->ct_zones, &ports);
    struct sset meters = SSET_INITIALIZER(&meters);
    pipeline_state_simap_diff(&old->meter_ids, &facts->meter_ids, &meters);
    const char *name;
    SSET_FOR_EACH (name, &meters) {
        const char *slash = strchr(name, '/');
        sset_add(&ports, slash ? slash + 1 : name);
    }
    sset_destroy(&meters);

    struct sset flood = SSET_INITIALIZER(&flood);
    pipeline_state_simap_diff(&old->flood_groups, &facts->flood_groups,
                              &flood);
    SSET_FOR_EACH (name, &flood) {
        pipeline_state_dirty_subnet(st, name);
    }
    sset_destroy(&flood);

    struct sset tunnels = SSET_INITIALIZER(&tunnels);
    pipeline_state_simap_diff(&old->tunnel_ofports, &facts->tunnel_ofports,
                              &tunnels);
    pipeline_state_sset_diff(&old->down_routers, &facts->down_routers,
                             &tunnels);
    struct sset patches = SSET_INITIALIZER(&patches);
    pipeline_state_simap_diff(&old->patch_ofports, &facts->patch_ofports,
                              &patches);
    struct sset selects = SSET_INITIALIZER(&selects);
    pipeline_state_simap_diff(&old->select_groups, &facts->select_groups,
                              &selects);
    if (!sset_is_empty(&tunnels)) {
        st->host.dirty = true;
    }

    struct pipeline_unit *unit;
    HMAP_FOR_EACH (unit, node, &st->units) {
        const struct model_subnet *subnet = unit->hvs->subnet;
        for (size_t i = 0; i < unit->n_ports && !unit->dirty; i++) {
            unit->dirty = sset_contains(&ports, unit->ports[i]->port->id);
        }
        if (!unit->dirty && !sset_is_empty(&tunnels)) {
            unit->dirty = (pipeline_state_ips_touch(
                               &tunnels, unit->hvs->remote_hosts,
                               unit->hvs->n_remote_hosts)
                           || pipeline_state_ips_touch(&tunnels,
                                                       subnet->routers,
                                                       subnet->n_routers));
        }
        if (!unit->dirty && subnet->physical_network) {
            unit->dirty = sset_contains(&patches, subnet->physical_network);
        }
        if (!unit->dirty && !sset_is_empty(&selects) && subnet->n_routers) {
            char *key = ids_router_set_key(subnet);
            unit->dirty = sset_contains(&selects, key);
            free(key);
        }
    }
    sset_destroy(&ports);
    sset_destroy(&tunnels);
    sset_destroy(&patches);
    sset_destroy(&selects);
    return false;
}

static void pipeline_state_forget_keys(struct pipeline_state *,
                                       const struct pipeline_unit *);

/* Step 2: finds the units of the host view 'hv', creating and removing
 * units as subnets come and go, and marks the dirty ones. */
static void
pipeline_state_find_units(struct pipeline_state *st,
                          const struct host_view *hv, bool all)
{
    struct pipeline_unit *unit;
    HMAP_FOR_EACH (unit, node, &st->units) {
        unit->seen = false;
        unit->n_ports = 0;
    }

    shash_destroy_free_data(&st->segments);
    shash_init(&st->segments);
    for (size_t i = 0; i < hv->n_subnets; i++) {
        const struct model_subnet *subnet = hv->subnets[i].subnet;
        if (model_subnet_is_provider(subnet)) {
            char *key = pipeline_provider_segment_key(subnet);
            if (!shash_find(&st->segments, key)) {
                shash_add(&st->segments, key, xstrdup(subnet->id));
            }
            free(key);
        }
    }

    for (size_t i = 0; i < hv->n_subnets; i++) {
        const struct host_view_subnet *hvs = &hv->subnets[i];
        const struct model_subnet *subnet = hvs->subnet;
        unit = pipeline_state_find_unit(st, subnet->id);
        if (!unit) {
            unit = xmalloc(sizeof *unit);
            pipeline_unit_init(unit, subnet->id);
            unit->dirty = true;
            hmap_insert(&st->units, &unit->node, hash_string(subnet->id, 0));
        }
        unit->seen = true;
        unit->hvs = hvs;
        if (all || unit->digest != subnet->digest) {
            unit->dirty = true;
        }
        unit->digest = subnet->digest;

        const char *first = NULL;
        if (model_subnet_is_provider(subnet)) {
            char *key = pipeline_provider_segment_key(subnet);
            first = shash_find_data(&st->segments, key);
            free(key);
        }
        if (!nullable_string_is_equal(first, unit->segment_first)) {
            unit->dirty = true;
            free(unit->segment_first);
            unit->segment_first = nullable_xstrdup(first);
        }
    }

    for (size_t i = 0; i < hv->n_local_ports; i++) {
        const struct host_view_port *hvp = &hv->local_ports[i];
        unit = pipeline_state_find_unit(st, hvp->subnet->id);
        if (unit->n_ports >= unit->allocated_ports) {
            unit->ports = x2nrealloc(unit->ports, &unit->allocated_ports,
                                     sizeof *unit->ports);
        }
        unit->ports[unit->n_ports++] = hvp;
    }

    HMAP_FOR_EACH_SAFE (unit, node, &st->units) {
        if (!unit->seen) {
            pipeline_state_forget_keys(st, unit);
            pipeline_log_undo(&unit->log, unit, &st->table);
            hmap_remove(&st->units, &unit->node);
            pipeline_unit_destroy(unit);
            free(unit);
        }
    }
}

/* Step 2, groups: marks dirty the units whose rules read a changed group,
 * and clears the groups' marks. */
static void
pipeline_state_dirty_groups(struct pipeline_state *st, bool any_changed)
{
    if (!any_changed) {
        return;
    }

    struct pipeline_unit *unit;
    HMAP_FOR_EACH (unit, node, &st->units) {
        const char *id;
        SSET_FOR_EACH (id, &unit->sg_groups) {
            if (unit->dirty) {
                break;
            }
            const struct pipeline_sg_group *g = pipeline_sg_find_group(
                &st->sg, id);
            unit->dirty = !g || g->changed;
        }
    }

    struct pipeline_sg_group *g;
    HMAP_FOR_EACH (g, node, &st->sg.groups) {
        g->changed = false;
    }
}

/* Returns true if conjunction id 'id' is in 'st''s set of ids in use. */
static bool
pipeline_state_id_used(const struct pipeline_state *st, uint32_t id)
{
    const struct pipeline_state_id *u;
    HMAP_FOR_EACH_WITH_HASH (u, node, hash_int(id, 0), &st->used_ids) {
        if (u->id == id) {
            return true;
        }
    }
    return false;
}

/* Adds 'id' to 'st''s set of ids in use. */
static void
pipeline_state_use_id(struct pipeline_state *st, uint32_t id)
{
    struct pipeline_state_id *u = xmalloc(sizeof *u);
    u->id = id;
    hmap_insert(&st->used_ids, &u->node, hash_int(id, 0));
}

/* Removes 'id' from 'st''s set of ids in use. */
static void
pipeline_state_free_id(struct pipeline_state *st, uint32_t id)
{
    struct pipeline_state_id *u;
    HMAP_FOR_EACH_WITH_HASH (u, node, hash_int(id, 0), &st->used_ids) {
        if (u->id == id) {
            hmap_remove(&st->used_ids, &u->node);
            free(u);
            return;
        }
    }
    OVS_NOT_REACHED();
}

/* Assigns every conjunction id again from the keys of all units (the
 * scheme of pipeline-secgroup.c), and marks dirty the units whose ids
 * moved. */
static void
pipeline_state_reassign_ids(struct pipeline_state *st)
{
    struct svec all = SVEC_EMPTY_INITIALIZER;
    struct pipeline_unit *unit;
    HMAP_FOR_EACH (unit, node, &st->units) {
        for (size_t i = 0; i < unit->sg_keys.n; i++) {
            svec_add(&all, unit->sg_keys.names[i]);
        }
    }
    svec_sort(&all);

    simap_clear(&st->key_refs);
    for (size_t i = 0; i < all.n; i++) {
        simap_increase(&st->key_refs, all.names[i], 1);
    }
    svec_unique(&all);
    struct simap ids = SIMAP_INITIALIZER(&ids);
    pipeline_secgroups_assign_ids(&all, &ids);
    svec_destroy(&all);

    HMAP_FOR_EACH (unit, node, &st->units) {
        for (size_t i = 0; i < unit->sg_keys.n && !unit->dirty; i++) {
            const char *key = unit->sg_keys.names[i];
            unit->dirty = simap_get(&ids, key) != simap_get(&st->sg.conj_ids,
                                                            key);
        }
    }
    simap_swap(&ids, &st->sg.conj_ids);
    simap_destroy(&ids);

    struct pipeline_state_id *u;
    HMAP_FOR_EACH_POP (u, node, &st->used_ids) {
        free(u);
    }
    st->n_displaced = 0;
    const struct simap_node *node;
    SIMAP_FOR_EACH (node, &st->sg.conj_ids) {
        pipeline_state_use_id(st, node->data);
        st->n_displaced += node->data != pipeline_secgroup_home_id(node->name);
    }
    st->stats.ids_reassigned = true;
}

/* Takes the keys 'removed' and 'added' (of some unit) out of and into the
 * ids in use.  Returns false, having done only part of it, if that cannot
 * be done without moving another key's id: a new key's id is taken, or
 * some key is not at its home id (removing a key could then give it its
 * home). */
static bool
pipeline_state_update_keys(struct pipeline_state *st,
                           const struct svec *removed,
                           const struct svec *added)
{
    if (st->n_displaced) {
        return false;
    }
    for (size_t i = 0; i < removed->n; i++) {
        const char *key = removed->names[i];
        struct simap_node *refs = simap_find(&st->key_refs, key);
        ovs_assert(refs && refs->data);
        if (!--refs->data) {
            simap_delete(&st->key_refs, refs);
            struct simap_node *id = simap_find(&st->sg.conj_ids, key);
            pipeline_state_free_id(st, id->data);
            simap_delete(&st->sg.conj_ids, id);
        }
    }
    for (size_t i = 0; i < added->n; i++) {
        const char *key = added->names[i];
        if (simap_increase(&st->key_refs, key, 1) > 1) {
            continue;
        }
        uint32_t id = pipeline_secgroup_home_id(key);
        if (pipeline_state_id_used(st, id)) {
            return false;
        }
        pipeline_state_use_id(st, id);
        simap_put(&st->sg.conj_ids, key, id);
    }
    return true;
}

/* Sets 'removed' and 'added' to the keys of the sorted, distinct 'old'
 * missing from the sorted, distinct 'new', and the other way round. */
static void
pipeline_state_diff_keys(const struct svec *old, const struct svec *new,
                         struct svec *removed, struct svec *added)
{
    size_t i = 0, j = 0;
    while (i < old->n || j < new->n) {
        int cmp = (i >= old->n ? 1
                   : j >= new->n ? -1
                   : strcmp(old->names[i], new->names[j]));
        if (cmp < 0) {
            svec_add(removed, old->names[i++]);
        } else if (cmp > 0) {
            svec_add(added, new->names[j++]);
        } else {
            i++;
            j++;
        }
    }
}

/* Step 3: collects the rule keys of the dirty units and brings the
 * conjunction ids up to date: a key that appears takes its home id, one
 * that leaves frees it; when that would move another key's id, every id is
 * assigned again and the units whose ids moved become dirty. */
static void
pipeline_state_update_ids(struct pipeline_state *st,
                          const struct pipeline_input *in)
{
    bool reassign = false;
    st->stats.ids_reassigned = false;

    struct pipeline_unit *unit;
    HMAP_FOR_EACH (unit, node, &st->units) {
        if (!unit->dirty) {
            continue;
        }
        struct svec keys = SVEC_EMPTY_INITIALIZER;
        sset_clear(&unit->sg_groups);
        for (size_t i = 0; i < unit->n_ports; i++) {
            pipeline_port_sg_keys(in, unit->ports[i]->port, &st->sg, &keys,
                                  &unit->sg_groups);
        }
        svec_sort_unique(&keys);

        struct svec removed = SVEC_EMPTY_INITIALIZER;
        struct svec added = SVEC_EMPTY_INITIALIZER;
        pipeline_state_diff_keys(&unit->sg_keys, &keys, &removed, &added);
        if (!reassign && (removed.n || added.n)) {
            reassign = !pipeline_state_update_keys(st, &removed, &added);
        }
        svec_swap(&keys, &unit->sg_keys);
        svec_destroy(&keys);
        svec_destroy(&removed);
        svec_destroy(&added);
    }
    if (reassign || st->ids_stale) {
        pipeline_state_reassign_ids(st);
        st->ids_stale = false;
    }
}

/* Units that left the view take their keys with them. */
static void
pipeline_state_forget_keys(struct pipeline_state *st,
                           const struct pipeline_unit *unit)
{
    struct svec none = SVEC_EMPTY_INITIALIZER;
    if (unit->sg_keys.n
        && !pipeline_state_update_keys(st, &unit->sg_keys, &none)) {
        st->ids_stale = true;
    }
    svec_destroy(&none);
}

/* Takes back what 'unit' added and computes it again. */
static void
pipeline_state_compute_unit(struct pipeline_state *st,
                            const struct pipeline_input *in,
                            struct pipeline_unit *unit)
{
    svec_clear(&unit->warnings);
    pipeline_compute_unit(in, unit->hvs, unit->ports, unit->n_ports,
                          &st->table, &unit->log, unit, &st->sg,
                          &unit->warnings);
    pipeline_log_shrink(&unit->log);
    unit->dirty = false;
    st->stats.n_computed++;
}

/* Brings the desired table of 'st' up to date with 'model', its host view
 * 'hv' and 'facts', computing again only the units whose input changed, or
 * every unit if 'full'.  Sets 'warnings' (if nonnull) to the warnings of
 * the whole table, sorted and without duplicates. */
void
pipeline_state_update(struct pipeline_state *st, const struct model *model,
                      const struct host_view *hv,
                      const struct pipeline_facts *facts, bool full,
                      struct svec *warnings)
{
    struct pipeline_input in = {
        .model = model,
        .hv = hv,
        .facts = facts,
        .segments = &st->segments,
    };
    bool all = full || !st->computed || st->local_ip != hv->local_ip;

    st->stats.n_computed = 0;
    st->stats.full = all;
    bool groups_changed = pipeline_state_update_groups(st, model);
    pipeline_state_find_units(st, hv, all);
    bool same_facts = (facts->version && facts->version == st->facts.version
                       && st->computed);
    if (!same_facts) {
        same_facts = pipeline_facts_equal(&st->facts, facts);
    }
    if (!all && !same_facts) {
        all = pipeline_state_diff_facts(st, facts);
        st->stats.full = all;
    }
    if (all || st->n_routers != hv->n_routers
        || (hv->n_routers && memcmp(st->routers, hv->routers,
                                    hv->n_routers * sizeof *hv->routers))) {
        st->host.dirty = true;
    }
    struct pipeline_unit *unit;
    if (all) {
        HMAP_FOR_EACH (unit, node, &st->units) {
            unit->dirty = true;
        }
    }
    pipeline_state_dirty_groups(st, groups_changed);
    pipeline_state_update_ids(st, &in);

    /* A full update changes nearly everything: rather than a copy of every
     * flow's identity, the tracker says that it is incomplete. */
    if (all) {
        desired_table_clear(&st->changes);
        st->changes.untracked = true;
        desired_table_track(&st->table, NULL);
    }

    /* Every dirty unit's additions are taken back before any is computed
     * again, so that flows two units share are counted right. */
    if (st->host.dirty) {
        pipeline_log_undo(&st->host.log, &st->host, &st->table);
    }
    HMAP_FOR_EACH (unit, node, &st->units) {
        if (unit->dirty) {
            pipeline_log_undo(&unit->log, unit, &st->table);
        }
    }
    if (st->host.dirty) {
        pipeline_state_compute_unit(st, &in, &st->host);
    }
    for (size_t i = 0; i < hv->n_subnets; i++) {
        unit = pipeline_state_find_unit(st, hv->subnets[i].subnet->id);
        if (unit->dirty) {
            pipeline_state_compute_unit(st, &in, unit);
        }
    }

    struct svec flush = SVEC_EMPTY_INITIALIZER;
    pipeline_flush_conjunctions(&in, &st->table, &st->sg, &flush);
    desired_table_track(&st->table, &st->changes);
    if (flush.n || all) {
        svec_swap(&flush, &st->flush_warnings);
    }
    svec_destroy(&flush);

    if (!same_facts) {
        pipeline_state_copy_facts(&st->facts, facts);
    }
    st->facts.version = facts->version;
    st->local_ip = hv->local_ip;
    free(st->routers);
    st->routers = xcalloc(MAX(hv->n_routers, 1), sizeof *st->routers);
    if (hv->n_routers) {
        memcpy(st->routers, hv->routers,
               hv->n_routers * sizeof *st->routers);
    }
    st->n_routers = hv->n_routers;
    st->computed = true;
    st->stats.n_units = hmap_count(&st->units) + 1;

    if (warnings) {
        svec_append(warnings, &st->host.warnings);
        HMAP_FOR_EACH (unit, node, &st->units) {
            svec_append(warnings, &unit->warnings);
        }
        svec_append(warnings, &st->flush_warnings);
        svec_sort_unique(warnings);
    }
}

/* Computes the desired flows, groups and meters of this host's bridge from
 * 'model', the host view 'hv' built from it and the local 'facts', and adds
 * them to 'table', which must be empty.  Problems that leave flows out,
 * such as a local port without an ofport yet, are appended to 'warnings'
 * (if nonnull), sorted and without duplicates.  The same input always
 * gives the same table. */
void
pipeline_compute(const struct model *model, const struct host_view *hv,
                 const struct pipeline_facts *facts,
                 struct desired_table *table, struct svec *warnings)
{
    struct pipeline_state *st = pipeline_state_create();
    struct svec all = SVEC_EMPTY_INITIALIZER;

    pipeline_state_update(st, model, hv, facts, true, &all);
    desired_table_swap(&st->table, table);
    if (warnings) {
        svec_append(warnings, &all);
    }
    svec_destroy(&all);
    pipeline_state_destroy(st);
}
