/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_PIPELINE_FLOW_H
#define JSTACK_PIPELINE_FLOW_H 1

/* A flow as a stage builds it from OVS's own structures, a match and a list
 * of actions (ofpacts), for pipeline_add_built_flow() (pipeline-ctx.h):
 * nothing is printed and parsed back.  The stages build this way every flow
 * they add once per port, subnet, router or rule, which is nearly all of a
 * pipeline; the host's own handful of flows and the four of each provider
 * network are written as text (pipeline_add_flow()).
 *
 * The match is set with OVS's match_set_*() functions, prerequisites
 * included (dl_type before an IPv4 field, nw_proto before a port), exactly
 * as OVS's parser would set them from the flow's text; the actions with
 * the helpers below, in the order OpenFlow 1.3 wants them: meter, apply
 * actions, write_metadata, goto_table.  The unit tests parse every flow's
 * text back and check that it gives the same structures. */

#include <stdint.h>
#include "openvswitch/match.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/types.h"
#include "packets.h"

struct pipeline_flow {
    uint8_t table_id;           /* The OpenFlow table it goes into. */
    uint16_t priority;          /* Its priority in that table. */
    struct match match;         /* Starts as a catch-all. */
    struct ofpbuf ofpacts;      /* The actions, in 'stub' while they fit;
                                 * owned (pipeline_flow_uninit()). */
    uint64_t stub[512 / 8];     /* The first bytes of 'ofpacts'. */
};

void pipeline_flow_init(struct pipeline_flow *, uint8_t table_id,
                        uint16_t priority);
void pipeline_flow_uninit(struct pipeline_flow *);

void pipeline_flow_meter(struct pipeline_flow *, uint32_t meter_id);
void pipeline_flow_set_field(struct pipeline_flow *, enum mf_field_id,
                             const void *value);
void pipeline_flow_set_u32(struct pipeline_flow *, enum mf_field_id,
                           uint32_t value);
void pipeline_flow_move(struct pipeline_flow *, enum mf_field_id src,
                        enum mf_field_id dst);
void pipeline_flow_output(struct pipeline_flow *, uint32_t ofport);
void pipeline_flow_output_field(struct pipeline_flow *, enum mf_field_id);
void pipeline_flow_controller(struct pipeline_flow *);
void pipeline_flow_group(struct pipeline_flow *, uint32_t group_id);
void pipeline_flow_ct(struct pipeline_flow *, uint16_t zone,
                      uint8_t recirc_table);
void pipeline_flow_ct_commit(struct pipeline_flow *, uint16_t zone,
                             uint32_t mark);
void pipeline_flow_arp_reply(struct pipeline_flow *, struct eth_addr mac,
                             ovs_be32 ip);
void pipeline_flow_write_metadata(struct pipeline_flow *, uint32_t metadata);
void pipeline_flow_goto(struct pipeline_flow *, uint8_t table_id);

#endif /* pipeline-flow.h */
