/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_PIPELINE_CTX_H
#define JSTACK_PIPELINE_CTX_H 1

/* The context one pipeline_compute() call passes to every stage, and the
 * helpers the stages use to add flows, groups, meters and warnings
 * (pipeline-ctx.c).  pipeline.c builds the context and calls the stages
 * (pipeline-stages.h); the stages call only these helpers, never back into
 * pipeline.c.  Not for use outside the pipeline. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "compiler.h"
#include "openvswitch/hmap.h"
#include "desired.h"
#include "openvswitch/types.h"
#include "packets.h"
#include "pipeline.h"
#include "pipeline-flow.h"
#include "sset.h"
#include "simap.h"
#include "svec.h"

struct ds;
struct host_view;
struct host_view_subnet;
struct model;
struct model_port;
struct model_subnet;

/* The address of the metadata service, as VMs see it. */
#define PIPELINE_METADATA_IP "169.254.169.254"
#define PIPELINE_METADATA_ADDRESS 0xa9fea9feu   /* The same, as a number. */

/* What one unit of the pipeline (the host's own flows, or one subnet's)
 * added to a desired table, so that the unit can be taken back and
 * computed again alone (pipeline-state.c).  Entries are private to
 * pipeline-ctx.c. */
struct pipeline_log {
    struct pipeline_log_entry *entries; /* Owned array, in the order the
                                         * additions were made. */
    size_t n;                   /* Used elements of 'entries'. */
    size_t allocated;           /* Allocated elements of 'entries'. */
};

void pipeline_log_init(struct pipeline_log *);
void pipeline_log_destroy(struct pipeline_log *);
void pipeline_log_shrink(struct pipeline_log *);
void pipeline_log_undo(struct pipeline_log *, const void *unit,
                       struct desired_table *);

/* A local VM port that has an ofport, with what the stages need of it. */
struct pipeline_port {
    const struct model_port *port;      /* In the model. */
    const struct pipeline_subnet *subnet;       /* Its subnet, in the
                                                 * context's array. */
    uint32_t ofport;            /* Its interface's ofport (from the facts). */
    uint32_t zone;              /* Its conntrack zone (from the facts), 0 if
                                 * it has none yet (then its IP traffic is
                                 * dropped). */
    uint32_t meter_id;          /* Its rate-limit meter, 0 for none. */
    uint32_t dhcp_meter_id;     /* The meter of its DHCP punt flow, 0 if
                                 * its subnet is not served by DHCP or the
                                 * meter has no id yet (then its DHCP
                                 * requests are dropped). */
};

/* A subnet with local ports, with the ids and facts the stages need. */
struct pipeline_subnet {
    const struct host_view_subnet *hvs; /* In the host view. */
    const struct model_subnet *subnet;  /* hvs->subnet. */
    const struct pipeline_port **ports; /* Owned array of pointers into the
                                         * context's 'ports': the subnet's
                                         * local ports with an ofport. */
    size_t n_ports;
    uint32_t select_group;      /* ECMP group over the routers, 0 if the
                                 * subnet has no routers. */
    uint32_t flood_group;       /* Local ports and remote hosts. */
    uint32_t flood_local_group; /* Local ports only (for traffic that came
                                 * in through a tunnel or the patch
                                 * port). */
    uint32_t patch_ofport;      /* Provider subnets: the ofport of the patch
                                 * port to its physical network (from the
                                 * facts); 0 for overlay subnets. */
};

/* Everything one pipeline_compute() call works with.  The stages read all
 * of it and add to 'table' and 'warnings' only. */
struct pipeline_ctx {
    const struct model *model;  /* Not owned. */
    const struct host_view *hv; /* Not owned. */
    const struct pipeline_facts *facts; /* Not owned. */
    struct desired_table *table;        /* Not owned: the output. */
    struct svec warnings;       /* Owned: collected, then sorted, made
                                 * unique and handed to the caller. */
    struct pipeline_subnet *subnets;    /* Owned: the subnets of
                                         * hv->subnets that get flows, in
                                         * view order (a provider subnet
                                         * without a patch port gets
                                         * none). */
    size_t n_subnets;
    struct pipeline_port *ports;        /* Owned: local ports with an ofport,
                                         * in host view order. */
    size_t n_ports;
    bool host_scope;            /* Also add the host's own flows (those
                                 * of no subnet): true for the host unit,
                                 * whose 'subnets' is empty. */
    struct pipeline_log *log;   /* Not owned: every addition to 'table' is
                                 * recorded there. */
    const void *unit;           /* Not owned: the unit being computed, the
                                 * tag of its conjunction actions. */
    const struct shash *segments;       /* Not owned: the segment key
                                         * (pipeline_provider_segment_key())
                                         * of each provider subnet of the
                                         * host view -> the id of the first
                                         * subnet in view order on that
                                         * segment, the only one that gets
                                         * flows. */
    struct pipeline_sg_shared *sg;      /* Not owned: what the
                                         * security-group stage shares
                                         * between units. */
};

const struct desired_flow *pipeline_add_flow(
    struct pipeline_ctx *, enum desired_stage, enum desired_owner_kind,
    const char *owner_id, uint8_t table_id, uint16_t priority,
    const char *format, ...)
    OVS_PRINTF_FORMAT(7, 8);
const struct desired_flow *pipeline_add_built_flow(
    struct pipeline_ctx *, enum desired_stage, enum desired_owner_kind,
    const char *owner_id, const struct pipeline_flow *);
void pipeline_add_owner(struct pipeline_ctx *, const struct desired_flow *,
                        enum desired_owner_kind, const char *owner_id);
void pipeline_add_group(struct pipeline_ctx *, uint32_t group_id,
                        const char *spec);
void pipeline_add_meter(struct pipeline_ctx *, uint32_t meter_id,
                        const char *spec);
void pipeline_warn(struct pipeline_ctx *, const char *format, ...)
    OVS_PRINTF_FORMAT(2, 3);
bool pipeline_tunnel_ofport(struct pipeline_ctx *, ovs_be32 ip,
                            uint32_t *ofport);

/* The most conjunction() actions that one flow gets.  Each is 16 bytes in
 * a flow_mod, so 3000 of them (48,000 bytes) leave more than 17 KB of an
 * OpenFlow message (at most 65535 bytes, a bundle_add wrapping adds 16) for
 * the headers, the match and the instruction. */
#define PIPELINE_CONJ_MAX_ACTIONS 3000

/* Flows whose actions are conjunction() actions, collected per (table,
 * priority, match) so that several conjunctions that share a match become
 * one flow with several actions instead of conflicting flows.
 *
 * A flow never gets more than PIPELINE_CONJ_MAX_ACTIONS actions: when a
 * match collects more, the conjunctions of its (table, priority) are
 * spread over several priorities (tiers), conjunction id K at priority
 * 'priority' + K mod T with the fewest T that keeps every flow under the
 * bound.  All the clauses of one conjunction stay at one priority, as OVS
 * requires; a packet that satisfies no conjunction of a tier falls back to
 * the lower ones (the classifier retries the lower-priority flows with the
 * same match), so the tiers together match what one priority would. */
struct pipeline_conj_flows {
    struct hmap flows;          /* Contains struct pipeline_conj_flow. */
    unsigned int n_priorities;  /* The conjunctions added at priority P may
                                 * be spread over [P, P + n_priorities). */
    struct sset tiered_families;        /* "<table>/<priority>" of the
                                         * families the last flush spread
                                         * over tiers. */
    struct pipeline_conj_flow **dirty;  /* Owned array: the flows whose
                                         * actions changed since the last
                                         * flush, each once. */
    size_t n_dirty;
    size_t allocated_dirty;
    struct hmap owner_ids;      /* Contains the (private) struct
                                 * pipeline_conj_owner_id: one counted copy
                                 * of each owner id that its flows name, as
                                 * thousands of clause flows name the same
                                 * ports and rules. */
};

void pipeline_conj_init(struct pipeline_conj_flows *,
                        unsigned int n_priorities);
void pipeline_conj_destroy(struct pipeline_conj_flows *);
void pipeline_conj_add(struct pipeline_ctx *, struct pipeline_conj_flows *,
                       enum desired_stage, enum desired_owner_kind,
                       const char *owner_id, uint8_t table_id,
                       uint16_t priority, const struct minimatch *,
                       uint32_t id, unsigned int clause,
                       unsigned int n_clauses);
void pipeline_conj_flush(struct pipeline_ctx *, struct pipeline_conj_flows *);

/* A security group as the whole model defines it, with its members: kept
 * up to date by pipeline-state.c, read by the security-group stage. */
struct pipeline_sg_group {
    struct hmap_node node;      /* In pipeline_sg_shared 'groups', by
                                 * hash_string(id, 0). */
    char *id;                   /* Owned. */
    const struct model_secgroup *sg;    /* In the current model: its first
                                         * definition in document order,
                                         * NULL if none. */
    const struct model_subnet *subnet;  /* The subnet that defines 'sg'. */
    uint32_t definition_hash;   /* Of 'subnet''s id and 'sg''s rules, to
                                 * see a changed definition. */
    struct hmap members;        /* Contains struct pipeline_sg_member: the
                                 * fixed IPs of its member VM ports, in every
                                 * subnet, counted. */
    struct pipeline_masked *prefixes;   /* Owned: 'members' merged into the
                                         * fewest prefixes, ascending. */
    size_t n_prefixes;
    bool changed;               /* Its definition or members changed in the
                                 * update under way. */
    bool defined;               /* The update under way found its
                                 * definition. */
    bool members_changed;       /* An address joined or left 'members' in
                                 * the update under way. */
};

/* One member address of a group, with the number of ports that have it. */
struct pipeline_sg_member {
    struct hmap_node node;      /* In 'members', by hash_int(ip, 0). */
    uint32_t ip;                /* Host byte order. */
    unsigned int count;         /* Member ports with this fixed IP. */
};

/* What the security-group stage shares between units, owned by
 * pipeline-state.c. */
struct pipeline_sg_shared {
    struct hmap groups;         /* Contains struct pipeline_sg_group. */
    struct simap conj_ids;      /* Rule key -> its conjunction id, for
                                 * every local port of the host view. */
    struct pipeline_conj_flows rule_conj;       /* The rules' clause
                                                 * flows. */
    struct pipeline_conj_flows check_conj;      /* The member checks'
                                                 * clause flows. */
};

const struct pipeline_sg_group *pipeline_sg_find_group(
    const struct pipeline_sg_shared *, const char *id);

#endif /* lib/pipeline-ctx.h */
