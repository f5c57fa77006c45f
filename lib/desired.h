/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_DESIRED_H
#define JSTACK_DESIRED_H 1

/* The desired flows, groups and meters of one bridge: what the pipeline
 * computes and what ofctrl makes the switch hold.
 *
 * Flows are kept parsed (OVS's struct minimatch and ofpacts), so that two
 * tables can be compared exactly and the switch's own dump can be loaded into
 * the same structure.  A flow's identity is (table_id, priority, match); its
 * value is (cookie, actions).  The table owns every entry. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"

struct ds;
struct ofputil_group_mod;
struct ofputil_meter_config;

/* Cookie layout: which stage made a flow, and for which object.
 *
 *   bits 63..56  DESIRED_COOKIE_MAGIC, marks a flow as jstack-agent's;
 *   bits 55..48  the stage (enum desired_stage);
 *   bits 47..44  the kind of the owning object (enum desired_owner_kind);
 *   bits 43..0   a 44-bit hash of the owning object's id.
 *
 * A cookie names the owner that added its flow first.  The table's owner
 * index (desired_table_explain_cookie()) names every owner of the flows
 * with that cookie, also when several objects share one flow (conjunction
 * clauses) or, rarely, two ids hash alike. */
#define DESIRED_COOKIE_MAGIC 0x6aULL    /* "j" */

/* The stages that produce flows; the number goes into the cookie. */
enum desired_stage {
    DESIRED_STAGE_CLASSIFY = 1,     /* Table 0. */
    DESIRED_STAGE_PORT_SECURITY,    /* Table 5. */
    DESIRED_STAGE_EGRESS_SG,        /* Tables 10, 15. */
    DESIRED_STAGE_DISPATCH,         /* Table 20. */
    DESIRED_STAGE_ARP,              /* Table 25. */
    DESIRED_STAGE_DHCP,             /* Table 30. */
    DESIRED_STAGE_METADATA,         /* Tables 35, 36, 37. */
    DESIRED_STAGE_L3,               /* Table 40. */
    DESIRED_STAGE_L2,               /* Table 45. */
    DESIRED_STAGE_INGRESS_SG,       /* Tables 50, 55. */
    DESIRED_STAGE_OUTPUT,           /* Table 60. */
    DESIRED_STAGE_VR_PROBE,         /* Table 0 probe punts. */
    DESIRED_STAGE_PROVIDER,         /* Provider-network flows. */
};

/* The kinds of object that own flows; the number goes into the cookie. */
enum desired_owner_kind {
    DESIRED_OWNER_HOST = 0,     /* The host's baseline flows; id "". */
    DESIRED_OWNER_SUBNET,       /* A subnet, by id. */
    DESIRED_OWNER_PORT,         /* A port (VM, gateway, DHCP), by id. */
    DESIRED_OWNER_SECGROUP,     /* A security group, by id. */
    DESIRED_OWNER_SG_RULE,      /* A security-group rule, by
                                 * "<group id>/<rule text>". */
    DESIRED_OWNER_ROUTERS,      /* A set of virtual routers, by
                                 * ids_router_set_key(). */
};

const char *desired_stage_name(enum desired_stage);
const char *desired_owner_kind_name(enum desired_owner_kind);
int desired_owner_cmp(enum desired_owner_kind, const char *id,
                      enum desired_owner_kind, const char *other_id);
int desired_owner_ptr_cmp(const void *, const void *);
uint64_t desired_cookie(enum desired_stage, enum desired_owner_kind,
                        const char *owner_id);

/* One flow. */
struct desired_flow {
    struct hmap_node node;      /* In desired_table 'flows', hashed on
                                 * table_id, priority and match. */
    uint8_t table_id;
    uint16_t priority;
    unsigned int n_refs;        /* In a desired table: how many times the
                                 * pipeline added this flow (identical flows
                                 * from several objects); it leaves the table
                                 * with the last desired_table_unref_flow().
                                 * Unused in the installed mirror.  (Here,
                                 * before 'cookie', so that the struct has no
                                 * padding.) */
    uint64_t cookie;
    struct minimatch match;     /* Read-only, shared with the flow's
                                 * clones (desired_flow_clone()): freed with
                                 * the last of them. */
    struct ofpact *ofpacts;     /* Read-only, shared like 'match'. */
    size_t ofpacts_len;
};

/* One group (select over VR tunnels, or a subnet's flood group). */
struct desired_group {
    struct hmap_node node;      /* In desired_table 'groups', by group_id. */
    uint32_t group_id;
    char *spec;                 /* Owned: canonical text as printed by
                                 * "ovs-ofctl -O OpenFlow13 dump-groups",
                                 * without "group_id=N,". */
    unsigned int n_refs;        /* As in struct desired_flow. */
};

/* One meter (a port's rate limit). */
struct desired_meter {
    struct hmap_node node;      /* In desired_table 'meters', by meter_id. */
    uint32_t meter_id;
    char *spec;                 /* Owned: canonical text as printed by
                                 * "ovs-ofctl -O OpenFlow13 dump-meters",
                                 * without "meter=N ". */
    unsigned int n_refs;        /* As in struct desired_flow. */
};

/* One object that owns flows of a desired table, in its owner index. */
struct desired_owner {
    struct hmap_node node;      /* In desired_table 'owners', by kind and
                                 * id. */
    enum desired_owner_kind kind;
    char *id;                   /* Owned. */
    struct hmap flows;          /* Contains struct desired_owner_flow: the
                                 * table's flows this owner made or shares,
                                 * each counted. */
};

/* One flow of an owner, with how many times the owner added it. */
struct desired_owner_flow {
    struct hmap_node node;      /* In desired_owner 'flows', by
                                 * hash_pointer(flow, 0). */
    const struct desired_flow *flow;    /* In the table. */
    unsigned int count;         /* Additions not yet removed. */
};

/* The owners of the flows that carry one cookie. */
struct desired_cookie_owners {
    struct hmap_node node;      /* In desired_table 'cookies', by cookie. */
    uint64_t cookie;
    const struct desired_owner **owners;        /* Owned array of pointers
                                                 * into the table's owner
                                                 * index, distinct. */
    size_t *n_flows;            /* Owned array: owners[i]'s flows with this
                                 * cookie. */
    size_t n_owners;
    size_t allocated_owners;
};

/* A whole desired (or installed) state of one bridge.  A desired table also
 * has an owner index (owner -> flows, cookie -> owners); the installed
 * mirror has none. */
struct desired_table {
    struct hmap flows;          /* Contains struct desired_flow. */
    struct hmap groups;         /* Contains struct desired_group. */
    struct hmap meters;         /* Contains struct desired_meter. */
    struct hmap owners;         /* Contains struct desired_owner. */
    struct hmap cookies;        /* Contains struct desired_cookie_owners. */
    struct desired_table *tracker;      /* Not owned, may be NULL: gets the
                                         * identity of every flow (with its
                                         * last actions), group and meter
                                         * (with an empty spec) that the
                                         * pipeline added or removed since
                                         * its owner last emptied it, so
                                         * that ofctrl diffs only those. */
    bool untracked;             /* In a tracker: some changes were not
                                 * recorded (a full computation), so the
                                 * whole table must be compared. */
};

void desired_table_init(struct desired_table *);
void desired_table_destroy(struct desired_table *);
void desired_table_clear(struct desired_table *);
void desired_table_swap(struct desired_table *, struct desired_table *);
void desired_table_track(struct desired_table *, struct desired_table *);

char *desired_table_add_flow(struct desired_table *, uint8_t table_id,
                             uint16_t priority, uint64_t cookie,
                             const char *match, const char *actions,
                             const struct desired_flow **flowp)
    OVS_WARN_UNUSED_RESULT;
char *desired_table_add_flow_ofpacts(struct desired_table *,
                                     uint8_t table_id, uint16_t priority,
                                     uint64_t cookie,
                                     const struct match *,
                                     const struct ofpact *,
                                     size_t ofpacts_len,
                                     const struct desired_flow **flowp)
    OVS_WARN_UNUSED_RESULT;
const struct desired_owner *desired_table_add_owner(
    struct desired_table *, const struct desired_flow *,
    enum desired_owner_kind, const char *id);
void desired_table_set_flow_actions(struct desired_table *,
                                    const struct desired_flow *,
                                    const struct ofpact *,
                                    size_t ofpacts_len);
void desired_table_remove_owner(struct desired_table *,
                                const struct desired_flow *,
                                const struct desired_owner *);
void desired_table_unref_flow(struct desired_table *,
                              const struct desired_flow *);
void desired_table_unref_group(struct desired_table *, uint32_t group_id);
void desired_table_unref_meter(struct desired_table *, uint32_t meter_id);
bool desired_owner_has_flow(const struct desired_owner *,
                            const struct desired_flow *);
const struct desired_owner *desired_table_find_owner(
    const struct desired_table *, enum desired_owner_kind, const char *id);
const struct desired_cookie_owners *desired_table_explain_cookie(
    const struct desired_table *, uint64_t cookie);
char *desired_table_add_group(struct desired_table *, uint32_t group_id,
                              const char *spec) OVS_WARN_UNUSED_RESULT;
char *desired_table_add_meter(struct desired_table *, uint32_t meter_id,
                              const char *spec) OVS_WARN_UNUSED_RESULT;

struct desired_flow *desired_table_find_flow(const struct desired_table *,
                                             uint8_t table_id,
                                             uint16_t priority,
                                             const struct minimatch *);
bool desired_flow_actions_equal(const struct desired_flow *,
                                const struct desired_flow *);

void desired_flow_format(const struct desired_flow *, struct ds *);
void desired_format_group_spec(struct ds *, const struct ofputil_group_mod *);
void desired_format_meter_spec(struct ds *,
                               const struct ofputil_meter_config *);
void desired_table_format(const struct desired_table *, struct ds *);

/* Editing a table entry by entry: ofctrl keeps its mirror of the switch
 * with these. */
struct desired_flow *desired_flow_create(uint8_t table_id,
                                         uint16_t priority, uint64_t cookie,
                                         struct minimatch *,
                                         const struct ofpact *,
                                         size_t ofpacts_len);
struct desired_flow *desired_flow_clone(const struct desired_flow *);
void desired_flow_destroy(struct desired_flow *);
void desired_table_insert_flow(struct desired_table *, struct desired_flow *);
void desired_table_remove_flow(struct desired_table *,
                               const struct desired_flow *);
const struct desired_group *desired_table_find_group(
    const struct desired_table *, uint32_t group_id);
void desired_table_set_group(struct desired_table *, uint32_t group_id,
                             const char *spec);
void desired_table_remove_group(struct desired_table *, uint32_t group_id);
const struct desired_meter *desired_table_find_meter(
    const struct desired_table *, uint32_t meter_id);
void desired_table_set_meter(struct desired_table *, uint32_t meter_id,
                             const char *spec);
void desired_table_remove_meter(struct desired_table *, uint32_t meter_id);

#endif /* lib/desired.h */
