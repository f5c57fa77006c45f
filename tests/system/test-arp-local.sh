#!/bin/bash
# ARP for the gateway and for VMs (local or on another host) is answered by
# the VM's own host: the answers carry the right MACs and no ARP crosses
# the underlay, not even inside VXLAN.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
hosts_setup compute1_ns compute1_ns_2 compute2_ns

capture_start ul-a "$(host_ns ul)" ul-a udp port 4789 or arp
capture_start ul-b "$(host_ns ul)" ul-b udp port 4789 or arp
vmx compute1_ns ip neigh flush dev eth0
vmx compute2_ns ip neigh flush dev eth0
# The gateway has no VM behind it (host r only counts): ARP must still be
# answered.
vmx compute1_ns ping -c 1 -W 1 172.16.1.1 || true
vmx compute1_ns ping -c 2 -i 0.2 -W 2 "$(vm_ip compute2_ns)"
vmx compute1_ns ping -c 2 -i 0.2 -W 2 "$(vm_ip compute1_ns_2)"
vmx compute2_ns ping -c 2 -i 0.2 -W 2 "$(vm_ip compute1_ns)"
seen_a=$(capture_stop ul-a)
seen_b=$(capture_stop ul-b)
echo "$seen_a"
echo "$seen_b"

vmx compute1_ns ip neigh show dev eth0
vmx compute1_ns ip neigh show 172.16.1.1 dev eth0 \
    | grep -q "lladdr $GW_MAC "
vmx compute1_ns ip neigh show 172.16.1.3 dev eth0 \
    | grep -q 'lladdr fa:16:3e:5e:16:34 '
vmx compute1_ns ip neigh show 172.16.1.5 dev eth0 \
    | grep -q 'lladdr fa:16:3e:8a:06:16 '
vmx compute2_ns ip neigh show 172.16.1.4 dev eth0 \
    | grep -q 'lladdr fa:16:3e:73:c9:74 '

# The pings did cross, as VXLAN; ARP did not.
echo "$seen_a" | grep -q 'ICMP echo request'
echo "$seen_b" | grep -q 'ICMP echo request'
if echo "$seen_a$seen_b" | grep -q 'ARP'; then
    echo "ARP crossed the underlay" >&2
    exit 1
fi
echo "ARP answered locally; none on the underlay"
