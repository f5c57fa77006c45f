#!/bin/bash
# Functional test: installs the pipeline that tests/pipeline-dump computes
# for host 10.10.10.2 of seed 000 into a sandbox ovs-vswitchd (dummy
# datapath), checks that the switch dumps it back exactly as the agent
# formats it, and follows packets through it with ofproto/trace.
#
# usage: test-pipeline-trace.sh [BUILDDIR [SRCDIR]]  (or env BUILDDIR/SRCDIR)
# Exit: 0 pass, 1 fail, 77 skip.
set -u

. "$(dirname "$0")/../lib/trace.sh"

# Ports of host 10.10.10.2: the metadata tap, the two VMs, one vxlan port
# per remote host or router.
sandbox_add_vif br0 tap_metadata 1
sandbox_add_vif br0 compute1_ns 3 df51f6d0-8381-47a5-8fa5-a46a8b64e095
sandbox_add_vif br0 compute1_ns_2 4 eef67bf2-3d99-458b-b2fe-0616259ba63e
for n in 3 4 5; do
    ovs-vsctl add-port br0 "vx$n" -- set Interface "vx$n" type=vxlan \
        options:remote_ip=10.10.10.$n options:key=flow \
        ofport_request=$((n + 7)) || exit 1
done

"$dump" "$SRCDIR/tests/fixtures/seed-000.json" 10.10.10.2 \
    port:compute1_ns=3 port:compute1_ns_2=4 \
    tunnel:10.10.10.3=10 tunnel:10.10.10.4=11 tunnel:10.10.10.5=12 \
    metadata:1,fa:16:3e:25:fd:7e \
    zone:compute1_ns=1 zone:compute1_ns_2=2 \
    >"$SANDBOX/desired.txt" || { echo "FAIL: pipeline-dump failed"; exit 1; }

trace_install_desired
# (dump-groups lists groups in no particular order.)
$OF dump-groups br0 | sed -n 's/^ group_id=/group_id=/p' | sort \
    | diff -u <(sort "$SANDBOX/groups.txt") - \
    || fail "dump-groups differs from the desired groups"

# Traces packet 'flow' $2 and checks that the output matches the extended
# regular expression $3; $1 names the case.
check_trace() {
    local name=$1 flow=$2 expect=$3
    local out
    out=$(ovs-appctl ofproto/trace br0 "$flow" 2>&1)
    if echo "$out" | grep -Eq -- "$expect"; then
        echo "PASS: $name"
    else
        fail "$name: trace does not match /$expect/"
        echo "$out" | sed 's/^/    /'
    fi
}

VM4=fa:16:3e:73:c9:74          # 172.16.1.4, compute1_ns, ofport 3
VM5=fa:16:3e:8a:06:16          # 172.16.1.5, compute1_ns_2, ofport 4
VM3=fa:16:3e:5e:16:34          # 172.16.1.3 on host 10.10.10.3
GW=fa:16:3e:97:64:ef           # 172.16.1.1, gateway
DHCP=fa:16:3e:f9:df:5d         # 172.16.1.2, DHCP port
BCAST=ff:ff:ff:ff:ff:ff

# Packets from VM 172.16.1.4 on port 3 (ICMP: the seed's security group
# allows ICMP within 172.16.1.0/24; test-secgroup-trace.sh checks the
# security groups themselves).
IP4="icmp,in_port=3,dl_src=$VM4,nw_src=172.16.1.4"
ARP4="arp,in_port=3,dl_src=$VM4,dl_dst=$BCAST,arp_op=1,arp_spa=172.16.1.4"
ARP4="$ARP4,arp_sha=$VM4"
TCP4="tcp,in_port=3,dl_src=$VM4,nw_src=172.16.1.4"
TAP="tcp,in_port=1,dl_src=fa:16:3e:25:fd:7e"

check_trace "VM to VM on the same host reaches port 4" \
    "$IP4,dl_dst=$VM5,nw_dst=172.16.1.5" 'output port is 4$'
out=$(ovs-appctl ofproto/trace br0 "$IP4,dl_dst=$VM3,nw_dst=172.16.1.3")
if echo "$out" | grep -q 'output port is 10$' \
   && echo "$out" | grep -q '^Final flow: .*tun_id=0x1,'; then
    echo "PASS: 172.16.1.3 leaves through the tunnel to 10.10.10.3, tun_id 1"
else
    fail "172.16.1.3 does not leave through port 10 with tun_id 0x1"
    echo "$out" | sed 's/^/    /'
fi
check_trace "a packet to the gateway MAC goes to the select group" \
    "$IP4,dl_dst=$GW,nw_dst=172.16.1.1" '^ +group:1$'
check_trace "ARP for 172.16.1.1 is answered out of its in_port" \
    "$ARP4,arp_tpa=172.16.1.1" '^ +IN_PORT$'
check_trace "the ARP reply says 172.16.1.1 is at the gateway MAC" \
    "$ARP4,arp_tpa=172.16.1.1" \
    "dl_src=$GW,dl_dst=$VM4,arp_spa=172.16.1.1,arp_tpa=172.16.1.4,arp_op=2"
check_trace "a DHCP discover goes to the controller" \
    "udp,in_port=3,dl_src=$VM4,dl_dst=$BCAST,udp_src=68,udp_dst=67" \
    '^ +CONTROLLER:65535$'
DHCP4="udp,in_port=3,dl_src=$VM4,udp_src=68,udp_dst=67"
check_trace "a DHCP request is punted through the port's DHCP meter" \
    "$DHCP4,dl_dst=$BCAST" \
    '^ +meter:3$'
check_trace "a unicast renewal to the DHCP port goes to the controller" \
    "$DHCP4,dl_dst=$DHCP,nw_src=172.16.1.4,nw_dst=172.16.1.2" \
    '^ +CONTROLLER:65535$'
check_trace "a renewal from a renumbered address still reaches the agent" \
    "$DHCP4,dl_dst=$DHCP,nw_src=172.16.1.99,nw_dst=172.16.1.2" \
    '^ +CONTROLLER:65535$'
check_trace "unicast UDP 68->67 to another VM takes the conntrack path" \
    "$DHCP4,dl_dst=$VM5,nw_src=172.16.1.4,nw_dst=172.16.1.5" \
    '^10\. ip,reg6=0x3, '
check_trace "a foreign source MAC is dropped" \
    "ip,in_port=3,dl_src=fa:16:3e:00:00:99,dl_dst=$VM5,nw_src=172.16.1.4" \
    '^ 5\. No match\.'
check_trace "a spoofed source IP is dropped" \
    "ip,in_port=3,dl_src=$VM4,dl_dst=$VM5,nw_src=172.16.1.99" \
    '^ 5\. No match\.'
check_trace "a broadcast from a tunnel reaches the local ports only" \
    "arp,in_port=10,tun_id=0x1,dl_src=$VM3,dl_dst=$BCAST,arp_op=1" \
    'group:16777217$'
check_trace "a broadcast from a VM skips its own port" \
    "$ARP4,arp_tpa=172.16.1.9" 'skipping output to input port'
check_trace "a metadata request goes to the tap from 128.0.0.3" \
    "$TCP4,dl_dst=$GW,nw_dst=169.254.169.254,tp_src=40000,tp_dst=80" \
    "dst=fa:16:3e:25:fd:7e,nw_src=128\.0\.0\.3,.*tp_dst=8848"
check_trace "the metadata reply is restored and output to the VM" \
    "$TAP,dl_dst=$VM4,nw_src=169.254.169.254,nw_dst=128.0.0.3,tp_src=8848" \
    "dl_src=$GW,dl_dst=$VM4,nw_src=169\.254\.169\.254,nw_dst=172\.16\.1\.4,"

if [ $failures -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
exit 0
