/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "ids.h"

#include <inttypes.h>
#include <stdlib.h>

#include "dhcp.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "simap.h"
#include "svec.h"
#include "util.h"

/* qsort() comparator for uint32_t. */
static int
ids_cmp(const void *a_, const void *b_)
{
    uint32_t a = *(const uint32_t *) a_;
    uint32_t b = *(const uint32_t *) b_;
    return a < b ? -1 : a > b;
}

/* Gives every owner in 'owners' that has no id in 'ids' yet the lowest id
 * in ['min', 'max'] that no owner in 'ids' holds, in the order of 'owners'.
 * The ids already in 'ids' are kept as they are (the caller has dropped
 * those of owners that left).  Appends each owner that got a new id to
 * 'added' and each that could not get one, because the range is full, to
 * 'exhausted' (both may be NULL). */
void
ids_assign(struct simap *ids, const struct svec *owners, uint32_t min,
           uint32_t max, struct svec *added, struct svec *exhausted)
{
    size_t n_used = simap_count(ids);
    uint32_t *used = xmalloc(MAX(n_used, 1) * sizeof *used);
    const struct simap_node *node;
    size_t i = 0;

    SIMAP_FOR_EACH (node, ids) {
        used[i++] = node->data;
    }
    qsort(used, n_used, sizeof *used, ids_cmp);

    /* 'next' is the lowest candidate; 'u' indexes the first used id that
     * is not below it. */
    uint64_t next = min;
    size_t u = 0;
    for (size_t j = 0; j < owners->n; j++) {
        const char *owner = owners->names[j];
        if (simap_contains(ids, owner)) {
            continue;
        }
        while (u < n_used && used[u] <= next) {
            if (used[u] == next) {
                next++;
            }
            u++;
        }
        if (next > max) {
            if (exhausted) {
                svec_add(exhausted, owner);
            }
            continue;
        }
        simap_put(ids, owner, next);
        if (added) {
            svec_add(added, owner);
        }
        next++;
    }
    free(used);
}

/* qsort() comparator for ovs_be32 addresses, ascending numerically. */
static int
ids_ip_cmp(const void *a_, const void *b_)
{
    uint32_t a = ntohl(*(const ovs_be32 *) a_);
    uint32_t b = ntohl(*(const ovs_be32 *) b_);
    return a < b ? -1 : a > b;
}

/* Returns the key that names the set of 'subnet''s routers, the owner of
 * their select group: the addresses in ascending order, each as 8 hex
 * digits followed by "-" ("0a0a0a04-0a0a0a05-").  Subnets behind the same
 * routers share the key, and so the group.  The caller frees it. */
char *
ids_router_set_key(const struct model_subnet *subnet)
{
    ovs_be32 *routers = xmemdup(subnet->routers,
                                MAX(subnet->n_routers, 1) * sizeof *routers);
    qsort(routers, subnet->n_routers, sizeof *routers, ids_ip_cmp);

    struct ds key = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < subnet->n_routers; i++) {
        ds_put_format(&key, "%08"PRIx32"-", ntohl(routers[i]));
    }
    free(routers);
    return ds_steal_cstr(&key);
}

/* Fills 'owners' with the owners of every kind of id that 'view' needs. */
void
ids_owners_collect(const struct host_view *view, struct ids_owners *owners)
{
    svec_init(&owners->zones);
    svec_init(&owners->meters);
    svec_init(&owners->flood_groups);
    svec_init(&owners->select_groups);

    for (size_t i = 0; i < view->n_local_ports; i++) {
        const struct model_port *port = view->local_ports[i].port;
        svec_add(&owners->zones, port->id);
        if (port->rate) {
            svec_add_nocopy(&owners->meters, xasprintf("rate/%s", port->id));
        }
    }
    for (size_t i = 0; i < view->n_local_ports; i++) {
        const struct host_view_port *hvp = &view->local_ports[i];
        if (dhcp_server_port(hvp->subnet)) {
            svec_add_nocopy(&owners->meters,
                            xasprintf("dhcp/%s", hvp->port->id));
        }
    }
    for (size_t i = 0; i < view->n_subnets; i++) {
        const struct model_subnet *subnet = view->subnets[i].subnet;
        svec_add(&owners->flood_groups, subnet->id);
        if (subnet->n_routers && !model_subnet_is_provider(subnet)) {
            char *key = ids_router_set_key(subnet);
            if (!svec_contains_unsorted(&owners->select_groups, key)) {
                svec_add(&owners->select_groups, key);
            }
            free(key);
        }
    }
}

/* Frees what 'owners' holds. */
void
ids_owners_destroy(struct ids_owners *owners)
{
    svec_destroy(&owners->zones);
    svec_destroy(&owners->meters);
    svec_destroy(&owners->flood_groups);
    svec_destroy(&owners->select_groups);
}
