/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_PIPELINE_STATE_H
#define JSTACK_PIPELINE_STATE_H 1

/* The pipeline computed incrementally.
 *
 * The desired table is the union of units: the host's own flows, and one
 * unit per subnet of the host view (its flows, its local ports' flows,
 * groups and meters, and their security-group conjunction actions, which
 * are merged into shared clause flows).  An update compares the new input
 * with the last one (subnet digests, facts key by key, security-group
 * definitions and members, conjunction ids) and computes again only the
 * units whose input changed, taking back what they added before: the
 * table changes exactly where the flows of those units changed.  A full
 * update computes every unit; both give the same table (a test checks it
 * on random sequences of changes). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "desired.h"

struct host_view;
struct model;
struct pipeline_facts;
struct svec;

/* What one update did, for "status" and the benchmarks. */
struct pipeline_state_stats {
    size_t n_units;             /* Units of the desired table. */
    size_t n_computed;          /* Units computed by the last update. */
    bool full;                  /* The last update computed every unit. */
    bool ids_reassigned;        /* The last update assigned conjunction ids
                                 * again (a rule key appeared or left). */
};

struct pipeline_state *pipeline_state_create(void);
void pipeline_state_destroy(struct pipeline_state *);
void pipeline_state_update(struct pipeline_state *, const struct model *,
                           const struct host_view *,
                           const struct pipeline_facts *, bool full,
                           struct svec *warnings);
const struct desired_table *pipeline_state_table(
    const struct pipeline_state *);
struct desired_table *pipeline_state_changes(struct pipeline_state *);
const struct pipeline_state_stats *pipeline_state_stats(
    const struct pipeline_state *);

void pipeline_compute(const struct model *, const struct host_view *,
                      const struct pipeline_facts *,
                      struct desired_table *, struct svec *warnings);

#endif /* lib/pipeline-state.h */
