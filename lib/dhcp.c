/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "dhcp.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "dp-packet.h"
#include "model.h"
#include "packets.h"
#include "settings.h"
#include "util.h"

/* Offsets of the BOOTP header's fields (RFC 2131 figure 1). */
enum {
    BOOTP_OP = 0,
    BOOTP_HTYPE = 1,
    BOOTP_HLEN = 2,
    BOOTP_HOPS = 3,
    BOOTP_XID = 4,
    BOOTP_SECS = 8,
    BOOTP_FLAGS = 10,
    BOOTP_CIADDR = 12,
    BOOTP_YIADDR = 16,
    BOOTP_SIADDR = 20,
    BOOTP_GIADDR = 24,
    BOOTP_CHADDR = 28,
    BOOTP_COOKIE = DHCP_BOOTP_HEADER_LEN,
    BOOTP_OPTIONS = DHCP_BOOTP_HEADER_LEN + 4,
};

#define BOOTP_OP_REQUEST 1
#define BOOTP_OP_REPLY 2
#define BOOTP_HTYPE_ETHERNET 1

/* The largest frame that can hold an IPv4 packet. */
#define DHCP_MAX_FRAME (ETH_HEADER_LEN + 65535)

/* The address the classless static routes send the metadata service to. */
#define DHCP_METADATA_IP 0xa9fea9fe     /* 169.254.169.254 */

/* Reads the big-endian 16-bit number at 'p'. */
static uint16_t
dhcp_get_u16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

/* Reads the big-endian 32-bit number at 'p'. */
static uint32_t
dhcp_get_u32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

/* Reads the IPv4 address at 'p', in network byte order. */
static ovs_be32
dhcp_get_ip(const uint8_t *p)
{
    ovs_be32 ip;

    memcpy(&ip, p, sizeof ip);
    return ip;
}

/* Writes 'value' big-endian at 'p'. */
static void
dhcp_put_u16(uint8_t *p, uint16_t value)
{
    p[0] = value >> 8;
    p[1] = value;
}

/* Writes 'value' big-endian at 'p'. */
static void
dhcp_put_u32(uint8_t *p, uint32_t value)
{
    p[0] = value >> 24;
    p[1] = value >> 16;
    p[2] = value >> 8;
    p[3] = value;
}

/* The value of one option of a request, all its instances concatenated
 * (RFC 3396). */
struct dhcp_option_value {
    bool present;               /* Seen at least once. */
    size_t len;                 /* Bytes used in 'data'. */
    uint8_t data[255];          /* The value. */
};

/* The options dhcp_parse_request() reads; the others are skipped. */
struct dhcp_request_options {
    struct dhcp_option_value msg_type;          /* 53. */
    struct dhcp_option_value requested_ip;      /* 50. */
    struct dhcp_option_value server_id;         /* 54. */
    struct dhcp_option_value params;            /* 55. */
    struct dhcp_option_value max_message;       /* 57. */
    struct dhcp_option_value client_id;         /* 61. */
    struct dhcp_option_value host_name;         /* 12. */
};

/* Returns where 'opts' keeps option 'code', or NULL if it is not read. */
static struct dhcp_option_value *
dhcp_request_option(struct dhcp_request_options *opts, uint8_t code)
{
    switch (code) {
    case DHCP_OPT_MSG_TYPE:
        return &opts->msg_type;
    case DHCP_OPT_REQUESTED_IP:
        return &opts->requested_ip;
    case DHCP_OPT_SERVER_ID:
        return &opts->server_id;
    case DHCP_OPT_PARAMS:
        return &opts->params;
    case DHCP_OPT_MAX_MESSAGE:
        return &opts->max_message;
    case DHCP_OPT_CLIENT_ID:
        return &opts->client_id;
    case DHCP_OPT_HOST_NAME:
        return &opts->host_name;
    default:
        return NULL;
    }
}

/* Reads the options field 'p' of 'size' bytes (after the magic cookie) into
 * 'opts'.  Returns NULL or a malloc()ed reason.  Option 52 (overload) is not
 * honoured: 'sname' and 'file' are never read as options. */
static char *
dhcp_parse_options(const uint8_t *p, size_t size,
                   struct dhcp_request_options *opts)
{
    size_t ofs = 0;

    while (ofs < size) {
        uint8_t code = p[ofs];
        if (code == DHCP_OPT_PAD) {
            ofs++;
            continue;
        }
        if (code == DHCP_OPT_END) {
            return NULL;
        }
        if (ofs + 1 >= size) {
            return xasprintf("option %"PRIu8" has no length byte before the "
                             "end of the packet", code);
        }
        uint8_t len = p[ofs + 1];
        if (ofs + 2 + len > size) {
            return xasprintf("option %"PRIu8" length %"PRIu8" runs past the "
                             "end of the packet", code, len);
        }

        struct dhcp_option_value *value = dhcp_request_option(opts, code);
        if (value) {
            if (value->len + len > sizeof value->data) {
                return xasprintf("option %"PRIu8" repeated to more than 255 "
                                 "bytes", code);
            }
            memcpy(value->data + value->len, p + ofs + 2, len);
            value->len += len;
            value->present = true;
        }
        ofs += 2 + len;
    }
    return xstrdup("options end without option 255 (end)");
}

/* Returns NULL if option 'code' in 'value' is absent or 'len' bytes long,
 * else a malloc()ed reason. */
static char *
dhcp_check_option_len(uint8_t code, const struct dhcp_option_value *value,
                      size_t len)
{
    if (value->present && value->len != len) {
        return xasprintf("option %"PRIu8" length %"PRIuSIZE" is not %"
                         PRIuSIZE, code, value->len, len);
    }
    return NULL;
}

/* Checks the options 'opts' and stores them in 'req'.  Returns NULL or a
 * malloc()ed reason. */
static char *
dhcp_store_options(const struct dhcp_request_options *opts,
                   struct dhcp_request *req)
{
    char *error;

    if (!opts->msg_type.present) {
        return xstrdup("option 53 (message type) is missing");
    }
    error = dhcp_check_option_len(DHCP_OPT_MSG_TYPE, &opts->msg_type, 1);
    if (!error) {
        error = dhcp_check_option_len(DHCP_OPT_REQUESTED_IP,
                                      &opts->requested_ip, 4);
    }
    if (!error) {
        error = dhcp_check_option_len(DHCP_OPT_SERVER_ID,
                                      &opts->server_id, 4);
    }
    if (!error) {
        error = dhcp_check_option_len(DHCP_OPT_MAX_MESSAGE,
                                      &opts->max_message, 2);
    }
    if (error) {
        return error;
    }

    uint8_t type = opts->msg_type.data[0];
    if (type < DHCP_MSG_DISCOVER || type > DHCP_MSG_INFORM) {
        return xasprintf("option 53 value %"PRIu8" is not a DHCP message "
                         "type (1 to 8)", type);
    }
    req->msg_type = type;
    if (opts->requested_ip.present) {
        req->requested_ip = dhcp_get_ip(opts->requested_ip.data);
    }
    if (opts->server_id.present) {
        req->server_id = dhcp_get_ip(opts->server_id.data);
    }
    if (opts->max_message.present) {
        req->max_message = dhcp_get_u16(opts->max_message.data);
    }
    memcpy(req->params, opts->params.data, opts->params.len);
    req->n_params = opts->params.len;
    memcpy(req->client_id, opts->client_id.data, opts->client_id.len);
    req->client_id_len = opts->client_id.len;
    size_t name_len = strnlen((const char *) opts->host_name.data,
                              opts->host_name.len);
    memcpy(req->host_name, opts->host_name.data, name_len);
    req->host_name[name_len] = '\0';
    return NULL;
}

/* Checks the BOOTP message 'bootp' of 'size' bytes (the UDP payload) and
 * stores its fields in 'req'.  Returns NULL or a malloc()ed reason. */
static char *
dhcp_parse_bootp(const uint8_t *bootp, size_t size, struct dhcp_request *req)
{
    if (size < DHCP_BOOTP_HEADER_LEN) {
        return xasprintf("UDP payload of %"PRIuSIZE" bytes is shorter than a "
                         "BOOTP header (236 bytes)", size);
    }
    if (bootp[BOOTP_OP] != BOOTP_OP_REQUEST) {
        return xasprintf("BOOTP op %"PRIu8" is not BOOTREQUEST (1)",
                         bootp[BOOTP_OP]);
    }
    if (bootp[BOOTP_HTYPE] != BOOTP_HTYPE_ETHERNET) {
        return xasprintf("hardware type %"PRIu8" is not Ethernet (1)",
                         bootp[BOOTP_HTYPE]);
    }
    if (bootp[BOOTP_HLEN] != ETH_ADDR_LEN) {
        return xasprintf("hardware address length %"PRIu8" is not 6",
                         bootp[BOOTP_HLEN]);
    }
    if (size < BOOTP_OPTIONS) {
        return xasprintf("BOOTP message of %"PRIuSIZE" bytes ends before its "
                         "magic cookie", size);
    }
    uint32_t cookie = dhcp_get_u32(bootp + BOOTP_COOKIE);
    if (cookie != DHCP_MAGIC_COOKIE) {
        return xasprintf("magic cookie 0x%08"PRIx32" is not 0x63825363",
                         cookie);
    }

    req->xid = dhcp_get_ip(bootp + BOOTP_XID);
    req->flags = dhcp_get_u16(bootp + BOOTP_FLAGS);
    req->ciaddr = dhcp_get_ip(bootp + BOOTP_CIADDR);
    req->giaddr = dhcp_get_ip(bootp + BOOTP_GIADDR);
    memcpy(req->chaddr.ea, bootp + BOOTP_CHADDR, ETH_ADDR_LEN);

    struct dhcp_request_options *opts = xzalloc(sizeof *opts);
    char *error = dhcp_parse_options(bootp + BOOTP_OPTIONS,
                                     size - BOOTP_OPTIONS, opts);
    if (!error) {
        error = dhcp_store_options(opts, req);
    }
    free(opts);
    return error;
}

/* Parses the Ethernet frame 'frame' of 'size' bytes, a DHCP client's message
 * punted by the pipeline, into 'req'.
 *
 * Checks every layer: Ethernet type IPv4 (untagged), the IPv4 header
 * (version, header length, header checksum, total length, not a fragment,
 * protocol UDP), UDP ports 68 -> 67 and length, the BOOTP header
 * (BOOTREQUEST, Ethernet, 6-byte addresses), the magic cookie and every
 * option's length up to the end option, which must be present.  Instances
 * of one option are concatenated (RFC 3396), so a repeated fixed-size option
 * fails its length check.  The UDP checksum is not verified: a frame from a
 * local port may carry a partial checksum left to offload.
 *
 * Returns NULL on success, otherwise a malloc()ed reason for the log; 'req'
 * is then unspecified.  Never reads outside the 'size' bytes. */
char *
dhcp_parse_request(const void *frame_, size_t size, struct dhcp_request *req)
{
    const uint8_t *frame = frame_;

    memset(req, 0, sizeof *req);
    if (size < ETH_HEADER_LEN) {
        return xasprintf("frame of %"PRIuSIZE" bytes is shorter than an "
                         "Ethernet header (14 bytes)", size);
    }
    if (size > DHCP_MAX_FRAME) {
        return xasprintf("frame of %"PRIuSIZE" bytes is longer than any "
                         "IPv4 packet", size);
    }
    struct eth_header eth;
    memcpy(&eth, frame, ETH_HEADER_LEN);
    if (eth.eth_type != htons(ETH_TYPE_IP)) {
        return xasprintf("Ethernet type 0x%04"PRIx16" is not IPv4 (0x0800)",
                         ntohs(eth.eth_type));
    }
    req->eth_src = eth.eth_src;

    const uint8_t *l3 = frame + ETH_HEADER_LEN;
    size_t l3_size = size - ETH_HEADER_LEN;
    if (l3_size < IP_HEADER_LEN) {
        return xasprintf("%"PRIuSIZE" bytes after the Ethernet header are "
                         "too few for an IPv4 header (20 bytes)", l3_size);
    }
    struct ip_header ip;
    memcpy(&ip, l3, IP_HEADER_LEN);
    if (IP_VER(ip.ip_ihl_ver) != 4) {
        return xasprintf("IP version %d is not 4", IP_VER(ip.ip_ihl_ver));
    }
    size_t ihl = IP_IHL(ip.ip_ihl_ver) * 4;
    if (ihl < IP_HEADER_LEN) {
        return xasprintf("IPv4 header length %"PRIuSIZE" is shorter than 20 "
                         "bytes", ihl);
    }
    if (ihl > l3_size) {
        return xasprintf("IPv4 header length %"PRIuSIZE" runs past the end "
                         "of the packet", ihl);
    }
    if (csum(l3, ihl)) {
        return xasprintf("IPv4 header checksum 0x%04"PRIx16" is wrong",
                         ntohs(ip.ip_csum));
    }
    size_t tot_len = ntohs(ip.ip_tot_len);
    if (tot_len > l3_size) {
        return xasprintf("IPv4 total length %"PRIuSIZE" runs past the end of "
                         "the packet", tot_len);
    }
    if (tot_len < ihl + UDP_HEADER_LEN) {
        return xasprintf("IPv4 total length %"PRIuSIZE" leaves no room for a "
                         "UDP header", tot_len);
    }
    if (IP_IS_FRAGMENT(ip.ip_frag_off)) {
        return xasprintf("IPv4 fragment (flags and offset 0x%04"PRIx16")",
                         ntohs(ip.ip_frag_off));
    }
    if (ip.ip_proto != IPPROTO_UDP) {
        return xasprintf("IP protocol %"PRIu8" is not UDP (17)",
                         ip.ip_proto);
    }
    req->ip_src = get_16aligned_be32(&ip.ip_src);

    const uint8_t *l4 = l3 + ihl;
    size_t l4_size = tot_len - ihl;
    struct udp_header udp;
    memcpy(&udp, l4, UDP_HEADER_LEN);
    if (ntohs(udp.udp_src) != DHCP_CLIENT_UDP_PORT
        || ntohs(udp.udp_dst) != DHCP_SERVER_UDP_PORT) {
        return xasprintf("UDP ports %"PRIu16" -> %"PRIu16" are not DHCP "
                         "client to server (68 -> 67)",
                         ntohs(udp.udp_src), ntohs(udp.udp_dst));
    }
    if (ntohs(udp.udp_len) != l4_size) {
        return xasprintf("UDP length %"PRIu16" does not match the %"PRIuSIZE
                         " bytes of the IPv4 payload",
                         ntohs(udp.udp_len), l4_size);
    }
    return dhcp_parse_bootp(l4 + UDP_HEADER_LEN, l4_size - UDP_HEADER_LEN,
                            req);
}

/* Fills 'options' from the DHCP part of 'settings'.  'options' borrows the
 * DNS list and the domain from 'settings'. */
void
dhcp_options_from_settings(const struct settings *settings,
                           struct dhcp_options *options)
{
    options->dns = settings->dhcp_dns_servers;
    options->n_dns = settings->n_dhcp_dns_servers;
    options->domain = settings->dhcp_domain;
    options->lease_time = settings->dhcp_lease_time;
}

/* Returns the port whose MAC and address 'subnet''s DHCP replies come from
 * (the server identifier): its DHCP port, else its first gateway port, else
 * NULL (the subnet is not served).  The pipeline punts a port's unicast
 * renewals only when they are sent to this port's MAC. */
const struct model_port *
dhcp_server_port(const struct model_subnet *subnet)
{
    return (subnet->dhcp_port ? subnet->dhcp_port
            : subnet->n_gateway_ports ? &subnet->gateway_ports[0]
            : NULL);
}

/* Works out in 'config' what 'port' of 'subnet' is served, with the server
 * settings 'options'.
 *
 * The server is the subnet's DHCP port, or without one its first gateway
 * port; the router is the first gateway port (none without one).  DNS
 * servers are the subnet's "dns", else those of 'options'; at most
 * DHCP_MAX_DNS are kept.
 *
 * Returns true on success.  Returns false and stores a malloc()ed reason in
 * '*reasonp' when the subnet has no port to serve from; '*reasonp' is NULL
 * on success. */
bool
dhcp_config_from_model(const struct model_subnet *subnet,
                       const struct model_port *port,
                       const struct dhcp_options *options,
                       struct dhcp_config *config, char **reasonp)
{
    const struct model_port *router = (subnet->n_gateway_ports
                                       ? &subnet->gateway_ports[0] : NULL);
    const struct model_port *server = dhcp_server_port(subnet);

    memset(config, 0, sizeof *config);
    *reasonp = NULL;
    if (!server) {
        *reasonp = xasprintf("subnet %s has neither a DHCP port nor a "
                             "gateway port to serve DHCP from", subnet->id);
        return false;
    }

    config->server_mac = server->mac;
    config->server_ip = server->fixed_ip;
    config->client_mac = port->mac;
    config->yiaddr = port->fixed_ip;
    config->mask = be32_prefix_mask(subnet->plen);
    config->router = router ? router->fixed_ip : 0;
    config->broadcast = subnet->network | ~config->mask;

    const ovs_be32 *dns = subnet->n_dns ? subnet->dns : options->dns;
    size_t n_dns = subnet->n_dns ? subnet->n_dns : options->n_dns;
    config->n_dns = MIN(n_dns, DHCP_MAX_DNS);
    memcpy(config->dns, dns, config->n_dns * sizeof *dns);

    uint32_t ip = ntohl(port->fixed_ip);
    snprintf(config->host_name, sizeof config->host_name,
             "host-%"PRIu32"-%"PRIu32"-%"PRIu32"-%"PRIu32,
             ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
    if (options->domain) {
        ovs_strlcpy(config->domain, options->domain, sizeof config->domain);
    }
    config->mtu = subnet->mtu >= 68 && subnet->mtu <= UINT16_MAX
                  ? subnet->mtu : 0;
    config->lease_time = options->lease_time;
    return true;
}

/* Stores in 'verdict' the type 'type' and the printf-formatted reason. */
static void OVS_PRINTF_FORMAT(3, 4)
dhcp_verdict_set(struct dhcp_verdict *verdict, enum dhcp_verdict_type type,
                 const char *format, ...)
{
    va_list args;

    verdict->type = type;
    va_start(args, format);
    vsnprintf(verdict->reason, sizeof verdict->reason, format, args);
    va_end(args);
}

/* Decides how the server answers 'req' from the port configured by 'config'
 * and stores the answer and its reason in 'verdict':
 *
 *   - a 'chaddr' other than the port's MAC, or a relayed message (giaddr
 *     set): no answer;
 *   - DISCOVER: OFFER of the port's address;
 *   - REQUEST naming another server (option 54): no answer; otherwise the
 *     address asked for (option 50, else 'ciaddr') gets an ACK if it is the
 *     port's, a NAK if not (a stale or renumbered lease) or if it is none;
 *   - INFORM: ACK without a lease;
 *   - RELEASE, DECLINE: no answer, their own verdicts for the log;
 *   - a server's message type (OFFER, ACK, NAK): no answer. */
void
dhcp_decide(const struct dhcp_request *req, const struct dhcp_config *config,
            struct dhcp_verdict *verdict)
{
    if (!eth_addr_equals(req->chaddr, config->client_mac)) {
        dhcp_verdict_set(verdict, DHCP_VERDICT_IGNORE,
                         "chaddr "ETH_ADDR_FMT" is not the port's MAC "
                         ETH_ADDR_FMT, ETH_ADDR_ARGS(req->chaddr),
                         ETH_ADDR_ARGS(config->client_mac));
        return;
    }
    if (req->giaddr) {
        dhcp_verdict_set(verdict, DHCP_VERDICT_IGNORE,
                         "relayed by "IP_FMT": only direct clients are "
                         "served", IP_ARGS(req->giaddr));
        return;
    }

    switch (req->msg_type) {
    case DHCP_MSG_DISCOVER:
        dhcp_verdict_set(verdict, DHCP_VERDICT_OFFER, "DISCOVER: offer "
                         IP_FMT, IP_ARGS(config->yiaddr));
        return;

    case DHCP_MSG_REQUEST: {
        if (req->server_id && req->server_id != config->server_ip) {
            dhcp_verdict_set(verdict, DHCP_VERDICT_IGNORE,
                             "REQUEST for server "IP_FMT", not "IP_FMT,
                             IP_ARGS(req->server_id),
                             IP_ARGS(config->server_ip));
            return;
        }
        ovs_be32 wanted = req->requested_ip ? req->requested_ip
                                            : req->ciaddr;
        if (!wanted) {
            dhcp_verdict_set(verdict, DHCP_VERDICT_NAK,
                             "REQUEST names no address");
        } else if (wanted != config->yiaddr) {
            dhcp_verdict_set(verdict, DHCP_VERDICT_NAK,
                             "REQUEST for "IP_FMT", the port has "IP_FMT,
                             IP_ARGS(wanted), IP_ARGS(config->yiaddr));
        } else {
            dhcp_verdict_set(verdict, DHCP_VERDICT_ACK, "REQUEST: ack "
                             IP_FMT, IP_ARGS(wanted));
        }
        return;
    }

    case DHCP_MSG_INFORM:
        dhcp_verdict_set(verdict, DHCP_VERDICT_ACK_INFORM,
                         "INFORM from "IP_FMT, IP_ARGS(req->ciaddr));
        return;

    case DHCP_MSG_RELEASE:
        dhcp_verdict_set(verdict, DHCP_VERDICT_RELEASE, "RELEASE of "IP_FMT,
                         IP_ARGS(req->ciaddr));
        return;

    case DHCP_MSG_DECLINE:
        dhcp_verdict_set(verdict, DHCP_VERDICT_DECLINE, "DECLINE of "IP_FMT,
                         IP_ARGS(req->requested_ip));
        return;

    case DHCP_MSG_OFFER:
    case DHCP_MSG_ACK:
    case DHCP_MSG_NAK:
    default:
        dhcp_verdict_set(verdict, DHCP_VERDICT_IGNORE,
                         "a client sent a server's message (%s)",
                         dhcp_msg_type_name(req->msg_type));
        return;
    }
}

/* Returns true if verdict 'type' is answered with a message. */
bool
dhcp_verdict_has_reply(enum dhcp_verdict_type type)
{
    return (type == DHCP_VERDICT_OFFER || type == DHCP_VERDICT_ACK
            || type == DHCP_VERDICT_ACK_INFORM || type == DHCP_VERDICT_NAK);
}

/* Returns true if option 'code' goes into an OFFER or ACK even when the
 * client does not ask for it in option 55.  Host name (12) and classless
 * static routes (121) are sent only on request: the first may override a
 * host name the instance chose, the second makes the client ignore option 3
 * (RFC 3442), which a client that did not ask may not expect. */
static bool
dhcp_option_always_sent(uint8_t code)
{
    switch (code) {
    case DHCP_OPT_SUBNET_MASK:
    case DHCP_OPT_ROUTER:
    case DHCP_OPT_DNS:
    case DHCP_OPT_DOMAIN_NAME:
    case DHCP_OPT_MTU:
    case DHCP_OPT_BROADCAST:
    case DHCP_OPT_LEASE_TIME:
    case DHCP_OPT_SERVER_ID:
    case DHCP_OPT_RENEWAL_TIME:
    case DHCP_OPT_REBINDING_TIME:
        return true;
    default:
        return false;
    }
}

/* Returns true if option 'code' is never dropped for want of space: the
 * ones a client cannot do without.  Together they take 27 bytes, which
 * always fit the 576-byte minimum. */
static bool
dhcp_option_required(uint8_t code)
{
    return (code == DHCP_OPT_MSG_TYPE || code == DHCP_OPT_SERVER_ID
            || code == DHCP_OPT_LEASE_TIME || code == DHCP_OPT_SUBNET_MASK
            || code == DHCP_OPT_ROUTER);
}

/* Writes the value of option 'code' for a reply of verdict 'type' to
 * 'config''s port into 'value' and returns its length, or returns 0 if the
 * reply carries no such option. */
static size_t
dhcp_reply_option_value(uint8_t code, const struct dhcp_config *config,
                        enum dhcp_verdict_type type, uint8_t value[255])
{
    bool lease = type == DHCP_VERDICT_OFFER || type == DHCP_VERDICT_ACK;
    size_t len;

    if (type == DHCP_VERDICT_NAK && code != DHCP_OPT_MSG_TYPE
        && code != DHCP_OPT_SERVER_ID) {
        return 0;
    }
    switch (code) {
    case DHCP_OPT_MSG_TYPE:
        value[0] = (type == DHCP_VERDICT_OFFER ? DHCP_MSG_OFFER
                    : type == DHCP_VERDICT_NAK ? DHCP_MSG_NAK
                    : DHCP_MSG_ACK);
        return 1;
    case DHCP_OPT_SERVER_ID:
        memcpy(value, &config->server_ip, 4);
        return 4;
    case DHCP_OPT_SUBNET_MASK:
        memcpy(value, &config->mask, 4);
        return 4;
    case DHCP_OPT_ROUTER:
        if (!config->router) {
            return 0;
        }
        memcpy(value, &config->router, 4);
        return 4;
    case DHCP_OPT_DNS:
        memcpy(value, config->dns, config->n_dns * 4);
        return config->n_dns * 4;
    case DHCP_OPT_HOST_NAME:
        len = strlen(config->host_name);
        memcpy(value, config->host_name, len);
        return len;
    case DHCP_OPT_DOMAIN_NAME:
        len = strnlen(config->domain, sizeof config->domain);
        memcpy(value, config->domain, len);
        return len;
    case DHCP_OPT_MTU:
        if (!config->mtu) {
            return 0;
        }
        dhcp_put_u16(value, config->mtu);
        return 2;
    case DHCP_OPT_BROADCAST:
        memcpy(value, &config->broadcast, 4);
        return 4;
    case DHCP_OPT_LEASE_TIME:
        dhcp_put_u32(value, config->lease_time);
        return lease ? 4 : 0;
    case DHCP_OPT_RENEWAL_TIME:
        dhcp_put_u32(value, config->lease_time / 2);
        return lease ? 4 : 0;
    case DHCP_OPT_REBINDING_TIME:
        dhcp_put_u32(value, (uint64_t) config->lease_time * 7 / 8);
        return lease ? 4 : 0;
    case DHCP_OPT_CLASSLESS_ROUTES: {
        /* The metadata service through the gateway (or the server itself
         * without one), then the default route through the gateway. */
        ovs_be32 metadata = htonl(DHCP_METADATA_IP);
        ovs_be32 next_hop = config->router ? config->router
                                           : config->server_ip;
        value[0] = 32;
        memcpy(value + 1, &metadata, 4);
        memcpy(value + 5, &next_hop, 4);
        if (!config->router) {
            return 9;
        }
        value[9] = 0;
        memcpy(value + 10, &config->router, 4);
        return 14;
    }
    default:
        return 0;
    }
}

/* One option of a reply, with its value. */
struct dhcp_reply_option {
    uint8_t code;               /* Option code. */
    uint8_t len;                /* Bytes of 'value' used. */
    bool required;              /* Never dropped for want of space. */
    uint8_t value[255];         /* The value. */
};

/* All the options a reply carries, in the order they are written.  Fewer
 * than 16 codes ever have a value (dhcp_reply_option_value()). */
struct dhcp_reply_options {
    struct dhcp_reply_option options[16];       /* At most one per code. */
    size_t n;                                   /* Entries used. */
    bool added[256];                            /* Indexed by code. */
};

/* Appends option 'code' to 'list' unless it is already there or has no
 * value in this reply. */
static void
dhcp_reply_options_add(struct dhcp_reply_options *list, uint8_t code,
                       const struct dhcp_config *config,
                       enum dhcp_verdict_type type)
{
    if (code == DHCP_OPT_PAD || code == DHCP_OPT_END || list->added[code]) {
        return;
    }
    ovs_assert(list->n < ARRAY_SIZE(list->options));
    struct dhcp_reply_option *option = &list->options[list->n];
    size_t len = dhcp_reply_option_value(code, config, type, option->value);
    if (len) {
        option->code = code;
        option->len = len;
        option->required = dhcp_option_required(code);
        list->added[code] = true;
        list->n++;
    }
}

/* Writes the options of the reply of verdict 'type' to 'req' into 'out'
 * (room for 'room' bytes, including the end option) and returns the number
 * of bytes written.  Message type first, then the options of the client's
 * option 55 in its order, then the others always sent, by code.  Optional
 * options that do not fit are left out; the required ones always fit. */
static size_t
dhcp_write_reply_options(const struct dhcp_request *req,
                         const struct dhcp_config *config,
                         enum dhcp_verdict_type type, size_t room,
                         uint8_t *out)
{
    struct dhcp_reply_options *list = xzalloc(sizeof *list);

    dhcp_reply_options_add(list, DHCP_OPT_MSG_TYPE, config, type);
    for (size_t i = 0; i < req->n_params; i++) {
        dhcp_reply_options_add(list, req->params[i], config, type);
    }
    for (int code = 1; code < DHCP_OPT_END; code++) {
        if (dhcp_option_always_sent(code)) {
            dhcp_reply_options_add(list, code, config, type);
        }
    }

    size_t reserved = 1;        /* The end option. */
    for (size_t i = 0; i < list->n; i++) {
        if (list->options[i].required) {
            reserved += 2 + list->options[i].len;
        }
    }
    ovs_assert(reserved <= room);

    size_t used = 0;
    for (size_t i = 0; i < list->n; i++) {
        const struct dhcp_reply_option *option = &list->options[i];
        size_t size = 2 + option->len;
        if (option->required) {
            reserved -= size;
        } else if (used + size + reserved > room) {
            continue;
        }
        out[used] = option->code;
        out[used + 1] = option->len;
        memcpy(out + used + 2, option->value, option->len);
        used += size;
    }
    out[used++] = DHCP_OPT_END;
    free(list);
    return used;
}

/* Stores in '*mac' and '*ip' where the reply of verdict 'type' to 'req'
 * goes (RFC 2131 section 4.1, no relay): a NAK is broadcast; otherwise to
 * 'ciaddr' if the client has one, else broadcast if the client set the
 * broadcast flag, else to the address given at 'chaddr' (broadcast when
 * there is none, an INFORM without 'ciaddr'). */
static void
dhcp_reply_destination(const struct dhcp_request *req,
                       const struct dhcp_config *config,
                       enum dhcp_verdict_type type,
                       struct eth_addr *mac, ovs_be32 *ip)
{
    ovs_be32 yiaddr = (type == DHCP_VERDICT_OFFER || type == DHCP_VERDICT_ACK
                       ? config->yiaddr : 0);

    *mac = eth_addr_broadcast;
    *ip = htonl(INADDR_BROADCAST);
    if (type == DHCP_VERDICT_NAK) {
        return;
    }
    if (req->ciaddr) {
        *mac = req->chaddr;
        *ip = req->ciaddr;
    } else if (!(req->flags & DHCP_FLAG_BROADCAST) && yiaddr) {
        *mac = req->chaddr;
        *ip = yiaddr;
    }
}

/* Writes into 'packet' an Ethernet frame carrying an IPv4/UDP datagram from
 * 'eth_src'/'ip_src':'src_port' to 'eth_dst'/'ip_dst':'dst_port' whose
 * payload is the 'bootp_len' bytes of 'bootp'.  The IPv4 header and UDP
 * checksums are filled in. */
static void
dhcp_compose_frame(struct dp_packet *packet,
                   struct eth_addr eth_src, struct eth_addr eth_dst,
                   ovs_be32 ip_src, ovs_be32 ip_dst,
                   uint16_t src_port, uint16_t dst_port,
                   const uint8_t *bootp, size_t bootp_len)
{
    size_t l4_len = UDP_HEADER_LEN + bootp_len;
    struct ip_header *ip = eth_compose(packet, eth_dst, eth_src, ETH_TYPE_IP,
                                       IP_HEADER_LEN + l4_len);

    ip->ip_ihl_ver = IP_IHL_VER(5, IP_VERSION);
    ip->ip_tot_len = htons(IP_HEADER_LEN + l4_len);
    ip->ip_ttl = 64;
    ip->ip_proto = IPPROTO_UDP;
    put_16aligned_be32(&ip->ip_src, ip_src);
    put_16aligned_be32(&ip->ip_dst, ip_dst);
    ip->ip_csum = csum(ip, IP_HEADER_LEN);

    struct udp_header *udp = (struct udp_header *) (ip + 1);
    udp->udp_src = htons(src_port);
    udp->udp_dst = htons(dst_port);
    udp->udp_len = htons(l4_len);
    memcpy(udp + 1, bootp, bootp_len);
    ovs_be16 udp_csum = csum_finish(csum_continue(
                                        packet_csum_pseudoheader(ip),
                                        udp, l4_len));
    udp->udp_csum = udp_csum ? udp_csum : htons(0xffff);
}

/* Writes into 'bootp' the fixed BOOTP header of op 'op' for 'req', with the
 * given 'ciaddr' and 'yiaddr', and the magic cookie.  'bootp' must hold
 * BOOTP_OPTIONS zeroed bytes. */
static void
dhcp_put_bootp_header(uint8_t *bootp, uint8_t op,
                      const struct dhcp_request *req,
                      ovs_be32 ciaddr, ovs_be32 yiaddr)
{
    bootp[BOOTP_OP] = op;
    bootp[BOOTP_HTYPE] = BOOTP_HTYPE_ETHERNET;
    bootp[BOOTP_HLEN] = ETH_ADDR_LEN;
    memcpy(bootp + BOOTP_XID, &req->xid, 4);
    dhcp_put_u16(bootp + BOOTP_FLAGS, req->flags);
    memcpy(bootp + BOOTP_CIADDR, &ciaddr, 4);
    memcpy(bootp + BOOTP_YIADDR, &yiaddr, 4);
    memcpy(bootp + BOOTP_GIADDR, &req->giaddr, 4);
    memcpy(bootp + BOOTP_CHADDR, req->chaddr.ea, ETH_ADDR_LEN);
    dhcp_put_u32(bootp + BOOTP_COOKIE, DHCP_MAGIC_COOKIE);
}

/* Writes into 'packet' (replacing its contents) the whole frame answering
 * 'req' with verdict 'type', which must be OFFER, ACK, ACK_INFORM or NAK,
 * for the port configured by 'config': Ethernet from the server's MAC,
 * IPv4 from the server's address to the destination RFC 2131 section 4.1
 * asks for, UDP 67 -> 68, a BOOTREPLY padded to DHCP_MIN_BOOTP_LEN bytes
 * and no longer than the client's option 57 allows (at least
 * DHCP_MIN_MAX_MESSAGE bytes of IP datagram). */
void
dhcp_build_reply(const struct dhcp_request *req,
                 const struct dhcp_config *config,
                 enum dhcp_verdict_type type, struct dp_packet *packet)
{
    ovs_assert(dhcp_verdict_has_reply(type));

    size_t max_ip = MAX(req->max_message, DHCP_MIN_MAX_MESSAGE);
    size_t max_bootp = max_ip - IP_HEADER_LEN - UDP_HEADER_LEN;
    uint8_t *bootp = xzalloc(max_bootp);

    ovs_be32 ciaddr = (type == DHCP_VERDICT_ACK
                       || type == DHCP_VERDICT_ACK_INFORM ? req->ciaddr : 0);
    ovs_be32 yiaddr = (type == DHCP_VERDICT_OFFER || type == DHCP_VERDICT_ACK
                       ? config->yiaddr : 0);
    dhcp_put_bootp_header(bootp, BOOTP_OP_REPLY, req, ciaddr, yiaddr);
    size_t len = BOOTP_OPTIONS;
    len += dhcp_write_reply_options(req, config, type, max_bootp - len,
                                    bootp + len);
    len = MAX(len, DHCP_MIN_BOOTP_LEN);

    struct eth_addr eth_dst;
    ovs_be32 ip_dst;
    dhcp_reply_destination(req, config, type, &eth_dst, &ip_dst);
    dhcp_compose_frame(packet, config->server_mac, eth_dst,
                       config->server_ip, ip_dst, DHCP_SERVER_UDP_PORT,
                       DHCP_CLIENT_UDP_PORT, bootp, len);
    free(bootp);
}

/* Appends option 'code' with the 'len' bytes of 'value' at 'out' + '*ofs'
 * and advances '*ofs'. */
static void
dhcp_put_option(uint8_t *out, size_t *ofs, uint8_t code, const void *value,
                size_t len)
{
    out[*ofs] = code;
    out[*ofs + 1] = len;
    memcpy(out + *ofs + 2, value, len);
    *ofs += 2 + len;
}

/* Writes into 'packet' (replacing its contents) the frame a client would
 * send for 'req': from 'eth_src'/'ip_src' port 68 to the broadcast
 * addresses port 67, BOOTREQUEST with 'xid', 'flags', 'ciaddr', 'giaddr'
 * and 'chaddr', then options 53, 50, 54, 55, 57, 61 and 12 when set, padded
 * to DHCP_MIN_BOOTP_LEN bytes.  For tests and the fuzzer's seeds: parsing
 * the frame gives 'req' back. */
void
dhcp_build_request(const struct dhcp_request *req, struct dp_packet *packet)
{
    /* 240 bytes of header and cookie, 7 options of at most 257 bytes. */
    uint8_t *bootp = xzalloc(BOOTP_OPTIONS + 7 * 257 + 1);
    size_t len = BOOTP_OPTIONS;
    uint8_t type = req->msg_type;

    dhcp_put_bootp_header(bootp, BOOTP_OP_REQUEST, req, req->ciaddr, 0);
    dhcp_put_option(bootp, &len, DHCP_OPT_MSG_TYPE, &type, 1);
    if (req->requested_ip) {
        dhcp_put_option(bootp, &len, DHCP_OPT_REQUESTED_IP,
                        &req->requested_ip, 4);
    }
    if (req->server_id) {
        dhcp_put_option(bootp, &len, DHCP_OPT_SERVER_ID, &req->server_id, 4);
    }
    if (req->n_params) {
        dhcp_put_option(bootp, &len, DHCP_OPT_PARAMS, req->params,
                        req->n_params);
    }
    if (req->max_message) {
        uint8_t max_message[2];
        dhcp_put_u16(max_message, req->max_message);
        dhcp_put_option(bootp, &len, DHCP_OPT_MAX_MESSAGE, max_message, 2);
    }
    if (req->client_id_len) {
        dhcp_put_option(bootp, &len, DHCP_OPT_CLIENT_ID, req->client_id,
                        req->client_id_len);
    }
    if (req->host_name[0]) {
        dhcp_put_option(bootp, &len, DHCP_OPT_HOST_NAME, req->host_name,
                        strnlen(req->host_name, 255));
    }
    bootp[len++] = DHCP_OPT_END;
    len = MAX(len, DHCP_MIN_BOOTP_LEN);

    dhcp_compose_frame(packet, req->eth_src, eth_addr_broadcast, req->ip_src,
                       htonl(INADDR_BROADCAST), DHCP_CLIENT_UDP_PORT,
                       DHCP_SERVER_UDP_PORT, bootp, len);
    free(bootp);
}

/* Returns the name of message type 'type', e.g. "DISCOVER". */
const char *
dhcp_msg_type_name(enum dhcp_msg_type type)
{
    switch (type) {
    case DHCP_MSG_DISCOVER:
        return "DISCOVER";
    case DHCP_MSG_OFFER:
        return "OFFER";
    case DHCP_MSG_REQUEST:
        return "REQUEST";
    case DHCP_MSG_DECLINE:
        return "DECLINE";
    case DHCP_MSG_ACK:
        return "ACK";
    case DHCP_MSG_NAK:
        return "NAK";
    case DHCP_MSG_RELEASE:
        return "RELEASE";
    case DHCP_MSG_INFORM:
        return "INFORM";
    default:
        return "unknown";
    }
}

/* Returns the name of verdict 'type', e.g. "ACK-INFORM". */
const char *
dhcp_verdict_name(enum dhcp_verdict_type type)
{
    switch (type) {
    case DHCP_VERDICT_OFFER:
        return "OFFER";
    case DHCP_VERDICT_ACK:
        return "ACK";
    case DHCP_VERDICT_ACK_INFORM:
        return "ACK-INFORM";
    case DHCP_VERDICT_NAK:
        return "NAK";
    case DHCP_VERDICT_IGNORE:
        return "IGNORE";
    case DHCP_VERDICT_RELEASE:
        return "RELEASE";
    case DHCP_VERDICT_DECLINE:
        return "DECLINE";
    default:
        return "unknown";
    }
}
