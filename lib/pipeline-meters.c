/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Meters, two kinds per local port:
 *
 *   - Rate limit: a port with a 'rate' limits what its VM sends with an
 *     OpenFlow meter (DESIGN.md: ingress_policing_rate does not work here),
 *     applied by the port's classification flow in table 0 ("meter:N").
 *     It drops above 'rate' Mbit/s (rate * 1000 kbps) with a burst of
 *     'burst' Mbit (burst * 1000 kbit; no burst flag when it is 0).
 *
 *   - DHCP punt: every port of a subnet served by DHCP has a meter on its
 *     punt flow in table 30, in packets per second: the facts' 'dhcp_rate'
 *     (jstack-dhcp-rate), with a burst of as many packets, so that a VM
 *     flooding DHCP cannot starve the agent or the other VMs while a client
 *     that starts (a few packets at once) is never held back.
 *
 * Ids: the agent allocates one per owner and persists it (the facts'
 * meter_ids, keyed "rate/<port id>" and "dhcp/<port id>", one pool), so
 * adding or removing one port never renumbers another's meter.  A
 * rate-limited port without a meter yet gets no flows, with a warning: it
 * must not send unlimited.  A port without a DHCP meter yet gets no punt
 * flow (its DHCP requests are dropped), with a warning. */

#include <config.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"
#include "util.h"

/* Returns the meter id that the facts give "<kind>/<port id>" of 'pp', or
 * 0 if none. */
static uint32_t
pipeline_meter_lookup(const struct pipeline_ctx *ctx,
                      const struct pipeline_port *pp, const char *kind)
{
    char *key = xasprintf("%s/%s", kind, pp->port->id);
    uint32_t id = simap_get(&ctx->facts->meter_ids, key);
    free(key);
    return id;
}

/* Sets the meter ids of local port 'pp' from the facts: its rate limit's, if
 * it has a rate, and its DHCP punt flow's, if its subnet is served by DHCP.
 * Returns false for a rate-limited port that has no meter yet. */
bool
pipeline_meter_assign(struct pipeline_ctx *ctx, struct pipeline_port *pp)
{
    if (dhcp_server_port(pp->subnet->subnet)) {
        pp->dhcp_meter_id = pipeline_meter_lookup(ctx, pp, "dhcp");
        if (!pp->dhcp_meter_id) {
            pipeline_warn(ctx, "port %s has no DHCP meter yet: its DHCP "
                          "requests are dropped", pp->port->id);
        }
    }
    if (!pp->port->rate) {
        return true;
    }
    pp->meter_id = pipeline_meter_lookup(ctx, pp, "rate");
    if (!pp->meter_id) {
        pipeline_warn(ctx, "port %s has no rate-limit meter yet: its flows "
                      "are left out", pp->port->id);
        return false;
    }
    return true;
}

/* Adds the meters of every local port that has them. */
void
pipeline_meters(struct pipeline_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_ports; i++) {
        const struct pipeline_port *pp = &ctx->ports[i];
        if (pp->dhcp_meter_id) {
            char *spec = xasprintf("pktps burst bands=type=drop rate=%u "
                                   "burst_size=%u", ctx->facts->dhcp_rate,
                                   ctx->facts->dhcp_rate);
            pipeline_add_meter(ctx, pp->dhcp_meter_id, spec);
            free(spec);
        }
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
