/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "plumbing.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hmapx.h"
#include "host-view.h"
#include "ids.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "pipeline.h"
#include "settings.h"
#include "smap.h"
#include "sset.h"
#include "svec.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(plumbing);

/* Prefixes of the bridge external_ids that hold the ids the pipeline hands
 * out, "<prefix><owner>" = "<id>" (see plumbing_pipeline_ids()). */
#define CT_ZONE_PREFIX "jstack-ct-zone-"        /* Owner: local port id. */
#define METER_PREFIX "jstack-meter-"    /* Owner: "rate/<port id>". */
#define FLOOD_GROUP_PREFIX "jstack-flood-group-"        /* Owner: subnet
                                                         * id; the id is
                                                         * the pair's
                                                         * index k. */
#define SELECT_GROUP_PREFIX "jstack-select-group-"      /* Owner: router
                                                         * set key. */

/* Returns the bridge named 'name', or NULL. */
static const struct ovsrec_bridge *
plumbing_find_bridge(struct ovsdb_idl *idl, const char *name)
{
    const struct ovsrec_bridge *br;

    OVSREC_BRIDGE_FOR_EACH (br, idl) {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

/* Returns the ofport of 'iface', or 0 if it has none (yet). */
static uint32_t
plumbing_ofport(const struct ovsrec_interface *iface)
{
    return (iface->n_ofport && iface->ofport[0] > 0
            && iface->ofport[0] < 0xff00 ? iface->ofport[0] : 0);
}

/* Inserts, in 'txn', a port named 'name' with one interface of 'type'.
 * Returns the port and stores its interface in '*ifacep'. */
static struct ovsrec_port *
plumbing_new_port(struct ovsdb_idl_txn *txn, const char *name,
                  const char *type, struct ovsrec_interface **ifacep)
{
    struct ovsrec_interface *iface = ovsrec_interface_insert(txn);
    ovsrec_interface_set_name(iface, name);
    ovsrec_interface_set_type(iface, type);

    struct ovsrec_port *port = ovsrec_port_insert(txn);
    ovsrec_port_set_name(port, name);
    ovsrec_port_set_interfaces(port, &iface, 1);
    *ifacep = iface;
    return port;
}

/* Creates the integration bridge 'name' if it is missing and makes sure it
 * speaks OpenFlow 1.3 and is fail_mode secure.  Returns the bridge, or NULL
 * while it does not exist yet. */
static const struct ovsrec_bridge *
plumbing_ensure_bridge(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                       const char *name)
{
    static const char *protocols[] = { "OpenFlow13" };
    const struct ovsrec_bridge *br = plumbing_find_bridge(idl, name);

    if (!txn) {
        return br;
    }
    if (!br) {
        const struct ovsrec_open_vswitch *ovs
            = ovsrec_open_vswitch_first(idl);
        if (!ovs) {
            return NULL;
        }
        VLOG_INFO("creating integration bridge %s", name);
        struct ovsrec_interface *iface;
        struct ovsrec_port *port = plumbing_new_port(txn, name, "internal",
                                                     &iface);
        struct ovsrec_bridge *new_br = ovsrec_bridge_insert(txn);
        ovsrec_bridge_set_name(new_br, name);
        ovsrec_bridge_set_ports(new_br, &port, 1);
        ovsrec_bridge_set_fail_mode(new_br, "secure");
        ovsrec_bridge_set_protocols(new_br, protocols, 1);
        ovsrec_open_vswitch_update_bridges_addvalue(ovs, new_br);
        return NULL;
    }
    if (!br->fail_mode || strcmp(br->fail_mode, "secure")) {
        VLOG_INFO("bridge %s: setting fail_mode=secure", name);
        ovsrec_bridge_set_fail_mode(br, "secure");
    }
    if (br->n_protocols != 1 || strcmp(br->protocols[0], "OpenFlow13")) {
        VLOG_INFO("bridge %s: setting protocols=OpenFlow13", name);
        ovsrec_bridge_set_protocols(br, protocols, 1);
    }
    return br;
}

/* Returns the name of the tunnel port toward 'ip': "jst-" and the address
 * in hex, stable and within the 15 characters of a device name. */
static char *
plumbing_tunnel_name(ovs_be32 ip)
{
    return xasprintf("jst-%08"PRIx32, ntohl(ip));
}

/* Reconciles the tunnel ports of 'br' with the endpoints of 'view':
 * collects the agent's existing ones, creates the missing, deletes the
 * leftovers.  Reports the ofports in 'facts', and adds to 'unplumbed' the
 * name of each wanted tunnel port that has no ofport yet. */
static void
plumbing_tunnels(struct ovsdb_idl_txn *txn, const struct ovsrec_bridge *br,
                 const struct host_view *view,
                 struct pipeline_facts *facts, struct sset *unplumbed)
{
    struct sset wanted = SSET_INITIALIZER(&wanted);
    struct shash existing = SHASH_INITIALIZER(&existing);

    if (view) {
        for (size_t i = 0; i < view->n_endpoints; i++) {
            char ip[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &view->endpoints[i], ip, sizeof ip);
            sset_add(&wanted, ip);
        }
    }

    /* Collect. */
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        const char *ip = smap_get(&port->external_ids, PLUMBING_TUNNEL_KEY);
        if (!ip || port->n_interfaces != 1) {
            continue;
        }
        if (!shash_add_once(&existing, ip, port) && txn) {
            /* A duplicate for the same endpoint: drop it. */
            ovsrec_bridge_update_ports_delvalue(br, port);
            continue;
        }
        uint32_t ofport = plumbing_ofport(port->interfaces[0]);
        if (ofport && sset_contains(&wanted, ip)) {
            simap_put(&facts->tunnel_ofports, ip, ofport);
        }
    }
    const char *ip;
    SSET_FOR_EACH (ip, &wanted) {
        if (!simap_contains(&facts->tunnel_ofports, ip)) {
            ovs_be32 ip_be;
            ip_parse(ip, &ip_be);
            sset_add_and_free(unplumbed, plumbing_tunnel_name(ip_be));
        }
    }
    if (!txn || !view) {
        goto out;
    }

    /* Create. */
    SSET_FOR_EACH (ip, &wanted) {
        if (shash_find(&existing, ip)) {
            continue;
        }
        ovs_be32 ip_be;
        ip_parse(ip, &ip_be);
        char *name = plumbing_tunnel_name(ip_be);
        VLOG_INFO("creating tunnel port %s to %s", name, ip);
        struct ovsrec_interface *iface;
        struct ovsrec_port *port = plumbing_new_port(txn, name, "vxlan",
                                                     &iface);
        struct smap options = SMAP_INITIALIZER(&options);
        smap_add(&options, "remote_ip", ip);
        smap_add(&options, "key", "flow");
        ovsrec_interface_set_options(iface, &options);
        smap_destroy(&options);
        struct smap ids = SMAP_CONST1(&ids, PLUMBING_TUNNEL_KEY, ip);
        ovsrec_port_set_external_ids(port, &ids);
        ovsrec_bridge_update_ports_addvalue(br, port);
        free(name);
    }

    /* Delete leftovers. */
    struct shash_node *node;
    SHASH_FOR_EACH (node, &existing) {
        if (!sset_contains(&wanted, node->name)) {
            const struct ovsrec_port *port = node->data;
            VLOG_INFO("removing tunnel port %s to %s", port->name,
                      node->name);
            ovsrec_bridge_update_ports_delvalue(br, port);
        }
    }

out:
    shash_destroy(&existing);
    sset_destroy(&wanted);
}

/* Returns the name of the patch port on bridge 'from' whose peer is on
 * bridge 'to', "jst-<from>-to-<to>" (a patch port is no network device, so
 * the name may be long).  The caller frees it. */
static char *
plumbing_patch_name(const char *from, const char *to)
{
    return xasprintf("jst-%s-to-%s", from, to);
}

/* Returns the provider bridge that 'input' maps 'physnet' to, or NULL. */
static const char *
plumbing_mapped_bridge(const struct plumbing_input *input,
                       const char *physnet)
{
    for (size_t i = 0; i < input->n_mappings; i++) {
        if (!strcmp(input->mappings[i].physnet, physnet)) {
            return input->mappings[i].bridge;
        }
    }
    return NULL;
}

/* One end of a patch port pair that the mappings call for. */
struct plumbing_patch {
    const struct ovsrec_bridge *bridge;     /* The bridge it belongs on. */
    char *name;                 /* Owned: its port and interface name. */
    char *peer;                 /* Owned: the other end's name. */
    const char *physnet;        /* The mapping's physical network, in the
                                 * plumbing input. */
    bool integration;           /* On the integration bridge? */
    bool found;                 /* Collected as it should be. */
};

/* A patch port of the agent's that no mapping calls for any more. */
struct plumbing_leftover {
    struct ovs_list node;       /* In plumbing_patch_ports()'s list. */
    const struct ovsrec_bridge *bridge;     /* The bridge that holds it. */
    const struct ovsrec_port *port;         /* The port, in the IDL. */
};

/* Adds to 'wanted' (keyed by name) the end of a patch port pair on 'br'
 * whose peer is on 'peer_br', for 'physnet'. */
static void
plumbing_want_patch(struct shash *wanted, const struct ovsrec_bridge *br,
                    const struct ovsrec_bridge *peer_br, const char *physnet,
                    bool integration)
{
    struct plumbing_patch *patch = xzalloc(sizeof *patch);
    patch->bridge = br;
    patch->name = plumbing_patch_name(br->name, peer_br->name);
    patch->peer = plumbing_patch_name(peer_br->name, br->name);
    patch->physnet = physnet;
    patch->integration = integration;
    shash_add(wanted, patch->name, patch);
}

/* Returns true if 'port' on 'br' is the end 'patch' as the agent makes
 * it. */
static bool
plumbing_patch_matches(const struct ovsrec_bridge *br,
                       const struct ovsrec_port *port,
                       const struct plumbing_patch *patch)
{
    if (patch->found || patch->bridge != br || port->n_interfaces != 1) {
        return false;
    }
    const struct ovsrec_interface *iface = port->interfaces[0];
    const char *peer = smap_get(&iface->options, "peer");
    const char *physnet = smap_get(&port->external_ids, PLUMBING_PATCH_KEY);
    return (!strcmp(iface->name, patch->name)
            && !strcmp(iface->type, "patch")
            && peer && !strcmp(peer, patch->peer)
            && physnet && !strcmp(physnet, patch->physnet));
}

/* Reconciles the patch ports between the integration bridge 'br' and the
 * provider bridges of 'input''s mappings: collects the agent's patch ports
 * on every bridge, creates the missing ends, deletes the leftovers (those of
 * a mapping that went away or changed, or whose bridge is gone).  A
 * mapping whose provider bridge does not exist gets no patch port: the
 * operator creates the provider bridge and its NIC, the agent touches
 * nothing else on it.  Reports the integration ends' ofports, by physical
 * network, in 'facts', and adds to 'unplumbed' the name of each wanted
 * integration end that has no ofport yet. */
static void
plumbing_patch_ports(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
                     const struct ovsrec_bridge *br,
                     const struct plumbing_input *input,
                     struct pipeline_facts *facts, struct sset *unplumbed)
{
    struct shash wanted = SHASH_INITIALIZER(&wanted);

    for (size_t i = 0; i < input->n_mappings; i++) {
        const struct settings_bridge_mapping *m = &input->mappings[i];
        const struct ovsrec_bridge *provider = plumbing_find_bridge(
            idl, m->bridge);
        if (!provider) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_WARN_RL(&rl, "provider bridge %s of physical network %s "
                         "does not exist: its subnets get no flows",
                         m->bridge, m->physnet);
            continue;
        }
        plumbing_want_patch(&wanted, br, provider, m->physnet, true);
        plumbing_want_patch(&wanted, provider, br, m->physnet, false);
    }

    /* Collect. */
    struct ovs_list leftovers = OVS_LIST_INITIALIZER(&leftovers);
    const struct ovsrec_bridge *any;
    OVSREC_BRIDGE_FOR_EACH (any, idl) {
        for (size_t i = 0; i < any->n_ports; i++) {
            const struct ovsrec_port *port = any->ports[i];
            if (!smap_get(&port->external_ids, PLUMBING_PATCH_KEY)) {
                continue;
            }
            struct plumbing_patch *patch = shash_find_data(&wanted,
                                                           port->name);
            if (patch && plumbing_patch_matches(any, port, patch)) {
                patch->found = true;
                uint32_t ofport = plumbing_ofport(port->interfaces[0]);
                if (patch->integration && ofport) {
                    simap_put(&facts->patch_ofports, patch->physnet, ofport);
                }
            } else {
                struct plumbing_leftover *leftover = xmalloc(
                    sizeof *leftover);
                leftover->bridge = any;
                leftover->port = port;
                ovs_list_push_back(&leftovers, &leftover->node);
            }
        }
    }

    /* Create. */
    struct shash_node *node;
    SHASH_FOR_EACH (node, &wanted) {
        struct plumbing_patch *patch = node->data;
        if (patch->integration
            && !simap_contains(&facts->patch_ofports, patch->physnet)) {
            sset_add(unplumbed, patch->name);
        }
        if (txn && !patch->found) {
            VLOG_INFO("creating patch port %s on bridge %s for physical "
                      "network %s", patch->name, patch->bridge->name,
                      patch->physnet);
            struct ovsrec_interface *iface;
            struct ovsrec_port *port = plumbing_new_port(txn, patch->name,
                                                         "patch", &iface);
            struct smap options = SMAP_CONST1(&options, "peer", patch->peer);
            ovsrec_interface_set_options(iface, &options);
            struct smap ids = SMAP_CONST1(&ids, PLUMBING_PATCH_KEY,
                                          patch->physnet);
            ovsrec_port_set_external_ids(port, &ids);
            ovsrec_bridge_update_ports_addvalue(patch->bridge, port);
        }
        free(patch->name);
        free(patch->peer);
    }
    shash_destroy_free_data(&wanted);

    /* Delete leftovers. */
    struct plumbing_leftover *leftover;
    LIST_FOR_EACH_POP (leftover, node, &leftovers) {
        if (txn) {
            VLOG_INFO("removing patch port %s from bridge %s",
                      leftover->port->name, leftover->bridge->name);
            ovsrec_bridge_update_ports_delvalue(leftover->bridge,
                                                leftover->port);
        }
        free(leftover);
    }
}

/* Creates the metadata tap if missing and reports its ofport and MAC; adds
 * its name to 'unplumbed' while it has no ofport. */
static void
plumbing_metadata_tap(struct ovsdb_idl_txn *txn,
                      const struct ovsrec_bridge *br,
                      struct pipeline_facts *facts, struct sset *unplumbed)
{
    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        if (!strcmp(port->name, PLUMBING_METADATA_TAP)
            && port->n_interfaces == 1) {
            const struct ovsrec_interface *iface = port->interfaces[0];
            facts->metadata_ofport = plumbing_ofport(iface);
            if (iface->mac_in_use) {
                eth_addr_from_string(iface->mac_in_use,
                                     &facts->metadata_mac);
            }
            if (!facts->metadata_ofport) {
                sset_add(unplumbed, PLUMBING_METADATA_TAP);
            }
            return;
        }
    }
    sset_add(unplumbed, PLUMBING_METADATA_TAP);
    if (txn) {
        VLOG_INFO("creating metadata tap %s", PLUMBING_METADATA_TAP);
        struct ovsrec_interface *iface;
        struct ovsrec_port *port = plumbing_new_port(
            txn, PLUMBING_METADATA_TAP, "internal", &iface);
        ovsrec_bridge_update_ports_addvalue(br, port);
    }
}

/* Reports the ofport of every local VM port of 'view' that has an
 * interface on 'br': matched by external_ids:iface-id = port id first,
 * else by interface name = deviceId. */
static void
plumbing_vm_ports(const struct ovsrec_bridge *br,
                  const struct host_view *view,
                  struct pipeline_facts *facts)
{
    struct simap by_name = SIMAP_INITIALIZER(&by_name);
    struct simap by_iface_id = SIMAP_INITIALIZER(&by_iface_id);

    for (size_t i = 0; i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        for (size_t j = 0; j < port->n_interfaces; j++) {
            const struct ovsrec_interface *iface = port->interfaces[j];
            uint32_t ofport = plumbing_ofport(iface);
            if (!ofport) {
                continue;
            }
            simap_put(&by_name, iface->name, ofport);
            const char *iface_id = smap_get(&iface->external_ids,
                                            "iface-id");
            if (iface_id) {
                simap_put(&by_iface_id, iface_id, ofport);
            }
        }
    }
    for (size_t i = 0; i < view->n_local_ports; i++) {
        const struct model_port *port = view->local_ports[i].port;
        unsigned int ofport = simap_get(&by_iface_id, port->id);
        if (!ofport && port->device_id[0]) {
            ofport = simap_get(&by_name, port->device_id);
        }
        if (ofport) {
            simap_put(&facts->port_ofports, port->id, ofport);
        }
    }
    simap_destroy(&by_name);
    simap_destroy(&by_iface_id);
}

/* Keeps the ids of one kind of owner persisted in the bridge's external_ids
 * as "<prefix><owner>" = "<id>", and reports them in 'ids': owners in
 * 'owners' keep the id they have, new ones get the lowest free id in
 * ['min', 'max'] (written in 'txn'; without a transaction they wait for
 * the next pass), and the ids of owners that left are released. */
static void
plumbing_ids(struct ovsdb_idl_txn *txn, const struct ovsrec_bridge *br,
             const char *prefix, const struct svec *owners, uint32_t min,
             uint32_t max, struct simap *ids)
{
    struct sset wanted = SSET_INITIALIZER(&wanted);
    for (size_t i = 0; i < owners->n; i++) {
        sset_add(&wanted, owners->names[i]);
    }

    /* Collect; release the ids of owners that left, and any duplicate or
     * out-of-range id (the owner then gets a new one). */
    struct hmapx taken = HMAPX_INITIALIZER(&taken);
    size_t prefix_len = strlen(prefix);
    struct smap_node *node;
    SMAP_FOR_EACH (node, &br->external_ids) {
        if (strncmp(node->key, prefix, prefix_len)) {
            continue;
        }
        const char *owner = node->key + prefix_len;
        unsigned int id;
        bool valid = (str_to_uint(node->value, 10, &id)
                      && id >= min && id <= max
                      && hmapx_add(&taken, (void *) (uintptr_t) id));
        if (valid && sset_contains(&wanted, owner)) {
            simap_put(ids, owner, id);
        } else if (txn) {
            ovsrec_bridge_update_external_ids_delkey(br, node->key);
        }
    }
    hmapx_destroy(&taken);

    /* Create. */
    if (txn) {
        struct svec added = SVEC_EMPTY_INITIALIZER;
        struct svec exhausted = SVEC_EMPTY_INITIALIZER;
        ids_assign(ids, owners, min, max, &added, &exhausted);
        for (size_t i = 0; i < added.n; i++) {
            char *key = xasprintf("%s%s", prefix, added.names[i]);
            char *value = xasprintf("%u", simap_get(ids, added.names[i]));
            ovsrec_bridge_update_external_ids_setkey(br, key, value);
            free(key);
            free(value);
        }
        for (size_t i = 0; i < exhausted.n; i++) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_WARN_RL(&rl, "%s: no free id for %s between %"PRIu32
                         " and %"PRIu32, br->name, exhausted.names[i], min,
                         max);
        }
        svec_destroy(&added);
        svec_destroy(&exhausted);
    }
    sset_destroy(&wanted);
}

/* Allocates, persists and reports in 'facts' the ids the pipeline hands
 * out for the objects of 'view' (ids_owners_collect()): a conntrack zone
 * per local VM port (a zone per port, not per subnet: see
 * docs/pipeline.md), a meter per rate-limited local port, a flood group
 * pair per subnet and a select group per set of routers.  Owners are taken
 * in view order, so that a fresh bridge gets the same ids for the same
 * view. */
static void
plumbing_pipeline_ids(struct ovsdb_idl_txn *txn,
                      const struct ovsrec_bridge *br,
                      const struct host_view *view,
                      struct pipeline_facts *facts)
{
    struct ids_owners owners;
    ids_owners_collect(view, &owners);
    plumbing_ids(txn, br, CT_ZONE_PREFIX, &owners.zones, PIPELINE_ZONE_MIN,
                 PIPELINE_ZONE_MAX, &facts->ct_zones);
    plumbing_ids(txn, br, METER_PREFIX, &owners.meters, PIPELINE_METER_MIN,
                 PIPELINE_METER_MAX, &facts->meter_ids);
    plumbing_ids(txn, br, FLOOD_GROUP_PREFIX, &owners.flood_groups, 0,
                 PIPELINE_FLOOD_INDEX_MAX, &facts->flood_groups);
    plumbing_ids(txn, br, SELECT_GROUP_PREFIX, &owners.select_groups,
                 PIPELINE_SELECT_GROUP_MIN, PIPELINE_SELECT_GROUP_MAX,
                 &facts->select_groups);
    ids_owners_destroy(&owners);
}

/* Reconciles the bridge with 'input' in 'txn' (NULL while a previous
 * transaction is in flight: then only reads), and adds to 'facts' what the
 * bridge holds now: the ofports of local VM ports, tunnels and patch ports,
 * the metadata tap, the conntrack zones.  Adds to 'unplumbed' (owned by the
 * caller) the names of the ports the agent wants on the integration bridge
 * (tunnels, patch ends, the metadata tap) that have no ofport yet: the
 * flows that need them are left out until they have one. */
void
plumbing_run(struct ovsdb_idl *idl, struct ovsdb_idl_txn *txn,
             const struct plumbing_input *input,
             struct pipeline_facts *facts, struct sset *unplumbed)
{
    const struct ovsrec_bridge *br = plumbing_ensure_bridge(idl, txn,
                                                            input->bridge);
    if (!br) {
        return;
    }
    plumbing_metadata_tap(txn, br, facts, unplumbed);
    plumbing_tunnels(txn, br, input->view, facts, unplumbed);
    plumbing_patch_ports(idl, txn, br, input, facts, unplumbed);
    if (input->view) {
        plumbing_vm_ports(br, input->view, facts);
        plumbing_pipeline_ids(txn, br, input->view, facts);
    }
}

/* Appends one line per tunnel port of 'bridge' to 'out', for
 * "tunnel/list": remote IP, port name, ofport. */
void
plumbing_format_tunnels(struct ovsdb_idl *idl, const char *bridge,
                        struct ds *out)
{
    const struct ovsrec_bridge *br = plumbing_find_bridge(idl, bridge);

    for (size_t i = 0; br && i < br->n_ports; i++) {
        const struct ovsrec_port *port = br->ports[i];
        const char *ip = smap_get(&port->external_ids, PLUMBING_TUNNEL_KEY);
        if (ip && port->n_interfaces == 1) {
            uint32_t ofport = plumbing_ofport(port->interfaces[0]);
            ds_put_format(out, "%s port %s ofport %"PRIu32"%s\n", ip,
                          port->name, ofport, ofport ? "" : " (pending)");
        }
    }
}

/* Appends to 'out' how 'subnet' reaches other hosts, for "status" and
 * "model/show": "type vxlan" for an overlay subnet; for a provider
 * subnet its type, physical network and patch port, or why it has none
 * (then it gets no flows). */
void
plumbing_format_provider(struct ovsdb_idl *idl,
                         const struct plumbing_input *input,
                         const struct pipeline_facts *facts,
                         const struct model_subnet *subnet, struct ds *out)
{
    if (!model_subnet_is_provider(subnet)) {
        ds_put_cstr(out, "type vxlan");
        return;
    }
    if (subnet->network_type == MODEL_NET_VLAN) {
        ds_put_format(out, "type vlan %"PRIu16, subnet->segmentation_id);
    } else {
        ds_put_cstr(out, "type flat");
    }
    ds_put_format(out, " physnet %s patch ", subnet->physical_network);

    const char *bridge = plumbing_mapped_bridge(input,
                                                subnet->physical_network);
    if (!bridge) {
        ds_put_format(out, "none (physical network %s is not in "
                      "jstack-bridge-mappings: no flows)",
                      subnet->physical_network);
    } else if (!plumbing_find_bridge(idl, bridge)) {
        ds_put_format(out, "none (provider bridge %s does not exist: no "
                      "flows)", bridge);
    } else {
        char *name = plumbing_patch_name(input->bridge, bridge);
        unsigned int ofport = simap_get(&facts->patch_ofports,
                                        subnet->physical_network);
        ds_put_format(out, "%s", name);
        if (ofport) {
            ds_put_format(out, " ofport %u", ofport);
        } else {
            ds_put_cstr(out, " (pending)");
        }
        free(name);
    }
}
