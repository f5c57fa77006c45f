#!/bin/bash
# Provider networks with real packets: hosts a and b reach a flat subnet
# and VLAN subnets 100 and 200 through their provider bridge br-prov, whose
# NIC is on one emulated physical segment (a Linux bridge) with an external
# host x (VLAN 100 and 200 addresses), and no tunnel is involved.
#   - flat VMs on a and b ping each other: untagged on the segment, nothing
#     of theirs on the VXLAN underlay;
#   - VLAN 100 and 200 VMs across hosts: 802.1Q 100 and 200 on the segment;
#     x pings a VM of each VLAN;
#   - a VLAN 100 VM reaches neither a VLAN 200 VM nor x's VLAN 200 address,
#     even with a route that puts 192.168.200.0/24 on its link;
#   - every ping gets exactly its replies, no duplicate;
#   - removing host a's mapping removes its patch ports and the provider
#     flows; putting it back brings them back;
#   - an overlay VM pings across hosts the whole time without a loss.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
HOSTS_PROVIDER=1
hosts_setup compute1_ns compute2_ns flat_a flat_b v100_a v100_b v200_a v200_b
ul=$(host_ns ul)
phys=$(host_ns phys)

# Asserts that ping log $1 got all $2 replies and no duplicate.
ping_exact() {
    cat "$1"
    test "$(ping_received "$1")" = "$2"
    ! grep -q 'DUP!' "$1" || return 1
}

# The overlay runs throughout: 150 pings at 0.2 s, checked at the end.
bg_start overlay vmx compute1_ns ping -c 150 -i 0.2 -W 2 \
    "$(vm_ip compute2_ns)" >"$HOSTS_DIR/overlay.ping"

agent_ctl_on a status | grep '^provider subnet'
agent_ctl_on a status | grep -q "^provider subnet 50000050-.*: type flat \
physnet physnet1 patch jst-br0-to-br-prov ofport [0-9]"
agent_ctl_on b status | grep -q "^provider subnet 50000100-.*: type vlan 100 \
physnet physnet1 patch jst-br0-to-br-prov ofport [0-9]"

# Flat, across hosts: untagged on the segment, nothing on the underlay.
capture_start seg "$phys" phys-a
capture_start ul "$ul" ul-a udp port 4789
vmx flat_a ping -c 5 -i 0.2 -W 2 192.168.50.5 >"$HOSTS_DIR/flat.ping"
ping_exact "$HOSTS_DIR/flat.ping" 5
underlay=$(capture_stop ul)
seen=$(tcpdump -n -e -r "$HOSTS_DIR/seg.pcap" 2>/dev/null)
echo "$seen" | grep -q "ethertype IPv4 .*192.168.50.4 > 192.168.50.5: ICMP \
echo request"
echo "$seen" | grep -q "ethertype IPv4 .*192.168.50.5 > 192.168.50.4: ICMP \
echo reply"
! echo "$seen" | grep '192.168.50' | grep -q '802.1Q' || exit 1
! echo "$underlay" | grep -q '192.168.' || exit 1

# VLAN 100 and 200 across hosts, and x pinging a VM of each VLAN.
vmx v100_a ping -c 5 -i 0.2 -W 2 192.168.100.5 >"$HOSTS_DIR/v100.ping"
ping_exact "$HOSTS_DIR/v100.ping" 5
vmx v200_b ping -c 5 -i 0.2 -W 2 192.168.200.4 >"$HOSTS_DIR/v200.ping"
ping_exact "$HOSTS_DIR/v200.ping" 5
hx x ping -c 5 -i 0.2 -W 2 192.168.100.4 >"$HOSTS_DIR/x100.ping"
ping_exact "$HOSTS_DIR/x100.ping" 5
hx x ping -c 5 -i 0.2 -W 2 192.168.200.5 >"$HOSTS_DIR/x200.ping"
ping_exact "$HOSTS_DIR/x200.ping" 5
capture_stop seg >/dev/null
seen=$(tcpdump -n -e -r "$HOSTS_DIR/seg.pcap" 2>/dev/null)
echo "$seen" | grep -q "vlan 100, .*192.168.100.4 > 192.168.100.5: ICMP \
echo request"
echo "$seen" | grep -q "vlan 200, .*192.168.200.4 > 192.168.200.5: ICMP \
echo reply"
echo "$seen" | grep -q "vlan 100, .*192.168.100.4 > 192.168.100.10: ICMP \
echo reply"
! echo "$seen" | grep '192.168.100' | grep -qv 'vlan 100' || exit 1
! echo "$seen" | grep '192.168.200' | grep -qv 'vlan 200' || exit 1

# VLAN 100 does not reach VLAN 200, even on-link.
vmx v100_a ip route add 192.168.200.0/24 dev eth0
! vmx v100_a ping -c 2 -i 0.2 -W 1 192.168.200.4 || exit 1
! vmx v100_a ping -c 2 -i 0.2 -W 1 192.168.200.5 || exit 1
! vmx v100_a ping -c 2 -i 0.2 -W 1 192.168.200.10 || exit 1

# Removing host a's mapping removes its patch ports and provider flows (and
# the segment no longer reaches flat_a); the overlay does not notice.
hx a ovs-vsctl remove Open_vSwitch . external_ids jstack-bridge-mappings
hosts_wait_for sh -c "! ip netns exec $(host_ns a) env \
OVS_RUNDIR=$HOSTS_DIR/a ovs-vsctl --db=unix:$HOSTS_DIR/a/db.sock \
list-ports br0 | grep -q '^jst-br0-to-br-prov$'"
agent_wait_synced a
test "$(hx a ovs-vsctl list-ports br-prov)" = phys
! hx a ovs-ofctl -O OpenFlow13 dump-flows br0 | grep -q \
    'metadata=0x[567]01\|metadata:0x[567]01\|dl_vlan' || exit 1
agent_ctl_on a status | grep -q "^provider subnet 50000050-.*: type flat \
physnet physnet1 patch none (physical network physnet1 is not in \
jstack-bridge-mappings: no flows)"
! hx x ping -c 2 -i 0.2 -W 1 192.168.100.4 || exit 1
hx x ping -c 3 -i 0.2 -W 2 192.168.100.5 >"$HOSTS_DIR/x100b.ping"
ping_exact "$HOSTS_DIR/x100b.ping" 3

hx a ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-bridge-mappings=physnet1:br-prov
hosts_wait_for sh -c "ip netns exec $(host_ns a) env \
OVS_RUNDIR=$HOSTS_DIR/a ovs-vsctl --db=unix:$HOSTS_DIR/a/db.sock \
list-ports br0 | grep -q '^jst-br0-to-br-prov$'"
agent_wait_synced a
vmx flat_b ping -c 3 -i 0.2 -W 2 192.168.50.4 >"$HOSTS_DIR/flat2.ping"
ping_exact "$HOSTS_DIR/flat2.ping" 3

bg_wait overlay 60
ping_exact "$HOSTS_DIR/overlay.ping" 150
echo "flat and VLAN provider subnets over the physical segment, isolated," \
     "no tunnel, the overlay untouched"
