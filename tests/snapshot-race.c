/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Two threads read the host snapshot while the main thread keeps replacing
 * it, as the metadata server's threads and the main loop do.  Run under
 * Helgrind (tests/functional/test-snapshot-threads.sh), which must report
 * no race; it also checks what the readers see.
 *
 * usage: snapshot-race DOCUMENT ITERATIONS */

#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-publisher.h"
#include "host-snapshot.h"
#include "host-state.h"
#include "model.h"
#include "openvswitch/util.h"
#include "pipeline.h"
#include "svec.h"
#include "util.h"

/* What one reader thread works with. */
struct reader {
    struct host_publisher *pub;         /* Shared, not owned. */
    uint32_t ofport;                    /* The port it looks up. */
    unsigned int iterations;
    unsigned int n_found;               /* Lookups that found the port. */
    unsigned int n_bad;                 /* Lookups that saw wrong data. */
};

/* Thread body: looks the port up in the current snapshot again and
 * again. */
static void *
reader_main(void *reader_)
{
    struct reader *reader = reader_;

    for (unsigned int i = 0; i < reader->iterations; i++) {
        struct host_snapshot *snapshot = host_publisher_acquire(reader->pub);
        const struct host_snapshot_port *sp
            = host_snapshot_find(snapshot, reader->ofport);
        if (sp) {
            reader->n_found++;
            if (sp->ofport != reader->ofport || !strlen(sp->port_id)
                || !sp->fixed_ip) {
                reader->n_bad++;
            }
        }
        host_publisher_release(reader->pub, snapshot);
    }
    return NULL;
}

int
main(int argc, char *argv[])
{
    if (argc != 3) {
        ovs_fatal(0, "usage: %s DOCUMENT ITERATIONS", argv[0]);
    }
    char *text;
    size_t size;
    FILE *file = fopen(argv[1], "r");
    if (!file) {
        ovs_fatal(errno, "%s", argv[1]);
    }
    text = xmalloc(1 << 20);
    size = fread(text, 1, (1 << 20) - 1, file);
    text[size] = '\0';
    fclose(file);
    unsigned int iterations = atoi(argv[2]);

    struct model *model;
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    char *error = model_parse(text, NULL, &model, &errors);
    if (error) {
        ovs_fatal(0, "%s: %s", argv[1], error);
    }
    free(text);
    svec_destroy(&errors);

    struct host_state state;
    host_state_init(&state);
    ovs_be32 local_ip = htonl(0x0a0a0a02);
    host_state_set_model(&state, model, 1, local_ip);
    if (state.view.n_local_ports < 1) {
        ovs_fatal(0, "%s: no local port on 10.10.10.2", argv[1]);
    }
    const char *port_id = state.view.local_ports[0].port->id;

    /* The first snapshot is there before the readers start. */
    struct host_publisher *pub = host_publisher_create();
    struct pipeline_facts facts;
    pipeline_facts_init(&facts);
    simap_put(&facts.port_ofports, port_id, 3);
    host_state_set_facts(&state, &facts);
    pipeline_facts_destroy(&facts);
    host_publisher_publish(pub, host_snapshot_create(&state));

    struct reader readers[2];
    pthread_t threads[2];
    for (size_t i = 0; i < 2; i++) {
        readers[i] = (struct reader) {
            .pub = pub, .ofport = 3, .iterations = iterations,
        };
        if (pthread_create(&threads[i], NULL, reader_main, &readers[i])) {
            ovs_fatal(0, "cannot create a thread");
        }
    }

    /* The main loop: the port moves between ofports 3 and 4, and each
     * change is published. */
    for (unsigned int i = 1; i <= iterations; i++) {
        pipeline_facts_init(&facts);
        simap_put(&facts.port_ofports, port_id, 3 + i % 2);
        host_state_set_facts(&state, &facts);
        pipeline_facts_destroy(&facts);
        host_publisher_publish(pub, host_snapshot_create(&state));
    }

    int status = 0;
    for (size_t i = 0; i < 2; i++) {
        /* Found in the first snapshot at least: the lookups worked. */
        pthread_join(threads[i], NULL);
        printf("reader %"PRIuSIZE": %u lookups, %u found, %u bad\n", i,
               iterations, readers[i].n_found, readers[i].n_bad);
        if (readers[i].n_bad || !readers[i].n_found) {
            status = 1;
        }
    }
    host_publisher_destroy(pub);
    host_state_destroy(&state);
    model_unref(model);
    return status;
}
