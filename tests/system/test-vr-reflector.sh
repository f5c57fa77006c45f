#!/bin/bash
# The reference reflector (tests/lib/vr-reflector.sh) on routers r and r2
# sends a probe that host a puts into its tunnel back through the same
# tunnel: MACs swapped, everything else unchanged, VNI 0; host a's table 0
# punts it, and the codec accepts it as the reply of the router whose
# tunnel it came through.  Stopped, the reflector sends nothing back;
# started again, it does.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
. "$SRCDIR/tests/lib/vr-reflector.sh"
hosts_require
tool=$BUILDDIR/tests/vr-probe-tool
[ -x "$tool" ] || { echo "$tool is not built"; exit 77; }
HOSTS_R2=1 hosts_setup compute1_ns
# Host a's agent would probe both routers too; stopped, it leaves its flows
# (the punt flows included) and only the test's probes cross its tunnels.
hosts_kill a jstack-agent

vr_reflector_start r
vr_reflector_start r2
hx r ovs-ofctl -O OpenFlow13 dump-flows br0 "cookie=$VR_REFLECTOR_COOKIE/-1"

# Prints the number of probe replies host a's table 0 punted (one flow per
# router tunnel port).
punted() {
    hx a ovs-ofctl -O OpenFlow13 dump-flows br0 "table=0,dl_type=0x88cd" \
        | sed -n 's/.*n_packets=\([0-9]*\),.*/\1/p' \
        | awk '{ n += $1 } END { print n + 0 }'
}
punted_at_least() { [ "$(punted)" -ge "$1" ]; }

# Sends probe $2 from host a through its tunnel to router host $1, as the
# agent will: a packet-out with tun_id 0.
send_probe() {
    local router_ip=${HOST_IP[$1]} seq=$2 tunnel hex ofport
    tunnel=jst-$(printf '%02x' ${router_ip//./ })
    hex=$("$tool" compose "${HOST_IP[a]}" "$router_ip" "$seq" $((seq * 1000)))
    ofport=$(hx a ovs-vsctl get Interface "$tunnel" ofport)
    local out="packet=$hex actions=set_field:0->tun_id,output:$ofport"
    hx a ovs-ofctl -O OpenFlow13 packet-out br0 "in_port=controller $out"
}

# Prints "SOURCE-IP VNI INNER-FRAME-HEX" for each VXLAN packet in capture
# file $1.
vxlan_frames() {
    python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
offset = 24                                 # pcap file header
while offset + 16 <= len(data):
    caplen = struct.unpack_from('<I', data, offset + 8)[0]
    pkt = data[offset + 16:offset + 16 + caplen]
    offset += 16 + caplen
    ihl = (pkt[14] & 15) * 4                # outer Ethernet, then IPv4
    src = '.'.join(str(b) for b in pkt[26:30])
    vxlan = pkt[14 + ihl + 8:]              # after UDP
    vni = int.from_bytes(vxlan[4:7], 'big')
    print(src, vni, vxlan[8:].hex())
PY
}

capture_start ul-a "$(host_ns ul)" ul-a udp port 4789 and dst host 10.10.10.2
send_probe r 1
send_probe r2 2
hosts_wait_for punted_at_least 2
capture_stop ul-a >/dev/null
frames=$(vxlan_frames "$HOSTS_DIR/ul-a.pcap")
echo "$frames"
test "$(echo "$frames" | wc -l)" = 2

# Router r's reply: the probe byte for byte, MACs swapped, VNI 0.
read -r src vni frame < <(echo "$frames" | grep '^10\.10\.10\.4 ')
sent=$("$tool" compose 10.10.10.2 10.10.10.4 1 1000)
test "$vni" = 0
test "$frame" = "${sent:12:12}${sent:0:12}${sent:24}"
parsed=$("$tool" parse 10.10.10.2 10.10.10.4 "$frame")
test "$parsed" = "ok seq=1 sent_ms=1000"
# The same frame through r2's tunnel names the wrong router.
test "$("$tool" parse 10.10.10.2 10.10.10.5 "$frame" || true)" = wrong-router

read -r src vni frame < <(echo "$frames" | grep '^10\.10\.10\.5 ')
test "$vni" = 0
parsed=$("$tool" parse 10.10.10.2 10.10.10.5 "$frame")
test "$parsed" = "ok seq=2 sent_ms=2000"

# Stopped, r reflects nothing (r2 still does); started again, it does.
vr_reflector_stop r
test "$(hx r ovs-ofctl -O OpenFlow13 dump-flows br0 \
           "cookie=$VR_REFLECTOR_COOKIE/-1" | grep -c actions=)" = 0
before=$(punted)
capture_start ul-a2 "$(host_ns ul)" ul-a udp port 4789 and dst host 10.10.10.2
send_probe r 3
send_probe r2 4
hosts_wait_for punted_at_least $((before + 1))
sleep 1
capture_stop ul-a2 >/dev/null
frames=$(vxlan_frames "$HOSTS_DIR/ul-a2.pcap")
echo "$frames"
test "$(echo "$frames" | cut -d' ' -f1)" = 10.10.10.5
test "$(punted)" = $((before + 1))

vr_reflector_start r
send_probe r 5
hosts_wait_for punted_at_least $((before + 2))
echo "routers r and r2 reflect probes; r stops and starts again"
