/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Meters: a local port with a 'rate' limits what its VM sends with an
 * OpenFlow meter (DESIGN.md: ingress_policing_rate does not work here),
 * applied by the port's classification flow in table 0 ("meter:N").
 *
 * The meter drops above 'rate' Mbit/s (rate * 1000 kbps) with a burst of
 * 'burst' Mbit (burst * 1000 kbit; no burst flag when it is 0).
 *
 * Id scheme: the host's local ports with a rate, whether or not they have an
 * ofport yet, are sorted by port id and numbered 1, 2, 3, ...: ids depend on
 * the model only, and are distinct because port ids are. */

#include <config.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "pipeline-private.h"
#include "util.h"

/* bsearch()/qsort() comparator for an array of strings. */
static int
meters_str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sets the meter id of every port of 'ctx' that has a rate. */
void
pipeline_meters_assign(struct pipeline_ctx *ctx)
{
    const struct host_view *hv = ctx->hv;
    const char **ids = xmalloc(MAX(hv->n_local_ports, 1) * sizeof *ids);
    size_t n = 0;
    for (size_t i = 0; i < hv->n_local_ports; i++) {
        if (hv->local_ports[i].port->rate) {
            ids[n++] = hv->local_ports[i].port->id;
        }
    }
    qsort(ids, n, sizeof *ids, meters_str_cmp);

    for (size_t i = 0; i < ctx->n_ports; i++) {
        struct pipeline_port *pp = &ctx->ports[i];
        if (pp->port->rate) {
            const char **found = bsearch(&pp->port->id, ids, n, sizeof *ids,
                                         meters_str_cmp);
            pp->meter_id = 1 + (found - ids);
        }
    }
    free(ids);
}

/* Adds the meter of every local port that has one. */
void
pipeline_meters(struct pipeline_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_ports; i++) {
        const struct pipeline_port *pp = &ctx->ports[i];
        if (!pp->meter_id) {
            continue;
        }

        struct ds spec = DS_EMPTY_INITIALIZER;
        uint64_t rate = (uint64_t) pp->port->rate * 1000;
        uint64_t burst = (uint64_t) pp->port->burst * 1000;
        if (burst) {
            ds_put_format(&spec, "kbps burst bands=type=drop rate=%"PRIu64
                          " burst_size=%"PRIu64, rate, burst);
        } else {
            ds_put_format(&spec, "kbps bands=type=drop rate=%"PRIu64, rate);
        }
        pipeline_add_meter(ctx, pp->meter_id, ds_cstr(&spec));
        ds_destroy(&spec);
    }
}
