/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_REMOVAL_GUARD_H
#define JSTACK_REMOVAL_GUARD_H 1

/* The guard against wiping a host: a new document that would remove more
 * than a share of this host's ports, or all of them, is held until it has
 * stayed the same for a while or an operator accepts it, so a controller
 * glitch (an empty or half document for a few polls) cuts no VM off while a
 * real deletion still goes through.  This is the pure decision; the agent
 * keeps the clock and the held document. */

#include <stdbool.h>
#include <stddef.h>
#include "openvswitch/types.h"

struct host_view;
struct model;

/* What a new document would do to this host's ports. */
struct removal_guard_check {
    size_t n_before;            /* Local ports now. */
    size_t n_removed;           /* Of those, how many the new document no
                                 * longer has on this host. */
    bool hold;                  /* The document must be held. */
};

void removal_guard_check(const struct host_view *current,
                         const struct model *next, ovs_be32 local_ip,
                         unsigned int max_removal_pct,
                         struct removal_guard_check *);

#endif /* lib/removal-guard.h */
