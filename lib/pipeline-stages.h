/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_PIPELINE_STAGES_H
#define JSTACK_PIPELINE_STAGES_H 1

/* The pipeline's stages, one per stage family (pipeline-*.c), which
 * pipeline_compute() calls in this order.  Each reads the context and adds
 * to its table through the helpers of pipeline-ctx.h. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ds;
struct eth_addr;
struct model_port;
struct model_subnet;
struct pipeline_masked;
struct pipeline_sg_shared;
struct simap;
struct sset;
struct svec;
struct pipeline_ctx;
struct pipeline_port;
struct pipeline_subnet;

/* Id lookups, called while the context is built (pipeline-groups.c,
 * pipeline-meters.c). */
void pipeline_groups_assign(struct pipeline_ctx *);
bool pipeline_meter_assign(struct pipeline_ctx *, struct pipeline_port *);
bool pipeline_provider_assign(struct pipeline_ctx *,
                              struct pipeline_subnet *);

void pipeline_classify(struct pipeline_ctx *);      /* Table 0. */
void pipeline_port_security(struct pipeline_ctx *); /* Table 5. */
void pipeline_secgroups(struct pipeline_ctx *);     /* 10, 15, 50, 55. */
void pipeline_secgroups_flush(struct pipeline_ctx *);
void pipeline_dispatch(struct pipeline_ctx *);      /* Table 20. */
void pipeline_arp(struct pipeline_ctx *);           /* Table 25. */
void pipeline_punt(struct pipeline_ctx *);  /* Tables 30, 35, 36, 37. */
void pipeline_l3(struct pipeline_ctx *);            /* Table 40. */
void pipeline_l2(struct pipeline_ctx *);            /* Table 45. */
void pipeline_output(struct pipeline_ctx *);        /* Table 60. */
void pipeline_groups(struct pipeline_ctx *);        /* Groups. */
void pipeline_meters(struct pipeline_ctx *);        /* Meters. */

/* What the security-group stage shares between units
 * (pipeline-secgroup.c): pipeline-state.c keeps it up to date. */
void pipeline_secgroups_init(struct pipeline_sg_shared *);
void pipeline_secgroup_keys(struct pipeline_ctx *, const struct model_port *,
                            struct svec *keys, struct sset *groups);
void pipeline_secgroups_assign_ids(const struct svec *keys,
                                   struct simap *ids);
uint32_t pipeline_secgroup_home_id(const char *key);
void pipeline_secgroup_merge_members(const uint32_t *ips, size_t n_ips,
                                     struct pipeline_masked **prefixesp,
                                     size_t *n_prefixesp);

/* Provider (flat and VLAN) subnets' flows (pipeline-provider.c): the patch
 * port's classification (table 0) and the way to the physical network
 * (tables 45 and 60, the flood group's bucket). */
void pipeline_provider(struct pipeline_ctx *);
char *pipeline_provider_segment_key(const struct model_subnet *);
void pipeline_provider_l2(struct pipeline_ctx *,
                          const struct pipeline_subnet *);
void pipeline_provider_put_bucket(const struct pipeline_subnet *,
                                  struct ds *);

#endif /* lib/pipeline-stages.h */
