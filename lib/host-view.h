/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_HOST_VIEW_H
#define JSTACK_HOST_VIEW_H 1

/* The part of a model that one compute host needs: which VM ports are local,
 * which subnets have at least one of them, and which remote tunnel endpoints
 * those subnets reach.
 *
 * A host view points into the model it was built from and holds a reference
 * to it, so the model lives as long as the view.  Its arrays are owned by the
 * view.  Every array is in a
 * deterministic order: subnets and ports in document order, addresses sorted
 * by numeric value. */

#include <stddef.h>
#include "openvswitch/types.h"

struct model;
struct model_port;
struct model_subnet;

/* A VM port bound to this host. */
struct host_view_port {
    const struct model_port *port;      /* In the model. */
    const struct model_subnet *subnet;  /* The subnet the port belongs to. */
};

/* A subnet with at least one local VM port. */
struct host_view_subnet {
    const struct model_subnet *subnet;  /* In the model. */
    ovs_be32 *remote_hosts;     /* Owned: distinct hosts of the subnet's VM
                                 * ports other than this one, sorted; none
                                 * for a provider subnet. */
    size_t n_remote_hosts;
};

/* What one host needs to know of a model. */
struct host_view {
    struct model *model;        /* A reference to the model the view points
                                 * into (host_view_destroy() drops it). */
    ovs_be32 local_ip;          /* This host's tunnel IP. */
    struct host_view_subnet *subnets;   /* Owned array. */
    size_t n_subnets;
    struct host_view_port *local_ports; /* Owned array: local VM ports. */
    size_t n_local_ports;
    ovs_be32 *remote_hosts;     /* Owned: union of the subnets' remote compute
                                 * hosts, sorted, distinct. */
    size_t n_remote_hosts;
    ovs_be32 *routers;          /* Owned: union of the subnets' routers,
                                 * sorted, distinct. */
    size_t n_routers;
    ovs_be32 *endpoints;        /* Owned: remote_hosts and routers together,
                                 * sorted, distinct: one tunnel each. */
    size_t n_endpoints;
};

void host_view_build(const struct model *, ovs_be32 local_ip,
                     struct host_view *);
void host_view_destroy(struct host_view *);

#endif /* lib/host-view.h */
