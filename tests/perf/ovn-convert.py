#!/usr/bin/env python3
# Converts a jstack controller document (DESIGN.md section 4) into the OVN
# databases that express the same network, for the race against
# ovn-controller (issue 17, docs/performance.md "The ovn-controller race").
#
# usage: ovn-convert.py [--no-routers] DOCUMENT LOCAL_TUNNEL_IP OUTDIR
#
# Writes into OUTDIR:
#   nb.json           the params of one OVSDB "transact" on OVN_Northbound
#                     (tests/perf/ovn-transact.py sends it);
#   sb-chassis.json   the params of one "transact" on OVN_Southbound: a
#                     Chassis with a geneve Encap per remote host;
#   bindings.json     {logical port: chassis name} for every remote VM port,
#                     for "ovn-transact.py --bind" once ovn-northd has made
#                     the Port_Bindings;
#   local-ifaces.txt  "INTERFACE IFACE_ID" per VM port of this host;
#   summary.txt       what was converted, one "key value" per line.
#
# What becomes what:
#   subnet          -> Logical_Switch (other_config:subnet) and a
#                      DHCP_Options row as the agent answers (server_id,
#                      server_mac, router, mtu, dns_server, lease_time);
#   VM port         -> Logical_Switch_Port, addresses "MAC IP",
#                      port_security "MAC IP PAIR_IPS" plus "PAIR_MAC IP"
#                      per allowed address pair with another MAC,
#                      dhcpv4_options; a member of the drop port group;
#   security group  -> Port_Group pg_<id> with one allow-related ACL per
#                      IPv4 rule (IPv6 rules are skipped, as the agent
#                      does); a remote group is the address set
#                      $pg_<id>_ip4;
#   default deny    -> Port_Group jstack_drop holding every VM port, with
#                      drop ACLs for IP in both directions and an allow for
#                      DHCP requests (the agent answers DHCP before its
#                      security groups);
#   gateway ports   -> one Logical_Router per VPC, a router port per
#                      gateway port (unless --no-routers);
#   remote host     -> a fake Chassis with a geneve Encap at its tunnel IP,
#                      its ports bound to it.
import argparse
import ipaddress
import json
import os
import re
import sys

ALLOW_PRIORITY = 1002
DROP_PRIORITY = 1001
DROP_GROUP = "jstack_drop"
DHCP_LEASE_TIME = 86400
PORT_TYPE_VM = 0


def pg_name(sg_id):
    """The OVN port group name of security group 'sg_id'."""
    return "pg_" + re.sub(r"[^A-Za-z0-9_]", "_", sg_id)


def chassis_name(host_ip):
    """The OVN chassis name of the host with tunnel IP 'host_ip'."""
    return "chassis-" + host_ip


def ovs_set(values):
    """An OVSDB set of 'values'."""
    return ["set", list(values)]


def ovs_map(pairs):
    """An OVSDB map of the (key, value) 'pairs'."""
    return ["map", [[k, str(v)] for k, v in pairs]]


def named(name):
    """A reference to the row inserted as 'name' in the same transaction."""
    return ["named-uuid", name]


def dhcp_server_port(subnet):
    """The port DHCP replies come from: the DHCP port, else the first
    gateway port, else None (as the agent's dhcp_server_port())."""
    if subnet.get("dhcpPort"):
        return subnet["dhcpPort"]
    gateways = subnet.get("gatewayPorts") or []
    return gateways[0] if gateways else None


def dhcp_options(subnet):
    """The DHCP_Options 'options' pairs of 'subnet', or None when the agent
    would not serve it."""
    server = dhcp_server_port(subnet)
    if server is None:
        return None
    pairs = [("server_id", server["fixedip"]),
             ("server_mac", server["mac"]),
             ("lease_time", DHCP_LEASE_TIME)]
    gateways = subnet.get("gatewayPorts") or []
    if gateways:
        pairs.append(("router", gateways[0]["fixedip"]))
    if subnet.get("mtu"):
        pairs.append(("mtu", subnet["mtu"]))
    if subnet.get("dns"):
        pairs.append(("dns_server", "{" + ", ".join(subnet["dns"]) + "}"))
    return pairs


def port_security(port):
    """The port_security strings of VM 'port': its own MAC with its IP and
    the pairs sharing that MAC, then one entry per other MAC."""
    by_mac = {port["mac"]: [port["fixedip"]]}
    for pair in port.get("allowedAddressPairs") or []:
        mac = pair.get("mac") or port["mac"]
        by_mac.setdefault(mac, []).append(pair["ip"])
    return [" ".join([mac] + ips) for mac, ips in by_mac.items()]


def rule_match(rule, group_port, known_groups):
    """The ACL (direction, match) of IPv4 security-group 'rule' on port
    group 'group_port', or None when it matches nothing (IPv6, or a remote
    group that is nowhere in the document)."""
    if rule.get("ipVersion", 0) != 0:
        return None
    ingress = rule["direction"] == 0
    terms = [("outport" if ingress else "inport") + " == @" + group_port,
             "ip4"]
    field = "ip4.src" if ingress else "ip4.dst"
    prefix = rule.get("ipPrefix") or ""
    remote = rule.get("remoteGroupId")
    if prefix:
        if ipaddress.ip_network(prefix, strict=False).prefixlen:
            terms.append("%s == %s" % (field, prefix))
    elif remote:
        if remote not in known_groups:
            return None
        terms.append("%s == $%s_ip4" % (field, pg_name(remote)))
    proto = rule.get("proto", 0)
    if proto in (6, 17):
        name = "tcp" if proto == 6 else "udp"
        terms.append(name)
        start, end = rule.get("portStart", 0), rule.get("portEnd", 0)
        if start or end:
            if start == end:
                terms.append("%s.dst == %d" % (name, start))
            else:
                terms.append("%s.dst >= %d && %s.dst <= %d"
                             % (name, start, name, end))
    elif proto == 1:
        terms.append("icmp4")
    elif proto:
        terms.append("ip.proto == %d" % proto)
    return ("to-lport" if ingress else "from-lport", " && ".join(terms))


class Converter:
    """Builds the OVN rows of one document; owns every list it fills."""

    def __init__(self, document, local_ip, routers):
        self.subnets = document["Result"]["subnets"]
        self.local_ip = local_ip
        self.routers = routers
        self.nb_ops = []            # The NB transaction's operations.
        self.bindings = {}          # Remote logical port -> chassis name.
        self.local_ifaces = []      # (interface, iface-id) of local ports.
        self.remote_hosts = set()   # Tunnel IPs of the other hosts.
        self.summary = {}           # Counts for summary.txt.
        self.skipped_rules = 0      # IPv6 rules and unknown remote groups.

    def insert(self, table, row, uuid_name):
        """Appends the insertion of 'row' into 'table' as 'uuid_name'."""
        self.nb_ops.append({"op": "insert", "table": table, "row": row,
                            "uuid-name": uuid_name})
        self.summary[table] = self.summary.get(table, 0) + 1

    def convert(self):
        """Fills the NB operations, the bindings and the local ports."""
        self.insert("NB_Global", {}, "nb_global")
        members = {}            # Security group id -> port uuid-names.
        definitions = {}        # Security group id -> its first definition.
        vpc_ports = {}          # VPC id -> router port uuid-names.
        all_vm_ports = []
        for s, subnet in enumerate(self.subnets):
            for sg in subnet.get("securitygroups") or []:
                definitions.setdefault(sg["id"], sg)
            dhcp = dhcp_options(subnet)
            if dhcp:
                self.insert("DHCP_Options",
                            {"cidr": subnet["network"],
                             "options": ovs_map(dhcp),
                             "external_ids": ovs_map([("subnet",
                                                       subnet["id"])])},
                            "dhcp%d" % s)
            switch_ports = []
            for p, port in enumerate(subnet.get("ports") or []):
                if port.get("type", PORT_TYPE_VM) != PORT_TYPE_VM:
                    continue
                name = "lsp%d_%d" % (s, p)
                row = {"name": port["id"],
                       "addresses": ovs_set(["%s %s" % (port["mac"],
                                                        port["fixedip"])]),
                       "port_security": ovs_set(port_security(port))}
                if dhcp:
                    row["dhcpv4_options"] = named("dhcp%d" % s)
                self.insert("Logical_Switch_Port", row, name)
                switch_ports.append(name)
                all_vm_ports.append(name)
                for sg_id in port.get("securitygroupIds") or []:
                    members.setdefault(sg_id, []).append(name)
                if port["host"] == self.local_ip:
                    self.local_ifaces.append((port["deviceId"], port["id"]))
                else:
                    self.remote_hosts.add(port["host"])
                    self.bindings[port["id"]] = chassis_name(port["host"])
            if self.routers:
                for g, gateway in enumerate(subnet.get("gatewayPorts") or []):
                    switch_ports.append(self.router_port(
                        subnet, s, g, gateway, vpc_ports))
            self.insert("Logical_Switch",
                        {"name": subnet["id"],
                         "ports": ovs_set(named(n) for n in switch_ports),
                         "other_config": ovs_map([("subnet",
                                                   subnet["network"])])},
                        "ls%d" % s)
        for vpc, ports in vpc_ports.items():
            self.insert("Logical_Router",
                        {"name": "vpc-" + vpc,
                         "ports": ovs_set(named(n) for n in ports)},
                        "lr_" + re.sub(r"[^A-Za-z0-9_]", "_", vpc))
        self.port_groups(members, definitions)
        self.default_drop(all_vm_ports)
        self.summary["chassis"] = len(self.remote_hosts)
        self.summary["local_ports"] = len(self.local_ifaces)
        self.summary["remote_ports"] = len(self.bindings)
        self.summary["skipped_rules"] = self.skipped_rules

    def router_port(self, subnet, s, g, gateway, vpc_ports):
        """Inserts the router port of 'gateway' (gateway port 'g' of subnet
        number 's') and returns the uuid-name of its switch side."""
        lrp = "lrp%d_%d" % (s, g)
        prefixlen = ipaddress.ip_network(subnet["network"],
                                         strict=False).prefixlen
        self.insert("Logical_Router_Port",
                    {"name": "lrp-" + gateway["id"], "mac": gateway["mac"],
                     "networks": ovs_set(["%s/%d" % (gateway["fixedip"],
                                                     prefixlen)])},
                    lrp)
        vpc_ports.setdefault(subnet.get("vpcId") or "", []).append(lrp)
        name = "rsp%d_%d" % (s, g)
        self.insert("Logical_Switch_Port",
                    {"name": "rp-" + gateway["id"], "type": "router",
                     "addresses": ovs_set(["router"]),
                     "options": ovs_map([("router-port",
                                          "lrp-" + gateway["id"])])},
                    name)
        return name

    def port_groups(self, members, definitions):
        """Inserts a port group per security group named anywhere, with the
        ACLs of its rules."""
        known = set(members) | set(definitions)
        for sg in definitions.values():
            for rule in sg.get("securitygroupRules") or []:
                if rule.get("remoteGroupId"):
                    known.add(rule["remoteGroupId"])
        for n, sg_id in enumerate(sorted(known)):
            group = pg_name(sg_id)
            acls = []
            rules = (definitions.get(sg_id) or {}).get("securitygroupRules")
            for r, rule in enumerate(rules or []):
                if rule.get("type", 0) != 0:
                    continue
                acl = rule_match(rule, group, known)
                if acl is None:
                    self.skipped_rules += 1
                    continue
                acls.append(self.acl("acl%d_%d" % (n, r), acl[0],
                                     ALLOW_PRIORITY, acl[1],
                                     "allow-related"))
            self.insert("Port_Group",
                        {"name": group,
                         "ports": ovs_set(named(p)
                                          for p in members.get(sg_id, [])),
                         "acls": ovs_set(named(a) for a in acls),
                         "external_ids": ovs_map([("sg", sg_id)])},
                        "pg%d" % n)

    def default_drop(self, ports):
        """Inserts the port group that denies the IP traffic no security
        group allows, DHCP requests aside."""
        acls = [
            self.acl("drop_out", "from-lport", DROP_PRIORITY,
                     "inport == @%s && ip" % DROP_GROUP, "drop"),
            self.acl("drop_in", "to-lport", DROP_PRIORITY,
                     "outport == @%s && ip" % DROP_GROUP, "drop"),
            self.acl("allow_dhcp", "from-lport", ALLOW_PRIORITY,
                     "inport == @%s && ip4 && udp.src == 68 && udp.dst == 67"
                     % DROP_GROUP, "allow"),
        ]
        self.insert("Port_Group",
                    {"name": DROP_GROUP,
                     "ports": ovs_set(named(p) for p in ports),
                     "acls": ovs_set(named(a) for a in acls)},
                    "pg_drop")

    def acl(self, name, direction, priority, match, action):
        """Inserts an ACL as 'name' and returns 'name'."""
        self.insert("ACL", {"direction": direction, "priority": priority,
                            "match": match, "action": action}, name)
        return name

    def sb_chassis_ops(self):
        """The SB operations inserting a fake chassis per remote host."""
        ops = []
        for n, ip in enumerate(sorted(self.remote_hosts)):
            ops.append({"op": "insert", "table": "Encap",
                        "row": {"type": "geneve", "ip": ip,
                                "chassis_name": chassis_name(ip),
                                "options": ovs_map([("csum", "true")])},
                        "uuid-name": "encap%d" % n})
            ops.append({"op": "insert", "table": "Chassis",
                        "row": {"name": chassis_name(ip),
                                "hostname": chassis_name(ip),
                                "encaps": named("encap%d" % n)},
                        "uuid-name": "chassis%d" % n})
        return ops


def main():
    parser = argparse.ArgumentParser(
        description="Converts a jstack controller document for OVN.")
    parser.add_argument("--no-routers", action="store_true",
                        help="leave the gateway ports and routers out")
    parser.add_argument("document")
    parser.add_argument("local_ip")
    parser.add_argument("outdir")
    args = parser.parse_args()
    with open(args.document) as f:
        document = json.load(f)
    converter = Converter(document, args.local_ip, not args.no_routers)
    converter.convert()
    os.makedirs(args.outdir, exist_ok=True)

    def write(name, value):
        with open(os.path.join(args.outdir, name), "w") as out:
            json.dump(value, out, separators=(",", ":"))

    write("nb.json", ["OVN_Northbound"] + converter.nb_ops)
    write("sb-chassis.json",
          ["OVN_Southbound"] + converter.sb_chassis_ops())
    write("bindings.json", converter.bindings)
    with open(os.path.join(args.outdir, "local-ifaces.txt"), "w") as out:
        for iface, iface_id in converter.local_ifaces:
            out.write("%s %s\n" % (iface, iface_id))
    with open(os.path.join(args.outdir, "summary.txt"), "w") as out:
        for key in sorted(converter.summary):
            out.write("%s %d\n" % (key, converter.summary[key]))
    if not converter.local_ifaces:
        print("ovn-convert: no port of the document is on host %s"
              % args.local_ip, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
