/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "host-state.h"

#include <stdlib.h>

#include "hash.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "sset.h"
#include "util.h"

/* Initializes 'state' as knowing nothing yet. */
void
host_state_init(struct host_state *state)
{
    memset(state, 0, sizeof *state);
    pipeline_facts_init(&state->facts);
    hmap_init(&state->ports_by_ofport);
}

/* Empties the ofport index of 'state'. */
static void
host_state_clear_index(struct host_state *state)
{
    struct host_state_port *hsp;
    HMAP_FOR_EACH_POP (hsp, node, &state->ports_by_ofport) {
        free(hsp);
    }
}

/* Frees what 'state' owns, dropping its model reference. */
void
host_state_destroy(struct host_state *state)
{
    if (state) {
        host_state_clear_index(state);
        hmap_destroy(&state->ports_by_ofport);
        if (state->has_view) {
            host_view_destroy(&state->view);
        }
        pipeline_facts_destroy(&state->facts);
    }
}

/* Rebuilds the ofport index of 'state' from its view and facts, and gives
 * 'state' a new sequence number. */
static void
host_state_changed(struct host_state *state)
{
    host_state_clear_index(state);
    for (size_t i = 0; state->has_view && i < state->view.n_local_ports;
         i++) {
        const struct host_view_port *hvp = &state->view.local_ports[i];
        uint32_t ofport = simap_get(&state->facts.port_ofports,
                                    hvp->port->id);
        if (ofport) {
            struct host_state_port *hsp = xmalloc(sizeof *hsp);
            hsp->ofport = ofport;
            hsp->hvp = hvp;
            hmap_insert(&state->ports_by_ofport, &hsp->node,
                        hash_int(ofport, 0));
        }
    }
    state->seqno++;
}

/* Makes 'model' (NULL for none), numbered 'model_seqno' by its source, as
 * seen by the host whose tunnel IP is 'local_ip', the one 'state' works
 * from: rebuilds the view, taking a reference to 'model', unless the same
 * model and IP are already there.  Returns true if anything changed. */
bool
host_state_set_model(struct host_state *state, const struct model *model,
                     uint64_t model_seqno, ovs_be32 local_ip)
{
    if (state->has_view ? (model && model_seqno == state->model_seqno
                           && local_ip == state->view.local_ip)
                        : !model) {
        return false;
    }
    if (state->has_view) {
        host_view_destroy(&state->view);
        state->has_view = false;
    }
    if (model) {
        host_view_build(model, local_ip, &state->view);
        state->has_view = true;
        state->model_seqno = model_seqno;
    }
    host_state_changed(state);
    return true;
}

/* Makes 'facts' the local facts of 'state', unless they equal the current
 * ones; in that case 'facts' receives the previous facts (the caller
 * destroys 'facts' either way).  The down routers are not the caller's to
 * say: 'state' keeps those of host_state_set_down_routers().  Returns true
 * if the facts changed. */
bool
host_state_set_facts(struct host_state *state, struct pipeline_facts *facts)
{
    sset_destroy(&facts->down_routers);
    sset_clone(&facts->down_routers, &state->facts.down_routers);

    bool changed = (!state->has_facts
                    || !pipeline_facts_equal(&state->facts, facts));
    if (changed) {
        uint64_t version = state->facts.version;
        pipeline_facts_swap(&state->facts, facts);
        state->facts.version = version + 1;
        state->has_facts = true;
        host_state_changed(state);
    }
    return changed;
}

/* Makes 'down' (tunnel IPs such as "10.0.0.4") the virtual routers that
 * 'state' says are down, which host_state_set_facts() keeps.  Returns true,
 * with a new sequence number, if they differ from the current ones. */
bool
host_state_set_down_routers(struct host_state *state,
                            const struct sset *down)
{
    if (sset_equals(&state->facts.down_routers, down)) {
        return false;
    }
    sset_destroy(&state->facts.down_routers);
    sset_clone(&state->facts.down_routers, down);
    state->facts.version++;
    host_state_changed(state);
    return true;
}

/* Returns the model 'state' works from, or NULL. */
const struct model *
host_state_model(const struct host_state *state)
{
    return state->has_view ? state->view.model : NULL;
}

/* Returns the local VM port whose interface has 'ofport', or NULL. */
const struct host_view_port *
host_state_port_by_ofport(const struct host_state *state, uint32_t ofport)
{
    const struct host_state_port *hsp;
    HMAP_FOR_EACH_WITH_HASH (hsp, node, hash_int(ofport, 0),
                             &state->ports_by_ofport) {
        if (hsp->ofport == ofport) {
            return hsp->hvp;
        }
    }
    return NULL;
}

/* Appends one line per local VM port to 'out', for "port/list": port id,
 * device, ofport, subnet, state. */
void
host_state_format_ports(const struct host_state *state, struct ds *out)
{
    if (!state->has_view) {
        ds_put_cstr(out, "no model yet\n");
        return;
    }
    for (size_t i = 0; i < state->view.n_local_ports; i++) {
        const struct host_view_port *hvp = &state->view.local_ports[i];
        unsigned int ofport = simap_get(&state->facts.port_ofports,
                                        hvp->port->id);
        ds_put_format(out, "%s device %s ofport %u subnet %s %s\n",
                      hvp->port->id,
                      hvp->port->device_id[0] ? hvp->port->device_id : "-",
                      ofport, hvp->subnet->id,
                      ofport ? "bound" : "waiting for its interface");
    }
}
