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
 * address order; a router without a tunnel port yet has no bucket, and
 * neither has a router that the facts say is down (its liveness probes go
 * unanswered, docs/vr-probes.md), unless every router of the group that
 * has a tunnel port is down: then they all keep their buckets (fail open),
 * since sending to a possibly dead router beats dropping for sure.
 *
 * Flood groups ("all"), two per subnet with local ports:
 *   - flood: every local port of the subnet and the tunnel to every remote
 *     host with ports in it (for a provider subnet, the patch port to its
 *     physical network instead), for broadcast and multicast from a local
 *     VM;
 *   - flood-local: the local ports only, for what arrives through a tunnel
 *     or the patch port (the sender flooded it to every host already).
 * A local port's bucket is "set_field:<ofport>->reg7,resubmit(,50)", so that
 * a flooded frame passes the same ingress conntrack / security-group tables
 * and table 60 as a unicast one; a tunnel's bucket is "output:<tunnel>".
 * The bucket of the port a frame came in on is harmless: OVS never outputs
 * a packet to its own in_port unless told to with IN_PORT.
 *
 * Ids: the agent allocates them once per owner and persists them (the
 * facts' select_groups, keyed by ids_router_set_key(), and flood_groups,
 * keyed by subnet id), so adding a subnet or a router set never renumbers
 * another's group.  An object without an id yet gets no group and no flows
 * that use it, with a warning. */

#include <config.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "host-view.h"
#include "ids.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"
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

/* Sets the group ids of every subnet of 'ctx' from the facts. */
void
pipeline_groups_assign(struct pipeline_ctx *ctx)
{
    const struct pipeline_facts *facts = ctx->facts;

    for (size_t i = 0; i < ctx->n_subnets; i++) {
        struct pipeline_subnet *ps = &ctx->subnets[i];
        if (ps->subnet->n_routers && !model_subnet_is_provider(ps->subnet)) {
            char *key = ids_router_set_key(ps->subnet);
            ps->select_group = simap_get(&facts->select_groups, key);
            if (!ps->select_group) {
                pipeline_warn(ctx, "subnet %s: no group id for its routers "
                              "yet: nothing goes to its gateway",
                              ps->subnet->id);
            }
            free(key);
        }
        const struct simap_node *flood = simap_find(&facts->flood_groups,
                                                    ps->subnet->id);
        if (flood) {
            ps->flood_group = PIPELINE_FLOOD_GROUP_BASE + 2 * flood->data;
            ps->flood_local_group = ps->flood_group + 1;
        } else {
            pipeline_warn(ctx, "subnet %s: no flood group id yet: it "
                          "floods nothing", ps->subnet->id);
        }
    }
}

/* Returns the ofport of the tunnel to 'ip' in 'facts', 0 if none. */
static uint32_t
groups_tunnel_ofport(const struct pipeline_facts *facts, ovs_be32 ip)
{
    char name[INET_ADDRSTRLEN];

    snprintf(name, sizeof name, IP_FMT, IP_ARGS(ip));
    return simap_get(&facts->tunnel_ofports, name);
}

/* Returns true if 'facts' say that router 'ip' is down. */
static bool
groups_router_is_down(const struct pipeline_facts *facts, ovs_be32 ip)
{
    char name[INET_ADDRSTRLEN];

    snprintf(name, sizeof name, IP_FMT, IP_ARGS(ip));
    return sset_contains(&facts->down_routers, name);
}

/* Stores in 'buckets' (room for 'n') the routers among the 'n' of
 * 'routers', in the same order, that get a bucket in a select group over
 * them according to 'facts', and their number in '*n_buckets': those with
 * a tunnel port that are not down or, if there are none of those, every
 * one with a tunnel port (fail open).
 *
 * Returns true if the group fails open: some router has a tunnel port and
 * every such router is down. */
bool
pipeline_group_routers(const struct pipeline_facts *facts,
                       const ovs_be32 *routers, size_t n,
                       ovs_be32 *buckets, size_t *n_buckets)
{
    size_t n_reachable = 0;

    *n_buckets = 0;
    for (size_t i = 0; i < n; i++) {
        if (groups_tunnel_ofport(facts, routers[i])) {
            n_reachable++;
            if (!groups_router_is_down(facts, routers[i])) {
                buckets[(*n_buckets)++] = routers[i];
            }
        }
    }
    if (*n_buckets || !n_reachable) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (groups_tunnel_ofport(facts, routers[i])) {
            buckets[(*n_buckets)++] = routers[i];
        }
    }
    return true;
}

/* Adds the select group of subnet 'ps''s routers. */
static void
groups_select(struct pipeline_ctx *ctx, const struct pipeline_subnet *ps)
{
    size_t n = ps->subnet->n_routers;
    ovs_be32 *routers = groups_sorted_routers(ps->subnet);
    ovs_be32 *buckets = xmalloc(MAX(n, 1) * sizeof *buckets);
    size_t n_buckets;

    if (pipeline_group_routers(ctx->facts, routers, n, buckets,
                               &n_buckets)) {
        pipeline_warn(ctx, "subnet %s: every virtual router is down: all "
                      "keep their buckets (fail open)", ps->subnet->id);
    }

    struct ds spec = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&spec, "type=select");
    for (size_t i = 0; i < n_buckets; i++) {
        uint32_t ofport;
        if (pipeline_tunnel_ofport(ctx, buckets[i], &ofport)) {
            ds_put_format(&spec, ",bucket=actions=output:%"PRIu32, ofport);
        }
    }
    pipeline_add_group(ctx, ps->select_group, ds_cstr(&spec));
    ds_destroy(&spec);
    free(buckets);
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
    if (ps->patch_ofport) {
        pipeline_provider_put_bucket(ps, &spec);
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
        if (ps->flood_group) {
            groups_flood(ctx, ps);
        }
    }
}
