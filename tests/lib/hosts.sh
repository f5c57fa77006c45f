# Sourced by the system tests: emulated compute hosts on one machine, each a
# network namespace with its own ovsdb-server and ovs-vswitchd (userspace
# datapath), joined by VXLAN over an underlay, with VMs as namespaces.
#
#   host a  10.10.10.2  agent, VMs of the document's host 10.10.10.2
#   host b  10.10.10.3  agent, VMs of the document's host 10.10.10.3
#   host r  10.10.10.4  the virtual router: a vxlan port and counting flows
#   host r2 10.10.10.5  a second virtual router like r, only with
#                       HOSTS_R2=1 (then the document's first subnet has
#                       both routers; without it, only r)
#   host x              only with HOSTS_PROVIDER=1: an external host on the
#                       physical segment, its own OVS bridge br-ext with a
#                       trunk NIC and internal ports v100 (tag 100,
#                       192.168.100.10) and v200 (tag 200, 192.168.200.10)
#
# With HOSTS_PROVIDER=1, a physical segment too: a Linux bridge in the
# namespace "<prefix>phys" (it forwards tagged frames untouched), a provider
# bridge br-prov on hosts a and b whose NIC "phys" is a veth onto it, the
# agents' jstack-bridge-mappings=physnet1:br-prov, and three provider
# subnets in the document (flat 192.168.50.0/24, VLAN 100 192.168.100.0/24,
# VLAN 200 192.168.200.0/24), each with a VM on a and one on b.
#
# Underlay: each host's br-phy (netdev, NORMAL; its LOCAL port carries the
# tunnel IP) has a veth "ul" whose other end is a port of a Linux bridge in
# the namespace "<prefix>ul".  Every namespace, veth, process and file this
# harness creates carries a per-run prefix ("js<pid>-") or lives under a
# per-run temporary directory, and only those are removed: processes by
# their pidfiles, namespaces from the list of the ones created.
#
# JSTACK_KEEP=1 leaves everything up and prints how to reach it.
#
# Needs: root, ip netns, SRCDIR, BUILDDIR.

HOSTS_PREFIX=${HOSTS_PREFIX:-js$$-}
declare -A HOST_IP=([a]=10.10.10.2 [b]=10.10.10.3 [r]=10.10.10.4
                    [r2]=10.10.10.5)
declare -A HOST_MAC=([a]=02:00:0a:0a:0a:02 [b]=02:00:0a:0a:0a:03
                     [r]=02:00:0a:0a:0a:04 [r2]=02:00:0a:0a:0a:05)
GW_MAC=fa:16:3e:97:64:ef

# Prints the hosts this run emulates: a, b, r, and r2 with HOSTS_R2=1.
hosts_list() {
    if [ "${HOSTS_R2:-0}" = 1 ]; then
        echo a b r r2
    else
        echo a b r
    fi
}

# Prints the routers of this run: r, and r2 with HOSTS_R2=1.
hosts_routers() {
    if [ "${HOSTS_R2:-0}" = 1 ]; then
        echo r r2
    else
        echo r
    fi
}

# Exits 77 (skip) unless the system tests can run here.
hosts_require() {
    if [ "$(id -u)" != 0 ]; then
        echo "system tests need root (network namespaces)"; exit 77
    fi
    if ! ip netns list >/dev/null 2>&1; then
        echo "'ip netns' is not available"; exit 77
    fi
    local tool
    for tool in ovs-vswitchd ovsdb-server ovs-vsctl ovs-appctl ping \
                tcpdump python3; do
        command -v "$tool" >/dev/null || {
            echo "$tool is not installed (scripts/setup.sh installs it)"
            exit 77
        }
    done
    [ -x "$BUILDDIR/agent/jstack-agent" ] || {
        echo "$BUILDDIR/agent/jstack-agent is not built"; exit 77
    }
}

# Runs "$@" every 0.1 s until it succeeds, for at most $HOSTS_TIMEOUT
# seconds (default 15).
hosts_wait_for() {
    local deadline=$(( $(date +%s) + ${HOSTS_TIMEOUT:-15} ))
    while ! "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "timed out waiting for: $*" >&2
            return 1
        fi
        sleep 0.1
    done
}

# Namespace names.
host_ns() { echo "${HOSTS_PREFIX}$1"; }
vm_ns() { echo "${HOSTS_PREFIX}vm-$1"; }

# Creates namespace $1 and records it for cleanup.
hosts_netns_add() {
    ip netns add "$1" || return 1
    echo "$1" >>"$HOSTS_DIR/netns"
    ip netns exec "$1" ip link set lo up
}

# Runs "$@" inside host $1's namespace with the OVS tools pointed at its
# private directories.
hx() {
    local h=$1; shift
    local d=$HOSTS_DIR/$h
    ip netns exec "$(host_ns "$h")" env OVS_RUNDIR="$d" OVS_DBDIR="$d" \
        OVS_LOGDIR="$d" OVS_SYSCONFDIR="$d" "$@"
}

# Runs "$@" inside VM $1's namespace.
vmx() {
    local vm=$1; shift
    ip netns exec "$(vm_ns "$vm")" "$@"
}

# Succeeds if process $1 is alive (a zombie waiting for its reaper is not).
proc_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    local state
    state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" \
            2>/dev/null)
    [ -n "$state" ] && [ "$state" != Z ]
}

# Prints the pid in host $1's pidfile $2 if that process is alive.
hosts_pid() {
    local pid
    pid=$(cat "$HOSTS_DIR/$1/$2.pid" 2>/dev/null) || return 1
    proc_alive "$pid" && echo "$pid"
}

# Stops the process of host $1's pidfile $2, waiting for it.
hosts_kill() {
    local pid
    pid=$(hosts_pid "$1" "$2") || return 0
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do
        proc_alive "$pid" || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
}

# Starts ovs-vswitchd of host $1 (also a restart) and gives br-phy's LOCAL
# port its address and the peers' neighbour entries.
host_start_vswitchd() {
    local h=$1 d=$HOSTS_DIR/$1 p
    hx "$h" ovs-vswitchd --disable-system -vconsole:warn --detach --no-chdir \
        --pidfile="$d/ovs-vswitchd.pid" --log-file="$d/ovs-vswitchd.log" \
        "unix:$d/db.sock" || return 1
    hosts_wait_for hx "$h" ip link show br-phy || return 1
    hx "$h" ip addr replace "${HOST_IP[$h]}/24" dev br-phy
    hx "$h" ip link set dev br-phy up
    for p in $(hosts_list); do
        [ "$p" = "$h" ] && continue
        hx "$h" ovs-appctl tnl/neigh/set br-phy "${HOST_IP[$p]}" \
            "${HOST_MAC[$p]}" >/dev/null || return 1
    done
}

# Creates host $1: namespace, OVS daemons, br-phy on the underlay, br0.
host_create() {
    local h=$1 ns d=$HOSTS_DIR/$1
    ns=$(host_ns "$h")
    mkdir -p "$d"
    hosts_netns_add "$ns" || return 1
    ip link add ul netns "$ns" type veth peer name "ul-$h" \
        netns "$(host_ns ul)" || return 1
    hx "$h" ip link set dev ul arp off
    hx "$h" ip link set dev ul up
    ip netns exec "$(host_ns ul)" ip link set dev "ul-$h" arp off
    ip netns exec "$(host_ns ul)" ip link set dev "ul-$h" master ulbr up

    hx "$h" ovsdb-tool create "$d/conf.db" \
        /usr/share/openvswitch/vswitch.ovsschema || return 1
    hx "$h" ovsdb-server -vconsole:warn --detach --no-chdir --pidfile="$d/ovsdb-server.pid" \
        --log-file="$d/ovsdb-server.log" --remote="punix:$d/db.sock" \
        "$d/conf.db" || return 1
    hx "$h" ovs-vsctl --no-wait init \
        -- add-br br-phy \
        -- set Bridge br-phy datapath_type=netdev \
           other_config:hwaddr="${HOST_MAC[$h]}" \
        -- add-port br-phy ul \
        -- add-br br0 \
        -- set Bridge br0 datapath_type=netdev fail_mode=secure \
           protocols=OpenFlow13 || return 1
    host_start_vswitchd "$h"
}

# Makes host $1 (r or r2) a virtual router: a vxlan port on br0 taking any
# VNI from anyone, and flows that count what reaches it.
host_make_router() {
    local h=$1
    hx "$h" ovs-vsctl add-port br0 vx -- set Interface vx type=vxlan \
        options:remote_ip=flow options:key=flow ofport_request=1 || return 1
    hx "$h" ovs-ofctl -O OpenFlow13 add-flow br0 \
        "priority=100,in_port=1,dl_dst=$GW_MAC actions=drop" || return 1
    hx "$h" ovs-ofctl -O OpenFlow13 add-flow br0 "priority=0 actions=drop"
}

# Prints the number of packets router host $1 (r or r2) counted for the
# gateway MAC.
router_count_on() {
    hx "$1" ovs-ofctl -O OpenFlow13 dump-flows br0 "dl_dst=$GW_MAC" \
        | sed -n 's/.*n_packets=\([0-9]*\),.*/\1/p' | head -n 1
}

# Prints the number of packets host r counted for the gateway MAC.
router_count() {
    router_count_on r
}

# Writes the test document: seed 000 (without its router 10.10.10.5 unless
# HOSTS_R2=1), with one more VM on host b, a second subnet (172.16.2.0/24,
# vni 2) with a VM on each host, and a security group allowing ICMP and
# TCP 22 both ways within each subnet.  With HOSTS_PROVIDER=1, the provider
# subnets too (flat_a/flat_b, v100_a/v100_b, v200_a/v200_b, .4 on host a
# and .5 on host b), whose security group allows ICMP from anywhere.
hosts_make_document() {
    python3 - "$SRCDIR/tests/fixtures/seed-000.json" "$HOSTS_DIR/doc.json" \
        "${HOSTS_R2:-0}" "${HOSTS_PROVIDER:-0}" <<'PY'
import copy, json, sys
doc = json.load(open(sys.argv[1]))
s1 = doc['Result']['subnets'][0]
s1['routers'] = ['10.10.10.4']
if sys.argv[3] == '1':
    s1['routers'].append('10.10.10.5')
sg = s1['securitygroups'][0]
sgid = sg['id']
for direction in (0, 1):
    sg['securitygroupRules'].append(dict(
        direction=direction, type=0, proto=6, ipPrefix='172.16.0.0/16',
        ipVersion=0, portStart=22, portEnd=22, remoteGroupId=None))
    sg['securitygroupRules'].append(dict(
        direction=direction, type=0, proto=1, ipPrefix='172.16.0.0/16',
        ipVersion=0, portStart=0, portEnd=0, remoteGroupId=None))
vm = s1['ports'][1]
s1['ports'].append(dict(vm, id='b115bdf0-ca9a-42e2-8f87-6b0e252ec9e4',
                        fixedip='172.16.1.6', deviceId='compute2_ns_2',
                        mac='fa:16:3e:5e:16:36'))
s2 = copy.deepcopy(s1)
s2.update(id='2d05961d-e641-417e-8f19-803cae564548', metadata=1026, vni=2,
          network='172.16.2.0/24')
s2['ports'] = [
    dict(vm, id='20000000-0000-4000-8000-000000000002', fixedip='172.16.2.4',
         deviceId='net2_a', mac='fa:16:3e:00:02:04', host='10.10.10.2'),
    dict(vm, id='20000000-0000-4000-8000-000000000003', fixedip='172.16.2.3',
         deviceId='net2_b', mac='fa:16:3e:00:02:03', host='10.10.10.3'),
]
s2['dhcpPort'] = dict(s1['dhcpPort'], id='20000000-0000-4000-8000-0000000000d2',
                      fixedip='172.16.2.2', mac='fa:16:3e:00:02:02')
s2['gatewayPorts'] = [dict(s1['gatewayPorts'][0],
                           id='20000000-0000-4000-8000-0000000000f1',
                           fixedip='172.16.2.1', mac='fa:16:3e:00:02:01')]
doc['Result']['subnets'].append(s2)
if sys.argv[4] == '1':
    psg = dict(id='50000000-0000-4000-8000-0000000000a1', securitygroupRules=[
        dict(direction=d, type=0, proto=1, ipPrefix='0.0.0.0/0', ipVersion=0,
             portStart=0, portEnd=0, remoteGroupId=None) for d in (0, 1)])
    for n, (name, kind, vlan) in enumerate([('flat', 'flat', None),
                                            ('v100', 'vlan', 100),
                                            ('v200', 'vlan', 200)]):
        net = {'flat': 50, 'v100': 100, 'v200': 200}[name]
        s = copy.deepcopy(s1)
        s.update(id='5%07d-0000-4000-8000-000000000000' % net,
                 metadata=0x501 + 0x100 * n, vni=500 + n,
                 network='192.168.%d.0/24' % net, routers=[],
                 networkType=kind, physicalNetwork='physnet1',
                 securitygroups=[psg])
        if vlan:
            s['segmentationId'] = vlan
        s['ports'] = [
            dict(vm, id='5%07d-0000-4000-8000-00000000000%d' % (net, last),
                 fixedip='192.168.%d.%d' % (net, last),
                 deviceId='%s_%s' % (name, host), host=ip,
                 mac='fa:16:3e:%02x:00:%02x' % (net, last),
                 securitygroupIds=[psg['id']], rate=0, burst=0)
            for host, ip, last in (('a', '10.10.10.2', 4),
                                   ('b', '10.10.10.3', 5))]
        s['dhcpPort'] = dict(s1['dhcpPort'],
                             id='5%07d-0000-4000-8000-0000000000d2' % net,
                             fixedip='192.168.%d.2' % net,
                             mac='fa:16:3e:%02x:00:02' % net)
        s['gatewayPorts'] = [dict(s1['gatewayPorts'][0],
                                  id='5%07d-0000-4000-8000-0000000000f1' % net,
                                  fixedip='192.168.%d.1' % net,
                                  mac='fa:16:3e:%02x:00:01' % net)]
        doc['Result']['subnets'].append(s)
json.dump(doc, open(sys.argv[2], 'w'), indent=1)
PY
}

# Creates the physical segment (HOSTS_PROVIDER=1): the Linux bridge
# "physbr" in namespace "<prefix>phys", host a's and b's provider bridge
# br-prov with the NIC "phys" on it, and the external host x.
hosts_provider_create() {
    local h ns
    hosts_netns_add "$(host_ns phys)" || return 1
    ip netns exec "$(host_ns phys)" ip link add physbr type bridge || return 1
    ip netns exec "$(host_ns phys)" ip link set dev physbr up
    for h in a b x; do
        ns=$(host_ns "$h")
        ip link add phys netns "$ns" type veth peer name "phys-$h" \
            netns "$(host_ns phys)" || return 1
        hx "$h" ip link set dev phys arp off
        hx "$h" ip link set dev phys up
        ip netns exec "$(host_ns phys)" ip link set dev "phys-$h" arp off
        ip netns exec "$(host_ns phys)" ip link set dev "phys-$h" \
            master physbr up
    done
    for h in a b; do
        hx "$h" ovs-vsctl add-br br-prov \
            -- set Bridge br-prov datapath_type=netdev \
            -- add-port br-prov phys || return 1
    done
    hx x ovs-vsctl add-br br-ext -- set Bridge br-ext datapath_type=netdev \
        -- add-port br-ext phys \
        -- add-port br-ext v100 tag=100 -- set Interface v100 type=internal \
        -- add-port br-ext v200 tag=200 -- set Interface v200 type=internal \
        || return 1
    hosts_wait_for hx x ip link show v200 || return 1
    # One host with an address per VLAN answers ARP only on that VLAN, as
    # two hosts would, and routes nothing between them.
    hx x sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
        net.ipv4.ip_forward=0 || return 1
    hx x ip addr add 192.168.100.10/24 dev v100
    hx x ip addr add 192.168.200.10/24 dev v200
    hx x ip link set dev v100 up
    hx x ip link set dev v200 up
    if command -v ethtool >/dev/null; then
        hx x ethtool -K v100 tx off >/dev/null 2>&1
        hx x ethtool -K v200 tx off >/dev/null 2>&1
    fi
}

# Creates the external host x (HOSTS_PROVIDER=1): a namespace with its own
# ovsdb-server and ovs-vswitchd, no underlay.
host_create_external() {
    local d=$HOSTS_DIR/x
    mkdir -p "$d"
    hosts_netns_add "$(host_ns x)" || return 1
    hx x ovsdb-tool create "$d/conf.db" \
        /usr/share/openvswitch/vswitch.ovsschema || return 1
    hx x ovsdb-server -vconsole:warn --detach --no-chdir \
        --pidfile="$d/ovsdb-server.pid" --log-file="$d/ovsdb-server.log" \
        --remote="punix:$d/db.sock" "$d/conf.db" || return 1
    hx x ovs-vsctl --no-wait init || return 1
    hx x ovs-vswitchd --disable-system -vconsole:warn --detach --no-chdir \
        --pidfile="$d/ovs-vswitchd.pid" --log-file="$d/ovs-vswitchd.log" \
        "unix:$d/db.sock"
}

# Edits the test document with the Python statements $1 ('doc', 'subnets').
hosts_edit_document() {
    python3 - "$HOSTS_DIR/doc.json" "$1" <<'PY'
import json, os, sys
path, expression = sys.argv[1], sys.argv[2]
doc = json.load(open(path))
subnets = doc['Result']['subnets']
exec(expression)
with open(path + '.tmp', 'w') as f:
    json.dump(doc, f, indent=1)
os.rename(path + '.tmp', path)
PY
}

# Prints "HOST MAC IP/PREFIX GATEWAY" for the document's port with
# deviceId $1 (HOST is a, b or r).
port_info() {
    python3 - "$HOSTS_DIR/doc.json" "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
hosts = {'10.10.10.2': 'a', '10.10.10.3': 'b', '10.10.10.4': 'r',
         '10.10.10.5': 'r2'}
for s in doc['Result']['subnets']:
    for p in s['ports']:
        if p['deviceId'] == sys.argv[2]:
            print(hosts[p['host']], p['mac'],
                  p['fixedip'] + '/' + s['network'].split('/')[1],
                  s['gatewayPorts'][0]['fixedip'])
            sys.exit(0)
sys.exit(1)
PY
}

# Prints the IP address of the VM with deviceId $1.
vm_ip() {
    port_info "$1" | awk '{ sub(/\/.*/, "", $3); print $3 }'
}

# Creates the VM with deviceId $1 as the document describes it: a namespace
# whose eth0 is a veth to its host's br0 (the br0 end named $1).
vm_create() {
    local vm=$1 h mac cidr gw ns
    read -r h mac cidr gw <<<"$(port_info "$vm")" || return 1
    ns=$(vm_ns "$vm")
    hosts_netns_add "$ns" || return 1
    ip link add "$vm" netns "$(host_ns "$h")" type veth peer name eth0 \
        netns "$ns" || return 1
    hx "$h" ip link set dev "$vm" up
    vmx "$vm" ip link set dev eth0 address "$mac"
    vmx "$vm" ip addr add "$cidr" dev eth0
    vmx "$vm" ip link set dev eth0 up
    vmx "$vm" ip route add default via "$gw"
    if command -v ethtool >/dev/null; then
        vmx "$vm" ethtool -K eth0 tx off >/dev/null 2>&1
    fi
    hx "$h" ovs-vsctl add-port br0 "$vm"
}

# Starts the agent of host $1 with extra options "$@".
agent_start() {
    local h=$1 d=$HOSTS_DIR/$1; shift
    hx "$h" "$BUILDDIR/agent/jstack-agent" -vconsole:warn --detach --no-chdir \
        --pidfile="$d/jstack-agent.pid" --log-file="$d/jstack-agent.log" \
        --state-dir="$d/state" "$@"
}

# Runs ovs-appctl against host $1's agent.
agent_ctl_on() {
    local h=$1; shift
    hx "$h" ovs-appctl -t jstack-agent "$@"
}

# Succeeds if host $1's bridge equals its agent's desired state.
agent_synced_on() {
    agent_ctl_on "$1" status | grep -q '^desired state #' \
        && agent_ctl_on "$1" status \
           | grep -q '^bridge connection: connected (' \
        && [ -z "$(agent_ctl_on "$1" flows/diff)" ]
}

# Waits until host $1's agent has synced and its datapath caught up.
agent_wait_synced() {
    hosts_wait_for agent_synced_on "$1" || {
        agent_ctl_on "$1" status >&2
        agent_ctl_on "$1" flows/diff >&2
        return 1
    }
    hx "$1" ovs-appctl revalidator/wait
}

# Starts the test controller (tests/lib/http-server.py) inside host $1's
# namespace, on its own loopback, serving the test document; prints the URL
# its agent fetches.  hosts_cleanup stops it by its pidfile.
host_start_controller() {
    local h=$1
    hx "$h" python3 "$SRCDIR/tests/lib/http-server.py" \
        --document "$HOSTS_DIR/doc.json" \
        --port-file "$HOSTS_DIR/$h/http.port" \
        --pidfile "$HOSTS_DIR/pids/http-$h.pid" \
        </dev/null >/dev/null 2>"$HOSTS_DIR/$h/http.log" &
    hosts_wait_for test -s "$HOSTS_DIR/$h/http.port" || return 1
    printf 'http://127.0.0.1:%s/v1/subnets?host=%s\n' \
        "$(cat "$HOSTS_DIR/$h/http.port")" "${HOST_IP[$h]}"
}

# Sets up everything: underlay, hosts a, b and r (and r2 with HOSTS_R2=1;
# with HOSTS_VR_REFLECT=1 the routers reflect probes from the start, which
# needs tests/lib/vr-reflector.sh), the physical segment and host x with
# HOSTS_PROVIDER=1, the document, every VM of
# hosts a and b (deviceIds of the document, or only "$@" when given), and
# the agents of a and b, synced.  With HOSTS_HTTP=1 each agent fetches the
# document over HTTP from a test controller in its host's namespace.
# Arranges cleanup at exit.
hosts_setup() {
    HOSTS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/jstack-system.XXXXXX")
    : >"$HOSTS_DIR/netns"
    mkdir -p "$HOSTS_DIR/pids"
    trap hosts_exit EXIT
    hosts_netns_add "$(host_ns ul)" || return 1
    ip netns exec "$(host_ns ul)" ip link add ulbr type bridge || return 1
    ip netns exec "$(host_ns ul)" ip link set dev ulbr up
    local h vm
    for h in $(hosts_list); do
        host_create "$h" || return 1
    done
    for h in $(hosts_routers); do
        host_make_router "$h" || return 1
        if [ "${HOSTS_VR_REFLECT:-0}" = 1 ]; then
            vr_reflector_start "$h" || return 1
        fi
    done
    if [ "${HOSTS_PROVIDER:-0}" = 1 ]; then
        host_create_external || return 1
        hosts_provider_create || return 1
    fi
    hosts_make_document || return 1
    local vms=("$@")
    if [ ${#vms[@]} -eq 0 ]; then
        mapfile -t vms < <(python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["Result"]["subnets"]:
    for p in s["ports"]:
        print(p["deviceId"])' "$HOSTS_DIR/doc.json")
    fi
    for vm in "${vms[@]}"; do
        vm_create "$vm" || return 1
    done
    local controller
    for h in a b; do
        controller="file://$HOSTS_DIR/doc.json"
        if [ "${HOSTS_HTTP:-0}" = 1 ]; then
            controller=$(host_start_controller "$h") || return 1
        fi
        hx "$h" ovs-vsctl set Open_vSwitch . \
            external_ids:jstack-encap-ip="${HOST_IP[$h]}" \
            external_ids:jstack-bridge=br0 \
            external_ids:jstack-controller="$controller" \
            external_ids:jstack-poll-interval=200 || return 1
        if [ "${HOSTS_PROVIDER:-0}" = 1 ]; then
            hx "$h" ovs-vsctl set Open_vSwitch . \
                external_ids:jstack-bridge-mappings=physnet1:br-prov \
                || return 1
        fi
        agent_start "$h" || return 1
    done
    for h in a b; do
        agent_wait_synced "$h" || return 1
    done
}

# Starts "$@" in the background, recording its pid as $HOSTS_DIR/pids/$1.pid
# under the name given in $BG_NAME.
bg_start() {
    local name=$1; shift
    "$@" &
    echo $! >"$HOSTS_DIR/pids/$name.pid"
}

# Waits for background job $1 to end (at most $2 seconds, default 30).
bg_wait() {
    local pid
    pid=$(cat "$HOSTS_DIR/pids/$1.pid") || return 1
    local deadline=$(( $(date +%s) + ${2:-30} ))
    while kill -0 "$pid" 2>/dev/null; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.1
    done
    wait "$pid" 2>/dev/null
    return 0
}

# Stops background job $1.
bg_stop() {
    local pid
    pid=$(cat "$HOSTS_DIR/pids/$1.pid" 2>/dev/null) || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 30); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 0
}

# Starts capture $1 in namespace $2 on interface $3 with filter $4..., into
# $HOSTS_DIR/$1.pcap; returns once tcpdump listens.
capture_start() {
    local name=$1 ns=$2 dev=$3; shift 3
    bg_start "cap-$name" ip netns exec "$ns" tcpdump -n -U --immediate-mode -i "$dev" \
        -w "$HOSTS_DIR/$name.pcap" "$@" 2>"$HOSTS_DIR/$name.err"
    hosts_wait_for grep -q 'listening on' "$HOSTS_DIR/$name.err"
}

# Stops capture $1 and prints what it saw, decoded.
capture_stop() {
    sleep 0.5
    bg_stop "cap-$1"
    tcpdump -n -v -r "$HOSTS_DIR/$1.pcap" 2>/dev/null
}

# Prints the number of replies of a ping log $1 ("N received").
ping_received() {
    sed -n 's/.* \([0-9]*\) received.*/\1/p' "$1"
}

# Prints how to reach everything (JSTACK_KEEP=1).
hosts_print_access() {
    local ns
    echo "environment kept in $HOSTS_DIR; namespaces:"
    while read -r ns; do
        echo "  ip netns exec $ns bash"
    done <"$HOSTS_DIR/netns"
    echo "OVS of a host: ip netns exec ${HOSTS_PREFIX}a env" \
         "OVS_RUNDIR=$HOSTS_DIR/a ovs-ofctl -O OpenFlow13 dump-flows br0"
    echo "tear down: HOSTS_DIR=$HOSTS_DIR HOSTS_PREFIX=$HOSTS_PREFIX bash -c" \
         "'. $SRCDIR/tests/lib/hosts.sh; hosts_cleanup'"
}

# Removes everything this run created: background jobs, daemons (by
# pidfile), namespaces (by the recorded list, which takes their veths
# along), and the directory.
hosts_cleanup() {
    [ -n "${HOSTS_DIR:-}" ] && [ -d "$HOSTS_DIR" ] || return 0
    local f h ns
    for f in "$HOSTS_DIR"/pids/*.pid; do
        [ -f "$f" ] || continue
        bg_stop "$(basename "$f" .pid)"
    done
    for h in a b r r2 x; do
        hosts_kill "$h" jstack-agent
        hosts_kill "$h" ovs-vswitchd
        hosts_kill "$h" ovsdb-server
    done
    if [ -f "$HOSTS_DIR/netns" ]; then
        while read -r ns; do
            [ -n "$ns" ] && ip netns delete "$ns" 2>/dev/null
        done <"$HOSTS_DIR/netns"
    fi
    rm -rf "$HOSTS_DIR"
}

# The EXIT trap: shows the logs on failure, then cleans up unless kept.
hosts_exit() {
    local rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -n "${HOSTS_DIR:-}" ]; then
        local h
        for h in a b; do
            [ -f "$HOSTS_DIR/$h/jstack-agent.log" ] || continue
            echo "--- host $h agent log (tail)"
            tail -n 20 "$HOSTS_DIR/$h/jstack-agent.log"
        done
    fi
    if [ "${JSTACK_KEEP:-0}" = 1 ]; then
        hosts_print_access
    else
        hosts_cleanup
    fi
    exit "$rc"
}
