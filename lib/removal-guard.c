/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "removal-guard.h"

#include "host-view.h"
#include "model.h"
#include "sset.h"

/* Fills in 'check' for replacing the document behind 'current' (this
 * host's view now) by 'next', for the host whose tunnel IP is 'local_ip':
 * the document is held if it removes every local port, or more than
 * 'max_removal_pct' percent of them.  A 'max_removal_pct' of 0 disables the
 * guard; a host without local ports has nothing to protect. */
void
removal_guard_check(const struct host_view *current,
                    const struct model *next, ovs_be32 local_ip,
                    unsigned int max_removal_pct,
                    struct removal_guard_check *check)
{
    struct sset kept = SSET_INITIALIZER(&kept);

    for (size_t i = 0; next && i < next->n_subnets; i++) {
        const struct model_subnet *subnet = next->subnets[i];
        for (size_t j = 0; j < subnet->n_ports; j++) {
            const struct model_port *port = &subnet->ports[j];
            if (port->host == local_ip) {
                sset_add(&kept, port->id);
            }
        }
    }

    check->n_before = current ? current->n_local_ports : 0;
    check->n_removed = 0;
    for (size_t i = 0; i < check->n_before; i++) {
        if (!sset_contains(&kept, current->local_ports[i].port->id)) {
            check->n_removed++;
        }
    }
    check->hold = (max_removal_pct && check->n_removed
                   && (check->n_removed == check->n_before
                       || (check->n_removed * 100
                           > (size_t) max_removal_pct * check->n_before)));
    sset_destroy(&kept);
}
