/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* bench-pipeline: how long the agent takes to go from the controller's
 * document to the desired flows of one host, and how much memory it needs.
 *
 *   bench-pipeline DOCUMENT LOCAL_IP [DUMP]
 *
 * Reads DOCUMENT (written by tests/perf/topology.py), then times, for the
 * host whose tunnel IP is LOCAL_IP: parsing the document (model_parse),
 * building the host view and pipeline_compute(), and prints one line of
 * figures including the peak RSS of the process.  It fails if the
 * document has errors or the pipeline warns, so that every benchmark
 * measures the whole pipeline.  With DUMP, it also writes the desired
 * table there as desired_table_format() prints it, so that the tables two
 * builds compute can be compared. */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

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

/* Returns the time of a monotonic clock in seconds. */
static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Returns the contents of file 'path' in a new string; exits on error. */
static char *
read_document(const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file) {
        ovs_fatal(errno, "%s: open failed", path);
    }
    struct ds doc = DS_EMPTY_INITIALIZER;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, file)) > 0) {
        ds_put_buffer(&doc, buf, n);
    }
    if (ferror(file)) {
        ovs_fatal(errno, "%s: read failed", path);
    }
    fclose(file);
    return ds_steal_cstr(&doc);
}

/* Writes 't' to the file 'path' as desired_table_format() prints it, or
 * exits. */
static void
write_table(const struct desired_table *t, const char *path)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    desired_table_format(t, &text);
    FILE *file = fopen(path, "w");
    if (!file || fputs(ds_cstr(&text), file) == EOF || fclose(file)) {
        ovs_fatal(errno, "%s: write failed", path);
    }
    ds_destroy(&text);
}

/* Returns the number of VM ports of 'model'. */
static size_t
count_vm_ports(const struct model *model)
{
    size_t n = 0;
    for (size_t i = 0; i < model->n_subnets; i++) {
        n += model->subnets[i]->n_ports;
    }
    return n;
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc != 3 && argc != 4) {
        ovs_fatal(0, "usage: %s DOCUMENT LOCAL_IP [DUMP]", argv[0]);
    }
    ovs_be32 local_ip;
    if (!ip_parse(argv[2], &local_ip)) {
        ovs_fatal(0, "%s: not an IPv4 address", argv[2]);
    }
    char *doc = read_document(argv[1]);

    double t0 = now();
    struct model *model;
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    char *error = model_parse(doc, NULL, &model, &errors);
    if (error || errors.n) {
        ovs_fatal(0, "%s rejected: %s", argv[1],
                  error ? error : errors.names[0]);
    }
    double t1 = now();

    struct host_view hv;
    host_view_build(model, local_ip, &hv);
    double t2 = now();

    /* Facts: every local port and every tunnel has an ofport, and every
     * object its ids. */
    struct pipeline_facts facts;
    pipeline_facts_init(&facts);
    for (size_t i = 0; i < hv.n_local_ports; i++) {
        simap_put(&facts.port_ofports, hv.local_ports[i].port->id, 100 + i);
    }
    for (size_t i = 0; i < hv.n_endpoints; i++) {
        char name[INET_ADDRSTRLEN];
        snprintf(name, sizeof name, IP_FMT, IP_ARGS(hv.endpoints[i]));
        simap_put(&facts.tunnel_ofports, name, 10 + i);
    }
    /* Zones, meters and groups as the agent gives them on a fresh
     * bridge. */
    pipeline_facts_assign_ids(&facts, &hv);
    facts.metadata_ofport = 1;
    ovs_assert(eth_addr_from_string("fa:16:3e:25:fd:7e",
                                    &facts.metadata_mac));

    double t3 = now();
    struct desired_table table;
    desired_table_init(&table);
    struct svec warnings = SVEC_EMPTY_INITIALIZER;
    pipeline_compute(model, &hv, &facts, &table, &warnings);
    double t4 = now();

    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("ports=%"PRIuSIZE" subnets=%"PRIuSIZE" local_ports=%"PRIuSIZE
           " local_subnets=%"PRIuSIZE" flows=%"PRIuSIZE" groups=%"PRIuSIZE
           " meters=%"PRIuSIZE" warnings=%"PRIuSIZE" doc_bytes=%"PRIuSIZE
           " parse_s=%.3f host_view_s=%.3f pipeline_s=%.3f"
           " peak_rss_mb=%.1f\n",
           count_vm_ports(model), model->n_subnets, hv.n_local_ports,
           hv.n_subnets, hmap_count(&table.flows), hmap_count(&table.groups),
           hmap_count(&table.meters), warnings.n, strlen(doc), t1 - t0,
           t2 - t1, t4 - t3, usage.ru_maxrss / 1024.0);
    for (size_t i = 0; i < warnings.n; i++) {
        fprintf(stderr, "warning: %s\n", warnings.names[i]);
    }
    int status = warnings.n ? EXIT_FAILURE : EXIT_SUCCESS;
    if (argc == 4) {
        write_table(&table, argv[3]);
    }

    svec_destroy(&warnings);
    svec_destroy(&errors);
    desired_table_destroy(&table);
    pipeline_facts_destroy(&facts);
    host_view_destroy(&hv);
    model_unref(model);
    free(doc);
    return status;
}
