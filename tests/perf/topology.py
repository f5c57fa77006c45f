#!/usr/bin/env python3
# Writes a synthesized controller document (../shared/DESIGN.md section 4)
# for the benchmarks and the fault tests: a deterministic cloud, the same
# for the same options and seed.
#
# Shape (every figure derives from --ports unless given):
#   - VM ports, --ports-per-subnet per subnet (default 20), port i on host
#     i mod --hosts (default 50, tunnel IPs 10.20.x.y from 10.20.0.1), so
#     host K has one port in each of N/hosts subnets;
#   - subnets grouped into VPCs, --subnets-per-vpc (default 10) each;
#     subnet s is 10.(100 + s / 256).(s % 256).0/24, gateway .1, DHCP .2,
#     VM ports from .10;
#   - --routers virtual routers (default 4, 10.30.0.x), two per subnet;
#   - --sgs-per-vpc security groups per VPC (default 4), as OpenStack
#     clouds have them: "default" (everything from its own members:
#     remoteGroupId = itself), "web" (tcp 80, 443 and 8000-8099 from
#     0.0.0.0/0), "ssh" (tcp 22 from an admin prefix, icmp from anywhere),
#     "db" (tcp 5432 from the web group); beyond four, "app-K" groups (tcp
#     9000+K from the web group).  Every group allows all egress.  Each
#     subnet carries its VPC's groups, as a per-subnet API would;
#   - each VM port in 1 to 3 of its VPC's groups (default among them four
#     times in five); one port in four has a rate limit.
#
# With --port-life SUBNET_INDEX it also writes the life of one new port of
# this host in that subnet (id "port-new-S", device "vmnewS", address .250),
# as three more documents beside OUTPUT (X.json: X-added.json,
# X-changed.json, X-removed.json), each differing from the one before only
# in that port (and its subnet's version): added with the first two groups
# of its VPC and a 10 Mbit/s rate, changed to the other groups and
# 20 Mbit/s, removed.  --interfaces does not list its device.
#
# usage: topology.py --ports N --output X.json [--local-host K]
#            [--interfaces PATH] [--seed S] [--hosts H] ...
#            [--port-life SUBNET_INDEX]
# Prints this host's tunnel IP, and with --port-life a second line
# "port-life PORT_ID DEVICE".
import argparse
import copy
import json
import os
import random
import sys

# Where the controller's documents are written from: the admin network of
# the "ssh" group.
ADMIN_PREFIX = "198.51.100.0/24"


def host_ip(h):
    """Tunnel IP of host h (0-based)."""
    return f"10.20.{h // 250}.{1 + h % 250}"


def router_ip(r):
    """Tunnel IP of virtual router r (0-based)."""
    return f"10.30.{r // 250}.{1 + r % 250}"


def subnet_prefix(s):
    """The first three octets of subnet s, with a trailing dot."""
    return f"10.{100 + s // 256}.{s % 256}."


def rule(direction, proto=0, prefix="", start=0, end=0, remote=None):
    """One IPv4 allow rule."""
    return {"direction": direction, "type": 0, "proto": proto,
            "ipPrefix": prefix, "ipVersion": 0, "portStart": start,
            "portEnd": end, "remoteGroupId": remote}


def vpc_secgroups(v, n):
    """The first n security groups of VPC v."""
    base = f"vpc-{v}-"
    egress = rule(1, prefix="0.0.0.0/0")
    groups = [
        ("default", [rule(0, remote=base + "default")]),
        ("web", [rule(0, 6, "0.0.0.0/0", 80, 80),
                 rule(0, 6, "0.0.0.0/0", 443, 443),
                 rule(0, 6, "0.0.0.0/0", 8000, 8099)]),
        ("ssh", [rule(0, 6, ADMIN_PREFIX, 22, 22),
                 rule(0, 1, "0.0.0.0/0")]),
        ("db", [rule(0, 6, "", 5432, 5432, remote=base + "web")]),
    ]
    for k in range(len(groups), n):
        groups.append((f"app-{k}", [rule(0, 6, "", 9000 + k, 9000 + k,
                                         remote=base + "web")]))
    return [{"id": base + name, "securitygroupRules": rules + [egress]}
            for name, rules in groups[:n]]


def vm_port(i, s, j, host, rng, sg_ids):
    """VM port i, number j of subnet s, on host (an index)."""
    sgs = []
    if sg_ids:
        count = min(rng.randint(1, 3), len(sg_ids))
        if rng.random() < 0.8:
            sgs = [sg_ids[0]] + rng.sample(sg_ids[1:], count - 1)
        else:
            sgs = rng.sample(sg_ids, count)
    limited = rng.random() < 0.25
    return {"id": f"port-{i}", "version": 1,
            "fixedip": f"{subnet_prefix(s)}{10 + j}", "deviceId": f"vm{i}",
            "mac": "fa:16:3e:%02x:%02x:%02x" % (i >> 16 & 255, i >> 8 & 255,
                                                i & 255),
            "host": host_ip(host), "type": 0,
            "rate": rng.choice([10, 50, 100]) if limited else 0,
            "burst": rng.choice([1, 5]) if limited else 0,
            "securitygroupIds": sgs}


def service_port(kind, s, octet, type_):
    """The DHCP (type 2) or gateway (type 1) port of subnet s."""
    return {"id": f"{kind}-{s}", "version": 1,
            "fixedip": f"{subnet_prefix(s)}{octet}", "deviceId": "",
            "mac": "fa:16:3f:%02x:%02x:%02x" % (s >> 8 & 255, s & 255, octet),
            "host": "", "type": type_}


def build(args):
    """The document of args, as a Python object."""
    rng = random.Random(args.seed)
    n_subnets = (args.ports + args.ports_per_subnet - 1) \
        // args.ports_per_subnet
    subnets = []
    for s in range(n_subnets):
        v = s // args.subnets_per_vpc
        sgs = vpc_secgroups(v, args.sgs_per_vpc)
        sg_ids = [g["id"] for g in sgs]
        ports = []
        for j in range(args.ports_per_subnet):
            i = s * args.ports_per_subnet + j
            if i >= args.ports:
                break
            ports.append(vm_port(i, s, j, i % args.hosts, rng, sg_ids))
        subnets.append({
            "id": f"subnet-{s}", "version": 1, "vpcId": f"vpc-{v}",
            "tenantId": f"tenant-{v}", "metadata": 0x1000 + s,
            "vni": 0x1000 + s, "mtu": 1450,
            "network": f"{subnet_prefix(s)}0/24", "dns": None,
            "routers": [router_ip(s % args.routers),
                        router_ip((s + 1) % args.routers)],
            "ports": ports,
            "dhcpPort": service_port("dhcp", s, 2, 2),
            "gatewayPorts": [service_port("gw", s, 1, 1)],
            "securitygroups": sgs})
    return {"code": 0, "message": "", "Result": {"subnets": subnets}}


def port_life(doc, index, local_ip):
    """The three documents of a new port's life in subnet index: added on
    this host, changed (its security groups and rate), removed; each a copy
    of the one before with that port, and its subnet's version, changed.
    Returns them with the port's id and device."""
    subnets = doc["Result"]["subnets"]
    if not 0 <= index < len(subnets):
        sys.exit(f"topology.py: no subnet {index}")
    sg_ids = [g["id"] for g in subnets[index]["securitygroups"]]
    port = {"id": f"port-new-{index}", "version": 1,
            "fixedip": f"{subnet_prefix(index)}250",
            "deviceId": f"vmnew{index}",
            "mac": "fa:16:3e:fe:%02x:%02x" % (index >> 8 & 255, index & 255),
            "host": local_ip, "type": 0, "rate": 10, "burst": 1,
            "securitygroupIds": sg_ids[:2]}

    added = copy.deepcopy(doc)
    subnet = added["Result"]["subnets"][index]
    subnet["version"] += 1
    subnet["ports"].append(port)

    changed = copy.deepcopy(added)
    subnet = changed["Result"]["subnets"][index]
    subnet["version"] += 1
    new = subnet["ports"][-1]
    new["version"] += 1
    new["rate"], new["burst"] = 20, 2
    new["securitygroupIds"] = sg_ids[2:] or sg_ids[:1]

    removed = copy.deepcopy(changed)
    subnet = removed["Result"]["subnets"][index]
    subnet["version"] += 1
    subnet["ports"].pop()
    return (added, changed, removed), port["id"], port["deviceId"]


def write_json(doc, path):
    """Writes doc to path atomically (a file:// controller may read it at
    any moment)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    os.rename(tmp, path)


def main():
    p = argparse.ArgumentParser(description="Writes a synthesized "
                                "controller document.")
    p.add_argument("--ports", type=int, required=True,
                   help="VM ports in the whole cloud")
    p.add_argument("--output", required=True, help="the document")
    p.add_argument("--ports-per-subnet", type=int, default=20)
    p.add_argument("--subnets-per-vpc", type=int, default=10)
    p.add_argument("--hosts", type=int, default=50,
                   help="compute hosts the VM ports are spread over")
    p.add_argument("--local-host", type=int, default=0,
                   help="index of this host, whose tunnel IP is printed")
    p.add_argument("--sgs-per-vpc", type=int, default=4)
    p.add_argument("--routers", type=int, default=4,
                   help="virtual routers, two of them behind each subnet")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--interfaces",
                   help="file to write this host's VM devices to, one a line")
    p.add_argument("--port-life", type=int, metavar="SUBNET_INDEX",
                   help="also write the documents of a new port's life in "
                   "that subnet: OUTPUT with -added, -changed, -removed "
                   "before .json")
    args = p.parse_args()
    if args.ports < 1 or args.hosts < 1 or args.routers < 2 \
            or args.subnets_per_vpc < 1 or args.sgs_per_vpc < 0:
        p.error("--ports, --hosts and --subnets-per-vpc must be positive, "
                "--routers at least 2")
    if not 1 <= args.ports_per_subnet <= 240:
        p.error("--ports-per-subnet must be 1 to 240 (a /24 from .10)")
    if not 0 <= args.local_host < args.hosts:
        p.error("--local-host must be below --hosts")
    if args.port_life is not None and not args.output.endswith(".json"):
        p.error("--port-life needs an --output ending in .json")

    local_ip = host_ip(args.local_host)
    doc = build(args)
    write_json(doc, args.output)
    if args.interfaces:
        with open(args.interfaces, "w") as f:
            for subnet in doc["Result"]["subnets"]:
                for port in subnet["ports"]:
                    if port["host"] == local_ip:
                        f.write(port["deviceId"] + "\n")
    print(local_ip)
    if args.port_life is not None:
        docs, port_id, device = port_life(doc, args.port_life, local_ip)
        for step, step_doc in zip(("added", "changed", "removed"), docs):
            write_json(step_doc, f"{args.output[:-5]}-{step}.json")
        print(f"port-life {port_id} {device}")


if __name__ == "__main__":
    main()
