/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* vr-probe-tool: the probe codec (lib/vr-probe.c) on the command line, for
 * the system tests of the reference reflector.
 *
 *   vr-probe-tool compose HOST_IP ROUTER_IP SEQ SENT_MS
 *       prints the probe frame as hex digits, as "ovs-ofctl packet-out"
 *       takes it;
 *   vr-probe-tool parse HOST_IP ROUTER_IP HEX
 *       parses HEX (a reflected frame) as the reply to a probe of HOST_IP
 *       through ROUTER_IP's tunnel; prints "ok seq=N sent_ms=N" and exits
 *       0, or prints the reason and exits 1. */

#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "util.h"
#include "vr-probe.h"

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

/* Parses 'arg' as a decimal 64-bit number; exits on error. */
static uint64_t
parse_u64(const char *arg)
{
    char *end;
    unsigned long long int n = strtoull(arg, &end, 10);
    if (!*arg || *end) {
        ovs_fatal(0, "%s: not a number", arg);
    }
    return n;
}

/* Prints the probe that the arguments describe, in hex. */
static void
do_compose(char *argv[])
{
    struct vr_probe probe = {
        .host_ip = parse_ip(argv[0]),
        .router_ip = parse_ip(argv[1]),
        .seq = parse_u64(argv[2]),
        .sent_ms = parse_u64(argv[3]),
    };
    struct dp_packet packet;

    dp_packet_init(&packet, 0);
    vr_probe_compose(&packet, &probe);
    const uint8_t *data = dp_packet_data(&packet);
    for (size_t i = 0; i < dp_packet_size(&packet); i++) {
        printf("%02"PRIx8, data[i]);
    }
    putchar('\n');
    dp_packet_uninit(&packet);
}

/* Parses the frame of the arguments as a reply; returns the exit code. */
static int
do_parse(char *argv[])
{
    ovs_be32 host_ip = parse_ip(argv[0]);
    ovs_be32 router_ip = parse_ip(argv[1]);
    struct ofpbuf frame;
    struct vr_probe probe;

    ofpbuf_init(&frame, 0);
    const char *end = ofpbuf_put_hex(&frame, argv[2], NULL);
    if (*end) {
        ovs_fatal(0, "%s: not hex digits", argv[2]);
    }

    enum vr_reply_status status = vr_probe_parse_reply(frame.data,
                                                       frame.size, host_ip,
                                                       router_ip, &probe);
    if (status == VR_REPLY_OK) {
        printf("ok seq=%"PRIu64" sent_ms=%"PRIu64"\n",
               probe.seq, probe.sent_ms);
    } else {
        printf("%s\n", vr_reply_status_to_string(status));
    }
    ofpbuf_uninit(&frame);
    return status == VR_REPLY_OK ? 0 : 1;
}

/* Runs the command of the arguments (see the top of this file). */
int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc == 6 && !strcmp(argv[1], "compose")) {
        do_compose(argv + 2);
        return 0;
    } else if (argc == 5 && !strcmp(argv[1], "parse")) {
        return do_parse(argv + 2);
    }
    ovs_fatal(0, "usage: %s compose HOST_IP ROUTER_IP SEQ SENT_MS\n"
              "       %s parse HOST_IP ROUTER_IP HEX",
              program_name, program_name);
}
