#!/usr/bin/env python3
# Writes a synthesized controller document of N VM ports, for the
# benchmarks and the fault tests: 20 VM ports per subnet, port i on host
# 10.20.0.(1 + i mod 50), two of four virtual routers per subnet, a DHCP
# port and a gateway port per subnet, a 10 Mbit/s rate on every VM.
#
# usage: synth-document.py N_PORTS PATH
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
per_subnet, hosts = 20, 50
subnets = []
for s in range((n + per_subnet - 1) // per_subnet):
    a, b = divmod(s, 250)
    net = f"10.{100 + a}.{b}."
    ports = []
    for j in range(per_subnet):
        i = s * per_subnet + j
        if i >= n:
            break
        ports.append({"id": f"port-{i}", "version": 1,
                      "fixedip": f"{net}{10 + j}", "deviceId": f"vm{i}",
                      "mac": "fa:16:3e:%02x:%02x:%02x" % (i >> 16 & 255,
                                                          i >> 8 & 255,
                                                          i & 255),
                      "host": f"10.20.0.{1 + i % hosts}", "type": 0,
                      "rate": 10, "burst": 1, "securitygroupIds": []})
    subnets.append({
        "id": f"subnet-{s}", "version": 1, "vpcId": "vpc", "tenantId": "t",
        "metadata": 0x1000 + s, "vni": 0x1000 + s, "mtu": 1450,
        "network": f"{net}0/24", "dns": None,
        "routers": [f"10.30.0.{1 + s % 4}", f"10.30.0.{1 + (s + 1) % 4}"],
        "ports": ports,
        "dhcpPort": {"id": f"dhcp-{s}", "version": 1, "fixedip": f"{net}2",
                     "deviceId": "", "mac": "fa:16:3f:%02x:%02x:02"
                     % (s >> 8 & 255, s & 255), "host": "", "type": 2},
        "gatewayPorts": [{"id": f"gw-{s}", "version": 1,
                          "fixedip": f"{net}1", "deviceId": "",
                          "mac": "fa:16:3f:%02x:%02x:01"
                          % (s >> 8 & 255, s & 255), "host": "", "type": 1}],
        "securitygroups": []})
json.dump({"code": 0, "message": "", "Result": {"subnets": subnets}},
          open(path, "w"))
