/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* dhcp-storm: injects DHCP client frames into a bridge as if local VMs had
 * sent them, for bench/bench-dhcp.sh.  Each frame is a packet-out whose
 * in_port is the VM's ofport and whose action is output:TABLE, so it goes
 * through the whole pipeline (port security, the DHCP meter, the punt to
 * the agent) like a frame the VM sent.
 *
 *   dhcp-storm TARGET PORTS TYPE ROUNDS XID_BASE
 *
 * TARGET is the bridge's OpenFlow socket (unix:.../br0.mgmt); PORTS a file
 * of lines "OFPORT MAC IP SERVER_IP"; TYPE discover or request (a REQUEST
 * in SELECTING state: options 50 and 54).  Sends ROUNDS rounds, one frame
 * per port each, as fast as the switch takes them, with xid XID_BASE +
 * round * n_ports + line index; then waits for a barrier.  Prints one line
 * per frame, "XID SENT_US" (wall clock, microseconds), for the latency
 * figures. */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "dp-packet.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "socket-util.h"
#include "timeval.h"
#include "util.h"

/* One VM port, from the PORTS file. */
struct storm_port {
    uint16_t ofport;
    struct eth_addr mac;
    ovs_be32 ip;                /* Its fixed IP, asked for by REQUEST. */
    ovs_be32 server_ip;         /* Its DHCP server, option 54. */
};

/* Reads the PORTS file 'path' into a malloc()ed array; stores its size in
 * '*n'.  Exits on error. */
static struct storm_port *
read_ports(const char *path, size_t *n)
{
    FILE *file = fopen(path, "r");
    if (!file) {
        ovs_fatal(errno, "%s: open failed", path);
    }

    struct storm_port *ports = NULL;
    size_t allocated = 0;
    char line[256];
    *n = 0;
    while (fgets(line, sizeof line, file)) {
        char mac[32], ip[32], server[32];
        unsigned int ofport;
        if (sscanf(line, "%u %31s %31s %31s", &ofport, mac, ip, server) != 4) {
            continue;
        }
        if (*n >= allocated) {
            ports = x2nrealloc(ports, &allocated, sizeof *ports);
        }
        struct storm_port *p = &ports[(*n)++];
        p->ofport = ofport;
        if (!eth_addr_from_string(mac, &p->mac) || !ip_parse(ip, &p->ip)
            || !ip_parse(server, &p->server_ip)) {
            ovs_fatal(0, "%s: bad line: %s", path, line);
        }
    }
    fclose(file);
    return ports;
}

/* Sends the frame in 'packet' over 'vconn' as a packet-out that enters the
 * pipeline on 'ofport'.  Exits on error. */
static void
send_frame(struct vconn *vconn, const struct dp_packet *packet,
           uint16_t ofport)
{
    uint64_t ofpacts_stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(ofpacts_stub);
    ofpact_put_OUTPUT(&ofpacts)->port = OFPP_TABLE;

    struct ofputil_packet_out po = {
        .packet = dp_packet_data(packet),
        .packet_len = dp_packet_size(packet),
        .buffer_id = UINT32_MAX,
        .ofpacts = ofpacts.data,
        .ofpacts_len = ofpacts.size,
    };
    match_init_catchall(&po.flow_metadata);
    match_set_in_port(&po.flow_metadata, u16_to_ofp(ofport));

    struct ofpbuf *msg = ofputil_encode_packet_out(&po,
                                                   OFPUTIL_P_OF13_OXM);
    ofpbuf_uninit(&ofpacts);
    int error = vconn_send_block(vconn, msg);
    if (error) {
        ovs_fatal(error, "packet-out failed");
    }
}

/* Sends the storm the arguments describe (see the top of this file). */
int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    if (argc != 6) {
        ovs_fatal(0, "usage: %s TARGET PORTS discover|request ROUNDS "
                  "XID_BASE", argv[0]);
    }
    const char *target = argv[1];
    size_t n_ports;
    struct storm_port *ports = read_ports(argv[2], &n_ports);
    bool discover = !strcmp(argv[3], "discover");
    if (!discover && strcmp(argv[3], "request")) {
        ovs_fatal(0, "%s: not discover or request", argv[3]);
    }
    int rounds = atoi(argv[4]);
    uint32_t xid_base = strtoul(argv[5], NULL, 10);

    struct vconn *vconn;
    int error = vconn_open_block(target, 1u << OFP13_VERSION, DSCP_DEFAULT,
                                 -1, &vconn);
    if (error) {
        ovs_fatal(error, "%s: connection failed", target);
    }

    struct dp_packet packet;
    dp_packet_init(&packet, 0);
    for (int round = 0; round < rounds; round++) {
        for (size_t i = 0; i < n_ports; i++) {
            const struct storm_port *p = &ports[i];
            uint32_t xid = xid_base + round * n_ports + i;
            struct dhcp_request req = {
                .msg_type = discover ? DHCP_MSG_DISCOVER : DHCP_MSG_REQUEST,
                .xid = htonl(xid),
                .chaddr = p->mac,
                .eth_src = p->mac,
                .requested_ip = discover ? 0 : p->ip,
                .server_id = discover ? 0 : p->server_ip,
            };
            dhcp_build_request(&req, &packet);
            send_frame(vconn, &packet, p->ofport);
            printf("%"PRIu32" %lld\n", xid, time_wall_usec());
        }
    }
    dp_packet_uninit(&packet);

    struct ofpbuf *reply;
    error = vconn_transact(vconn,
                           ofputil_encode_barrier_request(OFP13_VERSION),
                           &reply);
    if (error) {
        ovs_fatal(error, "barrier failed");
    }
    ofpbuf_delete(reply);
    vconn_close(vconn);
    free(ports);
    return 0;
}
