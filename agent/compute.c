/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "compute.h"

#include <stdlib.h>

#include "desired.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "pipeline.h"
#include "plumbing.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(compute);

/* The desired state of the bridge and what it was computed from. */
struct compute {
    /* Inputs of the last computation. */
    const struct model *model;  /* Not owned: the source's. */
    uint64_t model_seqno;
    unsigned int db_seqno;      /* ovsdb_idl_get_seqno() it saw. */
    ovs_be32 encap_ip;
    bool forced;                /* compute_force() since the last run. */
    bool plumbing_pending;      /* Inputs changed while no transaction
                                 * was available: plumb again. */

    struct host_view view;      /* Owned; valid if 'has_view'. */
    bool has_view;
    struct pipeline_facts facts;        /* Owned. */
    struct desired_table desired;       /* Owned. */
    bool has_desired;           /* Computed from a model at least once. */
    uint64_t desired_seqno;     /* New number for each computation. */
    size_t n_warnings;          /* Warnings of the last computation. */
    long long int last_ms;      /* How long the last computation took. */
};

/* Creates an empty computation.  The caller owns the result. */
struct compute *
compute_create(void)
{
    struct compute *c = xzalloc(sizeof *c);

    c->model_seqno = UINT64_MAX;
    c->db_seqno = UINT_MAX;
    pipeline_facts_init(&c->facts);
    desired_table_init(&c->desired);
    return c;
}

/* Frees 'c'. */
void
compute_destroy(struct compute *c)
{
    if (c) {
        if (c->has_view) {
            host_view_destroy(&c->view);
        }
        pipeline_facts_destroy(&c->facts);
        desired_table_destroy(&c->desired);
        free(c);
    }
}

/* Makes the next compute_run() recompute even if nothing changed. */
void
compute_force(struct compute *c)
{
    c->forced = true;
}

/* Recomputes the host view, the bridge plumbing and the desired flows if
 * any input changed.  The plumbing's changes go into 'input->txn'. */
void
compute_run(struct compute *c, const struct compute_input *input)
{
    unsigned int db_seqno = ovsdb_idl_get_seqno(input->idl);
    bool model_changed = (input->model_seqno != c->model_seqno
                          || input->encap_ip != c->encap_ip);

    if (!model_changed && db_seqno == c->db_seqno && !c->forced
        && !(c->plumbing_pending && input->txn)) {
        return;
    }
    long long int start = time_msec();

    if (model_changed) {
        if (c->has_view) {
            host_view_destroy(&c->view);
            c->has_view = false;
        }
        if (input->model) {
            host_view_build(input->model, input->encap_ip, &c->view);
            c->has_view = true;
        }
        c->model = input->model;
        c->model_seqno = input->model_seqno;
        c->encap_ip = input->encap_ip;
    }
    c->db_seqno = db_seqno;
    c->forced = false;
    c->plumbing_pending = !input->txn;

    /* Local facts, plumbing the bridge as needed on the way. */
    pipeline_facts_destroy(&c->facts);
    pipeline_facts_init(&c->facts);
    if (input->metadata_port) {
        c->facts.metadata_port = input->metadata_port;
    }
    struct plumbing_input plumbing = {
        .bridge = input->bridge,
        .view = c->has_view ? &c->view : NULL,
    };
    plumbing_run(input->idl, input->txn, &plumbing, &c->facts);

    if (!c->has_view) {
        return;
    }
    struct svec warnings = SVEC_EMPTY_INITIALIZER;
    desired_table_clear(&c->desired);
    pipeline_compute(c->model, &c->view, &c->facts, &c->desired,
                     &warnings);
    for (size_t i = 0; i < warnings.n; i++) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
        VLOG_WARN_RL(&rl, "%s", warnings.names[i]);
    }
    c->n_warnings = warnings.n;
    svec_destroy(&warnings);
    c->has_desired = true;
    c->desired_seqno++;
    c->last_ms = time_msec() - start;
    VLOG_DBG("computed %"PRIuSIZE" flows in %lld ms",
             hmap_count(&c->desired.flows), c->last_ms);
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
    return &c->desired;
}

/* Returns the number of the current desired state. */
uint64_t
compute_desired_seqno(const struct compute *c)
{
    return c->desired_seqno;
}

/* Appends one line per local VM port to 'out', for "port/list": port id,
 * device, ofport, subnet, state. */
void
compute_format_ports(const struct compute *c, struct ds *out)
{
    if (!c->has_view) {
        ds_put_cstr(out, "no model yet\n");
        return;
    }
    for (size_t i = 0; i < c->view.n_local_ports; i++) {
        const struct host_view_port *hp = &c->view.local_ports[i];
        unsigned int ofport = simap_get(&c->facts.port_ofports,
                                        hp->port->id);
        ds_put_format(out, "%s device %s ofport %u subnet %s %s\n",
                      hp->port->id,
                      hp->port->device_id[0] ? hp->port->device_id : "-",
                      ofport, hp->subnet->id,
                      ofport ? "bound" : "waiting for its interface");
    }
}

/* Appends the computation's counts, for "status", to 'out'. */
void
compute_format_status(const struct compute *c, struct ds *out)
{
    if (!c->has_view) {
        ds_put_cstr(out, "desired state: none yet (no document)\n");
        return;
    }
    size_t n_bound = simap_count(&c->facts.port_ofports);
    ds_put_format(out, "host view: %"PRIuSIZE" subnets, %"PRIuSIZE
                  " local ports (%"PRIuSIZE" bound), %"PRIuSIZE
                  " tunnel endpoints\n", c->view.n_subnets,
                  c->view.n_local_ports, n_bound, c->view.n_endpoints);
    ds_put_format(out, "desired state #%"PRIu64": %"PRIuSIZE" flows, "
                  "%"PRIuSIZE" groups, %"PRIuSIZE" meters, computed in "
                  "%lld ms, %"PRIuSIZE" warnings\n", c->desired_seqno,
                  hmap_count(&c->desired.flows),
                  hmap_count(&c->desired.groups),
                  hmap_count(&c->desired.meters), c->last_ms,
                  c->n_warnings);
}
