/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* libFuzzer harness for the DHCP codec: parses the input as a punted
 * frame; when it parses, checks what the parser promises, builds the same
 * request again and parses it back to the same fields, then decides and
 * builds the reply for two ports (with and without a gateway) and checks
 * its size and checksum.  Built and run by tests/fuzz/run-fuzz.sh. */

#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "dhcp.h"
#include "dp-packet.h"
#include "packets.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless 'a' and 'b' hold the same request. */
static void
check_same_request(const struct dhcp_request *a, const struct dhcp_request *b)
{
    ovs_assert(a->msg_type == b->msg_type);
    ovs_assert(a->xid == b->xid);
    ovs_assert(a->flags == b->flags);
    ovs_assert(a->ciaddr == b->ciaddr);
    ovs_assert(a->giaddr == b->giaddr);
    ovs_assert(eth_addr_equals(a->chaddr, b->chaddr));
    ovs_assert(eth_addr_equals(a->eth_src, b->eth_src));
    ovs_assert(a->ip_src == b->ip_src);
    ovs_assert(a->requested_ip == b->requested_ip);
    ovs_assert(a->server_id == b->server_id);
    ovs_assert(a->n_params == b->n_params);
    ovs_assert(!memcmp(a->params, b->params, a->n_params));
    ovs_assert(a->max_message == b->max_message);
    ovs_assert(a->client_id_len == b->client_id_len);
    ovs_assert(!memcmp(a->client_id, b->client_id, a->client_id_len));
    ovs_assert(!strcmp(a->host_name, b->host_name));
}

/* Fills 'config' for a port whose MAC is the client's, so that the
 * verdict depends on the message; with a gateway if 'router', and with the
 * longest domain. */
static void
make_config(const struct dhcp_request *req, bool router,
            struct dhcp_config *config)
{
    memset(config, 0, sizeof *config);
    config->server_mac = (struct eth_addr) { { 0xfa, 0x16, 0x3e, 0, 0, 2 } };
    config->server_ip = htonl(0xac100102);
    config->client_mac = req->chaddr;
    config->yiaddr = htonl(0xac100104);
    config->mask = htonl(0xffffff00);
    config->router = router ? htonl(0xac100101) : 0;
    config->broadcast = htonl(0xac1001ff);
    config->n_dns = DHCP_MAX_DNS;
    for (size_t i = 0; i < DHCP_MAX_DNS; i++) {
        config->dns[i] = htonl(0x08080800 + i);
    }
    ovs_strlcpy(config->host_name, "host-172-16-1-4",
                sizeof config->host_name);
    memset(config->domain, 'd', DHCP_MAX_DOMAIN);
    config->mtu = 1500;
    config->lease_time = 86400;
}

/* Decides 'req' for 'config' and, when there is a reply, builds it and
 * checks its bounds and IPv4 header checksum. */
static void
check_reply(const struct dhcp_request *req, const struct dhcp_config *config)
{
    struct dhcp_verdict verdict;

    dhcp_decide(req, config, &verdict);
    ovs_assert(verdict.reason[0]);
    if (!dhcp_verdict_has_reply(verdict.type)) {
        return;
    }

    struct dp_packet packet;
    dp_packet_init(&packet, 0);
    dhcp_build_reply(req, config, verdict.type, &packet);
    size_t ip_len = dp_packet_size(&packet) - ETH_HEADER_LEN;
    ovs_assert(ip_len >= 20 + 8 + DHCP_MIN_BOOTP_LEN);
    ovs_assert(ip_len <= MAX(req->max_message, DHCP_MIN_MAX_MESSAGE));
    ovs_assert(!csum((const uint8_t *) dp_packet_data(&packet)
                     + ETH_HEADER_LEN, IP_HEADER_LEN));
    dp_packet_uninit(&packet);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dhcp_request req;
    char *error = dhcp_parse_request(data, size, &req);

    if (error) {
        ovs_assert(error[0]);
        free(error);
        return 0;
    }
    ovs_assert(req.msg_type >= DHCP_MSG_DISCOVER
               && req.msg_type <= DHCP_MSG_INFORM);
    ovs_assert(req.n_params <= sizeof req.params);
    ovs_assert(req.client_id_len <= sizeof req.client_id);
    ovs_assert(strlen(req.host_name) < sizeof req.host_name);

    struct dp_packet packet;
    struct dhcp_request again;
    dp_packet_init(&packet, 0);
    dhcp_build_request(&req, &packet);
    error = dhcp_parse_request(dp_packet_data(&packet),
                               dp_packet_size(&packet), &again);
    ovs_assert(!error);
    check_same_request(&req, &again);
    dp_packet_uninit(&packet);

    struct dhcp_config config;
    make_config(&req, true, &config);
    check_reply(&req, &config);
    make_config(&req, false, &config);
    check_reply(&req, &config);
    return 0;
}
