# Sourced by the system tests, after tests/lib/hosts.sh: the reference
# reflector of virtual-router probes (docs/vr-probes.md), made of OpenFlow
# flows on a router host's Open vSwitch bridge.
#
# For every vxlan port of the bridge, one flow in table 0 takes a probe
# (dl_src 22:33:44:55:66:77, dl_dst 77:66:55:44:33:22, dl_type 0x88cd)
# that arrived through that port, swaps its MAC addresses, sends it back to
# the tunnel's source IP with tun_id 0, and outputs it through the port it
# came in on.  The port needs options:key=flow (to send tun_id 0) and, if
# it serves many hosts, options:remote_ip=flow (the reply's tunnel
# destination is then the probe's tunnel source).  Every flow carries
# cookie $VR_REFLECTOR_COOKIE, so stopping deletes exactly these flows.
# Tunnel ports added later need a new vr_reflector_start.

VR_REFLECTOR_COOKIE=0x6a737672      # "jsvr"

# Prints the flows that reflect probes arriving on the vxlan ports of
# bridge $2 (default br0) of host $1, one per line, as add-flows takes them.
vr_reflector_flows() {
    local h=$1 bridge=${2:-br0} iface ofport
    for iface in $(hx "$h" ovs-vsctl list-ifaces "$bridge"); do
        [ "$(hx "$h" ovs-vsctl get Interface "$iface" type)" = vxlan ] \
            || continue
        ofport=$(hx "$h" ovs-vsctl get Interface "$iface" ofport)
        printf '%s' "cookie=$VR_REFLECTOR_COOKIE,table=0,priority=1000," \
            "in_port=$ofport,dl_src=22:33:44:55:66:77," \
            "dl_dst=77:66:55:44:33:22,dl_type=0x88cd " \
            "actions=set_field:77:66:55:44:33:22->eth_src," \
            "set_field:22:33:44:55:66:77->eth_dst," \
            "move:NXM_NX_TUN_IPV4_SRC[]->NXM_NX_TUN_IPV4_DST[]," \
            "set_field:0->tun_id,IN_PORT"
        printf '\n'
    done
}

# Starts reflecting probes on bridge $2 (default br0) of host $1: installs
# the flows of vr_reflector_flows (replacing earlier ones).  Fails if the
# bridge has no vxlan port.
vr_reflector_start() {
    local h=$1 bridge=${2:-br0} flows
    flows=$(vr_reflector_flows "$h" "$bridge") || return 1
    if [ -z "$flows" ]; then
        echo "vr_reflector_start: $bridge of host $h has no vxlan port" >&2
        return 1
    fi
    vr_reflector_stop "$h" "$bridge" || return 1
    echo "$flows" | hx "$h" ovs-ofctl -O OpenFlow13 add-flows "$bridge" - \
        || return 1
    hx "$h" ovs-appctl revalidator/wait
}

# Stops reflecting probes on bridge $2 (default br0) of host $1: deletes
# the reflector's flows and nothing else.
vr_reflector_stop() {
    local h=$1 bridge=${2:-br0}
    hx "$h" ovs-ofctl -O OpenFlow13 del-flows "$bridge" \
        "cookie=$VR_REFLECTOR_COOKIE/-1" || return 1
    hx "$h" ovs-appctl revalidator/wait
}
