/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "vr-probe.h"

#include <string.h>

#include "dp-packet.h"
#include "packets.h"
#include "util.h"

/* The payload of a probe, after the Ethernet header. */
OVS_PACKED(
struct vr_probe_payload {
    char magic[4];              /* VR_PROBE_MAGIC, no NUL. */
    ovs_be32 host_ip;           /* Sending host's encap IP. */
    ovs_be32 router_ip;         /* Probed router's tunnel IP. */
    ovs_be64 seq;               /* Sequence number. */
    ovs_be64 sent_ms;           /* Send time, ms. */
});
BUILD_ASSERT_DECL(ETH_HEADER_LEN + sizeof(struct vr_probe_payload)
                  == VR_PROBE_CONTENT_LEN);
BUILD_ASSERT_DECL(VR_PROBE_FRAME_LEN == ETH_TOTAL_MIN);

/* Returns the name of 'status', as the agent logs and counts it. */
const char *
vr_reply_status_to_string(enum vr_reply_status status)
{
    switch (status) {
    case VR_REPLY_OK: return "ok";
    case VR_REPLY_SHORT: return "short";
    case VR_REPLY_LONG: return "long";
    case VR_REPLY_BAD_MAC: return "bad-mac";
    case VR_REPLY_BAD_TYPE: return "bad-ethertype";
    case VR_REPLY_BAD_MAGIC: return "bad-magic";
    case VR_REPLY_WRONG_HOST: return "wrong-host";
    case VR_REPLY_WRONG_ROUTER: return "wrong-router";
    case VR_REPLY_NOT_ROUTER_PORT: return "not-router-port";
    case VR_REPLY_UNKNOWN_ROUTER: return "unknown-router";
    case VR_REPLY_UNKNOWN_SEQ: return "unknown-seq";
    case VR_REPLY_STALE_SEQ: return "stale-seq";
    case VR_REPLY_DUPLICATE: return "duplicate";
    case VR_REPLY_N_STATUS:
    default:
        return "<invalid>";
    }
}

/* Replaces the contents of 'packet' by the probe frame that carries
 * 'probe', VR_PROBE_FRAME_LEN bytes long (layout in vr-probe.h). */
void
vr_probe_compose(struct dp_packet *packet, const struct vr_probe *probe)
{
    struct vr_probe_payload *payload;

    payload = eth_compose(packet, VR_PROBE_VR_MAC, VR_PROBE_AGENT_MAC,
                          VR_PROBE_ETH_TYPE,
                          VR_PROBE_FRAME_LEN - ETH_HEADER_LEN);
    memcpy(payload->magic, VR_PROBE_MAGIC, sizeof payload->magic);
    payload->host_ip = probe->host_ip;
    payload->router_ip = probe->router_ip;
    payload->seq = htonll(probe->seq);
    payload->sent_ms = htonll(probe->sent_ms);
}

/* Parses the 'len' bytes at 'frame' as the reply to a probe that this host,
 * whose encap IP is 'host_ip', sent to the router 'router_ip' (the router
 * of the tunnel port the frame arrived on, or 0 if that port is no
 * router's).
 *
 * Returns VR_REPLY_OK if the frame is such a reply, otherwise the first
 * reason found to drop it, checked in this order: length, MACs, EtherType,
 * magic, host, router.  Whether its sequence number is one to count is for
 * vr_liveness_reply() to say.  Fills in '*probe' whenever the magic
 * matched, so that a wrong host or router can be logged. */
enum vr_reply_status
vr_probe_parse_reply(const void *frame, size_t len, ovs_be32 host_ip,
                     ovs_be32 router_ip, struct vr_probe *probe)
{
    const struct vr_probe_payload *payload;
    struct eth_header eth;

    if (len < VR_PROBE_CONTENT_LEN) {
        return VR_REPLY_SHORT;
    }
    if (len > VR_PROBE_FRAME_LEN) {
        return VR_REPLY_LONG;
    }

    /* Copied out: 'frame' need not be aligned. */
    memcpy(&eth, frame, sizeof eth);
    if (!eth_addr_equals(eth.eth_dst, VR_PROBE_AGENT_MAC)
        || !eth_addr_equals(eth.eth_src, VR_PROBE_VR_MAC)) {
        return VR_REPLY_BAD_MAC;
    }
    if (eth.eth_type != htons(VR_PROBE_ETH_TYPE)) {
        return VR_REPLY_BAD_TYPE;
    }

    payload = (const void *) ((const char *) frame + ETH_HEADER_LEN);
    if (memcmp(payload->magic, VR_PROBE_MAGIC, sizeof payload->magic)) {
        return VR_REPLY_BAD_MAGIC;
    }
    probe->host_ip = payload->host_ip;
    probe->router_ip = payload->router_ip;
    probe->seq = ntohll(payload->seq);
    probe->sent_ms = ntohll(payload->sent_ms);

    if (probe->host_ip != host_ip) {
        return VR_REPLY_WRONG_HOST;
    }
    if (!router_ip) {
        return VR_REPLY_NOT_ROUTER_PORT;
    }
    if (probe->router_ip != router_ip) {
        return VR_REPLY_WRONG_ROUTER;
    }
    return VR_REPLY_OK;
}
