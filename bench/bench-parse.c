/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Times the parsing of a controller document: model_parse() (JSON, then
 * validation into a model), OVS's json_from_string() alone for comparison,
 * and the SHA-1 with which agent/source.c recognises an unchanged
 * document.  Each is run N times; the best and the median run are printed
 * in ms and MB/s (10^6 bytes).
 *
 * model_parse() parses the whole document each time: no 'previous' model,
 * whose unchanged subnets it would share instead of parsing them (the
 * agent's case for a change; bench/bench-incremental times that), while
 * the model before is still alive, as in the agent.  Its first run is
 * printed apart ("cold"): it is the only one that takes all of its memory
 * from the kernel, page by page, which costs more than the parsing on a
 * virtual machine.
 *
 * usage: bench/bench-parse DOCUMENT [N [model]]
 * With "model", only model_parse() runs (for a profiler).
 * Documents with security groups come from tests/perf/topology.py. */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/util.h"
#include "sha1.h"
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

/* Compares two doubles for qsort(). */
static int
compare_doubles(const void *a_, const void *b_)
{
    const double *a = a_, *b = b_;
    return *a < *b ? -1 : *a > *b;
}

/* Prints the best and median of the 'n' times of 'times' (seconds, sorted
 * here) for 'what', over 'size' bytes. */
static void
report(const char *what, double *times, int n, size_t size)
{
    qsort(times, n, sizeof *times, compare_doubles);
    double best = times[0], median = times[n / 2];
    printf("%-18s best %8.2f ms %8.1f MB/s   median %8.2f ms %8.1f MB/s\n",
           what, best * 1e3, size / best / 1e6, median * 1e3,
           size / median / 1e6);
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc < 2) {
        ovs_fatal(0, "usage: %s DOCUMENT [N [model]]", argv[0]);
    }
    int n = argc > 2 ? atoi(argv[2]) : 5;
    if (n < 1) {
        ovs_fatal(0, "N must be at least 1");
    }

    FILE *stream = fopen(argv[1], "r");
    if (!stream) {
        ovs_fatal(errno, "%s: cannot open", argv[1]);
    }
    struct ds doc = DS_EMPTY_INITIALIZER;
    char buffer[65536];
    size_t n_read;
    while ((n_read = fread(buffer, 1, sizeof buffer, stream)) > 0) {
        ds_put_buffer(&doc, buffer, n_read);
    }
    if (ferror(stream)) {
        ovs_fatal(errno, "%s: cannot read", argv[1]);
    }
    fclose(stream);
    const char *text = ds_cstr(&doc);
    size_t size = doc.length;

    double *times = xcalloc(n + 1, sizeof *times);
    struct model *previous = NULL;
    for (int i = 0; i <= n; i++) {
        struct svec errors = SVEC_EMPTY_INITIALIZER;
        struct model *model;
        double t0 = now();
        char *error = model_parse(text, NULL, &model, &errors);
        times[i] = now() - t0;
        if (error || errors.n) {
            ovs_fatal(0, "%s: %s", argv[1], error ? error : errors.names[0]);
        }
        model_unref(previous);
        previous = model;
        svec_destroy(&errors);
    }
    size_t n_ports = 0;
    for (size_t j = 0; j < previous->n_subnets; j++) {
        n_ports += previous->subnets[j]->n_ports;
    }
    printf("%s: %.2f MB, %"PRIuSIZE" subnets, %"PRIuSIZE" VM ports\n",
           argv[1], size / 1e6, previous->n_subnets, n_ports);
    model_unref(previous);
    report("model_parse cold", times, 1, size);
    report("model_parse", times + 1, n, size);
    if (argc > 3 && !strcmp(argv[3], "model")) {
        free(times);
        ds_destroy(&doc);
        return 0;
    }

    for (int i = 0; i < n; i++) {
        double t0 = now();
        struct json *json = json_from_string(text);
        times[i] = now() - t0;
        json_destroy(json);
    }
    report("json_from_string", times, n, size);

    for (int i = 0; i < n; i++) {
        uint8_t digest[SHA1_DIGEST_SIZE];
        double t0 = now();
        sha1_bytes(text, size, digest);
        times[i] = now() - t0;
    }
    report("sha1_bytes", times, n, size);

    free(times);
    ds_destroy(&doc);
    return 0;
}
