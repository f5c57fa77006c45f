#!/bin/bash
# Flows explain themselves: "flows/explain COOKIE" names the stage and the
# document objects behind a cookie, with their key fields, and "trace FLOW"
# runs ofproto/trace on the integration bridge with that explanation under
# every flow it hits.  On the seed's example: the ARP-responder flow of a
# VM names that port; a security-group flow names its rule.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
sandbox_start_example

# The cookie of the bridge's flow matching the extended regex $1.
cookie_of() {
    ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | grep -E "$1" \
        | head -n 1 | sed 's/.*cookie=\(0x[0-9a-f]*\),.*/\1/'
}

# The ARP responder for compute1_ns_2's address (172.16.1.5).
arp=$(cookie_of 'table=25, .*arp_tpa=172.16.1.5,')
agent_ctl flows/explain "$arp" | tee "$SANDBOX/arp.txt"
grep -q "^cookie $arp: stage arp, owned by:" "$SANDBOX/arp.txt"
grep -q '^  port eef67bf2-3d99-458b-b2fe-0616259ba63e (VM port of subnet 1d05961d-e641-417e-8f19-803cae564547, mac fa:16:3e:8a:06:16, ip 172.16.1.5, host 10.10.10.2, device compute1_ns_2)$' \
    "$SANDBOX/arp.txt"

# A security group's commit flow (conj_id) names its rule and the port.
sg=$(cookie_of 'table=15, .*conj_id=')
agent_ctl flows/explain "$sg" | tee "$SANDBOX/sg.txt"
grep -q "^cookie $sg: stage egress-security-group, owned by:" "$SANDBOX/sg.txt"
grep -q '^  security-group rule e354500f-2cc1-414b-a7d9-56a4e8ea562e/egress/proto=1,ports=any,remote=172.16.1.0/24$' \
    "$SANDBOX/sg.txt"

# Something that is not the agent's.
! agent_ctl flows/explain 0x1234 | grep -q owned || exit 1
agent_ctl flows/explain 0x1234 | grep -q 'not a flow of the agent'
! agent_ctl flows/explain bogus 2>/dev/null || exit 1

# trace: every flow hit is followed by its explanation.
agent_ctl trace "in_port=3,arp,dl_src=fa:16:3e:73:c9:74,arp_spa=172.16.1.4,arp_sha=fa:16:3e:73:c9:74,arp_tpa=172.16.1.5,arp_op=1" \
    | tee "$SANDBOX/trace.txt"
grep -q "^25\. arp,metadata=0x401,arp_tpa=172.16.1.5,arp_op=1, priority 100, cookie $arp$" \
    "$SANDBOX/trace.txt"
grep -A2 "^25\. " "$SANDBOX/trace.txt" | grep -q 'port eef67bf2-3d99-458b-b2fe-0616259ba63e (VM port'
hits=$(grep -cE '^ *[0-9]+\. .*cookie 0x' "$SANDBOX/trace.txt")
explained=$(grep -c ': stage ' "$SANDBOX/trace.txt")
echo "trace: $hits flows hit, $explained explained"
test "$hits" -ge 4
test "$hits" = "$explained"
