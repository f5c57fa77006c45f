# Sourced by the virtual-router system tests and the failover benchmark,
# after tests/lib/hosts.sh and tests/lib/vr-reflector.sh: TCP flows from
# VMs to addresses behind the gateway, counted per flow on the routers, and
# the select group as a compute host's bridge holds it.
#
# Each flow is a TCP SYN from a VM to 172.16.9.<10 + i>, port 22 (the test
# document's security group allows TCP 22 within 172.16.0.0/16), from its
# own source port, sent again and again with the same sequence number (a
# retransmission to conntrack).  The routers count each flow apart with a
# flow matching its source port.

# Writes the flow sender: a Python script that sends, from interface $1 of
# a VM with MAC $2 and IP $3 to gateway MAC $4, flows with source ports $5
# to $5+$6-1, $7 rounds, $8 seconds apart.
vr_traffic_write_sender() {
    cat >"$HOSTS_DIR/tcp-flows.py" <<'PY'
import socket, struct, sys, time

iface, src_mac, src_ip, gw_mac = sys.argv[1:5]
first, n_flows, rounds = (int(x) for x in sys.argv[5:8])
gap = float(sys.argv[8])

def checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff

def mac(text):
    return bytes(int(x, 16) for x in text.split(':'))

src = socket.inet_aton(src_ip)
frames = []
for i in range(n_flows):
    dst = socket.inet_aton('172.16.9.%d' % (10 + i))
    tcp = struct.pack('!HHIIBBHHH', first + i, 22, 1000 + i, 0, 5 << 4,
                      0x02, 64240, 0, 0)
    pseudo = src + dst + struct.pack('!BBH', 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack('!H', checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), i + 1, 0, 64,
                     6, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    frames.append(mac(gw_mac) + mac(src_mac) + b'\x08\x00' + ip + tcp)

sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((iface, 0))
for _ in range(rounds):
    for frame in frames:
        sock.send(frame)
    time.sleep(gap)
PY
}

# Reads the addresses of VM $1 (deviceId), for vr_traffic_send.
declare -A VR_TRAFFIC_VM
vr_traffic_add_vm() {
    VR_TRAFFIC_VM[$1]=$(port_info "$1")
}

# Sends $3 rounds ($4 s apart) of the flows of VM $1 (added with
# vr_traffic_add_vm) with source ports $2 to $2+$VR_TRAFFIC_FLOWS-1.
vr_traffic_send() {
    local vm=$1 first=$2 rounds=$3 gap=$4 h mac cidr gw
    read -r h mac cidr gw <<<"${VR_TRAFFIC_VM[$vm]}"
    vmx "$vm" python3 "$HOSTS_DIR/tcp-flows.py" eth0 "$mac" "${cidr%/*}" \
        "$GW_MAC" "$first" "$VR_TRAFFIC_FLOWS" "$rounds" "$gap"
}

# Installs on router host $1 one counting flow per source port "$2"...
vr_traffic_count_flows() {
    local h=$1 port; shift
    for port in "$@"; do
        echo "priority=200,in_port=1,dl_dst=$GW_MAC,tcp,tcp_src=$port" \
             "actions=drop"
    done | hx "$h" ovs-ofctl -O OpenFlow13 add-flows br0 -
}

# Prints "PORT PACKETS" for each counting flow of router host $1.
vr_traffic_counts() {
    hx "$1" ovs-ofctl -O OpenFlow13 dump-flows br0 "tcp,dl_dst=$GW_MAC" \
        | sed -n 's/.*n_packets=\([0-9]*\),.*tp_src=\([0-9]*\).*/\2 \1/p' \
        | sort
}

# Prints the ofports of the buckets of host $1's select group (its only
# one), one per line, sorted.
vr_group_buckets() {
    hx "$1" ovs-ofctl -O OpenFlow13 dump-groups br0 \
        | grep 'type=select' | grep -o 'output:[0-9]*' | cut -d: -f2 | sort -n
}

# Prints the ofport of host $1's tunnel port to router host $2.
vr_tunnel_ofport() {
    local ip=${HOST_IP[$2]}
    hx "$1" ovs-vsctl get Interface "jst-$(printf '%02x' ${ip//./ })" ofport
}
