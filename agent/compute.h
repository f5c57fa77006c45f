/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_COMPUTE_H
#define JSTACK_COMPUTE_H 1

/* The middle of the data flow: host state (host view and local facts) ->
 * the pipeline's desired flows.  It recomputes only when the host state
 * changed (or on request), and numbers each result.  It reads nothing
 * else: the plumbing that produces the facts runs beside it. */

#include <stdbool.h>
#include <stdint.h>

struct desired_table;
struct ds;
struct host_state;

struct compute;

struct compute *compute_create(void);
void compute_destroy(struct compute *);
void compute_run(struct compute *, const struct host_state *);
void compute_force(struct compute *);

bool compute_has_desired(const struct compute *);
const struct desired_table *compute_desired(const struct compute *);
uint64_t compute_desired_seqno(const struct compute *);
long long int compute_last_usec(const struct compute *);
bool compute_last_full(const struct compute *);
struct desired_table *compute_changes(struct compute *);
void compute_format_status(const struct compute *, struct ds *);

#endif /* agent/compute.h */
