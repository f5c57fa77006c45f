#!/bin/bash
# Real packets between emulated compute hosts: VMs ping each other on the
# same host and across hosts, in both subnets, and the cross-host traffic
# crosses the underlay as VXLAN carrying the subnet's VNI.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
hosts_setup

# Same host (a), then across hosts (a -> b), subnet 1.
vmx compute1_ns ping -c 3 -i 0.2 -W 2 "$(vm_ip compute1_ns_2)"
capture_start ul "$(host_ns ul)" ul-a udp port 4789
vmx compute1_ns ping -c 3 -i 0.2 -W 2 "$(vm_ip compute2_ns)"
vmx compute2_ns_2 ping -c 3 -i 0.2 -W 2 "$(vm_ip compute1_ns_2)"
# Subnet 2 across hosts.
vmx net2_b ping -c 3 -i 0.2 -W 2 "$(vm_ip net2_a)"
seen=$(capture_stop ul)
echo "$seen"
echo "$seen" | grep -A2 'VXLAN.*vni 1$' \
    | grep -q '172.16.1.4 > 172.16.1.3: ICMP echo request'
echo "$seen" | grep -A2 'VXLAN.*vni 1$' \
    | grep -q '172.16.1.3 > 172.16.1.4: ICMP echo reply'
echo "$seen" | grep -A2 'VXLAN.*vni 2$' \
    | grep -q '172.16.2.3 > 172.16.2.4: ICMP echo request'
echo "$seen" | grep -q '10.10.10.2.*> 10.10.10.3.4789: VXLAN'
echo "$seen" | grep -q '10.10.10.3.*> 10.10.10.2.4789: VXLAN'

# Different subnets do not reach each other on the same host without a
# router (host r only counts).
! vmx compute1_ns ping -c 1 -W 1 "$(vm_ip net2_a)" || exit 1
echo "VMs ping each other on one host and across hosts over VXLAN"
