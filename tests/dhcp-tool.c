/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* dhcp-tool: writes a DHCP client's frame with the codec's
 * dhcp_build_request(), for the functional tests (which inject it with
 * "ovs-appctl netdev-dummy/receive PORT HEX").
 *
 *   dhcp-tool request TYPE MAC [KEY=VALUE]...
 *       prints the frame as hex digits.  TYPE is discover, request,
 *       decline, release or inform; MAC is the Ethernet source and, unless
 *       chaddr= says otherwise, the chaddr.  Keys: xid=N, ciaddr=IP,
 *       requested=IP (option 50), server=IP (option 54), src=IP (IPv4
 *       source, default ciaddr), chaddr=MAC, params=N,N,... (option 55),
 *       to=MAC,IP (a unicast destination instead of the broadcast ones, as
 *       a renewal is sent). */

#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "dhcp.h"
#include "dp-packet.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "util.h"

/* Parses 'arg' as an IPv4 address; exits on error. */
static ovs_be32
parse_ip(const char *arg)
{
    ovs_be32 ip;
    if (!ip_parse(arg, &ip)) {
        ovs_fatal(0, "%s: not an IPv4 address", arg);
    }
    return ip;
}

/* Parses 'arg' as a MAC address; exits on error. */
static struct eth_addr
parse_mac(const char *arg)
{
    struct eth_addr mac;
    if (!eth_addr_from_string(arg, &mac)) {
        ovs_fatal(0, "%s: not a MAC address", arg);
    }
    return mac;
}

/* Parses 'arg' as a decimal number no greater than 'max'; exits on
 * error. */
static unsigned long long int
parse_number(const char *arg, unsigned long long int max)
{
    char *end;
    unsigned long long int n = strtoull(arg, &end, 10);
    if (!*arg || *end || n > max) {
        ovs_fatal(0, "%s: not a number up to %llu", arg, max);
    }
    return n;
}

/* Parses 'arg' as a message type name; exits on error. */
static enum dhcp_msg_type
parse_type(const char *arg)
{
    static const struct {
        const char *name;
        enum dhcp_msg_type type;
    } types[] = {
        { "discover", DHCP_MSG_DISCOVER },
        { "request", DHCP_MSG_REQUEST },
        { "decline", DHCP_MSG_DECLINE },
        { "release", DHCP_MSG_RELEASE },
        { "inform", DHCP_MSG_INFORM },
    };
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        if (!strcmp(arg, types[i].name)) {
            return types[i].type;
        }
    }
    ovs_fatal(0, "%s: not a client message type", arg);
}

/* Parses the comma-separated codes of 'arg' into 'req''s option 55. */
static void
parse_params(char *arg, struct dhcp_request *req)
{
    char *save_ptr = NULL;
    for (char *code = strtok_r(arg, ",", &save_ptr); code;
         code = strtok_r(NULL, ",", &save_ptr)) {
        if (req->n_params >= ARRAY_SIZE(req->params)) {
            ovs_fatal(0, "too many parameters");
        }
        req->params[req->n_params++] = parse_number(code, 254);
    }
}

/* Readdresses the UDP/IPv4 frame in 'packet' to 'eth_dst' and 'ip_dst',
 * filling both checksums in again. */
static void
readdress(struct dp_packet *packet, struct eth_addr eth_dst, ovs_be32 ip_dst)
{
    struct eth_header *eth = dp_packet_data(packet);
    struct ip_header *ip = (struct ip_header *) (eth + 1);
    struct udp_header *udp = (struct udp_header *) (ip + 1);
    size_t l4_len = ntohs(udp->udp_len);

    eth->eth_dst = eth_dst;
    put_16aligned_be32(&ip->ip_dst, ip_dst);
    ip->ip_csum = 0;
    ip->ip_csum = csum(ip, IP_HEADER_LEN);
    udp->udp_csum = 0;
    ovs_be16 udp_csum = csum_finish(csum_continue(
                                        packet_csum_pseudoheader(ip),
                                        udp, l4_len));
    udp->udp_csum = udp_csum ? udp_csum : htons(0xffff);
}

/* Prints the frame that the arguments describe, in hex. */
static void
do_request(int argc, char *argv[])
{
    struct dhcp_request req;
    struct eth_addr to_mac = eth_addr_broadcast;
    ovs_be32 to_ip = htonl(INADDR_BROADCAST);
    bool has_src = false;

    memset(&req, 0, sizeof req);
    req.msg_type = parse_type(argv[0]);
    req.eth_src = req.chaddr = parse_mac(argv[1]);
    req.xid = htonl(0x4a53);
    for (int i = 2; i < argc; i++) {
        char *value = strchr(argv[i], '=');
        if (!value) {
            ovs_fatal(0, "%s: not KEY=VALUE", argv[i]);
        }
        *value++ = '\0';
        const char *key = argv[i];
        if (!strcmp(key, "xid")) {
            req.xid = htonl(parse_number(value, UINT32_MAX));
        } else if (!strcmp(key, "ciaddr")) {
            req.ciaddr = parse_ip(value);
        } else if (!strcmp(key, "requested")) {
            req.requested_ip = parse_ip(value);
        } else if (!strcmp(key, "server")) {
            req.server_id = parse_ip(value);
        } else if (!strcmp(key, "src")) {
            req.ip_src = parse_ip(value);
            has_src = true;
        } else if (!strcmp(key, "chaddr")) {
            req.chaddr = parse_mac(value);
        } else if (!strcmp(key, "params")) {
            parse_params(value, &req);
        } else if (!strcmp(key, "to")) {
            char *comma = strchr(value, ',');
            if (!comma) {
                ovs_fatal(0, "to=%s: not MAC,IP", value);
            }
            *comma = '\0';
            to_mac = parse_mac(value);
            to_ip = parse_ip(comma + 1);
        } else {
            ovs_fatal(0, "%s: unknown key", key);
        }
    }
    if (!has_src) {
        req.ip_src = req.ciaddr;
    }

    struct dp_packet packet;
    dp_packet_init(&packet, 0);
    dhcp_build_request(&req, &packet);
    if (!eth_addr_equals(to_mac, eth_addr_broadcast)) {
        readdress(&packet, to_mac, to_ip);
    }
    const uint8_t *p = dp_packet_data(&packet);
    for (size_t i = 0; i < dp_packet_size(&packet); i++) {
        printf("%02"PRIx8, p[i]);
    }
    putchar('\n');
    dp_packet_uninit(&packet);
}

/* Runs the command of the arguments (see the top of this file). */
int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc >= 4 && !strcmp(argv[1], "request")) {
        do_request(argc - 2, argv + 2);
        return 0;
    }
    ovs_fatal(0, "usage: %s request TYPE MAC [KEY=VALUE]...", argv[0]);
}
