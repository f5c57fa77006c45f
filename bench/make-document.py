#!/usr/bin/env python3
# Writes a controller document with security groups, for bench-parse:
#   bench/make-document.py N_PORTS [N_HOSTS] > document.json
# Each VPC has 10 subnets of 20 VM ports (plus a DHCP and a gateway port),
# and 4 security groups, listed in each of its subnets, whose rules use
# remote groups, port ranges and prefixes; each port is in 2 of them.
# Ids are UUIDs derived from counters, so the output is reproducible.

import json
import sys
import uuid

SUBNETS_PER_VPC = 10
PORTS_PER_SUBNET = 20
GROUPS_PER_VPC = 4


def uid(kind, *numbers):
    """A UUID fixed by 'kind' and 'numbers'."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, "%s-%s" % (kind, numbers)))


def mac(n):
    return "fa:16:%02x:%02x:%02x:%02x" % ((n >> 24) & 0xff, (n >> 16) & 0xff,
                                          (n >> 8) & 0xff, n & 0xff)


def port(pid, version, ip, device, mac_n, host, ptype, sgs):
    return {"id": pid, "version": version, "fixedip": ip,
            "deviceId": device, "mac": mac(mac_n), "host": host,
            "type": ptype, "rate": 10 if ptype == 0 else 0,
            "burst": 1 if ptype == 0 else 0,
            "securitygroupIds": sgs or None}


def groups(vpc):
    ids = [uid("sg", vpc, g) for g in range(GROUPS_PER_VPC)]
    result = []
    for g, gid in enumerate(ids):
        rules = [
            {"direction": 1, "type": 0, "proto": 0, "ipPrefix": "",
             "ipVersion": 0, "portStart": 0, "portEnd": 0,
             "remoteGroupId": None},
            {"direction": 0, "type": 0, "proto": 6,
             "ipPrefix": "10.%d.0.0/16" % (vpc % 256), "ipVersion": 0,
             "portStart": 22, "portEnd": 22, "remoteGroupId": ""},
            {"direction": 0, "type": 0, "proto": 6, "ipPrefix": "",
             "ipVersion": 0, "portStart": 8000 + g, "portEnd": 8100 + g,
             "remoteGroupId": ids[(g + 1) % GROUPS_PER_VPC]},
            {"direction": 0, "type": 0, "proto": 17, "ipPrefix": "",
             "ipVersion": 0, "portStart": 53, "portEnd": 53,
             "remoteGroupId": gid},
            {"direction": 0, "type": 0, "proto": 1,
             "ipPrefix": "192.168.%d.0/24" % g, "ipVersion": 0,
             "portStart": 0, "portEnd": 0, "remoteGroupId": None},
        ]
        result.append({"id": gid, "securitygroupRules": rules})
    return result


def document(n_ports, n_hosts):
    subnets = []
    n_subnets = -(-n_ports // PORTS_PER_SUBNET)
    for sn in range(n_subnets):
        vpc = sn // SUBNETS_PER_VPC
        sgs = groups(vpc)
        net = "10.%d.%d" % (100 + sn // 256, sn % 256)
        ports = []
        for k in range(PORTS_PER_SUBNET):
            i = sn * PORTS_PER_SUBNET + k
            if i >= n_ports:
                break
            h = i % n_hosts
            ports.append(port(uid("port", i), 1, "%s.%d" % (net, 10 + k),
                              "tap%08x" % i, 0x3e000000 + i,
                              "10.1.%d.%d" % ((h + 1) // 256, (h + 1) % 256),
                              0, [sgs[k % 4]["id"], sgs[(k + 1) % 4]["id"]]))
        subnets.append({
            "id": uid("subnet", sn), "version": 1, "vpcId": uid("vpc", vpc),
            "tenantId": uid("tenant", vpc // 4), "metadata": sn + 1,
            "vni": sn + 1, "mtu": 1450, "network": net + ".0/24",
            "dns": ["8.8.8.8"],
            "routers": ["10.2.0.%d" % (1 + sn % 4),
                        "10.2.0.%d" % (1 + (sn + 1) % 4)],
            "ports": ports,
            "dhcpPort": port(uid("dhcp", sn), 0, net + ".2", "",
                             0x3f000000 + sn, "", 2, None),
            "gatewayPorts": [port(uid("gw", sn), 0, net + ".1",
                                  uid("router", vpc), 0x3f800000 + sn, "",
                                  1, None)],
            "securitygroups": sgs,
        })
    return {"code": 0, "message": "", "Result": {"subnets": subnets}}


def main():
    n_ports = int(sys.argv[1])
    n_hosts = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    json.dump(document(n_ports, n_hosts), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
