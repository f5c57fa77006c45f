/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "compute.h"

#include <stdlib.h>

#include "coverage.h"
#include "desired.h"
#include "host-state.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "pipeline.h"
#include "pipeline-state.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(compute);

COVERAGE_DEFINE(compute_pipeline);

/* The desired state of the bridge and what it was computed from. */
struct compute {
    uint64_t state_seqno;       /* host_state 'seqno' last computed from. */
    bool computed_once;         /* 'state_seqno' is meaningful. */
    bool forced;                /* compute_force() since the last run. */

    struct pipeline_state *state;       /* Owned: the desired table,
                                         * computed incrementally. */
    bool has_desired;           /* Computed from a model at least once. */
    uint64_t desired_seqno;     /* New number for each computation. */
    struct sset warnings;       /* Warnings of the last computation: only
                                 * new ones are logged, so a port waiting
                                 * for its interface is reported once, not
                                 * at every computation. */
    long long int last_usec;    /* How long the last computation took. */
    size_t last_units;          /* Units it computed. */
    bool last_full;             /* It computed every unit. */
};

/* Creates an empty computation.  The caller owns the result. */
struct compute *
compute_create(void)
{
    struct compute *c = xzalloc(sizeof *c);

    c->state = pipeline_state_create();
    sset_init(&c->warnings);
    return c;
}

/* Frees 'c'. */
void
compute_destroy(struct compute *c)
{
    if (c) {
        pipeline_state_destroy(c->state);
        sset_destroy(&c->warnings);
        free(c);
    }
}

/* Makes the next compute_run() recompute every unit even if nothing
 * changed. */
void
compute_force(struct compute *c)
{
    c->forced = true;
}

/* Brings the desired flows up to date with 'state' if it changed since the
 * last computation, computing again only what the change touches, or
 * everything if forced.  Nothing is computed before 'state' has both a
 * model and facts. */
void
compute_run(struct compute *c, const struct host_state *state)
{
    if (!state->has_view || !state->has_facts
        || (c->computed_once && state->seqno == c->state_seqno
            && !c->forced)) {
        return;
    }
    long long int start = time_usec();
    bool full = c->forced;
    c->state_seqno = state->seqno;
    c->computed_once = true;
    c->forced = false;

    struct svec warnings = SVEC_EMPTY_INITIALIZER;
    pipeline_state_update(c->state, host_state_model(state), &state->view,
                          &state->facts, full, &warnings);
    struct sset current = SSET_INITIALIZER(&current);
    for (size_t i = 0; i < warnings.n; i++) {
        if (!sset_contains(&c->warnings, warnings.names[i])) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(20, 50);
            VLOG_WARN_RL(&rl, "%s", warnings.names[i]);
        }
        sset_add(&current, warnings.names[i]);
    }
    sset_swap(&c->warnings, &current);
    sset_destroy(&current);
    svec_destroy(&warnings);
    c->has_desired = true;
    c->desired_seqno++;
    c->last_usec = time_usec() - start;
    const struct pipeline_state_stats *stats = pipeline_state_stats(c->state);
    c->last_units = stats->n_computed;
    c->last_full = stats->full;
    COVERAGE_INC(compute_pipeline);
    VLOG_DBG("computed %"PRIuSIZE" of %"PRIuSIZE" units (%"PRIuSIZE" flows) "
             "in %lld us", stats->n_computed, stats->n_units,
             hmap_count(&pipeline_state_table(c->state)->flows),
             c->last_usec);
}

/* Returns true once desired flows have been computed from a model: before
 * that the agent must not touch the bridge's flows. */
bool
compute_has_desired(const struct compute *c)
{
    return c->has_desired;
}

/* Returns the desired flows, groups and meters. */
const struct desired_table *
compute_desired(const struct compute *c)
{
    return pipeline_state_table(c->state);
}

/* Returns the identities of the flows, groups and meters that changed in
 * compute_desired() since the caller (ofctrl) last emptied it. */
struct desired_table *
compute_changes(struct compute *c)
{
    return pipeline_state_changes(c->state);
}

/* Returns how long the last computation took, in microseconds. */
long long int
compute_last_usec(const struct compute *c)
{
    return c->last_usec;
}

/* Returns true if the last computation computed every unit (the first one,
 * or one forced by compute_force()). */
bool
compute_last_full(const struct compute *c)
{
    return c->last_full;
}

/* Returns the number of the current desired state. */
uint64_t
compute_desired_seqno(const struct compute *c)
{
    return c->desired_seqno;
}

/* Appends the computation's counts, for "status", to 'out'. */
void
compute_format_status(const struct compute *c, struct ds *out)
{
    if (!c->has_desired) {
        ds_put_cstr(out, "desired state: none yet (no document)\n");
        return;
    }
    const struct desired_table *desired = pipeline_state_table(c->state);
    ds_put_format(out, "desired state #%"PRIu64": %"PRIuSIZE" flows, "
                  "%"PRIuSIZE" groups, %"PRIuSIZE" meters, computed in "
                  "%.3f ms (%"PRIuSIZE" of %"PRIuSIZE" units%s), %"PRIuSIZE
                  " warnings\n", c->desired_seqno,
                  hmap_count(&desired->flows), hmap_count(&desired->groups),
                  hmap_count(&desired->meters), c->last_usec / 1000.0,
                  c->last_units,
                  pipeline_state_stats(c->state)->n_units,
                  c->last_full ? ", full" : "", sset_count(&c->warnings));
}
