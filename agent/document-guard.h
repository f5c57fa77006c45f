/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_DOCUMENT_GUARD_H
#define JSTACK_DOCUMENT_GUARD_H 1

/* Holds back a controller document that would remove too many of this
 * host's ports (lib/removal-guard.h decides) until the same document has
 * been seen for the confirmation time or an operator accepts it with
 * "source/accept".  It sits between the source and the host state: the
 * agent asks it whether the source's current model may replace the one the
 * host state works from. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct ds;
struct host_state;
struct model;

struct document_guard;

struct document_guard *document_guard_create(void);
void document_guard_destroy(struct document_guard *);
bool document_guard_allows(struct document_guard *,
                           const struct host_state *,
                           const struct model *, uint64_t model_seqno,
                           ovs_be32 local_ip, unsigned int max_removal_pct,
                           unsigned int confirm_s, long long int now);
void document_guard_wait(const struct document_guard *);
bool document_guard_accept(struct document_guard *);
void document_guard_format_status(const struct document_guard *,
                                  long long int now, struct ds *);

#endif /* agent/document-guard.h */
