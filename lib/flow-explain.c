/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "flow-explain.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

/* Appends 'port' (of 'subnet') with its key fields. */
static void
flow_explain_port(const struct model_subnet *subnet,
                  const struct model_port *port, struct ds *out)
{
    static const char *types[] = { "VM", "gateway", "DHCP" };
    ds_put_format(out, "port %s (%s port of subnet %s, mac "ETH_ADDR_FMT
                  ", ip "IP_FMT, port->id,
                  port->type < ARRAY_SIZE(types) ? types[port->type] : "?",
                  subnet->id, ETH_ADDR_ARGS(port->mac),
                  IP_ARGS(port->fixed_ip));
    if (port->host) {
        ds_put_format(out, ", host "IP_FMT, IP_ARGS(port->host));
    }
    if (port->device_id[0]) {
        ds_put_format(out, ", device %s", port->device_id);
    }
    ds_put_char(out, ')');
}

/* Appends the port of 'model' whose id is 'id', or says it is gone. */
static void
flow_explain_port_id(const struct model *model, const char *id,
                     struct ds *out)
{
    for (size_t i = 0; model && i < model->n_subnets; i++) {
        const struct model_subnet *s = model->subnets[i];
        for (size_t j = 0; j < s->n_ports; j++) {
            if (!strcmp(s->ports[j].id, id)) {
                flow_explain_port(s, &s->ports[j], out);
                return;
            }
        }
        for (size_t j = 0; j < s->n_gateway_ports; j++) {
            if (!strcmp(s->gateway_ports[j].id, id)) {
                flow_explain_port(s, &s->gateway_ports[j], out);
                return;
            }
        }
        if (s->dhcp_port && !strcmp(s->dhcp_port->id, id)) {
            flow_explain_port(s, s->dhcp_port, out);
            return;
        }
    }
    ds_put_format(out, "port %s (no longer in the document)", id);
}

/* Appends one owner of kind 'kind' named 'id', with its key fields. */
static void
flow_explain_owner(const struct model *model, enum desired_owner_kind kind,
                   const char *id, struct ds *out)
{
    const struct model_subnet *subnet;

    switch (kind) {
    case DESIRED_OWNER_HOST:
        ds_put_cstr(out, "this host (a flow every host has)");
        break;
    case DESIRED_OWNER_SUBNET:
        subnet = model ? model_find_subnet(model, id) : NULL;
        if (subnet) {
            ds_put_format(out, "subnet %s (network "IP_FMT"/%u, vni %"PRIu32
                          ", metadata %#"PRIx32", tenant %s)", id,
                          IP_ARGS(subnet->network), subnet->plen,
                          subnet->vni, subnet->metadata, subnet->tenant_id);
        } else {
            ds_put_format(out, "subnet %s (no longer in the document)", id);
        }
        break;
    case DESIRED_OWNER_PORT:
        flow_explain_port_id(model, id, out);
        break;
    case DESIRED_OWNER_SECGROUP:
        ds_put_format(out, "security group %s", id);
        break;
    case DESIRED_OWNER_SG_RULE:
        ds_put_format(out, "security-group rule %s", id);
        break;
    case DESIRED_OWNER_ROUTERS:
        ds_put_format(out, "virtual routers %s", id);
        break;
    default:
        ds_put_format(out, "%s %s", desired_owner_kind_name(kind), id);
        break;
    }
}

/* Appends to 'out' what 'cookie' stands for: the stage that made the flow
 * and every owner of the flows of 'desired' that carry it, one line each,
 * each line preceded by 'indent', from 'model' (may be NULL).  Returns
 * false, appending only that, if the cookie is not one of the agent's
 * current flows. */
bool
flow_explain_cookie(const struct desired_table *desired,
                    const struct model *model, uint64_t cookie,
                    const char *indent, struct ds *out)
{
    const struct desired_cookie_owners *owners
        = desired_table_explain_cookie(desired, cookie);

    if (cookie >> 56 != DESIRED_COOKIE_MAGIC || !owners) {
        ds_put_format(out, "%scookie %#"PRIx64": not a flow of the agent's "
                      "current desired state\n", indent, cookie);
        return false;
    }
    ds_put_format(out, "%scookie %#"PRIx64": stage %s, owned by:\n", indent,
                  cookie, desired_stage_name((cookie >> 48) & 0xff));
    const struct desired_owner **sorted = xmemdup(
        owners->owners, owners->n_owners * sizeof *owners->owners);
    qsort(sorted, owners->n_owners, sizeof *sorted, desired_owner_ptr_cmp);
    for (size_t i = 0; i < owners->n_owners; i++) {
        ds_put_format(out, "%s  ", indent);
        flow_explain_owner(model, sorted[i]->kind, sorted[i]->id, out);
        ds_put_char(out, '\n');
    }
    free(sorted);
    return true;
}
