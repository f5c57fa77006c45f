/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* The pipeline's groups and how their ids are chosen.
 *
 * Select groups (ECMP toward the virtual routers): one per DISTINCT set of
 * routers among the subnets with local ports, since subnets behind the same
 * routers share a group (the seed's computeA uses group 10 for both of its
 * subnets).  One bucket per router, "output:<tunnel>", in ascending router
 * address order; a router without a tunnel port yet has no bucket.
 *
 * Flood groups ("all"), two per subnet with local ports:
 *   - flood: every local port of the subnet and the tunnel to every remote
 *     host with ports in it, for broadcast and multicast from a local VM;
 *   - flood-local: the local ports only, for what arrives through a tunnel
 *     (the sender flooded it to every host already).
 * A local port's bucket is "set_field:<ofport>->reg7,resubmit(,50)", so that
 * a flooded frame passes the same ingress conntrack / security-group tables
 * and table 60 as a unicast one; a tunnel's bucket is "output:<tunnel>".
 * The bucket of the port a frame came in on is harmless: OVS never outputs
 * a packet to its own in_port unless told to with IN_PORT.
 *
 * Id scheme: ids depend on the model and the host view only, never on
 * ofports, and cannot collide.
 *   - Select groups: the router sets, each written as its addresses in
 *     ascending order, are sorted (numerically, address by address; a
 *     prefix before a longer set) and numbered 1, 2, 3, ...
 *   - Flood groups: the host's subnets are sorted by metadata (then id) and
 *     the subnet of rank r gets PIPELINE_FLOOD_GROUP_BASE + 2r (flood) and
 *     PIPELINE_FLOOD_GROUP_BASE + 2r + 1 (flood-local).
 * There are fewer router sets than subnets, and subnets than 2^23, so the
 * two ranges never meet and stay below OFPG_MAX. */

#include <config.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "pipeline-private.h"
#include "util.h"

/* qsort() comparator for ovs_be32 addresses, ascending numerically. */
static int
groups_ip_cmp(const void *a_, const void *b_)
{
    uint32_t a = ntohl(*(const ovs_be32 *) a_);
    uint32_t b = ntohl(*(const ovs_be32 *) b_);
    return a < b ? -1 : a > b;
}

/* Returns a malloc()ed array of 'subnet''s routers in ascending order. */
static ovs_be32 *
groups_sorted_routers(const struct model_subnet *subnet)
{
    ovs_be32 *routers = xmemdup(subnet->routers,
                                MAX(subnet->n_routers, 1) * sizeof *routers);
    qsort(routers, subnet->n_routers, sizeof *routers, groups_ip_cmp);
    return routers;
}

/* Returns the key of 'subnet''s router set: its addresses in ascending
 * order, as fixed-width hex, so that comparing keys with strcmp() compares
 * the sets numerically.  The caller frees it. */
static char *
groups_router_key(const struct model_subnet *subnet)
{
    ovs_be32 *routers = groups_sorted_routers(subnet);
    struct ds key = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < subnet->n_routers; i++) {
        ds_put_format(&key, "%08"PRIx32",", ntohl(routers[i]));
    }
    free(routers);
    return ds_steal_cstr(&key);
}

/* bsearch()/qsort() comparator for an array of strings. */
static int
groups_str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* qsort() comparator for subnets: by metadata, then id. */
static int
groups_subnet_cmp(const void *a_, const void *b_)
{
    const struct pipeline_subnet *a = *(const struct pipeline_subnet **) a_;
    const struct pipeline_subnet *b = *(const struct pipeline_subnet **) b_;

    if (a->subnet->metadata != b->subnet->metadata) {
        return a->subnet->metadata < b->subnet->metadata ? -1 : 1;
    }
    return strcmp(a->subnet->id, b->subnet->id);
}

/* Sets the group ids of every subnet of 'ctx' (see the scheme above). */
void
pipeline_groups_assign(struct pipeline_ctx *ctx)
{
    struct svec keys = SVEC_EMPTY_INITIALIZER;
    for (size_t i = 0; i < ctx->n_subnets; i++) {
        if (ctx->subnets[i].subnet->n_routers) {
            svec_add_nocopy(&keys,
                            groups_router_key(ctx->subnets[i].subnet));
        }
    }
    svec_sort_unique(&keys);

    struct pipeline_subnet **order = xmalloc(MAX(ctx->n_subnets, 1)
                                             * sizeof *order);
    for (size_t i = 0; i < ctx->n_subnets; i++) {
        struct pipeline_subnet *ps = &ctx->subnets[i];
        order[i] = ps;
        if (ps->subnet->n_routers) {
            char *key = groups_router_key(ps->subnet);
            char **found = bsearch(&key, keys.names, keys.n,
                                   sizeof *keys.names, groups_str_cmp);
            ps->select_group = 1 + (found - keys.names);
            free(key);
        }
    }
    svec_destroy(&keys);

    qsort(order, ctx->n_subnets, sizeof *order, groups_subnet_cmp);
    for (size_t i = 0; i < ctx->n_subnets; i++) {
        order[i]->flood_group = PIPELINE_FLOOD_GROUP_BASE + 2 * i;
        order[i]->flood_local_group = order[i]->flood_group + 1;
    }
    free(order);
}

/* Adds the select group of subnet 'ps''s routers. */
static void
groups_select(struct pipeline_ctx *ctx, const struct pipeline_subnet *ps)
{
    ovs_be32 *routers = groups_sorted_routers(ps->subnet);
    struct ds spec = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&spec, "type=select");
    for (size_t i = 0; i < ps->subnet->n_routers; i++) {
        uint32_t ofport;
        if (pipeline_tunnel_ofport(ctx, routers[i], &ofport)) {
            ds_put_format(&spec, ",bucket=actions=output:%"PRIu32, ofport);
        }
    }
    pipeline_add_group(ctx, ps->select_group, ds_cstr(&spec));
    ds_destroy(&spec);
    free(routers);
}

/* Adds the flood groups of subnet 'ps'. */
static void
groups_flood(struct pipeline_ctx *ctx, const struct pipeline_subnet *ps)
{
    struct ds spec = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&spec, "type=all");
    for (size_t i = 0; i < ps->n_ports; i++) {
        ds_put_format(&spec, ",bucket=actions=set_field:%#"PRIx32"->reg7,"
                      "resubmit(,%d)", ps->ports[i]->ofport,
                      PIPELINE_T_INGRESS_CT);
    }
    pipeline_add_group(ctx, ps->flood_local_group, ds_cstr(&spec));

    for (size_t i = 0; i < ps->hvs->n_remote_hosts; i++) {
        uint32_t ofport;
        if (pipeline_tunnel_ofport(ctx, ps->hvs->remote_hosts[i], &ofport)) {
            ds_put_format(&spec, ",bucket=actions=output:%"PRIu32, ofport);
        }
    }
    pipeline_add_group(ctx, ps->flood_group, ds_cstr(&spec));
    ds_destroy(&spec);
}

/* Adds every group of the pipeline. */
void
pipeline_groups(struct pipeline_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_subnets; i++) {
        const struct pipeline_subnet *ps = &ctx->subnets[i];
        if (ps->select_group) {
            groups_select(ctx, ps);
        }
        groups_flood(ctx, ps);
    }
}
