/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_IDS_H
#define JSTACK_IDS_H 1

/* Stable ids for the objects the pipeline numbers (conntrack zones, meters,
 * groups): each owner keeps the id it was given until it goes away, so
 * adding or removing one object never renumbers another (DESIGN.md
 * section 5).  The agent persists the ids in OVSDB; this module only
 * chooses new ones. */

#include <stdint.h>
#include "svec.h"

struct host_view;
struct model_subnet;
struct simap;

/* The owners of every kind of id that one host view needs, each list in
 * view order, distinct. */
struct ids_owners {
    struct svec zones;          /* Local port ids: a conntrack zone each. */
    struct svec meters;         /* "rate/<port id>" of rate-limited local
                                 * ports and "dhcp/<port id>" of local ports
                                 * of subnets served by DHCP: a meter
                                 * each. */
    struct svec flood_groups;   /* Subnet ids: a flood group pair each. */
    struct svec select_groups;  /* ids_router_set_key()s of the overlay
                                 * subnets with routers (provider subnets
                                 * use none): a select group each. */
};

void ids_owners_collect(const struct host_view *, struct ids_owners *);
void ids_owners_destroy(struct ids_owners *);

void ids_assign(struct simap *ids, const struct svec *owners,
                uint32_t min, uint32_t max, struct svec *added,
                struct svec *exhausted);

char *ids_router_set_key(const struct model_subnet *);

#endif /* lib/ids.h */
