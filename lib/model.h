/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_MODEL_H
#define JSTACK_MODEL_H 1

/* The controller's desired-state document (DESIGN.md section 4), parsed into
 * typed, validated C structures.
 *
 * A model is immutable once built.  It owns every string and array reachable
 * from it, and is freed with all of it when model_unref() drops its last
 * reference.  Nothing here does I/O. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "packets.h"

struct svec;

/* Port 'type' values of the document. */
enum model_port_type {
    MODEL_PORT_VM = 0,          /* An instance's interface. */
    MODEL_PORT_GATEWAY = 1,     /* A virtual router's leg in the subnet. */
    MODEL_PORT_DHCP = 2,        /* The subnet's DHCP server address. */
};

/* Security-group rule 'direction' values. */
enum model_sg_direction {
    MODEL_SG_INGRESS = 0,       /* Traffic that reaches the port. */
    MODEL_SG_EGRESS = 1,        /* Traffic that the port sends. */
};

/* Security-group rule 'ipVersion' values. */
enum model_ip_version {
    MODEL_IPV4 = 0,
    MODEL_IPV6 = 1,
};

/* Subnet 'networkType' values (provider networks, seed 004). */
enum model_network_type {
    MODEL_NET_VXLAN,            /* Default: overlay, tun_id = vni. */
    MODEL_NET_FLAT,             /* Untagged on 'physical_network'. */
    MODEL_NET_VLAN,             /* Tagged 'segmentation_id' on it. */
};

/* One entry of a port's 'allowedAddressPairs'. */
struct model_address_pair {
    ovs_be32 ip;                /* Network byte order. */
    unsigned int plen;          /* Prefix length, 32 for a single address. */
    struct eth_addr mac;        /* The port's own MAC when "mac" is absent. */
};

/* A port of a subnet: a VM, a gateway or the DHCP port. */
struct model_port {
    char *id;                   /* Owned.  Unique within its subnet. */
    int64_t version;
    ovs_be32 fixed_ip;          /* Inside the subnet's 'network'. */
    char *device_id;            /* Owned.  OVS interface name, may be "". */
    struct eth_addr mac;
    ovs_be32 host;              /* Tunnel IP of its compute node, 0 if "". */
    enum model_port_type type;
    uint32_t rate;              /* Mbit/s the port may send, 0 = no limit. */
    uint32_t burst;             /* Mbit of burst, 0 = none. */
    char **sg_ids;              /* Owned array of owned strings. */
    size_t n_sg_ids;
    struct model_address_pair *pairs;   /* Owned array. */
    size_t n_pairs;
};

/* One rule of a security group.  Only 'type' 0 (allow) exists. */
struct model_sg_rule {
    enum model_sg_direction direction;
    uint8_t proto;              /* IANA protocol number, 0 = any. */
    ovs_be32 prefix;            /* Remote CIDR, valid if 'has_prefix'. */
    unsigned int prefix_len;
    bool has_prefix;            /* False when "ipPrefix" is "" or null. */
    enum model_ip_version ip_version;
    uint16_t port_start;        /* 0/0 = any port. */
    uint16_t port_end;
    char *remote_group_id;      /* Owned, NULL when absent or "". */
};

/* A security group: a named list of rules. */
struct model_secgroup {
    char *id;                   /* Owned. */
    struct model_sg_rule *rules;        /* Owned array. */
    size_t n_rules;
};

/* One subnet of the document, with everything inside it. */
struct model_subnet {
    char *id;                   /* Owned.  Unique within the document. */
    int64_t version;
    char *vpc_id;               /* Owned. */
    char *tenant_id;            /* Owned. */
    uint32_t metadata;          /* OpenFlow metadata value of the subnet. */
    uint32_t vni;               /* Tunnel id, 24 bits. */
    uint32_t mtu;
    ovs_be32 network;           /* Network address, host bits zero. */
    unsigned int plen;          /* Prefix length of 'network'. */
    ovs_be32 *dns;              /* Owned array, may be empty. */
    size_t n_dns;
    ovs_be32 *routers;          /* Owned array: VR tunnel IPs, in order. */
    size_t n_routers;
    struct model_port *ports;   /* Owned array of type-0 ports. */
    size_t n_ports;
    struct model_port *dhcp_port;       /* Owned, NULL when absent. */
    struct model_port *gateway_ports;   /* Owned array. */
    size_t n_gateway_ports;
    struct model_secgroup *secgroups;   /* Owned array. */
    size_t n_secgroups;
    enum model_network_type network_type;
    char *physical_network;     /* Owned, NULL for vxlan. */
    uint16_t segmentation_id;   /* VLAN id for MODEL_NET_VLAN, else 0. */
    uint64_t digest;            /* 64-bit hash of the subnet's JSON text in
                                 * the document it was parsed from, kept by
                                 * copies: two subnets with equal digests
                                 * have equal content (up to hash
                                 * collisions), so an unchanged subnet can be
                                 * recognised without comparing it. */
    unsigned int n_refs;        /* The models that hold it: a document's
                                 * unchanged subnet is shared with the
                                 * previous model, not parsed again. */
};

/* A whole document.  Subnets keep document order.  Reference-counted:
 * whoever holds a pointer into a model holds a reference to it. */
struct model {
    unsigned int n_refs;        /* References; the model is freed when the
                                 * last one is dropped. */
    struct model_subnet **subnets;      /* Owned array of subnets, each
                                         * counted (possibly shared with
                                         * other models). */
    size_t n_subnets;
    uint64_t sgs_digest;        /* Of the ids of the security groups the
                                 * document defines: when the next
                                 * document's equal it, the subnets it
                                 * shares still name only known groups. */
};

/* Returns true if 'subnet' is on a provider (flat or VLAN) network, reached
 * through a provider bridge instead of tunnels. */
static inline bool
model_subnet_is_provider(const struct model_subnet *subnet)
{
    return subnet->network_type != MODEL_NET_VXLAN;
}

char *model_parse(const char *text, const struct model *previous,
                  struct model **modelp, struct svec *errors)
    OVS_WARN_UNUSED_RESULT;
struct model *model_ref(const struct model *);
void model_unref(struct model *);
struct model *model_clone(const struct model *);

const struct model_subnet *model_find_subnet(const struct model *,
                                             const char *id);
const struct model_secgroup *model_find_secgroup(const struct model *,
                                                 const char *id);

#endif /* lib/model.h */
