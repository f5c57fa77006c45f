/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_DHCP_H
#define JSTACK_DHCP_H 1

/* The DHCPv4 server of a local port (issue 12, docs/dhcp.md), without I/O:
 *
 *   - dhcp_parse_request() checks the Ethernet frame of a packet-in, down to
 *     the last DHCP option, and fills a struct dhcp_request;
 *   - dhcp_config_from_model() works out what the port is served (address,
 *     mask, router, DNS, MTU, lease...) from the model and the settings;
 *   - dhcp_decide() says how the server answers the request;
 *   - dhcp_build_reply() writes the whole reply frame (Ethernet, IPv4, UDP,
 *     BOOTP and options) into a dp_packet, for the agent to send out.
 *
 * Everything here is pure: no sockets, no clock, no globals.
 *
 * The name of this header shadows Open vSwitch's own lib/dhcp.h (a handful
 * of constants and a BOOTP header struct) for every file of this project,
 * so the constants below are this module's own. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"

struct dp_packet;
struct model_port;
struct model_subnet;
struct settings;

/* UDP ports. */
#define DHCP_SERVER_UDP_PORT 67
#define DHCP_CLIENT_UDP_PORT 68

/* The BOOTP header without options, and the magic cookie after it. */
#define DHCP_BOOTP_HEADER_LEN 236
#define DHCP_MAGIC_COOKIE 0x63825363

/* Replies are padded to at least this many bytes of BOOTP message (RFC 1542
 * section 3.4: some relays and clients drop shorter ones). */
#define DHCP_MIN_BOOTP_LEN 300

/* The IP datagram size every client must accept (RFC 2131 section 2), and
 * the smallest legal value of option 57. */
#define DHCP_MIN_MAX_MESSAGE 576

/* DNS servers handed out at most (option 6); more are ignored. */
#define DHCP_MAX_DNS 16

/* Longest domain name (option 15), as DNS allows. */
#define DHCP_MAX_DOMAIN 253

/* Message types (option 53). */
enum dhcp_msg_type {
    DHCP_MSG_DISCOVER = 1,
    DHCP_MSG_OFFER = 2,
    DHCP_MSG_REQUEST = 3,
    DHCP_MSG_DECLINE = 4,
    DHCP_MSG_ACK = 5,
    DHCP_MSG_NAK = 6,
    DHCP_MSG_RELEASE = 7,
    DHCP_MSG_INFORM = 8,
};

/* The option codes this module reads or writes. */
enum dhcp_option_code {
    DHCP_OPT_PAD = 0,
    DHCP_OPT_SUBNET_MASK = 1,
    DHCP_OPT_ROUTER = 3,
    DHCP_OPT_DNS = 6,
    DHCP_OPT_HOST_NAME = 12,
    DHCP_OPT_DOMAIN_NAME = 15,
    DHCP_OPT_MTU = 26,
    DHCP_OPT_BROADCAST = 28,
    DHCP_OPT_REQUESTED_IP = 50,
    DHCP_OPT_LEASE_TIME = 51,
    DHCP_OPT_OVERLOAD = 52,
    DHCP_OPT_MSG_TYPE = 53,
    DHCP_OPT_SERVER_ID = 54,
    DHCP_OPT_PARAMS = 55,
    DHCP_OPT_MAX_MESSAGE = 57,
    DHCP_OPT_RENEWAL_TIME = 58,
    DHCP_OPT_REBINDING_TIME = 59,
    DHCP_OPT_CLIENT_ID = 61,
    DHCP_OPT_CLASSLESS_ROUTES = 121,
    DHCP_OPT_END = 255,
};

/* The BOOTP broadcast flag (RFC 2131 figure 2), in host byte order. */
#define DHCP_FLAG_BROADCAST 0x8000

/* A client's message, as dhcp_parse_request() found it.  Plain data: it
 * owns no memory and holds no pointer into the frame. */
struct dhcp_request {
    enum dhcp_msg_type msg_type;        /* Option 53. */
    ovs_be32 xid;                       /* Transaction id, copied back. */
    uint16_t flags;                     /* BOOTP flags, host byte order. */
    ovs_be32 ciaddr;                    /* Client's current address or 0. */
    ovs_be32 giaddr;                    /* Relay agent's address or 0. */
    struct eth_addr chaddr;             /* Client hardware address. */
    struct eth_addr eth_src;            /* Ethernet source of the frame. */
    ovs_be32 ip_src;                    /* IPv4 source of the frame. */
    ovs_be32 requested_ip;              /* Option 50, 0 when absent. */
    ovs_be32 server_id;                 /* Option 54, 0 when absent. */
    uint8_t params[255];                /* Option 55: requested codes, in
                                         * the client's order. */
    size_t n_params;                    /* Entries of 'params' used. */
    uint16_t max_message;               /* Option 57, 0 when absent. */
    uint8_t client_id[255];             /* Option 61, raw. */
    size_t client_id_len;               /* 0 when absent. */
    char host_name[256];                /* Option 12, NUL-terminated, ""
                                         * when absent. */
};

/* Server settings that apply to every port (from struct settings).  The
 * pointers are borrowed: they must outlive the struct's users. */
struct dhcp_options {
    const ovs_be32 *dns;        /* Fallback DNS servers (jstack-dhcp-dns)
                                 * for subnets without "dns". */
    size_t n_dns;               /* Entries of 'dns'. */
    const char *domain;         /* jstack-dhcp-domain, NULL or "" for no
                                 * option 15. */
    uint32_t lease_time;        /* jstack-dhcp-lease-time, seconds. */
};

/* What one port is served.  Plain data: owns no memory. */
struct dhcp_config {
    struct eth_addr server_mac;         /* Ethernet source of replies. */
    ovs_be32 server_ip;                 /* IPv4 source, option 54. */
    struct eth_addr client_mac;         /* The port's MAC. */
    ovs_be32 yiaddr;                    /* The port's fixed IP. */
    ovs_be32 mask;                      /* Option 1. */
    ovs_be32 router;                    /* Option 3, 0 without a gateway. */
    ovs_be32 broadcast;                 /* Option 28. */
    ovs_be32 dns[DHCP_MAX_DNS];         /* Option 6. */
    size_t n_dns;                       /* Entries of 'dns' used, 0 for no
                                         * option 6. */
    char host_name[32];                 /* Option 12, "host-a-b-c-d". */
    char domain[DHCP_MAX_DOMAIN + 1];   /* Option 15, "" for none. */
    uint16_t mtu;                       /* Option 26, 0 for none. */
    uint32_t lease_time;                /* Option 51, seconds. */
};

/* How the server answers a request. */
enum dhcp_verdict_type {
    DHCP_VERDICT_OFFER,         /* DHCPOFFER of the port's address. */
    DHCP_VERDICT_ACK,           /* DHCPACK with a lease. */
    DHCP_VERDICT_ACK_INFORM,    /* DHCPACK without lease (DHCPINFORM). */
    DHCP_VERDICT_NAK,           /* DHCPNAK. */
    DHCP_VERDICT_IGNORE,        /* No answer. */
    DHCP_VERDICT_RELEASE,       /* No answer; log and count. */
    DHCP_VERDICT_DECLINE,       /* No answer; log and count. */
};

/* A verdict and why, for the log. */
struct dhcp_verdict {
    enum dhcp_verdict_type type;
    char reason[128];           /* One short sentence, no final period. */
};

char *dhcp_parse_request(const void *frame, size_t size,
                         struct dhcp_request *)
    OVS_WARN_UNUSED_RESULT;

const struct model_port *dhcp_server_port(const struct model_subnet *);
void dhcp_options_from_settings(const struct settings *,
                                struct dhcp_options *);
bool dhcp_config_from_model(const struct model_subnet *,
                            const struct model_port *,
                            const struct dhcp_options *,
                            struct dhcp_config *, char **reasonp)
    OVS_WARN_UNUSED_RESULT;

void dhcp_decide(const struct dhcp_request *, const struct dhcp_config *,
                 struct dhcp_verdict *);
bool dhcp_verdict_has_reply(enum dhcp_verdict_type);

void dhcp_build_reply(const struct dhcp_request *,
                      const struct dhcp_config *, enum dhcp_verdict_type,
                      struct dp_packet *);
void dhcp_build_request(const struct dhcp_request *, struct dp_packet *);

const char *dhcp_msg_type_name(enum dhcp_msg_type);
const char *dhcp_verdict_name(enum dhcp_verdict_type);

#endif /* lib/dhcp.h */
