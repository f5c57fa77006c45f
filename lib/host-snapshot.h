/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_HOST_SNAPSHOT_H
#define JSTACK_HOST_SNAPSHOT_H 1

/* An immutable copy of what threads other than the main loop need of the
 * host state (the metadata HTTP server's: which VM is behind an ofport).
 * It owns copies of everything it holds and points into no model, so a
 * thread can keep reading it while the main loop replaces the host state;
 * agent/host-publisher.h hands snapshots to threads under a mutex. */

#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "packets.h"

struct host_state;

/* One local VM port that has an ofport. */
struct host_snapshot_port {
    struct hmap_node node;      /* In host_snapshot 'ports', by ofport. */
    uint32_t ofport;
    char *port_id;              /* Owned: the port's id. */
    char *device_id;            /* Owned: its deviceId (the instance). */
    char *subnet_id;            /* Owned: its subnet's id. */
    char *tenant_id;            /* Owned: its subnet's tenantId. */
    ovs_be32 fixed_ip;
    struct eth_addr mac;
};

/* What threads may read of one host state. */
struct host_snapshot {
    uint64_t seqno;             /* The host state's seqno it was taken at. */
    struct hmap ports;          /* Contains struct host_snapshot_port. */
    unsigned int n_refs;        /* Holders of the snapshot; changed only
                                 * under the publisher's mutex. */
};

struct host_snapshot *host_snapshot_create(const struct host_state *);
void host_snapshot_destroy(struct host_snapshot *);
const struct host_snapshot_port *host_snapshot_find(
    const struct host_snapshot *, uint32_t ofport);

#endif /* lib/host-snapshot.h */
