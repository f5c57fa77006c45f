#!/usr/bin/env python3
# Writes the document of tests/lib/synth-document.py (N VM ports, 20 per
# subnet, 50 hosts 10.20.0.1-50) with three security groups, for the
# ovn-controller race until tests/perf/topology.py is there: port i is in
# group web, app or db by i mod 3; web takes TCP 80 and 443 from anywhere,
# TCP 22 from 10.0.0.0/8 and ICMP; app takes TCP 8000-8999 from web (a
# remote group) and TCP 22 from 10.0.0.0/8; db takes TCP 5432 from app and
# anything from db; every group lets anything out.  The groups are defined
# in the first subnet (the agent looks them up across the document).
#
# usage: ovn-sg-document.py N_PORTS PATH
import json
import os
import subprocess
import sys


def rule(direction, proto, prefix="", start=0, end=0, remote=None):
    """One IPv4 allow rule in the document's terms."""
    return {"direction": direction, "type": 0, "proto": proto,
            "ipPrefix": prefix, "ipVersion": 0, "portStart": start,
            "portEnd": end, "remoteGroupId": remote}


INGRESS, EGRESS = 0, 1
GROUPS = {
    "sg-web": [rule(INGRESS, 6, "0.0.0.0/0", 80, 80),
               rule(INGRESS, 6, "0.0.0.0/0", 443, 443),
               rule(INGRESS, 6, "10.0.0.0/8", 22, 22),
               rule(INGRESS, 1),
               rule(EGRESS, 0)],
    "sg-app": [rule(INGRESS, 6, "", 8000, 8999, "sg-web"),
               rule(INGRESS, 6, "10.0.0.0/8", 22, 22),
               rule(EGRESS, 0)],
    "sg-db": [rule(INGRESS, 6, "", 5432, 5432, "sg-app"),
              rule(INGRESS, 0, "", 0, 0, "sg-db"),
              rule(EGRESS, 0)],
}


def main():
    n, path = int(sys.argv[1]), sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable,
                    os.path.join(here, "..", "lib", "synth-document.py"),
                    str(n), path], check=True)
    with open(path) as f:
        document = json.load(f)
    names = sorted(GROUPS)
    subnets = document["Result"]["subnets"]
    for subnet in subnets:
        for port in subnet["ports"]:
            i = int(port["id"].split("-")[1])
            port["securitygroupIds"] = [names[i % len(names)]]
    subnets[0]["securitygroups"] = [
        {"id": name, "securitygroupRules": GROUPS[name]} for name in names]
    with open(path, "w") as f:
        json.dump(document, f)


if __name__ == "__main__":
    main()
