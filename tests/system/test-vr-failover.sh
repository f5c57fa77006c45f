#!/bin/bash
# Virtual-router failover (docs/vr-probes.md): with routers r and r2 both
# reflecting probes, TCP flows from VMs on hosts a and b to addresses
# behind the gateway spread over both; r stops reflecting and within 4 s
# every flow goes to r2, with nothing lost; r reflects again and is back in
# the group; both stop and the traffic still leaves through both (fail
# open), which the agent logs as an error; one comes back and the group
# holds it alone.  A VM that sends forged probe replies changes nothing.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
. "$SRCDIR/tests/lib/vr-reflector.sh"
. "$SRCDIR/tests/lib/vr-traffic.sh"
hosts_require
tool=$BUILDDIR/tests/vr-probe-tool
[ -x "$tool" ] || { echo "$tool is not built"; exit 77; }
HOSTS_R2=1 HOSTS_VR_REFLECT=1 hosts_setup compute1_ns compute2_ns
echo "[${SECONDS} s] hosts set up"

VR_TRAFFIC_FLOWS=6
BURST=10
ports_a=$(seq 40001 40006)
ports_b=$(seq 40101 40106)
vr_traffic_write_sender
for h in r r2; do
    vr_traffic_count_flows "$h" $ports_a $ports_b
done

# Succeeds if host $1's agent says router host $2 is in state $3.
router_state_is() {
    agent_ctl_on "$1" vr/show | grep -q "^router ${HOST_IP[$2]}: $3 for"
}

# The tunnel ports of hosts a and b to the routers, by "HOST,ROUTER".
declare -A tunnel
for h in a b; do
    for r in r r2; do
        tunnel[$h,$r]=$(vr_tunnel_ofport "$h" "$r")
    done
done

# Succeeds if host $1's select group has buckets to exactly router hosts
# "$2"...
group_is() {
    local h=$1 r expected=""; shift
    for r in "$@"; do
        expected+="${tunnel[$h,$r]}"$'\n'
    done
    [ "$(vr_group_buckets "$h")" = "$(printf '%s' "$expected" | sort -n)" ]
}

# Prints the time, in ms since the epoch, of the first bundle that host
# $1's agent logged after its line that matches $2, since mark_logs.
bundle_after() {
    local stamp
    stamp=$(log_since_mark "$1" | sed -n "/$2/,\$p" \
            | grep -m 1 'in one bundle$' | cut -d'|' -f1)
    date -d "$stamp" +%s%3N
}

# Waits until the select groups of hosts a and b hold router hosts "$@".
wait_group() {
    local h
    for h in a b; do
        hosts_wait_for group_is "$h" "$@" || {
            hx "$h" ovs-ofctl -O OpenFlow13 dump-groups br0 >&2
            agent_ctl_on "$h" vr/show >&2
            return 1
        }
    done
}

# Prints "PORT R R2": packets of each flow counted by r and r2.
counts() {
    join -a 1 -a 2 -e 0 -o 0,1.2,2.2 <(vr_traffic_counts r) \
        <(vr_traffic_counts r2)
}

# Prints the packets counted by both routers together.
total() {
    counts | awk '{ n += $2 + $3 } END { print n + 0 }'
}
total_is() { [ "$(total)" = "$1" ]; }

# Sends $BURST rounds of every flow and prints "PORT DR DR2": what r and
# r2 counted of each.  Fails if not every packet arrived.
burst() {
    local before expected
    before=$(counts)
    expected=$(echo "$before" | awk -v n=$(( 2 * VR_TRAFFIC_FLOWS * BURST )) \
               '{ n += $2 + $3 } END { print n }')
    vr_traffic_send compute1_ns 40001 "$BURST" 0.02 &
    vr_traffic_send compute2_ns 40101 "$BURST" 0.02
    wait $!
    HOSTS_TIMEOUT=5 hosts_wait_for total_is "$expected" || {
        echo "burst: $(total) packets counted, $expected expected" >&2
        return 1
    }
    join <(echo "$before") <(counts) | awk '{ print $1, $4 - $2, $5 - $3 }'
}

# Fails unless burst result $1 has every flow whole on one router, and
# prints which: "r", "r2".
flows_whole() {
    echo "$1" | awk -v b="$BURST" '
        $2 == b && $3 == 0 { print "r"; next }
        $2 == 0 && $3 == b { print "r2"; next }
        { print "flow " $1 " split or lost: " $2 " + " $3 > "/dev/stderr";
          bad = 1 }
        END { exit bad }'
}

# Remembers where the agents' logs end now.
declare -A log_mark
mark_logs() {
    local h
    for h in a b; do
        log_mark[$h]=$(wc -l <"$HOSTS_DIR/$h/jstack-agent.log")
    done
}

# Prints what host $1's agent logged since mark_logs.
log_since_mark() {
    tail -n "+$(( ${log_mark[$1]} + 1 ))" "$HOSTS_DIR/$1/jstack-agent.log"
}

# Both routers answer: both in the groups, the flows spread over them.
vr_traffic_add_vm compute1_ns
vr_traffic_add_vm compute2_ns
for h in a b; do
    for r in r r2; do
        hosts_wait_for router_state_is "$h" "$r" up
    done
done
wait_group r r2
echo "[${SECONDS} s] both routers up"
result=$(burst)
echo "both up:"; echo "$result"
where=$(flows_whole "$result")
echo "$where" | grep -qx r
echo "$where" | grep -qx r2

# r stops reflecting: within 4 s both agents send the group without it.
# (From the last reflected probe the agent needs 3 misses, counted when
# the 2nd, 3rd and 4th probes after it go out: 4 s; the reflector stops
# between two probes, so 3 to 4 s after it stopped, plus the bundle.  The
# stop is timed when vr_reflector_stop has deleted the flows and the
# router revalidated: the reflection itself ends somewhat earlier.)
mark_logs
vr_reflector_stop r
stopped=$(date +%s%3N)
wait_group r2
for h in a b; do
    router_state_is "$h" r down
    router_state_is "$h" r2 up
    log_since_mark "$h" \
        | grep -q "WARN|virtual router 10.10.10.4 is down: 3 probes in a row"
    failover=$(( $(bundle_after "$h" "virtual router 10.10.10.4 is down") \
                 - stopped ))
    echo "host $h: group without r sent ${failover} ms after r stopped"
    [ "$failover" -le 4050 ]
done
for h in a b; do
    hx "$h" ovs-appctl revalidator/wait
done
echo "[${SECONDS} s] r down"
result=$(burst)
echo "r down:"; echo "$result"
[ "$(flows_whole "$result" | sort -u)" = r2 ]

# r reflects again: two replies in a row and it is back.
restarted=$(date +%s%3N)
vr_reflector_start r
wait_group r r2
echo "r is back $(( $(date +%s%3N) - restarted )) ms after it reflects again"
for h in a b; do
    log_since_mark "$h" | grep -q "INFO|virtual router 10.10.10.4 is up again"
done
result=$(burst)
echo "r back:"; echo "$result"
where=$(flows_whole "$result")
echo "$where" | grep -qx r
echo "$where" | grep -qx r2

# Both stop: both down, both kept (fail open), an error in the log, and
# the traffic still leaves.
mark_logs
vr_reflector_stop r
vr_reflector_stop r2
for h in a b; do
    HOSTS_TIMEOUT=8 hosts_wait_for router_state_is "$h" r down
    HOSTS_TIMEOUT=8 hosts_wait_for router_state_is "$h" r2 down
    agent_wait_synced "$h"
    agent_ctl_on "$h" vr/show \
        | grep -q '^groups failing open: (10\.10\.10\.4, 10\.10\.10\.5)$'
    errors=$(log_since_mark "$h" | grep -c 'ERR|every virtual router of the '\
'select group of subnet .* (10.10.10.4, 10.10.10.5) is down: failing open')
    test "$errors" = 1
done
wait_group r r2
echo "[${SECONDS} s] both down, failing open"
result=$(burst)
echo "both down:"; echo "$result"
flows_whole "$result" >/dev/null

# A VM forges probe replies, for both routers, naming its host: table 0
# does not punt them (they do not come from a router's tunnel port), and
# the agent's counters do not move.  (Both routers are down, so nothing
# else answers meanwhile.)
punted() {
    hx a ovs-ofctl -O OpenFlow13 dump-flows br0 "table=0,dl_type=0x88cd" \
        | sed -n 's/.*n_packets=\([0-9]*\),.*/\1/p' \
        | awk '{ n += $1 } END { print n + 0 }'
}
replies() {
    agent_ctl_on a vr/show | grep '^replies'
}
# The punt flows match the routers' tunnel ports and nothing else.
test "$(hx a ovs-ofctl -O OpenFlow13 dump-flows br0 "table=0,dl_type=0x88cd" \
        | grep -o 'in_port=[0-9]*' | sort)" = \
     "$(printf 'in_port=%s\n' "$(vr_tunnel_ofport a r)" \
            "$(vr_tunnel_ofport a r2)" | sort)"
echo "[${SECONDS} s] forged replies"
punted_before=$(punted)
replies_before=$(replies)
forged=""
for router in 10.10.10.4 10.10.10.5; do
    for seq in 1 2 3 100 1000; do
        sent=$("$tool" compose 10.10.10.2 "$router" "$seq" 0)
        forged+="${sent:12:12}${sent:0:12}${sent:24} "
    done
done
vmx compute1_ns python3 - $forged <<'PY'
import socket, sys
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind(('eth0', 0))
for _ in range(4):
    for frame in sys.argv[1:]:
        sock.send(bytes.fromhex(frame))
PY
hx a ovs-appctl revalidator/wait
sleep 0.5
test "$(punted)" = "$punted_before"
test "$(replies)" = "$replies_before"
router_state_is a r down
router_state_is a r2 down

# r2 reflects again: the groups hold it alone, no longer failing open.
mark_logs
vr_reflector_start r2
wait_group r2
for h in a b; do
    log_since_mark "$h" | grep -q \
        'WARN|virtual routers 10.10.10.4, 10.10.10.5: no longer failing open'
done
agent_ctl_on a vr/show
agent_ctl_on a status \
    | grep '^virtual routers: 2 (1 up, 1 down, 0 unknown), 0 groups failing open'
echo "[${SECONDS} s] failover, recovery, fail open and forged replies as" \
     "expected"
