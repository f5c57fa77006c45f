/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "suites.h"
#include "svec.h"
#include "util.h"

/* Ids of the seed document (tests/fixtures/seed-000.json). */
#define S "1d05961d-e641-417e-8f19-803cae564547"
#define P1 "df51f6d0-8381-47a5-8fa5-a46a8b64e095"
#define P2 "b115bdf0-ca9a-42e2-8f87-6b0e252ec9e3"
#define P3 "eef67bf2-3d99-458b-b2fe-0616259ba63e"
#define DHCP "e5e546b5-5b2b-4afe-a72b-e95a64894b80"
#define GW "d31993be-24bb-4f83-8c8a-8bda9874dd50"
#define SG "e354500f-2cc1-414b-a7d9-56a4e8ea562e"
#define S2 "7c1f3a52-0b6e-4d39-9a51-2f8e6c4d1b20"

#define KEPT "subnet "S": kept at its last good version 5"

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
    struct eth_addr addr;
    ck_assert_msg(eth_addr_from_string(s, &addr), "bad test MAC %s", s);
    return addr;
}

/* Returns a copy of 'text' in which occurrence 'nth' (0-based) of 'old' is
 * replaced by 'new'.  Fails the test if there is no such occurrence.  The
 * caller must free the result. */
static char *
subst(const char *text, const char *old, const char *new, int nth)
{
    const char *p = text;
    for (;;) {
        p = strstr(p, old);
        ck_assert_msg(p != NULL, "occurrence %d of %s not found", nth, old);
        if (!nth--) {
            break;
        }
        p++;
    }

    struct ds ds = DS_EMPTY_INITIALIZER;
    ds_put_buffer(&ds, text, p - text);
    ds_put_cstr(&ds, new);
    ds_put_cstr(&ds, p + strlen(old));
    return ds_steal_cstr(&ds);
}

/* Appends a description of every field of 'port' to 'ds'. */
static void
dump_port(struct ds *ds, const struct model_port *port)
{
    ds_put_format(ds, "  port %s v%"PRId64" "IP_FMT" dev=%s "ETH_ADDR_FMT
                  " host="IP_FMT" type=%d rate=%"PRIu32" burst=%"PRIu32
                  " sgs=", port->id, port->version, IP_ARGS(port->fixed_ip),
                  port->device_id, ETH_ADDR_ARGS(port->mac),
                  IP_ARGS(port->host), port->type, port->rate, port->burst);
    for (size_t i = 0; i < port->n_sg_ids; i++) {
        ds_put_format(ds, "%s,", port->sg_ids[i]);
    }
    ds_put_cstr(ds, " pairs=");
    for (size_t i = 0; i < port->n_pairs; i++) {
        const struct model_address_pair *p = &port->pairs[i];
        ds_put_format(ds, IP_FMT"/%u@"ETH_ADDR_FMT",", IP_ARGS(p->ip),
                      p->plen, ETH_ADDR_ARGS(p->mac));
    }
    ds_put_char(ds, '\n');
}

/* Returns a text listing every field of 'model', to compare models.  The
 * caller must free it. */
static char *
dump_model(const struct model *model)
{
    struct ds ds = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < model->n_subnets; i++) {
        const struct model_subnet *s = model->subnets[i];
        ds_put_format(&ds, "subnet %s v%"PRId64" vpc=%s tenant=%s md=%"PRIu32
                      " vni=%"PRIu32" mtu=%"PRIu32" net="IP_FMT"/%u"
                      " type=%d physnet=%s seg=%u\n dns=",
                      s->id, s->version, s->vpc_id, s->tenant_id,
                      s->metadata, s->vni, s->mtu, IP_ARGS(s->network),
                      s->plen, s->network_type,
                      s->physical_network ? s->physical_network : "-",
                      s->segmentation_id);
        for (size_t j = 0; j < s->n_dns; j++) {
            ds_put_format(&ds, IP_FMT",", IP_ARGS(s->dns[j]));
        }
        ds_put_cstr(&ds, " routers=");
        for (size_t j = 0; j < s->n_routers; j++) {
            ds_put_format(&ds, IP_FMT",", IP_ARGS(s->routers[j]));
        }
        ds_put_char(&ds, '\n');
        for (size_t j = 0; j < s->n_ports; j++) {
            dump_port(&ds, &s->ports[j]);
        }
        if (s->dhcp_port) {
            ds_put_cstr(&ds, " dhcp:");
            dump_port(&ds, s->dhcp_port);
        }
        for (size_t j = 0; j < s->n_gateway_ports; j++) {
            ds_put_cstr(&ds, " gw:");
            dump_port(&ds, &s->gateway_ports[j]);
        }
        for (size_t j = 0; j < s->n_secgroups; j++) {
            const struct model_secgroup *sg = &s->secgroups[j];
            ds_put_format(&ds, "  sg %s\n", sg->id);
            for (size_t k = 0; k < sg->n_rules; k++) {
                const struct model_sg_rule *r = &sg->rules[k];
                ds_put_format(&ds, "   rule dir=%d proto=%d prefix=%s"
                              IP_FMT"/%u v%d ports=%d-%d remote=%s\n",
                              r->direction, r->proto,
                              r->has_prefix ? "" : "none:",
                              IP_ARGS(r->prefix), r->prefix_len,
                              r->ip_version, r->port_start, r->port_end,
                              r->remote_group_id ? r->remote_group_id : "-");
            }
        }
    }
    return ds_steal_cstr(&ds);
}

/* Parses 'text', which must be free of problems, and returns the model. */
static struct model *
parse_good(const char *text, const struct model *previous)
{
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;
    char *error = model_parse(text, previous, &model, &errors);

    ck_assert_msg(error == NULL, "unexpected error: %s", error);
    ck_assert_msg(errors.n == 0, "unexpected problem: %s", errors.names[0]);
    ck_assert_ptr_nonnull(model);
    svec_destroy(&errors);
    return model;
}

/* Parses the seed fixture. */
static struct model *
parse_seed(void)
{
    char *text = test_read_file("fixtures/seed-000.json");
    struct model *model = parse_good(text, NULL);
    free(text);
    return model;
}

/* Every field of the seed document lands where it should. */
START_TEST(test_model_seed)
{
    struct model *model = parse_seed();

    ck_assert_uint_eq(model->n_subnets, 1);
    const struct model_subnet *s = model->subnets[0];
    ck_assert_str_eq(s->id, S);
    ck_assert_int_eq(s->version, 5);
    ck_assert_str_eq(s->vpc_id, "9e5ef3bb-bb60-4eb5-a98e-c487aea25f6a");
    ck_assert_str_eq(s->tenant_id, "tenant1");
    ck_assert_uint_eq(s->metadata, 1025);
    ck_assert_uint_eq(s->vni, 1);
    ck_assert_uint_eq(s->mtu, 1500);
    ck_assert_uint_eq(s->network, ip("172.16.1.0"));
    ck_assert_uint_eq(s->plen, 24);
    ck_assert_uint_eq(s->n_dns, 0);
    ck_assert_uint_eq(s->n_routers, 2);
    ck_assert_uint_eq(s->routers[0], ip("10.10.10.4"));
    ck_assert_uint_eq(s->routers[1], ip("10.10.10.5"));
    ck_assert_int_eq(s->network_type, MODEL_NET_VXLAN);
    ck_assert_ptr_null(s->physical_network);
    ck_assert_uint_eq(s->segmentation_id, 0);

    ck_assert_uint_eq(s->n_ports, 3);
    const struct model_port *p = &s->ports[0];
    ck_assert_str_eq(p->id, P1);
    ck_assert_int_eq(p->version, 1);
    ck_assert_uint_eq(p->fixed_ip, ip("172.16.1.4"));
    ck_assert_str_eq(p->device_id, "compute1_ns");
    ck_assert(eth_addr_equals(p->mac,
                              mac("fa:16:3e:73:c9:74")));
    ck_assert_uint_eq(p->host, ip("10.10.10.2"));
    ck_assert_int_eq(p->type, MODEL_PORT_VM);
    ck_assert_uint_eq(p->rate, 10);
    ck_assert_uint_eq(p->burst, 1);
    ck_assert_uint_eq(p->n_sg_ids, 1);
    ck_assert_str_eq(p->sg_ids[0], SG);
    ck_assert_uint_eq(p->n_pairs, 0);
    ck_assert_str_eq(s->ports[1].id, P2);
    ck_assert_str_eq(s->ports[1].device_id, "compute2_ns");
    ck_assert_uint_eq(s->ports[1].host, ip("10.10.10.3"));
    ck_assert_str_eq(s->ports[2].id, P3);
    ck_assert_int_eq(s->ports[2].version, 0);
    ck_assert_str_eq(s->ports[2].device_id, "compute1_ns_2");
    ck_assert_uint_eq(s->ports[2].fixed_ip, ip("172.16.1.5"));

    ck_assert_ptr_nonnull(s->dhcp_port);
    ck_assert_str_eq(s->dhcp_port->id, DHCP);
    ck_assert_uint_eq(s->dhcp_port->fixed_ip, ip("172.16.1.2"));
    ck_assert_str_eq(s->dhcp_port->device_id, "");
    ck_assert_uint_eq(s->dhcp_port->host, 0);
    ck_assert_int_eq(s->dhcp_port->type, MODEL_PORT_DHCP);
    ck_assert_uint_eq(s->dhcp_port->rate, 0);
    ck_assert_uint_eq(s->dhcp_port->n_sg_ids, 0);
    ck_assert(eth_addr_equals(s->dhcp_port->mac,
                              mac("fa:16:3e:f9:df:5d")));

    ck_assert_uint_eq(s->n_gateway_ports, 1);
    ck_assert_str_eq(s->gateway_ports[0].id, GW);
    ck_assert_uint_eq(s->gateway_ports[0].fixed_ip, ip("172.16.1.1"));
    ck_assert_str_eq(s->gateway_ports[0].device_id,
                     "487cab79-bc15-48c2-b264-1b004da5f4f0");
    ck_assert_int_eq(s->gateway_ports[0].type, MODEL_PORT_GATEWAY);
    ck_assert(eth_addr_equals(s->gateway_ports[0].mac,
                              mac("fa:16:3e:97:64:ef")));

    ck_assert_uint_eq(s->n_secgroups, 1);
    const struct model_secgroup *sg = &s->secgroups[0];
    ck_assert_str_eq(sg->id, SG);
    ck_assert_uint_eq(sg->n_rules, 2);
    ck_assert_int_eq(sg->rules[0].direction, MODEL_SG_EGRESS);
    ck_assert_int_eq(sg->rules[1].direction, MODEL_SG_INGRESS);
    for (size_t i = 0; i < 2; i++) {
        const struct model_sg_rule *r = &sg->rules[i];
        ck_assert_uint_eq(r->proto, 1);
        ck_assert(r->has_prefix);
        ck_assert_uint_eq(r->prefix, ip("172.16.1.0"));
        ck_assert_uint_eq(r->prefix_len, 24);
        ck_assert_int_eq(r->ip_version, MODEL_IPV4);
        ck_assert_uint_eq(r->port_start, 0);
        ck_assert_uint_eq(r->port_end, 0);
        ck_assert_str_eq(r->remote_group_id, SG);
    }

    ck_assert_ptr_eq(model_find_subnet(model, S), s);
    ck_assert_ptr_null(model_find_subnet(model, "nope"));
    ck_assert_ptr_eq(model_find_secgroup(model, SG), sg);
    ck_assert_ptr_null(model_find_secgroup(model, "nope"));
    model_unref(model);
}
END_TEST

/* model_clone() copies everything, deeply. */
START_TEST(test_model_clone)
{
    struct model *model = parse_seed();
    struct model *clone = model_clone(model);
    char *a = dump_model(model);

    model_unref(model);
    char *b = dump_model(clone);
    ck_assert_str_eq(a, b);
    model_unref(clone);
    free(a);
    free(b);
}
END_TEST

/* A subnet for the digest tests, with one port whose "rate" is RATE. */
#define DIGEST_SUBNET(ID, METADATA, RATE)                                   \
    "{\"id\": \""ID"\", \"version\": 1, \"vpcId\": \"v\", "              \
    "\"tenantId\": \"t\", \"metadata\": "#METADATA", "                    \
    "\"vni\": "#METADATA", \"mtu\": 1500, \"network\": \"10.0.0.0/24\", "  \
    "\"routers\": [\"10.1.0.1\"], \"ports\": [{\"id\": \"p\", "           \
    "\"version\": 1, \"fixedip\": \"10.0.0.5\", \"deviceId\": \"tap\", "  \
    "\"mac\": \"fa:16:3e:00:00:01\", \"host\": \"10.2.0.1\", "             \
    "\"type\": 0, \"rate\": "#RATE"}]}"

/* Returns the digest of the subnet 'id' of 'model'. */
static uint64_t
digest_of(const struct model *model, const char *id)
{
    const struct model_subnet *subnet = model_find_subnet(model, id);
    ck_assert_ptr_nonnull(subnet);
    return subnet->digest;
}

/* A subnet's digest depends on its text only: the same in another document,
 * kept by copies, different when one of its ports changes. */
START_TEST(test_model_digest)
{
    struct model *a = parse_good(
        "{\"code\": 0, \"Result\": {\"subnets\": ["
        DIGEST_SUBNET("s1", 1, 10)"]}}", NULL);
    struct model *b = parse_good(
        "{\"code\":0,\"message\":\"\",\"Result\":{\"subnets\":[\n"
        DIGEST_SUBNET("s2", 2, 10)",\n"DIGEST_SUBNET("s1", 1, 10)"]}}",
        NULL);
    struct model *c = parse_good(
        "{\"code\": 0, \"Result\": {\"subnets\": ["
        DIGEST_SUBNET("s1", 1, 11)"]}}", NULL);
    struct model *clone = model_clone(a);

    ck_assert_uint_eq(digest_of(a, "s1"), digest_of(b, "s1"));
    ck_assert_uint_eq(digest_of(a, "s1"), digest_of(clone, "s1"));
    ck_assert_uint_ne(digest_of(a, "s1"), digest_of(c, "s1"));
    ck_assert_uint_ne(digest_of(b, "s1"), digest_of(b, "s2"));

    /* A bad subnet kept at its last good version keeps that digest. */
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *kept;
    ck_assert_ptr_null(model_parse(
        "{\"code\": 0, \"Result\": {\"subnets\": ["
        DIGEST_SUBNET("s1", 1, -1)"]}}", c, &kept, &errors));
    ck_assert_uint_eq(errors.n, 2);
    ck_assert_uint_eq(digest_of(kept, "s1"), digest_of(c, "s1"));
    svec_destroy(&errors);

    model_unref(a);
    model_unref(b);
    model_unref(c);
    model_unref(clone);
    model_unref(kept);
}
END_TEST

/* One field of the seed changed, and the exact problem it must cause. */
struct bad_case {
    const char *old;            /* Text of the seed to replace... */
    int nth;                    /* ...at this occurrence (0-based)... */
    const char *new;            /* ...by this. */
    const char *error;          /* The one message expected. */
};

static const struct bad_case bad_cases[] = {
    /* Subnet fields. */
    { "\"version\": 5", 0, "\"version\": -1",
      "subnet "S": version: must be at least 0, not -1" },
    { "\"vpcId\"", 0, "\"vpcID\"", "subnet "S": vpcId: missing" },
    { "\"tenantId\": \"tenant1\"", 0, "\"tenantId\": 7",
      "subnet "S": tenantId: must be a string, not an integer" },
    { "\"metadata\": 1025", 0, "\"metadata\": 0",
      "subnet "S": metadata: must be between 1 and 4294967295, not 0" },
    { "\"metadata\": 1025", 0, "\"metadata\": 4294967296",
      "subnet "S": metadata: must be between 1 and 4294967295, "
      "not 4294967296" },
    { "\"vni\": 1", 0, "\"vni\": 0",
      "subnet "S": vni: must be between 1 and 16777215, not 0" },
    { "\"vni\": 1", 0, "\"vni\": 16777216",
      "subnet "S": vni: must be between 1 and 16777215, not 16777216" },
    { "\"vni\": 1", 0, "\"vni\": 1.5",
      "subnet "S": vni: must be an integer, not a real number" },
    { "\"mtu\": 1500", 0, "\"mtu\": 67",
      "subnet "S": mtu: must be between 68 and 65535, not 67" },
    { "\"mtu\": 1500", 0, "\"mtu\": \"1500\"",
      "subnet "S": mtu: must be an integer, not a string" },
    { "172.16.1.0/24\",\n", 0, "172.16.1.1/24\",\n",
      "subnet "S": network: 172.16.1.1/24 has host bits set" },
    { "172.16.1.0/24\",\n", 0, "172.16.1.0/33\",\n",
      "subnet "S": network: invalid CIDR \"172.16.1.0/33\"" },
    { "172.16.1.0/24\",\n", 0, "172.16.1.0\",\n",
      "subnet "S": network: invalid CIDR \"172.16.1.0\"" },
    { "\"dns\": null", 0, "\"dns\": [\"8.8.8\"]",
      "subnet "S": dns: invalid IPv4 address \"8.8.8\"" },
    { "\"dns\": null", 0, "\"dns\": \"8.8.8.8\"",
      "subnet "S": dns: must be an array, not a string" },
    { "\"10.10.10.5\"", 0, "\"10.10.10.4\"",
      "subnet "S": routers: duplicate address 10.10.10.4" },
    { "\"10.10.10.4\"", 0, "\"10.10.10.x\"",
      "subnet "S": routers: invalid IPv4 address \"10.10.10.x\"" },
    { "\"mtu\": 1500,", 0, "\"mtu\": 1500, \"networkType\": \"gre\",",
      "subnet "S": networkType: must be \"vxlan\", \"flat\" or \"vlan\", "
      "not \"gre\"" },
    { "\"mtu\": 1500,", 0, "\"mtu\": 1500, \"networkType\": \"flat\",",
      "subnet "S": physicalNetwork: missing" },

    /* Port fields. */
    { "fa:16:3e:73:c9:74", 0, "zz:zz",
      "subnet "S": port "P1": mac: invalid MAC address \"zz:zz\"" },
    { "fa:16:3e:73:c9:74", 0, "01:00:5e:00:00:01",
      "subnet "S": port "P1": mac: 01:00:5e:00:00:01 is a multicast "
      "address" },
    { "fa:16:3e:73:c9:74", 0, "00:00:00:00:00:00",
      "subnet "S": port "P1": mac: 00:00:00:00:00:00 is the zero address" },
    { "fa:16:3e:5e:16:34", 0, "fa:16:3e:73:c9:74",
      "subnet "S": port "P2": mac: duplicate MAC fa:16:3e:73:c9:74 "
      "(also port "P1")" },
    { "fa:16:3e:97:64:ef", 0, "FA:16:3E:F9:DF:5D",
      "subnet "S": port "GW": mac: duplicate MAC fa:16:3e:f9:df:5d "
      "(also port "DHCP")" },
    { "\"mac\"", 0, "\"MAC\"", "subnet "S": port "P1": mac: missing" },
    { "\"172.16.1.5\"", 0, "\"172.16.1.4\"",
      "subnet "S": port "P3": fixedip: duplicate IP 172.16.1.4 "
      "(also port "P1")" },
    { "\"172.16.1.1\"", 0, "\"172.16.1.2\"",
      "subnet "S": port "GW": fixedip: duplicate IP 172.16.1.2 "
      "(also port "DHCP")" },
    { "\"172.16.1.4\"", 0, "\"172.16.2.9\"",
      "subnet "S": port "P1": fixedip: 172.16.2.9 is outside "
      "172.16.1.0/24" },
    { "\"172.16.1.4\"", 0, "\"172.16.1.256\"",
      "subnet "S": port "P1": fixedip: invalid IPv4 address "
      "\"172.16.1.256\"" },
    { "\"172.16.1.4\"", 0, "42",
      "subnet "S": port "P1": fixedip: must be a string, not an integer" },
    { "\""P2"\"", 0, "\""P1"\"",
      "subnet "S": port "P1": id: duplicate port id (also ports[0])" },
    { "\""P2"\"", 0, "\"bad id\"",
      "subnet "S": port ports[1]: id: \"bad id\" is not a valid id "
      "(printable ASCII, no spaces)" },
    { "\"deviceId\": \"compute1_ns\"", 0, "\"deviceId\": null",
      "subnet "S": port "P1": deviceId: missing" },
    { "\"type\": 0", 0, "\"type\": 1",
      "subnet "S": port "P1": type: must be 0 (VM) in \"ports\", not 1" },
    { "\"type\": 2", 0, "\"type\": 1",
      "subnet "S": port "DHCP": type: must be 2 (DHCP) in \"dhcpPort\", "
      "not 1" },
    { "\"type\": 1", 0, "\"type\": 0",
      "subnet "S": port "GW": type: must be 1 (gateway) in "
      "\"gatewayPorts\", not 0" },
    { "\"host\": \"10.10.10.2\"", 0, "\"host\": \"\"",
      "subnet "S": port "P1": host: must not be empty for a VM port" },
    { "\"host\": \"10.10.10.2\"", 0, "\"host\": \"10.10.10\"",
      "subnet "S": port "P1": host: invalid IPv4 address \"10.10.10\"" },
    { "\"host\": \"10.10.10.2\"", 0, "\"host\": \"0.0.0.0\"",
      "subnet "S": port "P1": host: 0.0.0.0 is not a host address" },
    { "\"rate\": 10", 0, "\"rate\": -1",
      "subnet "S": port "P1": rate: must be between 0 and 4294967, "
      "not -1" },
    { "\"burst\": 1", 0, "\"burst\": \"1\"",
      "subnet "S": port "P1": burst: must be an integer, not a string" },
    { "\""SG"\"", 0, "\"nope\"",
      "subnet "S": port "P1": securitygroupIds: unknown securitygroup "
      "\"nope\"" },
    { "\""SG"\"", 0, "7",
      "subnet "S": port "P1": securitygroupIds: entries must be strings, "
      "not an integer" },
    { "\"burst\": 1,", 0,
      "\"burst\": 1, \"allowedAddressPairs\": [{\"ip\": \"1.2.3.4/40\"}],",
      "subnet "S": port "P1": allowedAddressPairs[0].ip: invalid IPv4 "
      "address or CIDR \"1.2.3.4/40\"" },
    { "\"burst\": 1,", 0,
      "\"burst\": 1, \"allowedAddressPairs\": "
      "[{\"ip\": \"1.2.3.4\", \"mac\": \"ff:ff:ff:ff:ff:ff\"}],",
      "subnet "S": port "P1": allowedAddressPairs[0].mac: "
      "ff:ff:ff:ff:ff:ff is a multicast address" },

    /* Security-group rules. */
    { "\"direction\": 1", 0, "\"direction\": 7",
      "subnet "S": securitygroup "SG": rule 0: direction: must be 0 "
      "(ingress) or 1 (egress), not 7" },
    { "\"type\": 0", 3, "\"type\": 1",
      "subnet "S": securitygroup "SG": rule 0: type: must be 0 (allow), "
      "not 1" },
    { "\"proto\": 1", 1, "\"proto\": 256",
      "subnet "S": securitygroup "SG": rule 1: proto: must be between 0 "
      "and 255, not 256" },
    { "\"ipPrefix\": \"172.16.1.0/24\"", 0, "\"ipPrefix\": \"172.16.1.0/40\"",
      "subnet "S": securitygroup "SG": rule 0: ipPrefix: invalid IPv4 CIDR "
      "\"172.16.1.0/40\"" },
    { "\"ipVersion\": 0", 0, "\"ipVersion\": 2",
      "subnet "S": securitygroup "SG": rule 0: ipVersion: must be 0 (IPv4) "
      "or 1 (IPv6), not 2" },
    { "\"portStart\": 0", 0, "\"portStart\": 80",
      "subnet "S": securitygroup "SG": rule 0: portEnd: is 0 but portStart "
      "is 80 (0/0 means any port)" },
    { "\"portEnd\": 0", 1, "\"portEnd\": 70000",
      "subnet "S": securitygroup "SG": rule 1: portEnd: must be between 0 "
      "and 65535, not 70000" },
    { "\"remoteGroupId\": \""SG"\"", 0, "\"remoteGroupId\": \"nope\"",
      "subnet "S": securitygroup "SG": rule 0: remoteGroupId: unknown "
      "securitygroup \"nope\"" },
    { "\"remoteGroupId\": \""SG"\"", 1, "\"remoteGroupId\": 3",
      "subnet "S": securitygroup "SG": rule 1: remoteGroupId: must be a "
      "string, not an integer" },
    { "\"securitygroupRules\"", 0, "\"rules\": [], \"securitygroupRules\"",
      NULL },                   /* Unknown field: no error (not counted). */
};

/* A bad field makes the subnet keep its last good version, and leaves the
 * previous model alone. */
/* A subnet whose port is in group SG (empty for none) and that defines the
 * groups of the JSON array GROUPS. */
#define SG_SUBNET(ID, METADATA, SG, GROUPS)                                 \
    "{\"id\": \""ID"\", \"version\": 1, \"vpcId\": \"v\", "              \
    "\"tenantId\": \"t\", \"metadata\": "#METADATA", "                    \
    "\"vni\": "#METADATA", \"mtu\": 1500, \"network\": \"10.0.0.0/24\", "  \
    "\"routers\": [\"10.1.0.1\"], \"ports\": [{\"id\": \"p"ID"\", "       \
    "\"version\": 1, \"fixedip\": \"10.0.0.5\", \"deviceId\": \"tap\", "  \
    "\"mac\": \"fa:16:3e:00:00:01\", \"host\": \"10.2.0.1\", "             \
    "\"type\": 0, \"securitygroupIds\": ["SG"]}], "                        \
    "\"securitygroups\": "GROUPS"}"

/* A group with one rule that allows ingress TCP from group REMOTE. */
#define SG_GROUP(ID, REMOTE)                                                \
    "{\"id\": \""ID"\", \"securitygroupRules\": [{\"direction\": 0, "      \
    "\"type\": 0, \"proto\": 6, \"ipPrefix\": \"\", \"ipVersion\": 0, "    \
    "\"portStart\": 0, \"portEnd\": 0, \"remoteGroupId\": \""REMOTE"\"}]}"

#define SG_DOC(...) "{\"code\": 0, \"Result\": {\"subnets\": ["__VA_ARGS__"]}}"

/* Parses 'text' with 'previous' and checks that it gives exactly one
 * problem, which contains 'problem'; returns the model. */
static struct model *
parse_one_problem(const char *text, const struct model *previous,
                  const char *problem)
{
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;
    char *error = model_parse(text, previous, &model, &errors);
    ck_assert_msg(!error, "%s", error);
    ck_assert_msg(errors.n >= 1 && strstr(errors.names[0], problem),
                  "expected \"%s\", got %"PRIuSIZE" problems: %s", problem,
                  errors.n, errors.n ? errors.names[0] : "");
    svec_destroy(&errors);
    return model;
}

/* A subnet whose text did not change is the previous model's subnet,
 * shared, unless what it names elsewhere in the document changed: then it
 * is checked as if parsed again. */
START_TEST(test_model_shares_unchanged_subnets)
{
    struct model *a = parse_good(SG_DOC(
        SG_SUBNET("s1", 1, "\"g2\"", "[]") ", "
        SG_SUBNET("s2", 2, "", "[" SG_GROUP("g2", "g2") "]")), NULL);

    /* s2 changes (its metadata), s1 does not: s1 is shared. */
    struct model *b = parse_good(SG_DOC(
        SG_SUBNET("s1", 1, "\"g2\"", "[]") ", "
        SG_SUBNET("s2", 4, "", "[" SG_GROUP("g2", "g2") "]")), a);
    ck_assert_ptr_eq(model_find_subnet(b, "s1"), model_find_subnet(a, "s1"));
    ck_assert_ptr_ne(model_find_subnet(b, "s2"), model_find_subnet(a, "s2"));
    ck_assert_uint_eq(model_find_subnet(b, "s2")->metadata, 4);
    ck_assert_uint_eq(model_find_subnet(b, "s1")->n_refs, 2);
    model_unref(a);
    ck_assert_uint_eq(model_find_subnet(b, "s1")->n_refs, 1);
    ck_assert_str_eq(model_find_subnet(b, "s1")->ports[0].sg_ids[0], "g2");

    /* Group g2 is gone: s1, unchanged, names an unknown group. */
    struct model *c = parse_one_problem(SG_DOC(
        SG_SUBNET("s1", 1, "\"g2\"", "[]") ", "
        SG_SUBNET("s2", 4, "", "[]")), b, "unknown securitygroup");
    model_unref(c);

    /* A new subnet before s1 takes its metadata: s1 clashes. */
    c = parse_one_problem(SG_DOC(
        SG_SUBNET("s0", 1, "", "[]") ", "
        SG_SUBNET("s1", 1, "\"g2\"", "[]") ", "
        SG_SUBNET("s2", 4, "", "[" SG_GROUP("g2", "g2") "]")), b,
        "duplicate metadata");
    model_unref(c);

    /* A subnet before s1 takes its id: s1 is the duplicate. */
    c = parse_one_problem(SG_DOC(
        SG_SUBNET("s1", 3, "", "[]") ", "
        SG_SUBNET("s1", 1, "\"g2\"", "[]") ", "
        SG_SUBNET("s2", 4, "", "[" SG_GROUP("g2", "g2") "]")), b,
        "duplicate subnet id");
    model_unref(c);
    model_unref(b);
}
END_TEST

START_TEST(test_model_bad_field)
{
    const struct bad_case *bc = &bad_cases[_i];
    char *seed = test_read_file("fixtures/seed-000.json");
    struct model *previous = parse_good(seed, NULL);
    char *before = dump_model(previous);
    char *text = subst(seed, bc->old, bc->new, bc->nth);
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;

    char *error = model_parse(text, previous, &model, &errors);
    ck_assert_msg(error == NULL, "unexpected error: %s", error);
    ck_assert_ptr_nonnull(model);
    if (bc->error) {
        ck_assert_msg(errors.n == 2, "%"PRIuSIZE" messages, first: %s",
                      errors.n, errors.n ? errors.names[0] : "none");
        ck_assert_str_eq(errors.names[0], bc->error);
        ck_assert_str_eq(errors.names[1], KEPT);
    } else {
        ck_assert_msg(errors.n == 0, "unexpected: %s", errors.names[0]);
    }

    /* The new model holds a copy of the previous subnet, not the same
     * objects, and the previous model did not change. */
    ck_assert_uint_eq(model->n_subnets, 1);
    ck_assert_ptr_ne(model->subnets[0], previous->subnets[0]);
    char *after = dump_model(previous);
    char *now = dump_model(model);
    ck_assert_str_eq(before, after);
    ck_assert_str_eq(before, now);

    free(now);
    free(after);
    free(before);
    free(text);
    free(seed);
    svec_destroy(&errors);
    model_unref(model);
    model_unref(previous);
}
END_TEST

/* Parses 'text' expecting a document-level error 'expected'; checks that
 * nothing else is touched. */
static void
expect_document_error(const char *text, const char *expected)
{
    struct model *previous = parse_seed();
    char *before = dump_model(previous);
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *sentinel = (struct model *) &errors;
    struct model *model = sentinel;

    char *error = model_parse(text, previous, &model, &errors);
    ck_assert_ptr_nonnull(error);
    if (expected[strlen(expected) - 1] == '*') {
        ck_assert_msg(!strncmp(error, expected, strlen(expected) - 1),
                      "error \"%s\" does not start with \"%s\"", error,
                      expected);
    } else {
        ck_assert_str_eq(error, expected);
    }
    ck_assert_ptr_eq(model, sentinel);
    ck_assert_uint_eq(errors.n, 0);
    char *after = dump_model(previous);
    ck_assert_str_eq(before, after);

    free(error);
    free(before);
    free(after);
    svec_destroy(&errors);
    model_unref(previous);
}

START_TEST(test_model_not_json)
{
    expect_document_error("{\"code\": 0, \"Result\": {\"subnets\": [",
                          "not JSON: *");
    expect_document_error("", "not JSON: *");
    expect_document_error("[1, 2]", "document: must be an object, "
                          "not an array");
}
END_TEST

START_TEST(test_model_controller_error)
{
    expect_document_error("{\"code\": 3, \"message\": \"no such host\", "
                          "\"Result\": null}",
                          "controller error 3: no such host");
    expect_document_error("{\"code\": -1}", "controller error -1: ");
}
END_TEST

START_TEST(test_model_bad_envelope)
{
    expect_document_error("{\"code\": 0, \"message\": \"\"}",
                          "document: Result: missing");
    expect_document_error("{\"message\": \"\", \"Result\": {}}",
                          "document: code: missing");
    expect_document_error("{\"code\": \"0\", \"Result\": {}}",
                          "document: code: must be an integer, not a "
                          "string");
    expect_document_error("{\"code\": 0, \"Result\": []}",
                          "document: Result: must be an object, not an "
                          "array");
    expect_document_error("{\"code\": 0, \"Result\": {}}",
                          "document: Result: subnets: missing");
    expect_document_error("{\"code\": 0, \"Result\": {\"subnets\": {}}}",
                          "document: Result: subnets: must be an array, "
                          "not an object");
}
END_TEST

/* "subnets": null and [] are empty models. */
START_TEST(test_model_empty)
{
    struct model *model = parse_good("{\"code\": 0, \"message\": \"\", "
                                     "\"Result\": {\"subnets\": null}}",
                                     NULL);
    ck_assert_uint_eq(model->n_subnets, 0);
    model_unref(model);

    model = parse_good("{\"code\": 0, \"Result\": {\"subnets\": []}}", NULL);
    ck_assert_uint_eq(model->n_subnets, 0);
    model_unref(model);
}
END_TEST

/* Without a previous model a bad subnet is left out. */
START_TEST(test_model_bad_no_previous)
{
    char *seed = test_read_file("fixtures/seed-000.json");
    char *text = subst(seed, "\"vni\": 1", "\"vni\": 0", 0);
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;

    ck_assert_ptr_null(model_parse(text, NULL, &model, &errors));
    ck_assert_uint_eq(model->n_subnets, 0);
    ck_assert_uint_eq(errors.n, 2);
    ck_assert_str_eq(errors.names[1],
                     "subnet "S": left out, no good version to keep");

    free(seed);
    free(text);
    svec_destroy(&errors);
    model_unref(model);
}
END_TEST

/* A subnet without a usable id is named by its index and left out. */
START_TEST(test_model_bad_subnet_id)
{
    char *seed = test_read_file("fixtures/seed-000.json");
    char *text = subst(seed, "\""S"\"", "\"\"", 0);
    struct model *previous = parse_good(seed, NULL);
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;

    ck_assert_ptr_null(model_parse(text, previous, &model, &errors));
    ck_assert_uint_eq(model->n_subnets, 0);
    ck_assert_uint_eq(errors.n, 2);
    ck_assert_str_eq(errors.names[0], "subnet #0: id: \"\" is not a valid "
                     "id (printable ASCII, no spaces)");
    ck_assert_str_eq(errors.names[1], "subnet #0: left out");

    free(seed);
    free(text);
    svec_destroy(&errors);
    model_unref(model);
    model_unref(previous);
}
END_TEST

/* Several problems of one subnet are all reported. */
START_TEST(test_model_several_problems)
{
    char *seed = test_read_file("fixtures/seed-000.json");
    char *t1 = subst(seed, "\"vni\": 1", "\"vni\": 0", 0);
    char *t2 = subst(t1, "fa:16:3e:8a:06:16", "zz", 0);
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;

    ck_assert_ptr_null(model_parse(t2, NULL, &model, &errors));
    ck_assert_uint_eq(errors.n, 3);
    ck_assert_str_eq(errors.names[0], "subnet "S": vni: must be between 1 "
                     "and 16777215, not 0");
    ck_assert_str_eq(errors.names[1], "subnet "S": port "P3": mac: invalid "
                     "MAC address \"zz\"");

    free(seed);
    free(t1);
    free(t2);
    svec_destroy(&errors);
    model_unref(model);
}
END_TEST

/* Of two subnets, a bad one never takes the good one down. */
START_TEST(test_model_two_subnets)
{
    char *doc = test_read_file("fixtures/two-subnets.json");
    struct model *previous = parse_good(doc, NULL);
    ck_assert_uint_eq(previous->n_subnets, 2);
    ck_assert_str_eq(previous->subnets[1]->id, S2);

    /* The second subnet is bad and new: left out, the first goes on. */
    char *text = subst(doc, "fa:16:3e:00:02:13", "fa:16:3e:00:02", 0);
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;
    ck_assert_ptr_null(model_parse(text, NULL, &model, &errors));
    ck_assert_uint_eq(model->n_subnets, 1);
    ck_assert_str_eq(model->subnets[0]->id, S);
    ck_assert_uint_eq(errors.n, 2);
    ck_assert_str_eq(errors.names[0], "subnet "S2": port b-port-3: mac: "
                     "invalid MAC address \"fa:16:3e:00:02\"");
    ck_assert_str_eq(errors.names[1],
                     "subnet "S2": left out, no good version to keep");
    model_unref(model);
    svec_clear(&errors);

    /* The same with a previous model: kept, in document order. */
    ck_assert_ptr_null(model_parse(text, previous, &model, &errors));
    ck_assert_uint_eq(model->n_subnets, 2);
    ck_assert_str_eq(model->subnets[1]->id, S2);
    ck_assert_int_eq(model->subnets[1]->version, 2);
    ck_assert_str_eq(errors.names[1],
                     "subnet "S2": kept at its last good version 2");
    model_unref(model);
    svec_clear(&errors);
    free(text);

    /* The first is bad: the second, good, goes on and keeps its place. */
    text = subst(doc, "\"mtu\": 1500", "\"mtu\": 65536", 0);
    ck_assert_ptr_null(model_parse(text, previous, &model, &errors));
    ck_assert_uint_eq(model->n_subnets, 2);
    ck_assert_str_eq(model->subnets[0]->id, S);
    ck_assert_str_eq(model->subnets[1]->id, S2);
    ck_assert_uint_eq(errors.n, 2);
    ck_assert_str_eq(errors.names[0], "subnet "S": mtu: must be between 68 "
                     "and 65535, not 65536");
    ck_assert_str_eq(errors.names[1], KEPT);
    model_unref(model);
    svec_clear(&errors);
    free(text);

    /* The second's security groups may reference the first's. */
    const struct model_subnet *s2 = previous->subnets[1];
    ck_assert_uint_eq(s2->ports[1].n_sg_ids, 2);
    ck_assert_str_eq(s2->ports[1].sg_ids[1], SG);
    ck_assert_uint_eq(s2->ports[2].n_sg_ids, 0);
    ck_assert_uint_eq(s2->n_dns, 2);
    ck_assert_uint_eq(s2->dns[1], ip("1.1.1.1"));
    ck_assert_ptr_null(s2->dhcp_port);
    ck_assert_uint_eq(s2->n_gateway_ports, 0);
    const struct model_sg_rule *r = &s2->secgroups[0].rules[0];
    ck_assert(!r->has_prefix);
    ck_assert_uint_eq(r->proto, 6);
    ck_assert_uint_eq(r->port_start, 80);
    ck_assert_uint_eq(r->port_end, 443);
    ck_assert_ptr_null(r->remote_group_id);
    ck_assert_ptr_eq(model_find_secgroup(previous, "sg-web"),
                     &s2->secgroups[0]);

    svec_destroy(&errors);
    model_unref(previous);
    free(doc);
}
END_TEST

/* Two subnets with one id: the second is an error, the first goes on. */
START_TEST(test_model_duplicate_subnet)
{
    char *doc = test_read_file("fixtures/two-subnets.json");
    char *text = subst(doc, S2, S, 0);
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;

    ck_assert_ptr_null(model_parse(text, NULL, &model, &errors));
    ck_assert_uint_eq(model->n_subnets, 1);
    ck_assert_int_eq(model->subnets[0]->metadata, 1025);
    ck_assert_uint_eq(errors.n, 1);
    ck_assert_str_eq(errors.names[0], "subnet "S": id: duplicate subnet id "
                     "(also subnet #0)");

    free(text);
    svec_destroy(&errors);
    model_unref(model);
    free(doc);
}
END_TEST

/* Two subnets may not share a vni or a metadata value. */
START_TEST(test_model_duplicate_vni)
{
    char *doc = test_read_file("fixtures/two-subnets.json");
    char *text = subst(doc, "\"vni\": 2", "\"vni\": 1", 0);
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct model *model = NULL;

    ck_assert_ptr_null(model_parse(text, NULL, &model, &errors));
    ck_assert_uint_eq(model->n_subnets, 1);
    ck_assert_uint_eq(errors.n, 2);
    ck_assert_str_eq(errors.names[0], "subnet "S2": vni: duplicate vni 1 "
                     "(also subnet "S")");
    model_unref(model);
    svec_clear(&errors);
    free(text);

    text = subst(doc, "\"metadata\": 1026", "\"metadata\": 1025", 0);
    ck_assert_ptr_null(model_parse(text, NULL, &model, &errors));
    ck_assert_str_eq(errors.names[0], "subnet "S2": metadata: duplicate "
                     "metadata 1025 (also subnet "S")");

    free(text);
    svec_destroy(&errors);
    model_unref(model);
    free(doc);
}
END_TEST

/* Port ranges: checks that need two fields changed. */
START_TEST(test_model_port_ranges)
{
    static const struct {
        const char *proto, *start, *end, *error;
    } cases[] = {
        { "6", "80", "80", NULL },
        { "17", "1", "65535", NULL },
        { "6", "90", "80", "portStart: 90 is greater than portEnd 80" },
        { "1", "8", "8", "portStart: a port range needs proto 6 (TCP) or "
          "17 (UDP), not 1" },
        { "0", "22", "22", "portStart: a port range needs proto 6 (TCP) or "
          "17 (UDP), not 0" },
        { "6", "0", "80", "portStart: is 0 but portEnd is 80 (0/0 means any "
          "port)" },
    };
    char *seed = test_read_file("fixtures/seed-000.json");

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *proto = xasprintf("\"proto\": %s", cases[i].proto);
        char *start = xasprintf("\"portStart\": %s", cases[i].start);
        char *end = xasprintf("\"portEnd\": %s", cases[i].end);
        char *t1 = subst(seed, "\"proto\": 1", proto, 1);
        char *t2 = subst(t1, "\"portStart\": 0", start, 1);
        char *t3 = subst(t2, "\"portEnd\": 0", end, 1);
        struct svec errors = SVEC_EMPTY_INITIALIZER;
        struct model *model = NULL;

        ck_assert_ptr_null(model_parse(t3, NULL, &model, &errors));
        if (cases[i].error) {
            char *expected = xasprintf("subnet "S": securitygroup "SG": "
                                       "rule 1: %s", cases[i].error);
            ck_assert_uint_eq(errors.n, 2);
            ck_assert_str_eq(errors.names[0], expected);
            free(expected);
        } else {
            ck_assert_msg(errors.n == 0, "%s", errors.names[0]);
            const struct model_sg_rule *r
                = &model->subnets[0]->secgroups[0].rules[1];
            ck_assert_uint_eq(r->port_start, atoi(cases[i].start));
            ck_assert_uint_eq(r->port_end, atoi(cases[i].end));
        }
        model_unref(model);
        svec_destroy(&errors);
        free(proto);
        free(start);
        free(end);
        free(t1);
        free(t2);
        free(t3);
    }
    free(seed);
}
END_TEST

/* Unknown fields are ignored everywhere. */
START_TEST(test_model_unknown_fields)
{
    char *seed = test_read_file("fixtures/seed-000.json");
    char *t1 = subst(seed, "\"code\": 0,", "\"code\": 0, \"extra\": [1],", 0);
    char *t2 = subst(t1, "\"mtu\": 1500,", "\"mtu\": 1500, \"color\": {},", 0);
    char *t3 = subst(t2, "\"burst\": 1,", "\"burst\": 1, \"qos\": null,", 0);
    char *t4 = subst(t3, "\"proto\": 1,", "\"proto\": 1, \"x\": \"y\",", 0);
    struct model *model = parse_good(t4, NULL);
    struct model *reference = parse_seed();
    char *a = dump_model(model);
    char *b = dump_model(reference);

    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    model_unref(model);
    model_unref(reference);
    free(seed);
    free(t1);
    free(t2);
    free(t3);
    free(t4);
}
END_TEST

/* The provider-network extensions and allowedAddressPairs parse. */
START_TEST(test_model_extensions)
{
    char *seed = test_read_file("fixtures/seed-000.json");
    char *t1 = subst(seed, "\"mtu\": 1500,",
                     "\"mtu\": 1500, \"networkType\": \"vlan\", "
                     "\"physicalNetwork\": \"provider\", "
                     "\"segmentationId\": 100,", 0);
    char *t2 = subst(t1, "\"burst\": 1,",
                     "\"burst\": 1, \"allowedAddressPairs\": ["
                     "{\"ip\": \"172.16.1.100\"}, "
                     "{\"ip\": \"10.0.0.7/8\", "
                     "\"mac\": \"FA:16:3E:00:00:01\"}, "
                     "{\"ip\": \"192.168.0.0/16\", \"mac\": null}],", 0);
    char *t3 = subst(seed, "\"mtu\": 1500,",
                     "\"mtu\": 1500, \"networkType\": \"flat\", "
                     "\"physicalNetwork\": \"physnet1\", "
                     "\"segmentationId\": 5000,", 0);
    struct model *model = parse_good(t2, NULL);
    const struct model_subnet *s = model->subnets[0];

    ck_assert_int_eq(s->network_type, MODEL_NET_VLAN);
    ck_assert_str_eq(s->physical_network, "provider");
    ck_assert_uint_eq(s->segmentation_id, 100);

    const struct model_port *p = &s->ports[0];
    ck_assert_uint_eq(p->n_pairs, 3);
    ck_assert_uint_eq(p->pairs[0].ip, ip("172.16.1.100"));
    ck_assert_uint_eq(p->pairs[0].plen, 32);
    ck_assert(eth_addr_equals(p->pairs[0].mac, p->mac));
    ck_assert_uint_eq(p->pairs[1].ip, ip("10.0.0.0"));
    ck_assert_uint_eq(p->pairs[1].plen, 8);
    ck_assert(eth_addr_equals(p->pairs[1].mac,
                              mac("fa:16:3e:00:00:01")));
    ck_assert_uint_eq(p->pairs[2].plen, 16);
    ck_assert(eth_addr_equals(p->pairs[2].mac, p->mac));
    ck_assert_uint_eq(s->ports[1].n_pairs, 0);
    model_unref(model);

    /* A flat network ignores segmentationId. */
    model = parse_good(t3, NULL);
    ck_assert_int_eq(model->subnets[0]->network_type, MODEL_NET_FLAT);
    ck_assert_str_eq(model->subnets[0]->physical_network, "physnet1");
    ck_assert_uint_eq(model->subnets[0]->segmentation_id, 0);
    model_unref(model);

    /* A VLAN network needs a valid VLAN id. */
    char *t4 = subst(t1, "\"segmentationId\": 100", "\"segmentationId\": 4095",
                     0);
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    ck_assert_ptr_null(model_parse(t4, NULL, &model, &errors));
    ck_assert_uint_eq(model->n_subnets, 0);
    ck_assert_str_eq(errors.names[0], "subnet "S": segmentationId: must be "
                     "between 1 and 4094, not 4095");
    model_unref(model);
    svec_destroy(&errors);

    free(seed);
    free(t1);
    free(t2);
    free(t3);
    free(t4);
}
END_TEST

/* An IPv6 rule is accepted, without a prefix in the model. */
START_TEST(test_model_ipv6_rule)
{
    char *seed = test_read_file("fixtures/seed-000.json");
    char *t1 = subst(seed, "\"ipVersion\": 0", "\"ipVersion\": 1", 1);
    char *t2 = subst(t1, "\"ipPrefix\": \"172.16.1.0/24\"",
                     "\"ipPrefix\": \"fd00::/64\"", 1);
    struct model *model = parse_good(t2, NULL);
    const struct model_sg_rule *r = &model->subnets[0]->secgroups[0].rules[1];

    ck_assert_int_eq(r->ip_version, MODEL_IPV6);
    ck_assert(!r->has_prefix);
    model_unref(model);

    /* An IPv4 prefix in an IPv6 rule is not. */
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    ck_assert_ptr_null(model_parse(t1, NULL, &model, &errors));
    ck_assert_str_eq(errors.names[0], "subnet "S": securitygroup "SG": "
                     "rule 1: ipPrefix: invalid IPv6 CIDR "
                     "\"172.16.1.0/24\"");
    model_unref(model);
    svec_destroy(&errors);
    free(seed);
    free(t1);
    free(t2);
}
END_TEST

Suite *
test_model_suite(void)
{
    Suite *suite = suite_create("model");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_model_seed);
    tcase_add_test(tc, test_model_clone);
    tcase_add_test(tc, test_model_digest);
    tcase_add_test(tc, test_model_shares_unchanged_subnets);
    tcase_add_loop_test(tc, test_model_bad_field, 0, ARRAY_SIZE(bad_cases));
    tcase_add_test(tc, test_model_not_json);
    tcase_add_test(tc, test_model_controller_error);
    tcase_add_test(tc, test_model_bad_envelope);
    tcase_add_test(tc, test_model_empty);
    tcase_add_test(tc, test_model_bad_no_previous);
    tcase_add_test(tc, test_model_bad_subnet_id);
    tcase_add_test(tc, test_model_several_problems);
    tcase_add_test(tc, test_model_two_subnets);
    tcase_add_test(tc, test_model_duplicate_subnet);
    tcase_add_test(tc, test_model_duplicate_vni);
    tcase_add_test(tc, test_model_port_ranges);
    tcase_add_test(tc, test_model_unknown_fields);
    tcase_add_test(tc, test_model_extensions);
    tcase_add_test(tc, test_model_ipv6_rule);
    suite_add_tcase(suite, tc);
    return suite;
}
