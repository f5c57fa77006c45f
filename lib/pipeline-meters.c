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
 * Ids: the agent allocates one per rate-limited port and persists it (the
 * facts' meter_ids, keyed "rate/<port id>"), so adding or removing one
 * port never renumbers another's meter.  A rate-limited port without a
 * meter yet gets no flows, with a warning: it must not send unlimited. */

#include <config.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"
#include "util.h"

/* Sets the meter id of every port of 'ctx' that has a rate, from the facts.
 * Returns false for a rate-limited port that has no meter yet. */
bool
pipeline_meter_assign(struct pipeline_ctx *ctx, struct pipeline_port *pp)
{
    if (!pp->port->rate) {
        return true;
    }
    char *key = xasprintf("rate/%s", pp->port->id);
    pp->meter_id = simap_get(&ctx->facts->meter_ids, key);
    free(key);
    if (!pp->meter_id) {
        pipeline_warn(ctx, "port %s has no rate-limit meter yet: its flows "
                      "are left out", pp->port->id);
        return false;
    }
    return true;
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
