/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_HOST_STATE_H
#define JSTACK_HOST_STATE_H 1

/* What the agent currently knows of this host: the host view of the model
 * it works from (which holds a reference to that model) and the local facts
 * that the plumbing last reported, with a sequence number that changes
 * whenever either does.  The pipeline computes from it, and the packet
 * handlers read it (a local port by its ofport in O(1)).
 *
 * The agent owns the one host state and changes it only between handler
 * calls, so a handler never sees it half-changed.  It is not thread-safe:
 * threads read a host_snapshot instead. */

#include <stdbool.h>
#include <stdint.h>
#include "host-view.h"
#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "pipeline.h"

struct ds;
struct model;
struct sset;

/* A local VM port that has an ofport, in the host state's index. */
struct host_state_port {
    struct hmap_node node;      /* In host_state 'ports_by_ofport'. */
    uint32_t ofport;
    const struct host_view_port *hvp;   /* In the host state's view. */
};

/* The agent's picture of this host. */
struct host_state {
    struct host_view view;      /* Owned, valid if 'has_view': holds a
                                 * reference to its model. */
    bool has_view;
    uint64_t model_seqno;       /* The model's number, as its source gave
                                 * it, when 'has_view'. */
    struct pipeline_facts facts;        /* Owned: the last facts reported,
                                         * valid if 'has_facts'; its
                                         * 'down_routers' are those of
                                         * host_state_set_down_routers(),
                                         * whatever the plumbing says. */
    bool has_facts;
    uint64_t seqno;             /* Changes whenever the view or the facts
                                 * do. */
    struct hmap ports_by_ofport;        /* Contains struct host_state_port:
                                         * the view's local ports that the
                                         * facts give an ofport. */
};

void host_state_init(struct host_state *);
void host_state_destroy(struct host_state *);
bool host_state_set_model(struct host_state *, const struct model *,
                          uint64_t model_seqno, ovs_be32 local_ip);
bool host_state_set_facts(struct host_state *, struct pipeline_facts *);
bool host_state_set_down_routers(struct host_state *, const struct sset *);

const struct model *host_state_model(const struct host_state *);
const struct host_view_port *host_state_port_by_ofport(
    const struct host_state *, uint32_t ofport);
void host_state_format_ports(const struct host_state *, struct ds *);

#endif /* lib/host-state.h */
