#!/bin/bash
# Packet-in and packet-out through the DHCP handler (issues 11 and 12): DHCP
# requests injected on a VM port of a sandbox bridge (dummy datapath) reach
# the agent through table 30, and its answers leave that port and no other
# (captured with the dummy interfaces' tx_pcap).  A DISCOVER gets an OFFER
# of the port's address, a REQUEST an ACK, a unicast renewal to the DHCP
# server a unicast ACK, a renewal of a stale address a NAK; a foreign MAC,
# a foreign chaddr and a RELEASE get nothing; dhcp/show and status count
# them.  A VM flooding DISCOVERs is held by its meter while the other VM
# still gets its answer.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

tool=$BUILDDIR/tests/dhcp-tool
VM4=fa:16:3e:73:c9:74           # compute1_ns, 172.16.1.4, ofport 3
VM5=fa:16:3e:8a:06:16           # compute1_ns_2, 172.16.1.5, ofport 4
SERVER=fa:16:3e:f9:df:5d        # The subnet's DHCP port, 172.16.1.2.

sandbox_start_example
ovs-ofctl -O OpenFlow13 meter-features br0
for port in compute1_ns compute1_ns_2; do
    ovs-vsctl set Interface "$port" options:tx_pcap="$SANDBOX/$port.pcap"
done
sandbox_wait_synced

# Prints the DHCP server messages that left port $1 so far.
sent() {
    python3 "$SRCDIR/tests/lib/dhcp-pcap.py" "$SANDBOX/$1.pcap" \
        | cut -d' ' -f3-
}

# Injects the request "$2..." (dhcp-tool's arguments) on port $1.
inject() {
    local port=$1; shift
    ovs-appctl netdev-dummy/receive "$port" "$("$tool" request "$@")"
}

# Waits until port $1 has sent a message matching the regular expression
# $2.
expect() {
    if ! sandbox_wait_for sh -c "python3 '$SRCDIR/tests/lib/dhcp-pcap.py' \
            '$SANDBOX/$1.pcap' | cut -d' ' -f3- | grep -Eq -- '$2'"; then
        echo "FAIL: no message matching /$2/ left $1; it sent:"
        sent "$1"
        agent_ctl dhcp/show
        exit 1
    fi
}

# DISCOVER: an OFFER of 172.16.1.4 from the DHCP port, unicast to the
# offered address at the client's MAC (no broadcast flag).
inject compute1_ns discover "$VM4" xid=1 params=1,3,6,51,54
expect compute1_ns "^OFFER xid=1 yiaddr=172.16.1.4 eth_src=$SERVER \
eth_dst=$VM4 ip_dst=172.16.1.4 server=172.16.1.2 mask=255.255.255.0 \
router=172.16.1.1 lease=86400"

# REQUEST in SELECTING state: the ACK.
inject compute1_ns request "$VM4" xid=2 server=172.16.1.2 \
    requested=172.16.1.4
expect compute1_ns '^ACK xid=2 yiaddr=172.16.1.4 '

# A renewal, unicast from the VM's address to the server's MAC and
# address: a unicast ACK.
inject compute1_ns request "$VM4" xid=3 ciaddr=172.16.1.4 \
    to=$SERVER,172.16.1.2
expect compute1_ns "^ACK xid=3 yiaddr=172.16.1.4 eth_src=$SERVER \
eth_dst=$VM4 ip_dst=172.16.1.4 "

# A renewal of a stale address (a renumbered VM renews from the old one):
# the pipeline lets it through and the agent NAKs it, by broadcast.
inject compute1_ns request "$VM4" xid=4 ciaddr=172.16.1.99 \
    to=$SERVER,172.16.1.2
expect compute1_ns '^NAK xid=4 yiaddr=0.0.0.0 .*eth_dst=ff:ff:ff:ff:ff:ff'

# Nothing for a source MAC the document does not give the port (the
# pipeline drops it), nor for a foreign chaddr (the agent drops it), nor
# for a RELEASE (logged and counted).
inject compute1_ns discover fa:16:3e:00:00:99 xid=5
inject compute1_ns discover "$VM4" xid=6 chaddr=fa:16:3e:00:00:99
inject compute1_ns release "$VM4" xid=7 ciaddr=172.16.1.4 \
    server=172.16.1.2 to=$SERVER,172.16.1.2
# Then one more DISCOVER, answered: the three before it were handled.
inject compute1_ns discover "$VM4" xid=8
expect compute1_ns '^OFFER xid=8 '
sent compute1_ns
! sent compute1_ns | grep -Eq '^[A-Z]+ xid=[567] ' || {
    echo "FAIL: answered a foreign MAC, a foreign chaddr or a RELEASE"
    exit 1
}
[ "$(sent compute1_ns | wc -l)" = 5 ]
# The other VM's port saw none of it.
[ "$(sent compute1_ns_2 | wc -l)" = 0 ]

agent_ctl dhcp/show
agent_ctl dhcp/show | grep -A4 '^port df51f6d0-8381-47a5-8fa5-a46a8b64e095 ' \
    >"$SANDBOX/show.txt"
grep -q '^  last message: DISCOVER, [0-9]* s ago$' "$SANDBOX/show.txt"
grep -q '^  last answer: OFFER 172.16.1.4, [0-9]* s ago$' "$SANDBOX/show.txt"
counts="received 7 (DISCOVER 3, OFFER 0, REQUEST 3, DECLINE 0, ACK 0, NAK 0,"
counts="$counts RELEASE 1, INFORM 0), answered OFFER 2, ACK 2, NAK 1, dropped"
counts="$counts malformed 0, foreign MAC 1, not served 0, ignored 0,"
counts="$counts send failed 0"
grep -qxF "  $counts" "$SANDBOX/show.txt"
agent_ctl dhcp/show | grep -A1 '^port eef67bf2-3d99-458b-b2fe-0616259ba63e ' \
    | grep -q '^  no DHCP packet yet$'
agent_ctl status | grep '^DHCP: '
agent_ctl status | grep -q '^DHCP: received 7 .* unknown port 0, '

# Flooding: 100 DISCOVERs from compute1_ns_2 at once (a dummy port queues
# at most 100).  Its meter (20/s, burst 20) lets about 20 through;
# compute1_ns is still answered.
frames=()
for i in $(seq 1000 1099); do
    frames+=("$("$tool" request discover "$VM5" xid=$i)")
done
ovs-appctl netdev-dummy/receive compute1_ns_2 "${frames[@]}" >/dev/null
inject compute1_ns discover "$VM4" xid=9
expect compute1_ns '^OFFER xid=9 '
sleep 0.5
offers=$(sent compute1_ns_2 | grep -c '^OFFER ')
echo "flood of 100 DISCOVERs: $offers answered"
ovs-ofctl -O OpenFlow13 meter-stats br0
[ "$offers" -ge 10 ] && [ "$offers" -le 40 ] || {
    echo "FAIL: the DHCP meter let $offers of 100 DISCOVERs through"
    exit 1
}
echo "DHCP answered through packet-in and packet-out on the right port"
