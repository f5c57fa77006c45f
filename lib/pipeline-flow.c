/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Building a flow from OVS's structures (see pipeline-flow.h).  Each
 * action helper appends what OVS's parser appends for the action's text,
 * which its comment gives. */

#include <config.h>

#include "pipeline-flow.h"

#include <string.h>

#include "flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/util.h"

/* Starts 'f' as a flow of 'table_id' at 'priority' that matches every
 * packet and has no actions.  The caller frees it with
 * pipeline_flow_uninit(). */
void
pipeline_flow_init(struct pipeline_flow *f, uint8_t table_id,
                   uint16_t priority)
{
    f->table_id = table_id;
    f->priority = priority;
    match_init_catchall(&f->match);
    ofpbuf_use_stub(&f->ofpacts, f->stub, sizeof f->stub);
}

/* Frees what 'f' owns. */
void
pipeline_flow_uninit(struct pipeline_flow *f)
{
    ofpbuf_uninit(&f->ofpacts);
}

/* "meter:<meter_id>". */
void
pipeline_flow_meter(struct pipeline_flow *f, uint32_t meter_id)
{
    ofpact_put_METER(&f->ofpacts)->meter_id = meter_id;
}

/* "set_field:<value>-><field>", with the whole field: 'value' points to as
 * many bytes as the field has, in network byte order.  (The padding after
 * the value and the mask is zeroed, which ofpact_put_set_field() with a
 * value does not do.) */
void
pipeline_flow_set_field(struct pipeline_flow *f, enum mf_field_id field,
                        const void *value)
{
    const struct mf_field *mf = mf_from_id(field);
    struct ofpact_set_field *sf = ofpact_put_set_field(&f->ofpacts, mf, NULL,
                                                       NULL);
    memcpy(sf->value, value, mf->n_bytes);
    memset(ofpact_set_field_mask(sf), 0xff, mf->n_bytes);
}

/* "set_field:<value>-><field>" for a 32-bit 'field' (a register, ct_mark,
 * an IPv4 address in host byte order) or a wider one ('value' extended with
 * zeros, as tun_id is set from a VNI). */
void
pipeline_flow_set_u32(struct pipeline_flow *f, enum mf_field_id field,
                      uint32_t value)
{
    const struct mf_field *mf = mf_from_id(field);
    union mf_value v;
    ovs_be32 be = htonl(value);
    memset(&v, 0, sizeof v);
    ovs_assert(mf->n_bytes >= sizeof be);
    memcpy(&v.b[mf->n_bytes - sizeof be], &be, sizeof be);
    pipeline_flow_set_field(f, field, &v);
}

/* "move:<src>[]-><dst>[]" for two fields of the same width. */
void
pipeline_flow_move(struct pipeline_flow *f, enum mf_field_id src,
                   enum mf_field_id dst)
{
    struct ofpact_reg_move *move = ofpact_put_REG_MOVE(&f->ofpacts);
    move->src.field = mf_from_id(src);
    move->src.ofs = 0;
    move->src.n_bits = move->src.field->n_bits;
    move->dst.field = mf_from_id(dst);
    move->dst.ofs = 0;
    move->dst.n_bits = move->dst.field->n_bits;
    ovs_assert(move->src.n_bits == move->dst.n_bits);
}

/* "output:<ofport>" (an OpenFlow port number, at most 16 bits as OVS
 * numbers its ports). */
void
pipeline_flow_output(struct pipeline_flow *f, uint32_t ofport)
{
    struct ofpact_output *output = ofpact_put_OUTPUT(&f->ofpacts);
    output->port = u16_to_ofp(ofport);
    output->max_len = 0;
}

/* "output:<field>[]": to the port that the whole 'field' holds. */
void
pipeline_flow_output_field(struct pipeline_flow *f, enum mf_field_id field)
{
    struct ofpact_output_reg *output = ofpact_put_OUTPUT_REG(&f->ofpacts);
    output->max_len = UINT16_MAX;
    output->src.field = mf_from_id(field);
    output->src.ofs = 0;
    output->src.n_bits = output->src.field->n_bits;
}

/* "CONTROLLER:65535": the whole packet to the controller. */
void
pipeline_flow_controller(struct pipeline_flow *f)
{
    struct ofpact_output *output = ofpact_put_OUTPUT(&f->ofpacts);
    output->port = OFPP_CONTROLLER;
    output->max_len = UINT16_MAX;
}

/* "group:<group_id>". */
void
pipeline_flow_group(struct pipeline_flow *f, uint32_t group_id)
{
    ofpact_put_GROUP(&f->ofpacts)->group_id = group_id;
}

/* Appends a ct action in 'zone' with 'flags', continuing in 'recirc_table'
 * (NX_CT_RECIRC_NONE for none), and returns its offset in the actions, for
 * nested actions and ofpact_finish_CT(). */
static size_t
pipeline_flow_put_ct(struct pipeline_flow *f, uint16_t flags, uint16_t zone,
                     uint8_t recirc_table)
{
    size_t offset = f->ofpacts.size;
    struct ofpact_conntrack *ct = ofpact_put_CT(&f->ofpacts);
    ct->flags = flags;
    ct->zone_imm = zone;
    ct->recirc_table = recirc_table;
    return offset;
}

/* Ends the ct action at 'offset' in 'f''s actions after its nested
 * actions. */
static void
pipeline_flow_finish_ct(struct pipeline_flow *f, size_t offset)
{
    struct ofpact_conntrack *ct = ofpbuf_at_assert(&f->ofpacts, offset,
                                                   sizeof *ct);
    f->ofpacts.header = ct;
    ofpact_finish_CT(&f->ofpacts, &ct);
}

/* "ct(table=<recirc_table>,zone=<zone>)". */
void
pipeline_flow_ct(struct pipeline_flow *f, uint16_t zone, uint8_t recirc_table)
{
    pipeline_flow_finish_ct(f, pipeline_flow_put_ct(f, 0, zone,
                                                    recirc_table));
}

/* "ct(commit,zone=<zone>,exec(set_field:<mark>->ct_mark))". */
void
pipeline_flow_ct_commit(struct pipeline_flow *f, uint16_t zone,
                        uint32_t mark)
{
    size_t offset = pipeline_flow_put_ct(f, NX_CT_F_COMMIT, zone,
                                         NX_CT_RECIRC_NONE);
    pipeline_flow_set_u32(f, MFF_CT_MARK, mark);
    pipeline_flow_finish_ct(f, offset);
}

/* The actions that turn an ARP request into the reply that 'mac' has 'ip'
 * and send it back where it came from:
 * "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:<mac>->eth_src,
 * set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],
 * set_field:<mac>->arp_sha,move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],
 * set_field:<ip>->arp_spa,IN_PORT". */
void
pipeline_flow_arp_reply(struct pipeline_flow *f, struct eth_addr mac,
                        ovs_be32 ip)
{
    ovs_be16 reply = htons(ARP_OP_REPLY);

    pipeline_flow_move(f, MFF_ETH_SRC, MFF_ETH_DST);
    pipeline_flow_set_field(f, MFF_ETH_SRC, &mac);
    pipeline_flow_set_field(f, MFF_ARP_OP, &reply);
    pipeline_flow_move(f, MFF_ARP_SHA, MFF_ARP_THA);
    pipeline_flow_set_field(f, MFF_ARP_SHA, &mac);
    pipeline_flow_move(f, MFF_ARP_SPA, MFF_ARP_TPA);
    pipeline_flow_set_field(f, MFF_ARP_SPA, &ip);
    pipeline_flow_output(f, ofp_to_u16(OFPP_IN_PORT));
}

/* "write_metadata:<metadata>/0xffffffff": the low 32 bits of the metadata
 * register, which hold a subnet's metadata. */
void
pipeline_flow_write_metadata(struct pipeline_flow *f, uint32_t metadata)
{
    struct ofpact_metadata *om = ofpact_put_WRITE_METADATA(&f->ofpacts);
    om->metadata = htonll(metadata);
    om->mask = htonll(UINT32_MAX);
}

/* "goto_table:<table_id>". */
void
pipeline_flow_goto(struct pipeline_flow *f, uint8_t table_id)
{
    ofpact_put_GOTO_TABLE(&f->ofpacts)->table_id = table_id;
}
