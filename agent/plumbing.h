/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_PLUMBING_H
#define JSTACK_PLUMBING_H 1

/* The bridge's OVSDB side: the integration bridge itself, one vxlan port per
 * remote tunnel endpoint, a patch port pair per bridge mapping (to the
 * provider bridge of a physical network), the metadata tap, and the ids the
 * pipeline hands out (kept in the bridge's external_ids so they survive
 * restarts).  Each kind is reconciled as collect -> create -> delete
 * leftovers, and what the bridge holds now is reported as the pipeline's
 * local facts. */

#include <stdbool.h>
#include <stddef.h>
#include "openvswitch/types.h"

struct ds;
struct host_view;
struct model_subnet;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct pipeline_facts;
struct settings_bridge_mapping;
struct sset;

/* The external_ids key that marks a tunnel port as the agent's. */
#define PLUMBING_TUNNEL_KEY "jstack-tunnel"

/* The external_ids key that marks a patch port (on the integration bridge
 * or a provider bridge) as the agent's; its value is the physical
 * network. */
#define PLUMBING_PATCH_KEY "jstack-patch"

/* The metadata tap's name. */
#define PLUMBING_METADATA_TAP "jst-meta"

/* What plumbing_run() reconciles toward.  All owned by the caller. */
struct plumbing_input {
    const char *bridge;         /* Integration bridge name. */
    const struct host_view *view;   /* NULL while there is no model: then
                                     * tunnels and zones are left as they
                                     * are. */
    const struct settings_bridge_mapping *mappings; /* Physical network ->
                                                     * provider bridge: a
                                                     * patch port pair each
                                                     * whose bridge
                                                     * exists. */
    size_t n_mappings;          /* Entries of 'mappings'. */
};

void plumbing_run(struct ovsdb_idl *, struct ovsdb_idl_txn *,
                  const struct plumbing_input *, struct pipeline_facts *,
                  struct sset *unplumbed);
void plumbing_format_tunnels(struct ovsdb_idl *, const char *bridge,
                             struct ds *);
void plumbing_format_provider(struct ovsdb_idl *,
                              const struct plumbing_input *,
                              const struct pipeline_facts *,
                              const struct model_subnet *, struct ds *);

#endif /* agent/plumbing.h */
