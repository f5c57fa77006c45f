/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Incremental computation benchmark (not a test): the time of each step of
 * the agent's path from a changed document to the changes of the desired
 * table, for a sequence of documents (tests/perf/topology.py --port-life
 * writes one: a port added, changed, removed).
 *
 * usage: bench-incremental LOCAL_IP DOCUMENT [NEXT_DOCUMENT...]
 *
 * The first document is computed in full; each next one is parsed (with the
 * previous model, as the agent does), its host view built, the facts given
 * ofports and ids for its new local ports, and the pipeline updated
 * incrementally.  For each it prints the milliseconds of each step, the
 * units computed and the flows, groups and meters that changed. */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "desired.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/hmap.h"
#include "packets.h"
#include "pipeline.h"
#include "pipeline-state.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"

/* Reads the whole file 'path', or exits. */
static char *
read_document(const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file) {
        ovs_fatal(errno, "%s", path);
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = xmalloc(size + 1);
    if (fread(text, 1, size, file) != (size_t) size) {
        ovs_fatal(0, "%s: short read", path);
    }
    text[size] = '\0';
    fclose(file);
    return text;
}

/* Gives the local ports of 'hv' that have none an ofport, every remote
 * host and router a tunnel, and every object its ids, as the agent's
 * plumbing would. */
static void
fill_facts(struct pipeline_facts *facts, const struct host_view *hv)
{
    for (size_t i = 0; i < hv->n_local_ports; i++) {
        const char *id = hv->local_ports[i].port->id;
        if (!simap_contains(&facts->port_ofports, id)) {
            simap_put(&facts->port_ofports, id,
                      simap_count(&facts->port_ofports) + 1);
        }
    }
    for (size_t i = 0; i < hv->n_endpoints; i++) {
        char name[INET_ADDRSTRLEN];
        snprintf(name, sizeof name, IP_FMT, IP_ARGS(hv->endpoints[i]));
        if (!simap_contains(&facts->tunnel_ofports, name)) {
            simap_put(&facts->tunnel_ofports, name,
                      60000 + simap_count(&facts->tunnel_ofports));
        }
    }
    pipeline_facts_assign_ids(facts, hv);
}

/* Returns the milliseconds since 'start' (time_usec()). */
static double
elapsed_ms(long long int start)
{
    return (time_usec() - start) / 1000.0;
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc < 3) {
        ovs_fatal(0, "usage: %s LOCAL_IP DOCUMENT [NEXT_DOCUMENT...]",
                  argv[0]);
    }
    ovs_be32 local_ip;
    if (!ip_parse(argv[1], &local_ip)) {
        ovs_fatal(0, "%s: not an IPv4 address", argv[1]);
    }

    struct pipeline_state *st = pipeline_state_create();
    struct pipeline_facts facts;
    pipeline_facts_init(&facts);
    facts.metadata_ofport = 59999;
    struct model *previous = NULL;
    struct host_view hv;
    bool have_hv = false;

    for (int i = 2; i < argc; i++) {
        char *text = read_document(argv[i]);
        struct svec errors = SVEC_EMPTY_INITIALIZER;
        struct model *model;

        long long int start = time_usec();
        char *error = model_parse(text, previous, &model, &errors);
        double parse_ms = elapsed_ms(start);
        if (error) {
            ovs_fatal(0, "%s: %s", argv[i], error);
        }

        start = time_usec();
        if (have_hv) {
            host_view_destroy(&hv);
        }
        host_view_build(model, local_ip, &hv);
        have_hv = true;
        double view_ms = elapsed_ms(start);

        start = time_usec();
        fill_facts(&facts, &hv);
        double facts_ms = elapsed_ms(start);

        desired_table_clear(pipeline_state_changes(st));
        struct svec warnings = SVEC_EMPTY_INITIALIZER;
        start = time_usec();
        pipeline_state_update(st, model, &hv, &facts, false, &warnings);
        double update_ms = elapsed_ms(start);

        const struct pipeline_state_stats *stats = pipeline_state_stats(st);
        const struct desired_table *changes = pipeline_state_changes(st);
        const struct desired_table *table = pipeline_state_table(st);
        printf("%s: parse %.3f ms, host view %.3f ms, facts %.3f ms, "
               "update %.3f ms (%"PRIuSIZE" of %"PRIuSIZE" units%s); "
               "%"PRIuSIZE" flows, %"PRIuSIZE" changed, %"PRIuSIZE
               " groups and %"PRIuSIZE" meters changed, %"PRIuSIZE
               " warnings, %"PRIuSIZE" errors\n",
               argv[i], parse_ms, view_ms, facts_ms, update_ms,
               stats->n_computed, stats->n_units,
               stats->full ? ", full" : "", hmap_count(&table->flows),
               hmap_count(&changes->flows), hmap_count(&changes->groups),
               hmap_count(&changes->meters), warnings.n, errors.n);

        svec_destroy(&warnings);
        svec_destroy(&errors);
        model_unref(previous);
        previous = model;
        free(text);
    }

    if (have_hv) {
        host_view_destroy(&hv);
    }
    model_unref(previous);
    pipeline_facts_destroy(&facts);
    pipeline_state_destroy(st);
    return 0;
}
