/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "host-snapshot.h"

#include <stdlib.h>

#include "hash.h"
#include "host-state.h"
#include "model.h"
#include "util.h"

/* Returns a new snapshot of 'state', with one reference (the caller's). */
struct host_snapshot *
host_snapshot_create(const struct host_state *state)
{
    struct host_snapshot *snapshot = xzalloc(sizeof *snapshot);

    snapshot->seqno = state->seqno;
    snapshot->n_refs = 1;
    hmap_init(&snapshot->ports);

    const struct host_state_port *hsp;
    HMAP_FOR_EACH (hsp, node, &state->ports_by_ofport) {
        const struct model_port *port = hsp->hvp->port;
        const struct model_subnet *subnet = hsp->hvp->subnet;
        struct host_snapshot_port *sp = xmalloc(sizeof *sp);

        sp->ofport = hsp->ofport;
        sp->port_id = xstrdup(port->id);
        sp->device_id = xstrdup(port->device_id);
        sp->subnet_id = xstrdup(subnet->id);
        sp->tenant_id = xstrdup(subnet->tenant_id);
        sp->fixed_ip = port->fixed_ip;
        sp->mac = port->mac;
        hmap_insert(&snapshot->ports, &sp->node, hash_int(sp->ofport, 0));
    }
    return snapshot;
}

/* Frees 'snapshot' and everything it owns, whatever its reference count
 * (the publisher calls it when the last reference goes). */
void
host_snapshot_destroy(struct host_snapshot *snapshot)
{
    if (snapshot) {
        struct host_snapshot_port *sp;
        HMAP_FOR_EACH_POP (sp, node, &snapshot->ports) {
            free(sp->port_id);
            free(sp->device_id);
            free(sp->subnet_id);
            free(sp->tenant_id);
            free(sp);
        }
        hmap_destroy(&snapshot->ports);
        free(snapshot);
    }
}

/* Returns the local VM port of 'snapshot' whose interface has 'ofport', or
 * NULL. */
const struct host_snapshot_port *
host_snapshot_find(const struct host_snapshot *snapshot, uint32_t ofport)
{
    const struct host_snapshot_port *sp;
    HMAP_FOR_EACH_WITH_HASH (sp, node, hash_int(ofport, 0),
                             &snapshot->ports) {
        if (sp->ofport == ofport) {
            return sp;
        }
    }
    return NULL;
}
