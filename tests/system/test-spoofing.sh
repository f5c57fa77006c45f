#!/bin/bash
# A VM that sends with a source IP or MAC that is not its own gets nothing
# through, to a VM on its host or on another host; the same VM with its
# own addresses does.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
hosts_setup compute1_ns compute1_ns_2 compute2_ns

# Static neighbours, so that no (spoofed) ARP is needed to send.
for vm in compute1_ns_2 compute2_ns; do
    read -r _ mac _ _ <<<"$(port_info "$vm")"
    vmx compute1_ns ip neigh replace "$(vm_ip "$vm")" lladdr "$mac" \
        dev eth0 nud permanent
done

# Pings from compute1_ns with extra ping options "$@" to both targets,
# capturing on the targets; prints what they saw.
pings_seen() {
    local vm
    for vm in compute1_ns_2 compute2_ns; do
        capture_start "$vm" "$(vm_ns "$vm")" eth0 icmp
    done
    for vm in compute1_ns_2 compute2_ns; do
        vmx compute1_ns ping -c 3 -i 0.2 -W 1 "$@" "$(vm_ip "$vm")" || true
    done
    for vm in compute1_ns_2 compute2_ns; do
        capture_stop "$vm"
    done
}

# Control: its own addresses get through.
seen=$(pings_seen)
echo "$seen"
echo "$seen" | grep -q '172.16.1.4 > 172.16.1.5: ICMP echo request'
echo "$seen" | grep -q '172.16.1.4 > 172.16.1.3: ICMP echo request'

# Spoofed source IP: an unused address, then another VM's address.
vmx compute1_ns ip addr add 172.16.1.99/32 dev eth0
vmx compute1_ns ip addr add 172.16.1.6/32 dev eth0
seen=$(pings_seen -I 172.16.1.99; pings_seen -I 172.16.1.6)
echo "$seen"
if echo "$seen" | grep -q 'ICMP'; then
    echo "a spoofed source IP got through" >&2
    exit 1
fi

# Spoofed source MAC with its own IP.
vmx compute1_ns ip link set dev eth0 address fa:16:3e:de:ad:01
seen=$(pings_seen)
echo "$seen"
if echo "$seen" | grep -q 'ICMP'; then
    echo "a spoofed source MAC got through" >&2
    exit 1
fi

# Back to its own MAC, it gets through again.
vmx compute1_ns ip link set dev eth0 address fa:16:3e:73:c9:74
seen=$(pings_seen)
echo "$seen" | grep -q '172.16.1.4 > 172.16.1.3: ICMP echo request'
echo "spoofed IP and MAC dropped, genuine traffic passes"
