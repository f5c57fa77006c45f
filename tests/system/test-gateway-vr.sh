#!/bin/bash
# Traffic to the gateway MAC leaves through the tunnel to the virtual
# router host r (10.10.10.4), from both compute hosts, with the subnet's
# VNI; host r counts it.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
hosts_setup compute1_ns compute2_ns

test "$(router_count)" = 0
capture_start ul-r "$(host_ns ul)" ul-r udp port 4789
# No reply comes back: host r only counts.
vmx compute1_ns ping -c 5 -i 0.2 -W 1 172.16.1.1 || true
vmx compute2_ns ping -c 5 -i 0.2 -W 1 172.16.1.1 || true
seen=$(capture_stop ul-r)
echo "$seen"
echo "$seen" | grep -A2 '10.10.10.2.* > 10.10.10.4.4789: VXLAN.*vni 1$' \
    | grep -q '172.16.1.4 > 172.16.1.1: ICMP echo request'
echo "$seen" | grep -A2 '10.10.10.3.* > 10.10.10.4.4789: VXLAN.*vni 1$' \
    | grep -q '172.16.1.3 > 172.16.1.1: ICMP echo request'
# Flow statistics reach dump-flows with the next revalidation.
count_at_least() { [ "$(router_count)" -ge "$1" ]; }
hosts_wait_for count_at_least 10
hx r ovs-ofctl -O OpenFlow13 dump-flows br0
echo "gateway traffic reaches the virtual router through the tunnel"
