/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_COMPUTE_H
#define JSTACK_COMPUTE_H 1

/* The middle of the data flow: model -> host view, bridge plumbing -> local
 * facts, and both -> the pipeline's desired flows.  It recomputes only when
 * one of its inputs changed, and numbers each result. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct desired_table;
struct ds;
struct host_view;
struct model;
struct ovsdb_idl;
struct ovsdb_idl_txn;
struct pipeline_facts;

/* What compute_run() works from; all owned by the caller. */
struct compute_input {
    const struct model *model;  /* NULL until a document is known. */
    uint64_t model_seqno;       /* Changes whenever 'model' does. */
    struct ovsdb_idl *idl;      /* The local OVSDB. */
    struct ovsdb_idl_txn *txn;  /* This pass's transaction, or NULL. */
    const char *bridge;         /* Integration bridge. */
    ovs_be32 encap_ip;          /* This host's tunnel IP. */
    uint16_t metadata_port;     /* TCP port of the local metadata proxy,
                                 * 0 for the pipeline's default. */
};

struct compute;

struct compute *compute_create(void);
void compute_destroy(struct compute *);
void compute_run(struct compute *, const struct compute_input *);
void compute_force(struct compute *);

bool compute_has_desired(const struct compute *);
const struct desired_table *compute_desired(const struct compute *);
uint64_t compute_desired_seqno(const struct compute *);
void compute_format_ports(const struct compute *, struct ds *);
void compute_format_status(const struct compute *, struct ds *);

#endif /* agent/compute.h */
