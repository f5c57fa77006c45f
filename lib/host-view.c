/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "host-view.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

/* A growable array of IPv4 addresses. */
struct ip_set {
    ovs_be32 *ips;
    size_t n;
    size_t allocated;
};

/* Appends 'ip' to 'set'. */
static void
ip_set_add(struct ip_set *set, ovs_be32 ip)
{
    if (set->n >= set->allocated) {
        set->ips = x2nrealloc(set->ips, &set->allocated, sizeof *set->ips);
    }
    set->ips[set->n++] = ip;
}

/* qsort() comparison of two ovs_be32 by their numeric (host-order) value. */
static int
compare_ips(const void *a_, const void *b_)
{
    uint32_t a = ntohl(*(const ovs_be32 *) a_);
    uint32_t b = ntohl(*(const ovs_be32 *) b_);
    return a < b ? -1 : a > b;
}

/* Sorts 'set' by numeric value, removes duplicates, and moves its array to
 * '*ips' and '*n' (the caller owns it; NULL when empty). */
static void
ip_set_finish(struct ip_set *set, ovs_be32 **ips, size_t *n)
{
    size_t n_unique = 0;

    if (set->n) {
        qsort(set->ips, set->n, sizeof *set->ips, compare_ips);
    }
    for (size_t i = 0; i < set->n; i++) {
        if (!n_unique || set->ips[n_unique - 1] != set->ips[i]) {
            set->ips[n_unique++] = set->ips[i];
        }
    }
    if (!n_unique) {
        free(set->ips);
        set->ips = NULL;
    }
    *ips = set->ips;
    *n = n_unique;
    memset(set, 0, sizeof *set);
}

/* Fills 'view' with what the host whose tunnel IP is 'local_ip' needs of
 * 'model':
 *
 *   - local_ports: the VM ports (type 0) whose host is 'local_ip', in
 *     document order;
 *
 *   - subnets: the subnets with at least one of them, in document order,
 *     each with the distinct hosts of its other VM ports, sorted (none for
 *     a provider subnet: its traffic to other hosts crosses the physical
 *     network, not tunnels);
 *
 *   - remote_hosts, routers: the union of those subnets' remote hosts and of
 *     their "routers", sorted, distinct (a provider subnet's routers are
 *     left out: its gateway is on the physical network);
 *
 *   - endpoints: both together, sorted, distinct, without 'local_ip' (no
 *     tunnel leads to the host itself).
 *
 * 'view' points into 'model', which must outlive it; the caller frees the
 * view's arrays with host_view_destroy(). */
void
host_view_build(const struct model *model, ovs_be32 local_ip,
                struct host_view *view)
{
    struct ip_set remote_hosts = { NULL, 0, 0 };
    struct ip_set routers = { NULL, 0, 0 };
    struct ip_set endpoints = { NULL, 0, 0 };
    size_t allocated_ports = 0;

    memset(view, 0, sizeof *view);
    view->model = model_ref(model);
    view->local_ip = local_ip;
    view->subnets = xcalloc(model->n_subnets, sizeof *view->subnets);

    for (size_t i = 0; i < model->n_subnets; i++) {
        const struct model_subnet *subnet = model->subnets[i];
        struct ip_set subnet_hosts = { NULL, 0, 0 };
        size_t n_local = 0;

        for (size_t j = 0; j < subnet->n_ports; j++) {
            const struct model_port *port = &subnet->ports[j];
            if (port->type != MODEL_PORT_VM || !port->host) {
                continue;
            } else if (port->host == local_ip) {
                if (view->n_local_ports >= allocated_ports) {
                    view->local_ports = x2nrealloc(
                        view->local_ports, &allocated_ports,
                        sizeof *view->local_ports);
                }
                view->local_ports[view->n_local_ports++]
                    = (struct host_view_port) { port, subnet };
                n_local++;
            } else if (!model_subnet_is_provider(subnet)) {
                ip_set_add(&subnet_hosts, port->host);
            }
        }
        if (!n_local) {
            free(subnet_hosts.ips);
            continue;
        }

        struct host_view_subnet *hvs = &view->subnets[view->n_subnets++];
        hvs->subnet = subnet;
        ip_set_finish(&subnet_hosts, &hvs->remote_hosts,
                      &hvs->n_remote_hosts);
        for (size_t j = 0; j < hvs->n_remote_hosts; j++) {
            ip_set_add(&remote_hosts, hvs->remote_hosts[j]);
            ip_set_add(&endpoints, hvs->remote_hosts[j]);
        }
        for (size_t j = 0; (j < subnet->n_routers
                            && !model_subnet_is_provider(subnet)); j++) {
            ip_set_add(&routers, subnet->routers[j]);
            if (subnet->routers[j] != local_ip) {
                ip_set_add(&endpoints, subnet->routers[j]);
            }
        }
    }

    ip_set_finish(&remote_hosts, &view->remote_hosts, &view->n_remote_hosts);
    ip_set_finish(&routers, &view->routers, &view->n_routers);
    ip_set_finish(&endpoints, &view->endpoints, &view->n_endpoints);
}

/* Frees the arrays that 'view' owns (not the model objects it points to)
 * and leaves it empty. */
void
host_view_destroy(struct host_view *view)
{
    for (size_t i = 0; i < view->n_subnets; i++) {
        free(view->subnets[i].remote_hosts);
    }
    free(view->subnets);
    free(view->local_ports);
    free(view->remote_hosts);
    free(view->routers);
    free(view->endpoints);
    model_unref(view->model);
    memset(view, 0, sizeof *view);
}
