/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "dhcp.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "dp-packet.h"
#include "model.h"
#include "packets.h"
#include "suites.h"
#include "svec.h"
#include "util.h"

/* Offsets in a frame built by dhcp_build_request(): Ethernet, a 20-byte
 * IPv4 header, UDP, then BOOTP. */
#define T_IP 14
#define T_UDP (T_IP + 20)
#define T_BOOTP (T_UDP + 8)
#define T_COOKIE (T_BOOTP + 236)
#define T_OPTIONS (T_COOKIE + 4)

/* The port of the seed's subnet that the tests serve: compute1_ns. */
#define CLIENT_MAC "fa:16:3e:73:c9:74"

/* Returns the IPv4 address 's' in network byte order. */
static ovs_be32
ip(const char *s)
{
    ovs_be32 addr;
    ck_assert_msg(ip_parse(s, &addr), "bad test address %s", s);
    return addr;
}

/* Returns the MAC address 's'. */
static struct eth_addr
mac(const char *s)
{
    struct eth_addr ea;
    ck_assert_msg(eth_addr_from_string(s, &ea), "bad test MAC %s", s);
    return ea;
}

/* The fallback DNS servers of the tests' settings. */
static const ovs_be32 *
test_dns(void)
{
    static ovs_be32 dns[2];
    dns[0] = htonl(0x08080808);
    dns[1] = htonl(0x01010101);
    return dns;
}

/* Fills 'options' as the settings jstack-dhcp-dns=8.8.8.8,1.1.1.1,
 * jstack-dhcp-domain='domain' and the default lease would. */
static void
test_options(struct dhcp_options *options, const char *domain)
{
    options->dns = test_dns();
    options->n_dns = 2;
    options->domain = domain;
    options->lease_time = 86400;
}

/* Fills 'config' for compute1_ns of seed 000's subnet (172.16.1.4,
 * DHCP port 172.16.1.2, gateway 172.16.1.1, MTU 1500), with the domain
 * 'domain' (may be NULL). */
static void
test_config(struct dhcp_config *config, const char *domain)
{
    char *text = test_read_file("fixtures/seed-000.json");
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;
    char *error = model_parse(text, NULL, &model, &errors);
    ck_assert_msg(!error, "%s", error);

    const struct model_subnet *subnet = model->subnets[0];
    const struct model_port *port = &subnet->ports[0];
    ck_assert_uint_eq(port->fixed_ip, ip("172.16.1.4"));

    struct dhcp_options options;
    char *reason;
    test_options(&options, domain);
    ck_assert(dhcp_config_from_model(subnet, port, &options, config,
                                     &reason));
    ck_assert_ptr_null(reason);

    model_unref(model);
    svec_destroy(&errors);
    free(text);
}

/* Fills 'req' as compute1_ns would send a message of 'type': no address
 * yet, no broadcast flag, asking for the options dhclient asks for. */
static void
test_request(struct dhcp_request *req, enum dhcp_msg_type type)
{
    static const uint8_t params[] = { 1, 28, 2, 3, 15, 6, 119, 12, 44, 47,
                                      26, 121, 42 };

    memset(req, 0, sizeof *req);
    req->msg_type = type;
    req->xid = htonl(0x12345678);
    req->chaddr = mac(CLIENT_MAC);
    req->eth_src = req->chaddr;
    memcpy(req->params, params, sizeof params);
    req->n_params = sizeof params;
}

/* A reply, decoded by the test (independently of lib/dhcp.c). */
struct test_reply {
    struct eth_addr eth_dst, eth_src;   /* Ethernet addresses. */
    ovs_be32 ip_src, ip_dst;            /* IPv4 addresses. */
    size_t ip_len;                      /* IPv4 total length. */
    size_t bootp_len;                   /* UDP payload length. */
    uint8_t op;                         /* BOOTP op. */
    ovs_be32 xid, ciaddr, yiaddr;       /* BOOTP fields. */
    uint16_t flags;                     /* BOOTP flags. */
    struct eth_addr chaddr;             /* BOOTP client address. */
    uint8_t order[64];                  /* Option codes in order. */
    size_t n_order;                     /* Entries of 'order'. */
    bool has[256];                      /* Options present, by code. */
    uint8_t len[256];                   /* Their lengths. */
    uint8_t value[256][255];            /* Their values. */
};

/* Decodes the reply frame in 'packet' into a newly allocated test_reply,
 * checking its framing, checksums and padding. */
static struct test_reply *
test_decode_reply(const struct dp_packet *packet)
{
    const uint8_t *f = dp_packet_data(packet);
    size_t size = dp_packet_size(packet);
    struct test_reply *r = xzalloc(sizeof *r);

    ck_assert_uint_ge(size, T_OPTIONS + 1);
    memcpy(r->eth_dst.ea, f, 6);
    memcpy(r->eth_src.ea, f + 6, 6);
    ck_assert_uint_eq(f[12], 0x08);
    ck_assert_uint_eq(f[13], 0x00);
    ck_assert_uint_eq(f[T_IP], 0x45);
    ck_assert_uint_eq(f[T_IP + 9], 17);
    ck_assert_uint_eq(csum(f + T_IP, 20), 0);
    r->ip_len = (f[T_IP + 2] << 8) | f[T_IP + 3];
    ck_assert_uint_eq(r->ip_len, size - T_IP);
    memcpy(&r->ip_src, f + T_IP + 12, 4);
    memcpy(&r->ip_dst, f + T_IP + 16, 4);

    ck_assert_uint_eq((f[T_UDP] << 8) | f[T_UDP + 1], 67);
    ck_assert_uint_eq((f[T_UDP + 2] << 8) | f[T_UDP + 3], 68);
    ck_assert_uint_eq((f[T_UDP + 4] << 8) | f[T_UDP + 5], r->ip_len - 20);
    ck_assert_uint_ne((f[T_UDP + 6] << 8) | f[T_UDP + 7], 0);
    const struct ip_header *iph = (const void *) (f + T_IP);
    ck_assert_uint_eq(csum_finish(csum_continue(packet_csum_pseudoheader(iph),
                                                f + T_UDP,
                                                r->ip_len - 20)), 0);

    r->bootp_len = r->ip_len - 28;
    const uint8_t *b = f + T_BOOTP;
    r->op = b[0];
    ck_assert_uint_eq(b[1], 1);
    ck_assert_uint_eq(b[2], 6);
    memcpy(&r->xid, b + 4, 4);
    r->flags = (b[10] << 8) | b[11];
    memcpy(&r->ciaddr, b + 12, 4);
    memcpy(&r->yiaddr, b + 16, 4);
    memcpy(r->chaddr.ea, b + 28, 6);
    ck_assert_uint_eq(b[236], 0x63);
    ck_assert_uint_eq(b[237], 0x82);
    ck_assert_uint_eq(b[238], 0x53);
    ck_assert_uint_eq(b[239], 0x63);

    size_t ofs = 240;
    for (;;) {
        ck_assert_uint_lt(ofs, r->bootp_len);
        uint8_t code = b[ofs];
        if (code == 255) {
            break;
        }
        ck_assert_uint_ne(code, 0);
        ck_assert_msg(!r->has[code], "option %u twice", code);
        ck_assert_uint_le(ofs + 2 + b[ofs + 1], r->bootp_len);
        r->has[code] = true;
        r->len[code] = b[ofs + 1];
        memcpy(r->value[code], b + ofs + 2, b[ofs + 1]);
        r->order[r->n_order++] = code;
        ofs += 2 + b[ofs + 1];
    }
    /* Only padding after the end option. */
    for (ofs++; ofs < r->bootp_len; ofs++) {
        ck_assert_uint_eq(b[ofs], 0);
    }
    return r;
}

/* Asserts that option 'code' of 'r' holds the 'len' bytes 'expected'. */
static void
check_option(const struct test_reply *r, uint8_t code, const void *expected,
             size_t len)
{
    ck_assert_msg(r->has[code], "option %u is missing", code);
    ck_assert_uint_eq(r->len[code], len);
    ck_assert_msg(!memcmp(r->value[code], expected, len),
                  "option %u has the wrong value", code);
}

/* Asserts that option 'code' of 'r' is the address 'expected'. */
static void
check_option_ip(const struct test_reply *r, uint8_t code,
                const char *expected)
{
    ovs_be32 addr = ip(expected);
    check_option(r, code, &addr, 4);
}

/* Asserts that the options of 'r' come in the order of the 'n' codes of
 * 'expected'. */
static void
check_order(const struct test_reply *r, const uint8_t *expected, size_t n)
{
    ck_assert_uint_eq(r->n_order, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(r->order[i] == expected[i],
                      "option #%"PRIuSIZE" is %u, expected %u", i,
                      r->order[i], expected[i]);
    }
}

/* Decides 'req' against 'config', asserts the verdict is 'type', builds the
 * reply and decodes it. */
static struct test_reply *
test_answer(const struct dhcp_request *req, const struct dhcp_config *config,
            enum dhcp_verdict_type type)
{
    struct dhcp_verdict verdict;
    dhcp_decide(req, config, &verdict);
    ck_assert_msg(verdict.type == type, "verdict %s (%s), expected %s",
                  dhcp_verdict_name(verdict.type), verdict.reason,
                  dhcp_verdict_name(type));

    struct dp_packet packet;
    dp_packet_init(&packet, 0);
    dhcp_build_reply(req, config, type, &packet);
    struct test_reply *r = test_decode_reply(&packet);
    dp_packet_uninit(&packet);
    return r;
}

/* Builds the frame of 'req' into 'packet' (initialized here) and parses it
 * back into 'parsed', which must succeed. */
static void
test_build_parse(const struct dhcp_request *req, struct dp_packet *packet,
                 struct dhcp_request *parsed)
{
    dp_packet_init(packet, 0);
    dhcp_build_request(req, packet);
    char *error = dhcp_parse_request(dp_packet_data(packet),
                                     dp_packet_size(packet), parsed);
    ck_assert_msg(!error, "%s", error);
}

/* Every message type a client sends survives building and parsing, with
 * every field the parser fills. */
START_TEST(test_dhcp_request_round_trip)
{
    static const char *names[] = { "", "DISCOVER", "OFFER", "REQUEST",
                                   "DECLINE", "ACK", "NAK", "RELEASE",
                                   "INFORM" };

    for (int type = DHCP_MSG_DISCOVER; type <= DHCP_MSG_INFORM; type++) {
        struct dhcp_request req, parsed;
        struct dp_packet packet;

        test_request(&req, type);
        req.flags = DHCP_FLAG_BROADCAST;
        req.ciaddr = type == DHCP_MSG_INFORM ? ip("172.16.1.4") : 0;
        req.requested_ip = ip("172.16.1.4");
        req.server_id = ip("172.16.1.2");
        req.max_message = 1500;
        req.ip_src = req.ciaddr;
        memcpy(req.client_id, "\x01\xfa\x16\x3e\x73\xc9\x74", 7);
        req.client_id_len = 7;
        strcpy(req.host_name, "vm-one");
        test_build_parse(&req, &packet, &parsed);

        ck_assert_uint_eq(dp_packet_size(&packet), T_BOOTP + 300);
        ck_assert_int_eq(parsed.msg_type, type);
        ck_assert_uint_eq(parsed.xid, htonl(0x12345678));
        ck_assert_uint_eq(parsed.flags, DHCP_FLAG_BROADCAST);
        ck_assert_uint_eq(parsed.ciaddr, req.ciaddr);
        ck_assert_uint_eq(parsed.giaddr, 0);
        ck_assert(eth_addr_equals(parsed.chaddr, mac(CLIENT_MAC)));
        ck_assert(eth_addr_equals(parsed.eth_src, mac(CLIENT_MAC)));
        ck_assert_uint_eq(parsed.ip_src, req.ip_src);
        ck_assert_uint_eq(parsed.requested_ip, ip("172.16.1.4"));
        ck_assert_uint_eq(parsed.server_id, ip("172.16.1.2"));
        ck_assert_uint_eq(parsed.n_params, req.n_params);
        ck_assert(!memcmp(parsed.params, req.params, req.n_params));
        ck_assert_uint_eq(parsed.max_message, 1500);
        ck_assert_uint_eq(parsed.client_id_len, 7);
        ck_assert(!memcmp(parsed.client_id, req.client_id, 7));
        ck_assert_str_eq(parsed.host_name, "vm-one");
        ck_assert_str_eq(dhcp_msg_type_name(type), names[type]);
        dp_packet_uninit(&packet);
    }
}
END_TEST

/* Optional options are optional: a bare DISCOVER parses with zeros. */
START_TEST(test_dhcp_request_minimal)
{
    struct dhcp_request req, parsed;
    struct dp_packet packet;

    test_request(&req, DHCP_MSG_DISCOVER);
    req.n_params = 0;
    test_build_parse(&req, &packet, &parsed);
    ck_assert_int_eq(parsed.msg_type, DHCP_MSG_DISCOVER);
    ck_assert_uint_eq(parsed.requested_ip, 0);
    ck_assert_uint_eq(parsed.server_id, 0);
    ck_assert_uint_eq(parsed.n_params, 0);
    ck_assert_uint_eq(parsed.max_message, 0);
    ck_assert_uint_eq(parsed.client_id_len, 0);
    ck_assert_str_eq(parsed.host_name, "");
    dp_packet_uninit(&packet);
}
END_TEST

/* The port's configuration comes from the model and the settings. */
START_TEST(test_dhcp_config_seed)
{
    struct dhcp_config c;

    test_config(&c, "cloud.example");
    ck_assert(eth_addr_equals(c.server_mac, mac("fa:16:3e:f9:df:5d")));
    ck_assert_uint_eq(c.server_ip, ip("172.16.1.2"));
    ck_assert(eth_addr_equals(c.client_mac, mac(CLIENT_MAC)));
    ck_assert_uint_eq(c.yiaddr, ip("172.16.1.4"));
    ck_assert_uint_eq(c.mask, ip("255.255.255.0"));
    ck_assert_uint_eq(c.router, ip("172.16.1.1"));
    ck_assert_uint_eq(c.broadcast, ip("172.16.1.255"));
    ck_assert_uint_eq(c.n_dns, 2);
    ck_assert_uint_eq(c.dns[0], ip("8.8.8.8"));
    ck_assert_uint_eq(c.dns[1], ip("1.1.1.1"));
    ck_assert_str_eq(c.host_name, "host-172-16-1-4");
    ck_assert_str_eq(c.domain, "cloud.example");
    ck_assert_uint_eq(c.mtu, 1500);
    ck_assert_uint_eq(c.lease_time, 86400);

    test_config(&c, NULL);
    ck_assert_str_eq(c.domain, "");
}
END_TEST

/* Without a DHCP port the first gateway port serves; the subnet's own DNS
 * servers win over the setting; without either port there is no server. */
START_TEST(test_dhcp_config_fallbacks)
{
    struct model_port gateways[2] = {
        { .fixed_ip = ip("10.0.0.1"), .mac = mac("fa:16:3e:00:00:01"),
          .type = MODEL_PORT_GATEWAY },
        { .fixed_ip = ip("10.0.0.254"), .mac = mac("fa:16:3e:00:00:fe"),
          .type = MODEL_PORT_GATEWAY },
    };
    struct model_port dhcp_port = {
        .fixed_ip = ip("10.0.0.2"), .mac = mac("fa:16:3e:00:00:02"),
        .type = MODEL_PORT_DHCP,
    };
    struct model_port vm = {
        .fixed_ip = ip("10.0.1.77"), .mac = mac("fa:16:3e:00:01:77"),
    };
    ovs_be32 subnet_dns[1] = { ip("10.0.0.53") };
    struct model_subnet subnet = {
        .id = "s1", .mtu = 1450, .network = ip("10.0.0.0"), .plen = 23,
        .dns = subnet_dns, .n_dns = 1, .gateway_ports = gateways,
        .n_gateway_ports = 2,
    };
    struct dhcp_options options;
    struct dhcp_config c;
    char *reason;

    test_options(&options, NULL);
    options.lease_time = 20;
    ck_assert(dhcp_config_from_model(&subnet, &vm, &options, &c, &reason));
    ck_assert_uint_eq(c.server_ip, ip("10.0.0.1"));
    ck_assert(eth_addr_equals(c.server_mac, mac("fa:16:3e:00:00:01")));
    ck_assert_uint_eq(c.router, ip("10.0.0.1"));
    ck_assert_uint_eq(c.mask, ip("255.255.254.0"));
    ck_assert_uint_eq(c.broadcast, ip("10.0.1.255"));
    ck_assert_uint_eq(c.n_dns, 1);
    ck_assert_uint_eq(c.dns[0], ip("10.0.0.53"));
    ck_assert_str_eq(c.host_name, "host-10-0-1-77");
    ck_assert_uint_eq(c.mtu, 1450);
    ck_assert_uint_eq(c.lease_time, 20);

    /* A DHCP port and no gateway: no router. */
    subnet.dhcp_port = &dhcp_port;
    subnet.n_gateway_ports = 0;
    ck_assert(dhcp_config_from_model(&subnet, &vm, &options, &c, &reason));
    ck_assert_uint_eq(c.server_ip, ip("10.0.0.2"));
    ck_assert_uint_eq(c.router, 0);

    /* Neither. */
    subnet.dhcp_port = NULL;
    ck_assert(!dhcp_config_from_model(&subnet, &vm, &options, &c, &reason));
    ck_assert_str_eq(reason, "subnet s1 has neither a DHCP port nor a "
                     "gateway port to serve DHCP from");
    free(reason);
}
END_TEST

/* An OFFER carries every option, byte for byte, in the client's order. */
START_TEST(test_dhcp_offer_options)
{
    struct dhcp_request req;
    struct dhcp_config c;

    test_config(&c, "cloud.example");
    test_request(&req, DHCP_MSG_DISCOVER);
    struct test_reply *r = test_answer(&req, &c, DHCP_VERDICT_OFFER);

    ck_assert_uint_eq(r->op, 2);
    ck_assert_uint_eq(r->xid, htonl(0x12345678));
    ck_assert_uint_eq(r->ciaddr, 0);
    ck_assert_uint_eq(r->yiaddr, ip("172.16.1.4"));
    ck_assert(eth_addr_equals(r->chaddr, mac(CLIENT_MAC)));
    ck_assert(eth_addr_equals(r->eth_src, mac("fa:16:3e:f9:df:5d")));
    ck_assert_uint_eq(r->ip_src, ip("172.16.1.2"));

    check_option(r, 53, "\x02", 1);
    check_option_ip(r, 1, "255.255.255.0");
    check_option_ip(r, 3, "172.16.1.1");
    check_option(r, 6, "\x08\x08\x08\x08\x01\x01\x01\x01", 8);
    check_option(r, 12, "host-172-16-1-4", 15);
    check_option(r, 15, "cloud.example", 13);
    check_option(r, 26, "\x05\xdc", 2);
    check_option_ip(r, 28, "172.16.1.255");
    check_option(r, 51, "\x00\x01\x51\x80", 4);
    check_option_ip(r, 54, "172.16.1.2");
    check_option(r, 58, "\x00\x00\xa8\xc0", 4);
    check_option(r, 59, "\x00\x01\x27\x50", 4);
    check_option(r, 121, "\x20\xa9\xfe\xa9\xfe\xac\x10\x01\x01"
                 "\x00\xac\x10\x01\x01", 14);

    /* 53 first, then the client's 55 where the server has a value (1, 28,
     * 3, 15, 6, 12, 26, 121), then the others always sent, by code. */
    static const uint8_t order[] = { 53, 1, 28, 3, 15, 6, 12, 26, 121,
                                     51, 54, 58, 59 };
    check_order(r, order, ARRAY_SIZE(order));
    free(r);
}
END_TEST

/* Without option 55 the always-sent options come by code, without 12 and
 * 121; a client that asks in another order gets that order. */
START_TEST(test_dhcp_param_order)
{
    struct dhcp_request req;
    struct dhcp_config c;

    test_config(&c, "cloud.example");
    test_request(&req, DHCP_MSG_DISCOVER);
    req.n_params = 0;
    struct test_reply *r = test_answer(&req, &c, DHCP_VERDICT_OFFER);
    static const uint8_t plain[] = { 53, 1, 3, 6, 15, 26, 28, 51, 54, 58,
                                     59 };
    check_order(r, plain, ARRAY_SIZE(plain));
    free(r);

    static const uint8_t params[] = { 59, 121, 54, 6, 53, 250, 1, 0, 255,
                                      121 };
    memcpy(req.params, params, sizeof params);
    req.n_params = sizeof params;
    r = test_answer(&req, &c, DHCP_VERDICT_OFFER);
    static const uint8_t asked[] = { 53, 59, 121, 54, 6, 1, 3, 15, 26, 28,
                                     51, 58 };
    check_order(r, asked, ARRAY_SIZE(asked));
    free(r);
}
END_TEST

/* Without a gateway: no option 3, and option 121 only routes the metadata
 * service, through the DHCP server. */
START_TEST(test_dhcp_no_router)
{
    struct dhcp_request req;
    struct dhcp_config c;

    test_config(&c, NULL);
    c.router = 0;
    test_request(&req, DHCP_MSG_DISCOVER);
    struct test_reply *r = test_answer(&req, &c, DHCP_VERDICT_OFFER);
    ck_assert(!r->has[3]);
    ck_assert(!r->has[15]);
    check_option(r, 121, "\x20\xa9\xfe\xa9\xfe\xac\x10\x01\x02", 9);
    free(r);
}
END_TEST

/* Option 57 bounds the reply; below 576 it counts as 576.  Options are
 * taken in the reply's order; an optional one that does not fit is left
 * out and the ones after it still go in if they fit. */
START_TEST(test_dhcp_max_message)
{
    static const uint8_t domain_last[] = { 1, 3, 6, 12, 26, 28, 121, 15 };
    char domain[DHCP_MAX_DOMAIN + 1];
    struct dhcp_request req;
    struct dhcp_config c;
    struct test_reply *r;

    /* 4 labels of 62 letters and 3 dots: 251 bytes. */
    memset(domain, 'a', sizeof domain);
    domain[62] = domain[125] = domain[188] = '.';
    domain[251] = '\0';
    test_config(&c, domain);

    /* No option 57: 576 bytes of IP at most.  The client asks for the
     * domain last: it does not fit, the lease times after it do. */
    test_request(&req, DHCP_MSG_DISCOVER);
    memcpy(req.params, domain_last, sizeof domain_last);
    req.n_params = sizeof domain_last;
    r = test_answer(&req, &c, DHCP_VERDICT_OFFER);
    static const uint8_t no_domain[] = { 53, 1, 3, 6, 12, 26, 28, 121, 51,
                                         54, 58, 59 };
    check_order(r, no_domain, ARRAY_SIZE(no_domain));
    free(r);

    /* dhclient's order asks for the domain early: it goes in, and host
     * name, routes and rebinding time, which come later, do not fit. */
    test_request(&req, DHCP_MSG_DISCOVER);
    r = test_answer(&req, &c, DHCP_VERDICT_OFFER);
    static const uint8_t early[] = { 53, 1, 28, 3, 15, 6, 26, 51, 54, 58 };
    check_order(r, early, ARRAY_SIZE(early));
    check_option(r, 15, domain, 251);
    ck_assert_uint_eq(r->ip_len, 20 + 8 + 240 + 306 + 1);
    free(r);

    /* Below the minimum: 576 all the same. */
    req.max_message = 200;
    r = test_answer(&req, &c, DHCP_VERDICT_OFFER);
    check_order(r, early, ARRAY_SIZE(early));
    ck_assert_uint_le(r->ip_len, 576);
    free(r);

    /* Room for everything. */
    req.max_message = 1500;
    r = test_answer(&req, &c, DHCP_VERDICT_OFFER);
    static const uint8_t all[] = { 53, 1, 28, 3, 15, 6, 12, 26, 121, 51, 54,
                                   58, 59 };
    check_order(r, all, ARRAY_SIZE(all));
    ck_assert_uint_eq(r->ip_len, 20 + 8 + 240 + 306 + 17 + 16 + 6 + 1);
    free(r);

    /* One byte short of that: 59, the last optional one, goes. */
    req.max_message = 20 + 8 + 240 + 306 + 17 + 16 + 6;
    r = test_answer(&req, &c, DHCP_VERDICT_OFFER);
    static const uint8_t all_but_59[] = { 53, 1, 28, 3, 15, 6, 12, 26, 121,
                                          51, 54, 58 };
    check_order(r, all_but_59, ARRAY_SIZE(all_but_59));
    ck_assert_uint_le(r->ip_len, req.max_message);
    free(r);
}
END_TEST

/* A NAK is padded to 300 bytes of BOOTP and holds only 53 and 54. */
START_TEST(test_dhcp_nak_minimum_length)
{
    struct dhcp_request req;
    struct dhcp_config c;

    test_config(&c, "cloud.example");
    test_request(&req, DHCP_MSG_REQUEST);
    req.requested_ip = ip("172.16.1.9");
    struct test_reply *r = test_answer(&req, &c, DHCP_VERDICT_NAK);
    ck_assert_uint_eq(r->bootp_len, 300);
    ck_assert_uint_eq(r->ip_len, 328);
    static const uint8_t order[] = { 53, 54 };
    check_order(r, order, ARRAY_SIZE(order));
    check_option(r, 53, "\x06", 1);
    check_option_ip(r, 54, "172.16.1.2");
    ck_assert_uint_eq(r->yiaddr, 0);
    ck_assert_uint_eq(r->ciaddr, 0);
    free(r);
}
END_TEST

/* RFC 2131 4.1: ciaddr -> unicast there; else the broadcast flag ->
 * broadcast; else unicast to yiaddr at chaddr; a NAK always broadcast. */
START_TEST(test_dhcp_addressing)
{
    struct dhcp_request req;
    struct dhcp_config c;
    struct test_reply *r;

    test_config(&c, NULL);

    test_request(&req, DHCP_MSG_DISCOVER);
    r = test_answer(&req, &c, DHCP_VERDICT_OFFER);
    ck_assert(eth_addr_equals(r->eth_dst, mac(CLIENT_MAC)));
    ck_assert_uint_eq(r->ip_dst, ip("172.16.1.4"));
    ck_assert_uint_eq(r->flags, 0);
    free(r);

    req.flags = DHCP_FLAG_BROADCAST;
    r = test_answer(&req, &c, DHCP_VERDICT_OFFER);
    ck_assert(eth_addr_equals(r->eth_dst, eth_addr_broadcast));
    ck_assert_uint_eq(r->ip_dst, htonl(0xffffffff));
    ck_assert_uint_eq(r->flags, DHCP_FLAG_BROADCAST);
    free(r);

    /* Renewing: ciaddr wins over the broadcast flag. */
    test_request(&req, DHCP_MSG_REQUEST);
    req.flags = DHCP_FLAG_BROADCAST;
    req.ciaddr = ip("172.16.1.4");
    req.ip_src = req.ciaddr;
    r = test_answer(&req, &c, DHCP_VERDICT_ACK);
    ck_assert(eth_addr_equals(r->eth_dst, mac(CLIENT_MAC)));
    ck_assert_uint_eq(r->ip_dst, ip("172.16.1.4"));
    ck_assert_uint_eq(r->ciaddr, ip("172.16.1.4"));
    ck_assert_uint_eq(r->yiaddr, ip("172.16.1.4"));
    check_option(r, 53, "\x05", 1);
    free(r);

    /* A NAK to a renewing client is still broadcast. */
    req.flags = 0;
    req.ciaddr = ip("172.16.1.9");
    r = test_answer(&req, &c, DHCP_VERDICT_NAK);
    ck_assert(eth_addr_equals(r->eth_dst, eth_addr_broadcast));
    ck_assert_uint_eq(r->ip_dst, htonl(0xffffffff));
    free(r);
}
END_TEST

/* INFORM: an ACK to ciaddr without lease options and with yiaddr 0. */
START_TEST(test_dhcp_inform)
{
    struct dhcp_request req;
    struct dhcp_config c;

    test_config(&c, "cloud.example");
    test_request(&req, DHCP_MSG_INFORM);
    req.ciaddr = ip("172.16.1.4");
    struct test_reply *r = test_answer(&req, &c, DHCP_VERDICT_ACK_INFORM);
    check_option(r, 53, "\x05", 1);
    ck_assert(!r->has[51] && !r->has[58] && !r->has[59]);
    check_option_ip(r, 1, "255.255.255.0");
    check_option_ip(r, 54, "172.16.1.2");
    ck_assert_uint_eq(r->yiaddr, 0);
    ck_assert_uint_eq(r->ciaddr, ip("172.16.1.4"));
    ck_assert_uint_eq(r->ip_dst, ip("172.16.1.4"));
    ck_assert(eth_addr_equals(r->eth_dst, mac(CLIENT_MAC)));
    free(r);

    /* Without ciaddr: broadcast. */
    req.ciaddr = 0;
    r = test_answer(&req, &c, DHCP_VERDICT_ACK_INFORM);
    ck_assert_uint_eq(r->ip_dst, htonl(0xffffffff));
    free(r);
}
END_TEST

/* Decides 'req' against 'config' and asserts the verdict and reason. */
static void
check_verdict(const struct dhcp_request *req, const struct dhcp_config *c,
              enum dhcp_verdict_type type, const char *reason)
{
    struct dhcp_verdict verdict;

    dhcp_decide(req, c, &verdict);
    ck_assert_str_eq(dhcp_verdict_name(verdict.type),
                     dhcp_verdict_name(type));
    ck_assert_str_eq(verdict.reason, reason);
    ck_assert(dhcp_verdict_has_reply(type)
              == (type != DHCP_VERDICT_IGNORE && type != DHCP_VERDICT_RELEASE
                  && type != DHCP_VERDICT_DECLINE));
}

/* REQUEST in each client state (RFC 2131 4.3.2), RELEASE, DECLINE and the
 * messages that get no answer. */
START_TEST(test_dhcp_decide)
{
    struct dhcp_request req;
    struct dhcp_config c;

    test_config(&c, NULL);

    /* SELECTING: our server id and the offered address. */
    test_request(&req, DHCP_MSG_REQUEST);
    req.server_id = ip("172.16.1.2");
    req.requested_ip = ip("172.16.1.4");
    check_verdict(&req, &c, DHCP_VERDICT_ACK, "REQUEST: ack 172.16.1.4");
    req.requested_ip = ip("172.16.1.5");
    check_verdict(&req, &c, DHCP_VERDICT_NAK,
                  "REQUEST for 172.16.1.5, the port has 172.16.1.4");
    /* Another server's offer was chosen: silence. */
    req.server_id = ip("172.16.1.3");
    check_verdict(&req, &c, DHCP_VERDICT_IGNORE,
                  "REQUEST for server 172.16.1.3, not 172.16.1.2");

    /* INIT-REBOOT: option 50 only. */
    test_request(&req, DHCP_MSG_REQUEST);
    req.requested_ip = ip("172.16.1.4");
    check_verdict(&req, &c, DHCP_VERDICT_ACK, "REQUEST: ack 172.16.1.4");
    req.requested_ip = ip("192.168.0.10");
    check_verdict(&req, &c, DHCP_VERDICT_NAK,
                  "REQUEST for 192.168.0.10, the port has 172.16.1.4");

    /* RENEWING / REBINDING: ciaddr only; a renumbered port NAKs. */
    test_request(&req, DHCP_MSG_REQUEST);
    req.ciaddr = ip("172.16.1.4");
    check_verdict(&req, &c, DHCP_VERDICT_ACK, "REQUEST: ack 172.16.1.4");
    c.yiaddr = ip("172.16.1.40");
    check_verdict(&req, &c, DHCP_VERDICT_NAK,
                  "REQUEST for 172.16.1.4, the port has 172.16.1.40");
    c.yiaddr = ip("172.16.1.4");

    req.ciaddr = 0;
    check_verdict(&req, &c, DHCP_VERDICT_NAK, "REQUEST names no address");

    /* Another MAC in chaddr: silence, whatever the message. */
    test_request(&req, DHCP_MSG_DISCOVER);
    req.chaddr = mac("fa:16:3e:00:00:99");
    check_verdict(&req, &c, DHCP_VERDICT_IGNORE,
                  "chaddr fa:16:3e:00:00:99 is not the port's MAC "
                  CLIENT_MAC);

    test_request(&req, DHCP_MSG_DISCOVER);
    req.giaddr = ip("172.16.1.4");
    check_verdict(&req, &c, DHCP_VERDICT_IGNORE,
                  "relayed by 172.16.1.4: only direct clients are served");

    test_request(&req, DHCP_MSG_RELEASE);
    req.ciaddr = ip("172.16.1.4");
    check_verdict(&req, &c, DHCP_VERDICT_RELEASE, "RELEASE of 172.16.1.4");

    test_request(&req, DHCP_MSG_DECLINE);
    req.requested_ip = ip("172.16.1.4");
    check_verdict(&req, &c, DHCP_VERDICT_DECLINE, "DECLINE of 172.16.1.4");

    test_request(&req, DHCP_MSG_OFFER);
    check_verdict(&req, &c, DHCP_VERDICT_IGNORE,
                  "a client sent a server's message (OFFER)");
    test_request(&req, DHCP_MSG_NAK);
    check_verdict(&req, &c, DHCP_VERDICT_IGNORE,
                  "a client sent a server's message (NAK)");

    test_request(&req, DHCP_MSG_DISCOVER);
    check_verdict(&req, &c, DHCP_VERDICT_OFFER, "DISCOVER: offer 172.16.1.4");
    test_request(&req, DHCP_MSG_INFORM);
    req.ciaddr = ip("172.16.1.4");
    check_verdict(&req, &c, DHCP_VERDICT_ACK_INFORM,
                  "INFORM from 172.16.1.4");
}
END_TEST

/* A valid DISCOVER frame of compute1_ns, as bytes, for mutation. */
struct test_frame {
    uint8_t data[2048];         /* The frame. */
    size_t size;                /* Bytes used. */
};

/* Fills 'frame' with a valid DISCOVER. */
static void
test_frame_init(struct test_frame *frame)
{
    struct dhcp_request req;
    struct dp_packet packet;

    test_request(&req, DHCP_MSG_DISCOVER);
    dp_packet_init(&packet, 0);
    dhcp_build_request(&req, &packet);
    frame->size = dp_packet_size(&packet);
    ck_assert_uint_le(frame->size, sizeof frame->data);
    memcpy(frame->data, dp_packet_data(&packet), frame->size);
    dp_packet_uninit(&packet);
}

/* Makes the IPv4 total length and UDP length of 'frame' match its size and
 * recomputes the IPv4 header checksum. */
static void
test_frame_fix(struct test_frame *frame)
{
    size_t ip_len = frame->size - T_IP;
    frame->data[T_IP + 2] = ip_len >> 8;
    frame->data[T_IP + 3] = ip_len;
    frame->data[T_UDP + 4] = (ip_len - 20) >> 8;
    frame->data[T_UDP + 5] = ip_len - 20;
    frame->data[T_IP + 10] = frame->data[T_IP + 11] = 0;
    ovs_be16 sum = csum(frame->data + T_IP, 20);
    memcpy(frame->data + T_IP + 10, &sum, 2);
}

/* Replaces the options of 'frame' by the 'n' bytes 'options' and fixes
 * its lengths. */
static void
test_frame_set_options(struct test_frame *frame, const char *options,
                       size_t n)
{
    memcpy(frame->data + T_OPTIONS, options, n);
    frame->size = T_OPTIONS + n;
    test_frame_fix(frame);
}

/* Asserts that parsing the first 'size' bytes of 'frame' fails with
 * 'reason'. */
static void
check_rejected(const struct test_frame *frame, size_t size,
               const char *reason)
{
    struct dhcp_request req;

    /* A copy of exactly 'size' bytes, so that a read past the end is seen
     * by AddressSanitizer or valgrind. */
    uint8_t *copy = xmemdup(frame->data, size ? size : 1);
    char *error = dhcp_parse_request(copy, size, &req);
    ck_assert_msg(error, "frame accepted, expected \"%s\"", reason);
    ck_assert_str_eq(error, reason);
    free(error);
    free(copy);
}

/* Malformed frames at every layer are rejected with their reason. */
START_TEST(test_dhcp_malformed)
{
    struct test_frame f;

    test_frame_init(&f);
    check_rejected(&f, 0, "frame of 0 bytes is shorter than an Ethernet "
                   "header (14 bytes)");
    check_rejected(&f, 13, "frame of 13 bytes is shorter than an Ethernet "
                   "header (14 bytes)");
    check_rejected(&f, 30, "16 bytes after the Ethernet header are too few "
                   "for an IPv4 header (20 bytes)");

    /* Oversize: more than any IPv4 packet, however the header reads. */
    uint8_t *big = xzalloc(14 + 65536);
    struct dhcp_request req;
    memcpy(big, f.data, f.size);
    char *error = dhcp_parse_request(big, 14 + 65536, &req);
    ck_assert_str_eq(error, "frame of 65550 bytes is longer than any IPv4 "
                     "packet");
    free(error);
    free(big);

    test_frame_init(&f);
    f.data[12] = 0x81;
    check_rejected(&f, f.size, "Ethernet type 0x8100 is not IPv4 (0x0800)");

    test_frame_init(&f);
    f.data[T_IP] = 0x65;
    test_frame_fix(&f);
    check_rejected(&f, f.size, "IP version 6 is not 4");

    test_frame_init(&f);
    f.data[T_IP] = 0x44;
    test_frame_fix(&f);
    check_rejected(&f, f.size, "IPv4 header length 16 is shorter than 20 "
                   "bytes");

    test_frame_init(&f);
    f.data[T_IP] = 0x4f;
    check_rejected(&f, T_IP + 40, "IPv4 header length 60 runs past the end "
                   "of the packet");

    test_frame_init(&f);
    f.data[T_IP + 10] ^= 0xff;
    char *expected = xasprintf("IPv4 header checksum 0x%02x%02x is wrong",
                               f.data[T_IP + 10], f.data[T_IP + 11]);
    check_rejected(&f, f.size, expected);
    free(expected);

    /* A frame cut short: the IPv4 total length runs past its end. */
    test_frame_init(&f);
    check_rejected(&f, f.size - 1, "IPv4 total length 328 runs past the end "
                   "of the packet");

    test_frame_init(&f);
    f.size = T_IP + 27;
    test_frame_fix(&f);
    check_rejected(&f, f.size, "IPv4 total length 27 leaves no room for a "
                   "UDP header");

    test_frame_init(&f);
    f.data[T_IP + 6] = 0x20;
    test_frame_fix(&f);
    check_rejected(&f, f.size, "IPv4 fragment (flags and offset 0x2000)");

    test_frame_init(&f);
    f.data[T_IP + 7] = 0x08;
    test_frame_fix(&f);
    check_rejected(&f, f.size, "IPv4 fragment (flags and offset 0x0008)");

    test_frame_init(&f);
    f.data[T_IP + 9] = 6;
    test_frame_fix(&f);
    check_rejected(&f, f.size, "IP protocol 6 is not UDP (17)");

    test_frame_init(&f);
    f.data[T_UDP + 3] = 68;
    check_rejected(&f, f.size, "UDP ports 68 -> 68 are not DHCP client to "
                   "server (68 -> 67)");

    test_frame_init(&f);
    f.data[T_UDP + 5]++;
    check_rejected(&f, f.size, "UDP length 309 does not match the 308 bytes "
                   "of the IPv4 payload");

    test_frame_init(&f);
    f.size = T_BOOTP + 100;
    test_frame_fix(&f);
    check_rejected(&f, f.size, "UDP payload of 100 bytes is shorter than a "
                   "BOOTP header (236 bytes)");

    test_frame_init(&f);
    f.data[T_BOOTP] = 2;
    check_rejected(&f, f.size, "BOOTP op 2 is not BOOTREQUEST (1)");

    test_frame_init(&f);
    f.data[T_BOOTP + 1] = 6;
    check_rejected(&f, f.size, "hardware type 6 is not Ethernet (1)");

    test_frame_init(&f);
    f.data[T_BOOTP + 2] = 16;
    check_rejected(&f, f.size, "hardware address length 16 is not 6");

    test_frame_init(&f);
    f.size = T_COOKIE + 2;
    test_frame_fix(&f);
    check_rejected(&f, f.size, "BOOTP message of 238 bytes ends before its "
                   "magic cookie");

    test_frame_init(&f);
    f.data[T_COOKIE + 3] = 0x64;
    check_rejected(&f, f.size, "magic cookie 0x63825364 is not 0x63825363");
}
END_TEST

/* Malformed options are rejected with their reason; duplicates of option
 * 53 are concatenated (RFC 3396) and then fail its length check. */
START_TEST(test_dhcp_malformed_options)
{
    static const struct {
        const char *options;    /* The whole options field. */
        size_t n;               /* Its length. */
        const char *reason;     /* The expected reason. */
    } cases[] = {
        { "\x35\x03\x01", 3,
          "option 53 length 3 runs past the end of the packet" },
        { "\x00\x00\x35", 3,
          "option 53 has no length byte before the end of the packet" },
        { "\x35\x01\x01", 3, "options end without option 255 (end)" },
        { "\x35\x01\x01\x00\x00", 5, "options end without option 255 (end)" },
        { "", 0, "options end without option 255 (end)" },
        { "\xff", 1, "option 53 (message type) is missing" },
        { "\x0c\x02hi\xff", 5, "option 53 (message type) is missing" },
        { "\x35\x00\xff", 3, "option 53 length 0 is not 1" },
        { "\x35\x01\x00\xff", 4,
          "option 53 value 0 is not a DHCP message type (1 to 8)" },
        { "\x35\x01\x09\xff", 4,
          "option 53 value 9 is not a DHCP message type (1 to 8)" },
        { "\x35\x01\x01\x35\x01\x03\xff", 7, "option 53 length 2 is not 1" },
        { "\x35\x01\x01\x32\x03\xac\x10\x01\xff", 9,
          "option 50 length 3 is not 4" },
        { "\x35\x01\x01\x36\x05\xac\x10\x01\x02\x00\xff", 11,
          "option 54 length 5 is not 4" },
        { "\x35\x01\x01\x39\x01\x02\xff", 7, "option 57 length 1 is not 2" },
        { "\x35\x01\x01\xfe\x05\x01\x02\xff", 8,
          "option 254 length 5 runs past the end of the packet" },
    };
    struct test_frame f;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        test_frame_init(&f);
        test_frame_set_options(&f, cases[i].options, cases[i].n);
        check_rejected(&f, f.size, cases[i].reason);
    }

    /* Option 55 split in two instances is joined; unknown options and
     * option 52 are skipped; bytes after the end option are ignored. */
    static const char good[] = "\x37\x02\x01\x03\x35\x01\x03\x34\x01\x03"
                               "\x37\x01\x06\xfa\x00\xff\x35\x01\x07";
    test_frame_init(&f);
    test_frame_set_options(&f, good, sizeof good - 1);
    struct dhcp_request req;
    char *error = dhcp_parse_request(f.data, f.size, &req);
    ck_assert_msg(!error, "%s", error);
    ck_assert_int_eq(req.msg_type, DHCP_MSG_REQUEST);
    ck_assert_uint_eq(req.n_params, 3);
    ck_assert(!memcmp(req.params, "\x01\x03\x06", 3));

    /* 300 bytes of option 55 in two instances are too many. */
    char *longest = xzalloc(2 * 152 + 4);
    size_t n = 0;
    longest[n++] = 53;
    longest[n++] = 1;
    longest[n++] = 1;
    for (int i = 0; i < 2; i++) {
        longest[n++] = 55;
        longest[n++] = (char) 150;
        memset(longest + n, 1, 150);
        n += 150;
    }
    longest[n++] = (char) 255;
    test_frame_init(&f);
    test_frame_set_options(&f, longest, n);
    check_rejected(&f, f.size, "option 55 repeated to more than 255 bytes");
    free(longest);
}
END_TEST

/* Every seed frame of the fuzzer's corpus (the "*.bin" files that
 * make-corpus-dhcp.py writes; inputs the fuzzer adds may be malformed on
 * purpose) parses, and the seeds hold every message type a client
 * sends. */
START_TEST(test_dhcp_fuzz_corpus)
{
    const char *dir_name = test_path("fuzz/corpus-dhcp");
    DIR *dir = opendir(dir_name);
    ck_assert_msg(dir, "%s: %s", dir_name, strerror(errno));

    bool seen[9] = { false };
    size_t n_files = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 4
            || strcmp(de->d_name + len - 4, ".bin")) {
            continue;
        }
        char *path = xasprintf("%s/%s", dir_name, de->d_name);
        FILE *file = fopen(path, "rb");
        ck_assert_msg(file, "%s: %s", path, strerror(errno));
        uint8_t data[2048];
        size_t size = fread(data, 1, sizeof data, file);
        fclose(file);

        struct dhcp_request req;
        char *error = dhcp_parse_request(data, size, &req);
        ck_assert_msg(!error, "%s: %s", path, error);
        seen[req.msg_type] = true;
        n_files++;
        free(path);
    }
    closedir(dir);
    ck_assert_uint_ge(n_files, 5);
    ck_assert(seen[DHCP_MSG_DISCOVER] && seen[DHCP_MSG_REQUEST]
              && seen[DHCP_MSG_INFORM] && seen[DHCP_MSG_RELEASE]
              && seen[DHCP_MSG_DECLINE]);
}
END_TEST

Suite *
test_dhcp_suite(void)
{
    Suite *suite = suite_create("dhcp");
    TCase *tc = tcase_create("codec");

    tcase_add_test(tc, test_dhcp_request_round_trip);
    tcase_add_test(tc, test_dhcp_request_minimal);
    tcase_add_test(tc, test_dhcp_config_seed);
    tcase_add_test(tc, test_dhcp_config_fallbacks);
    tcase_add_test(tc, test_dhcp_offer_options);
    tcase_add_test(tc, test_dhcp_param_order);
    tcase_add_test(tc, test_dhcp_no_router);
    tcase_add_test(tc, test_dhcp_max_message);
    tcase_add_test(tc, test_dhcp_nak_minimum_length);
    tcase_add_test(tc, test_dhcp_addressing);
    tcase_add_test(tc, test_dhcp_inform);
    tcase_add_test(tc, test_dhcp_decide);
    tcase_add_test(tc, test_dhcp_malformed);
    tcase_add_test(tc, test_dhcp_malformed_options);
    tcase_add_test(tc, test_dhcp_fuzz_corpus);
    suite_add_tcase(suite, tc);
    return suite;
}
