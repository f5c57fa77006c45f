/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* libFuzzer harness for the controller's document: parses the input with and
 * without a previous model, checks the invariants the rest of the agent
 * relies on, builds host views and frees everything; parsed again with its
 * own model as the previous one, it must share every subnet and report the
 * same problems.  Built and run by
 * tests/fuzz/run-fuzz.sh. */

#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host-view.h"
#include "model.h"
#include "packets.h"
#include "svec.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small good document whose subnet id, metadata and vni are those of the
 * seed corpus, so that bad inputs find a last good version to keep. */
static const char previous_text[] =
    "{\"code\":0,\"message\":\"\",\"Result\":{\"subnets\":[{"
    "\"id\":\"1d05961d-e641-417e-8f19-803cae564547\",\"version\":4,"
    "\"vpcId\":\"v\",\"tenantId\":\"t\",\"metadata\":1025,\"vni\":1,"
    "\"mtu\":1500,\"network\":\"172.16.1.0/24\",\"dns\":[\"8.8.8.8\"],"
    "\"routers\":[\"10.10.10.4\"],\"ports\":[{\"id\":\"p1\",\"version\":1,"
    "\"fixedip\":\"172.16.1.4\",\"deviceId\":\"vm1\","
    "\"mac\":\"fa:16:3e:73:c9:74\",\"host\":\"10.10.10.2\",\"type\":0,"
    "\"rate\":1,\"burst\":1,\"securitygroupIds\":[\"sg\"],"
    "\"allowedAddressPairs\":[{\"ip\":\"10.0.0.0/8\"}]}],"
    "\"dhcpPort\":null,\"gatewayPorts\":[],\"securitygroups\":[{\"id\":\"sg\","
    "\"securitygroupRules\":[{\"direction\":0,\"type\":0,\"proto\":6,"
    "\"ipPrefix\":\"\",\"ipVersion\":0,\"portStart\":22,\"portEnd\":22,"
    "\"remoteGroupId\":\"sg\"}]}]}]}}";

/* Aborts unless the 'n' addresses of 'ips' are strictly increasing. */
static void
check_sorted(const ovs_be32 *ips, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        ovs_assert(ntohl(ips[i - 1]) < ntohl(ips[i]));
    }
}

/* Aborts unless 'model' keeps the promises of model.h. */
static void
check_model(const struct model *model)
{
    for (size_t i = 0; i < model->n_subnets; i++) {
        const struct model_subnet *s = model->subnets[i];

        ovs_assert(s->id && *s->id);
        ovs_assert(model_find_subnet(model, s->id) == s);
        ovs_assert(s->vni >= 1 && s->vni <= 0xffffff);
        ovs_assert(s->metadata != 0);
        ovs_assert(s->plen <= 32);
        ovs_assert(s->network_type == MODEL_NET_VXLAN
                   ? !s->physical_network : s->physical_network != NULL);
        for (size_t j = 0; j < s->n_ports; j++) {
            const struct model_port *p = &s->ports[j];
            ovs_assert(p->type == MODEL_PORT_VM && p->host);
            ovs_assert(!eth_addr_is_multicast(p->mac));
            ovs_assert((p->fixed_ip & be32_prefix_mask(s->plen))
                       == s->network || !s->plen);
        }
        for (size_t j = 0; j < s->n_secgroups; j++) {
            const struct model_secgroup *sg = &s->secgroups[j];
            for (size_t k = 0; k < sg->n_rules; k++) {
                const struct model_sg_rule *r = &sg->rules[k];
                ovs_assert(r->port_start <= r->port_end);
                ovs_assert(!r->has_prefix || r->prefix_len <= 32);
            }
        }
    }
}

/* Builds and checks the host view of 'model' for 'local_ip'. */
static void
check_view(const struct model *model, ovs_be32 local_ip)
{
    struct host_view view;

    host_view_build(model, local_ip, &view);
    check_sorted(view.remote_hosts, view.n_remote_hosts);
    check_sorted(view.routers, view.n_routers);
    check_sorted(view.endpoints, view.n_endpoints);
    ovs_assert(view.n_endpoints <= view.n_remote_hosts + view.n_routers);
    for (size_t i = 0; i < view.n_subnets; i++) {
        check_sorted(view.subnets[i].remote_hosts,
                     view.subnets[i].n_remote_hosts);
    }
    for (size_t i = 0; i < view.n_local_ports; i++) {
        ovs_assert(view.local_ports[i].port->host == local_ip);
    }
    host_view_destroy(&view);
}

/* Parses 'text' against 'previous' (may be NULL), checks and frees the
 * result. */
static void
parse_and_check(const char *text, const struct model *previous)
{
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;
    char *error = model_parse(text, previous, &model, &errors);

    if (error) {
        ovs_assert(!model && !errors.n);
        free(error);
        return;
    }
    check_model(model);
    check_view(model, htonl(0x0a0a0a02));
    for (size_t i = 0; i < model->n_subnets && i < 4; i++) {
        const struct model_subnet *s = model->subnets[i];
        if (s->n_ports) {
            check_view(model, s->ports[0].host);
        }
    }

    struct model *clone = model_clone(model);
    ovs_assert(clone->n_subnets == model->n_subnets);
    model_unref(model);
    model_unref(clone);
    svec_destroy(&errors);
}

/* Parses 'text' twice, the second time with the first model as the
 * previous one, and aborts unless the second shares every subnet of the
 * first (the same text, the same checks) and reports the same problems. */
static void
check_sharing(const char *text)
{
    struct svec errors1 = SVEC_EMPTY_INITIALIZER;
    struct svec errors2 = SVEC_EMPTY_INITIALIZER;
    struct model *first, *second;

    char *error = model_parse(text, NULL, &first, &errors1);
    if (error) {
        free(error);
        return;
    }
    ovs_assert(!model_parse(text, first, &second, &errors2));
    ovs_assert(second->n_subnets == first->n_subnets);
    for (size_t i = 0; i < first->n_subnets; i++) {
        ovs_assert(second->subnets[i] == first->subnets[i]);
    }
    ovs_assert(errors2.n == errors1.n);
    for (size_t i = 0; i < errors1.n; i++) {
        ovs_assert(!strcmp(errors1.names[i], errors2.names[i]));
    }
    model_unref(first);
    check_model(second);
    model_unref(second);
    svec_destroy(&errors1);
    svec_destroy(&errors2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmemdup0((const char *) data, size);
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *previous = NULL;

    ovs_assert(!model_parse(previous_text, NULL, &previous, &errors));
    ovs_assert(previous->n_subnets == 1 && !errors.n);
    svec_destroy(&errors);

    parse_and_check(text, NULL);
    parse_and_check(text, previous);
    check_sharing(text);

    model_unref(previous);
    free(text);
    return 0;
}
