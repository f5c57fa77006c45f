/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_SOURCE_H
#define JSTACK_SOURCE_H 1

/* The desired-state source: polls the controller's document (DESIGN.md
 * section 4) at an http://, https:// or file:// URL through libcurl's multi
 * interface, driven from the OVS poll loop, and keeps the last good model.
 *
 * Requests are conditional (ETag, Last-Modified); a 304, or a body
 * byte-identical to the last one, costs no parsing.  A failing controller is
 * retried with exponential backoff and jitter.  Every accepted document is
 * also written atomically to <state_dir>/subnets.json, and source_create()
 * loads that file, so a restart while the controller is down still knows
 * the network. */

#include <stddef.h>
#include <stdint.h>

struct ds;
struct model;

/* How to reach the controller.  Every string belongs to the caller; NULL
 * and "" both mean "not set". */
struct source_options {
    const char *url;            /* http://, https:// or file:// URL. */
    unsigned int poll_interval; /* Milliseconds between requests while the
                                 * controller answers. */
    unsigned int timeout;       /* Milliseconds a request may take. */
    size_t max_document;        /* Largest document accepted, bytes; a
                                 * larger one is refused while it arrives,
                                 * never read whole. */
    const char *ca_file;        /* CA bundle that verifies the server,
                                 * or the system's. */
    const char *cert_file;      /* Client certificate (PEM), or none. */
    const char *key_file;       /* Its private key, or in 'cert_file'. */
};

/* When a model's document arrived, and what parsing it cost. */
struct source_timing {
    long long int received;     /* time_usec() when its bytes were all in,
                                 * before any digest or parsing. */
    long long int parse_us;     /* Microseconds spent parsing and
                                 * validating them. */
};

struct source;

struct source *source_create(const char *state_dir,
                             const struct source_options *);
void source_destroy(struct source *);
void source_set_options(struct source *, const struct source_options *);
void source_run(struct source *);
void source_wait(struct source *);

const struct model *source_model(const struct source *);
uint64_t source_model_seqno(const struct source *);
struct source_timing source_model_timing(const struct source *);
void source_format_last_success(const struct source *, struct ds *);
void source_format_status(const struct source *, struct ds *);

#endif /* agent/source.h */
