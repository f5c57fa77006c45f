/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_PIPELINE_H
#define JSTACK_PIPELINE_H 1

/* The OpenFlow pipeline of DESIGN.md section 5, computed as pure functions
 * of the model, the host view and the local facts.
 *
 * Each stage family lives in its own pipeline-*.c file and only adds to a
 * desired_table.  The same input always gives the same output. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/shash.h"
#include "openvswitch/types.h"
#include "packets.h"
#include "simap.h"
#include "sset.h"

struct desired_table;
struct host_view;
struct model;
struct svec;

/* OpenFlow tables of the pipeline. */
enum pipeline_table {
    PIPELINE_T_CLASSIFY = 0,
    PIPELINE_T_PORT_SECURITY = 5,
    PIPELINE_T_EGRESS_CT = 10,
    PIPELINE_T_EGRESS_SG = 15,
    PIPELINE_T_DISPATCH = 20,
    PIPELINE_T_ARP = 25,
    PIPELINE_T_DHCP = 30,
    PIPELINE_T_METADATA = 35,
    PIPELINE_T_METADATA_OUT = 36,
    PIPELINE_T_METADATA_REPLY = 37,
    PIPELINE_T_L3 = 40,
    PIPELINE_T_L2 = 45,
    PIPELINE_T_INGRESS_CT = 50,
    PIPELINE_T_INGRESS_SG = 55,
    PIPELINE_T_OUTPUT = 60,
};

/* Facts about this host that are not in the model: all owned by the caller
 * and only read by the pipeline. */
struct pipeline_facts {
    struct simap port_ofports;  /* Port id -> ofport of its local
                                 * interface; a local port missing here gets
                                 * no flows. */
    struct simap tunnel_ofports;    /* Remote tunnel IP ("10.0.0.3") ->
                                     * ofport of its vxlan port. */
    struct simap patch_ofports; /* Physical network -> ofport of the patch
                                 * port toward its provider bridge. */
    struct simap ct_zones;      /* Local VM port id -> its conntrack zone
                                 * (1..65535), used by both its egress
                                 * (table 10) and ingress (table 50)
                                 * conntrack; a port missing here has its
                                 * IP traffic dropped. */
    struct simap meter_ids;     /* "rate/<port id>" -> the meter of a local
                                 * port's rate limit.  A rate-limited port
                                 * missing here gets no flows yet.
                                 * "dhcp/<port id>" -> the meter of its
                                 * DHCP punt flow; a port missing here has
                                 * its DHCP requests dropped. */
    struct simap flood_groups;  /* Subnet id -> index k of its flood group
                                 * pair (PIPELINE_FLOOD_GROUP_BASE + 2k and
                                 * the next id).  A subnet missing here
                                 * floods nothing. */
    struct simap select_groups; /* ids_router_set_key() -> the select group
                                 * over those routers.  A subnet whose
                                 * router set is missing here sends nothing
                                 * to its gateway. */
    struct sset down_routers;   /* Tunnel IPs ("10.0.0.4") of the virtual
                                 * routers that do not answer their liveness
                                 * probes: they get no bucket in the select
                                 * groups, unless every router of a group
                                 * is down (pipeline_group_routers()). */
    uint32_t metadata_ofport;   /* Metadata tap's ofport, 0 if none. */
    struct eth_addr metadata_mac;       /* Metadata tap's MAC. */
    uint16_t metadata_port;     /* TCP port of the metadata proxy. */
    unsigned int dhcp_rate;     /* DHCP packets per second that each local
                                 * port may send to the agent
                                 * (jstack-dhcp-rate). */
    uint64_t version;           /* 0, or a number that its owner changes
                                 * whenever the facts change: two facts
                                 * with the same nonzero version are equal
                                 * without comparing them. */
};

void pipeline_facts_init(struct pipeline_facts *);
void pipeline_facts_destroy(struct pipeline_facts *);
void pipeline_facts_assign_ids(struct pipeline_facts *,
                               const struct host_view *);
void pipeline_facts_swap(struct pipeline_facts *, struct pipeline_facts *);
bool pipeline_facts_equal(const struct pipeline_facts *,
                          const struct pipeline_facts *);
bool pipeline_group_routers(const struct pipeline_facts *,
                            const ovs_be32 *routers, size_t n,
                            ovs_be32 *buckets, size_t *n_buckets);

/* Ranges of the ids that the agent allocates for the pipeline (lib/ids.h)
 * and persists.  Flood groups come in pairs (flood, flood-local): the agent
 * allocates an index k and the pair is PIPELINE_FLOOD_GROUP_BASE + 2k and
 * the id after it. */
#define PIPELINE_SELECT_GROUP_MIN 1
#define PIPELINE_SELECT_GROUP_MAX 0xffffffu
#define PIPELINE_FLOOD_GROUP_BASE 0x1000000u
#define PIPELINE_FLOOD_INDEX_MAX 0x3fffffu
#define PIPELINE_METER_MIN 1
#define PIPELINE_METER_MAX 0x3ffffu
#define PIPELINE_ZONE_MIN 1
#define PIPELINE_ZONE_MAX 0xffffu

/* DHCP packets per second and port punted to the agent, unless the facts
 * say otherwise (the default of jstack-dhcp-rate). */
#define PIPELINE_DHCP_RATE_DEFAULT 20

/* What one computation of the pipeline reads, all owned by the caller. */
struct pipeline_input {
    const struct model *model;
    const struct host_view *hv;         /* Built from 'model'. */
    const struct pipeline_facts *facts;
    const struct shash *segments;       /* See struct pipeline_ctx. */
};

struct host_view_port;
struct host_view_subnet;
struct model_port;
struct pipeline_log;
struct pipeline_sg_shared;

void pipeline_compute_unit(const struct pipeline_input *,
                           const struct host_view_subnet *,
                           const struct host_view_port *const *ports,
                           size_t n_ports, struct desired_table *,
                           struct pipeline_log *, const void *unit,
                           struct pipeline_sg_shared *, struct svec *warnings);
void pipeline_port_sg_keys(const struct pipeline_input *,
                           const struct model_port *,
                           struct pipeline_sg_shared *, struct svec *keys,
                           struct sset *groups);
void pipeline_flush_conjunctions(const struct pipeline_input *,
                                 struct desired_table *,
                                 struct pipeline_sg_shared *,
                                 struct svec *warnings);

/* A value/mask pair of an integer field: x matches if (x & mask) ==
 * value. */
struct pipeline_masked {
    uint32_t value;             /* Only bits set in 'mask' may be set. */
    uint32_t mask;              /* A prefix: ones, then zeros. */
};

/* The most pairs pipeline_range_to_masks() produces (for 32 bits: 62). */
#define PIPELINE_RANGE_MAX_MASKS 64

size_t pipeline_range_to_masks(uint32_t start, uint32_t end,
                               unsigned int bits,
                               struct pipeline_masked *masks);

/* The tables the agent owns: every flow in them that the agent did not put
 * there is removed. */
bool pipeline_owns_table(uint8_t table_id);

#endif /* lib/pipeline.h */
