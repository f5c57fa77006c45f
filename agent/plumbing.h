/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_PLUMBING_H
#define JSTACK_PLUMBING_H 1

/* The bridge's OVSDB side: the integration bridge itself, one vxlan port per
 * remote tunnel endpoint, the metadata tap, and the per-subnet conntrack
 * zones (kept in the bridge's external_ids so they survive restarts).  Each
 * kind is reconciled as collect -> create -> delete leftovers, and what the
 * bridge holds now is reported as the pipeline's local facts. */

#include <stdbool.h>
#include "openvswitch/types.h"

struct ds;
struct host_view;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct pipeline_facts;

/* The external_ids key that marks a tunnel port as the agent's. */
#define PLUMBING_TUNNEL_KEY "jstack-tunnel"

/* The metadata tap's name. */
#define PLUMBING_METADATA_TAP "jst-meta"

/* What plumbing_run() reconciles toward.  All owned by the caller. */
struct plumbing_input {
    const char *bridge;         /* Integration bridge name. */
    const struct host_view *view;   /* NULL while there is no model: then
                                     * tunnels and zones are left as they
                                     * are. */
};

void plumbing_run(struct ovsdb_idl *, struct ovsdb_idl_txn *,
                  const struct plumbing_input *, struct pipeline_facts *);
void plumbing_format_tunnels(struct ovsdb_idl *, const char *bridge,
                             struct ds *);

#endif /* agent/plumbing.h */
