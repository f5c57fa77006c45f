/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* pipeline-dump: prints the desired flows, groups and meters that the
 * pipeline computes for one host from a controller document, one per line
 * (desired_table_format()), for the functional tests.
 *
 *   pipeline-dump DOCUMENT LOCAL_IP [FACT]...
 *
 * FACT is one of
 *   port:NAME=OFPORT      NAME is a port id or its deviceId
 *   tunnel:IP=OFPORT      the vxlan port to remote host IP
 *   zone:NAME=ZONE        conntrack zone of a local port (id or deviceId)
 *   metadata:OFPORT,MAC[,TCP-PORT]   the metadata tap
 *
 * Flow lines are what "ovs-ofctl add-flows" accepts, "group_id=" lines what
 * "add-groups" accepts, "meter=" lines what "add-meter" accepts.  Warnings
 * go to stderr. */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "pipeline.h"
#include "pipeline-state.h"
#include "svec.h"
#include "util.h"

/* Returns the id of the port of 'model' whose id or deviceId is 'name', or
 * 'name' itself if there is none. */
static const char *
port_id_by_name(const struct model *model, const char *name)
{
    for (size_t i = 0; i < model->n_subnets; i++) {
        const struct model_subnet *subnet = model->subnets[i];
        for (size_t j = 0; j < subnet->n_ports; j++) {
            if (!strcmp(subnet->ports[j].device_id, name)) {
                return subnet->ports[j].id;
            }
        }
    }
    return name;
}

/* Parses one FACT argument into 'facts'; exits on error. */
static void
parse_fact(const struct model *model, const char *arg,
           struct pipeline_facts *facts)
{
    char *copy = xstrdup(arg);
    char *colon = strchr(copy, ':');
    char *eq = colon ? strchr(colon, '=') : NULL;
    if (colon) {
        *colon = '\0';
    }

    if (colon && !strcmp(copy, "metadata")) {
        char mac[32];
        unsigned int ofport, tcp_port = facts->metadata_port;
        if (sscanf(colon + 1, "%u,%31[^,],%u", &ofport, mac, &tcp_port) < 2
            || !eth_addr_from_string(mac, &facts->metadata_mac)) {
            ovs_fatal(0, "%s: bad metadata fact", arg);
        }
        facts->metadata_ofport = ofport;
        facts->metadata_port = tcp_port;
    } else if (eq) {
        *eq = '\0';
        const char *key = colon + 1;
        unsigned int value = strtoul(eq + 1, NULL, 10);
        if (!strcmp(copy, "port")) {
            simap_put(&facts->port_ofports, port_id_by_name(model, key),
                      value);
        } else if (!strcmp(copy, "tunnel")) {
            simap_put(&facts->tunnel_ofports, key, value);
        } else if (!strcmp(copy, "zone")) {
            simap_put(&facts->ct_zones, port_id_by_name(model, key),
                      value);
        } else {
            ovs_fatal(0, "%s: unknown fact", arg);
        }
    } else {
        ovs_fatal(0, "%s: bad fact", arg);
    }
    free(copy);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc < 3) {
        ovs_fatal(0, "usage: %s DOCUMENT LOCAL_IP [FACT]...", argv[0]);
    }

    FILE *file = fopen(argv[1], "r");
    if (!file) {
        ovs_fatal(errno, "%s: open failed", argv[1]);
    }
    struct ds text = DS_EMPTY_INITIALIZER;
    int c;
    while ((c = getc(file)) != EOF) {
        ds_put_char(&text, c);
    }
    fclose(file);

    struct model *model;
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    char *error = model_parse(ds_cstr(&text), NULL, &model, &errors);
    if (error) {
        ovs_fatal(0, "%s: %s", argv[1], error);
    }
    for (size_t i = 0; i < errors.n; i++) {
        fprintf(stderr, "model: %s\n", errors.names[i]);
    }

    ovs_be32 local_ip;
    if (!ip_parse(argv[2], &local_ip)) {
        ovs_fatal(0, "%s: not an IPv4 address", argv[2]);
    }

    struct pipeline_facts facts;
    pipeline_facts_init(&facts);
    for (int i = 3; i < argc; i++) {
        parse_fact(model, argv[i], &facts);
    }

    struct host_view hv;
    host_view_build(model, local_ip, &hv);
    pipeline_facts_assign_ids(&facts, &hv);
    struct desired_table table;
    desired_table_init(&table);
    struct svec warnings = SVEC_EMPTY_INITIALIZER;
    pipeline_compute(model, &hv, &facts, &table, &warnings);
    for (size_t i = 0; i < warnings.n; i++) {
        fprintf(stderr, "warning: %s\n", warnings.names[i]);
    }

    ds_clear(&text);
    desired_table_format(&table, &text);
    fputs(ds_cstr(&text), stdout);

    ds_destroy(&text);
    svec_destroy(&warnings);
    svec_destroy(&errors);
    desired_table_destroy(&table);
    host_view_destroy(&hv);
    pipeline_facts_destroy(&facts);
    model_unref(model);
    return 0;
}
