/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_VR_PROBE_H
#define JSTACK_VR_PROBE_H 1

/* Virtual-router liveness probes: the frame codec (docs/vr-probes.md).
 *
 * The agent sends one probe frame through the tunnel of each virtual router:
 *
 *   offset  size  field
 *        0     6  Ethernet destination 77:66:55:44:33:22 (VR_PROBE_VR_MAC)
 *        6     6  Ethernet source 22:33:44:55:66:77 (VR_PROBE_AGENT_MAC)
 *       12     2  EtherType 0x88cd (VR_PROBE_ETH_TYPE)
 *       14     4  magic "JSVR"
 *       18     4  the sending host's encap IP
 *       22     4  the router's tunnel IP
 *       26     8  sequence number, big-endian
 *       34     8  send time in ms (the agent's monotonic clock), big-endian
 *       42    18  zeros, padding to the 60-byte Ethernet minimum
 *
 * The router sends it back with the two MAC addresses swapped and nothing
 * else changed.  A reply is 42 to 60 bytes long: a router or a wire may
 * cut the padding or pad a shorter frame again, so bytes 42 and later are
 * ignored whatever they hold; a longer frame is rejected.
 *
 * Pure: no I/O, no clock. */

#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct dp_packet;

#define VR_PROBE_ETH_TYPE 0x88cd
#define VR_PROBE_MAGIC "JSVR"

/* The agent's side of a probe: source of probes, destination of replies. */
#define VR_PROBE_AGENT_MAC ((struct eth_addr) ETH_ADDR_C(22,33,44,55,66,77))

/* The router's side of a probe: destination of probes, source of replies. */
#define VR_PROBE_VR_MAC ((struct eth_addr) ETH_ADDR_C(77,66,55,44,33,22))

/* Bytes of a probe up to the end of the send time. */
#define VR_PROBE_CONTENT_LEN 42

/* Bytes of a probe as the agent sends it (with padding), and the most a
 * reply may have. */
#define VR_PROBE_FRAME_LEN 60

/* What a probe carries. */
struct vr_probe {
    ovs_be32 host_ip;           /* Encap IP of the agent that sent it. */
    ovs_be32 router_ip;         /* Tunnel IP of the router it was sent to. */
    uint64_t seq;               /* Sequence number, chosen by the agent. */
    uint64_t sent_ms;           /* When it was sent, in the agent's ms. */
};

/* Why a reply was accepted or dropped.  Both the codec and the liveness
 * state machine (vr-liveness.h) return it, so that the agent can count
 * every dropped reply by reason in one array. */
enum vr_reply_status {
    VR_REPLY_OK,                /* Counted as a reply. */
    VR_REPLY_SHORT,             /* Fewer than VR_PROBE_CONTENT_LEN bytes. */
    VR_REPLY_LONG,              /* More than VR_PROBE_FRAME_LEN bytes. */
    VR_REPLY_BAD_MAC,           /* MACs are not those of a reflection. */
    VR_REPLY_BAD_TYPE,          /* EtherType is not VR_PROBE_ETH_TYPE. */
    VR_REPLY_BAD_MAGIC,         /* Payload does not start "JSVR". */
    VR_REPLY_WRONG_HOST,        /* Names another host as its sender. */
    VR_REPLY_WRONG_ROUTER,      /* Names another router than the one of the
                                 * tunnel it arrived on. */
    VR_REPLY_NOT_ROUTER_PORT,   /* Arrived on no router's tunnel port. */
    VR_REPLY_UNKNOWN_ROUTER,    /* Router is not being probed. */
    VR_REPLY_UNKNOWN_SEQ,       /* Sequence number never sent. */
    VR_REPLY_STALE_SEQ,         /* Sequence number too old to count. */
    VR_REPLY_DUPLICATE,         /* That probe was already answered. */
    VR_REPLY_N_STATUS
};

const char *vr_reply_status_to_string(enum vr_reply_status);

void vr_probe_compose(struct dp_packet *, const struct vr_probe *);
enum vr_reply_status vr_probe_parse_reply(const void *frame, size_t len,
                                          ovs_be32 host_ip,
                                          ovs_be32 router_ip,
                                          struct vr_probe *);

#endif /* lib/vr-probe.h */
