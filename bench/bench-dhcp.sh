#!/bin/bash
# DHCP benchmark (not a test): the agent's DHCP server against a sandbox
# ovs-vswitchd (dummy datapath) with N local VM ports.
#
# usage: bench/bench-dhcp.sh BUILDDIR [N_PORTS [ROUNDS]]  (default 1000 5)
#
# The document has N ports on this host, 250 per subnet, each subnet with a
# DHCP port and a gateway.  Every VM port is a dummy interface whose
# tx_pcap records what leaves it.  bench/dhcp-storm injects client frames
# as packet-outs entering the pipeline on the VM's ofport (so they go
# through port security, the DHCP meter and the punt like frames the VM
# sent).  It reports:
#   - a DISCOVER storm (ROUNDS DISCOVERs from every port, all at once),
#     then a REQUEST storm alike: answers per second (first frame sent to
#     last answer out), latency of each answer (frame sent to answer out of
#     its port: median, p99, max) and the agent's CPU time;
#   - a flood: one VM sends 20000 DISCOVERs as fast as the switch takes
#     them while another VM asks once: how many the flooding VM got
#     answered (its meter allows jstack-dhcp-rate, 20/s, burst 20) and how
#     long the other VM waited.
set -eu
BUILDDIR=$(cd "$1" && pwd)
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
n=${2:-1000}
rounds=${3:-5}
flood=20000
# shellcheck source=../tests/lib/sandbox.sh
. "$SRCDIR/tests/lib/sandbox.sh"
SANDBOX_TIMEOUT=300
storm=$BUILDDIR/bench/dhcp-storm
# One pcap file per VM port.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

sandbox_create
sandbox_start_ovs br0
mkdir -p "$SANDBOX/pcap"

# The document, and the ports file of dhcp-storm ("OFPORT MAC IP SERVER").
python3 - "$n" "$SANDBOX/subnets.json" "$SANDBOX/ports.txt" <<'PY'
import json, sys
n, doc_path, ports_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
per_subnet = 250
subnets, lines = [], []
for s in range((n + per_subnet - 1) // per_subnet):
    net = f"10.{100 + s // 250}.{s % 250}."
    ports = []
    for j in range(min(per_subnet, n - s * per_subnet)):
        i = s * per_subnet + j
        mac = "fa:16:3e:%02x:%02x:%02x" % (i >> 16 & 255, i >> 8 & 255,
                                          i & 255)
        ports.append({"id": f"port-{i}", "version": 1,
                      "fixedip": f"{net}{3 + j}", "deviceId": f"vm{i}",
                      "mac": mac, "host": "10.20.0.1", "type": 0,
                      "rate": 0, "burst": 0, "securitygroupIds": []})
        lines.append(f"{10 + i} {mac} {net}{3 + j} {net}2")
    subnets.append({
        "id": f"subnet-{s}", "version": 1, "vpcId": "vpc", "tenantId": "t",
        "metadata": 0x1000 + s, "vni": 0x1000 + s, "mtu": 1450,
        "network": f"{net}0/24", "dns": ["10.0.0.53"], "routers": [],
        "ports": ports,
        "dhcpPort": {"id": f"dhcp-{s}", "version": 1, "fixedip": f"{net}2",
                     "deviceId": "", "mac": "fa:16:3f:%02x:%02x:02"
                     % (s >> 8 & 255, s & 255), "host": "", "type": 2},
        "gatewayPorts": [{"id": f"gw-{s}", "version": 1,
                          "fixedip": f"{net}1", "deviceId": "",
                          "mac": "fa:16:3f:%02x:%02x:01"
                          % (s >> 8 & 255, s & 255), "host": "", "type": 1}],
        "securitygroups": []})
json.dump({"code": 0, "message": "", "Result": {"subnets": subnets}},
          open(doc_path, "w"))
open(ports_path, "w").write("\n".join(lines) + "\n")
PY

# The VM ports, 200 per ovs-vsctl call.
args=()
for ((i = 0; i < n; i++)); do
    args+=(-- add-port br0 "vm$i" -- set Interface "vm$i" type=dummy
           ofport_request=$((10 + i)) options:tx_pcap="$SANDBOX/pcap/vm$i.pcap")
    if [ $(( (i + 1) % 200 )) = 0 ] || [ $((i + 1)) = "$n" ]; then
        ovs-vsctl "${args[@]}"
        args=()
    fi
done
ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.20.0.1 \
    external_ids:jstack-controller="file://$SANDBOX/subnets.json" \
    external_ids:jstack-poll-interval=1000
sandbox_start_agent -vdhcp_handler:file:warn
sandbox_wait_synced
agent_pid=$(sandbox_pid jstack-agent)
vswitchd_pid=$(sandbox_pid ovs-vswitchd)
target=unix:$SANDBOX/br0.mgmt

# Prints the CPU time of process $1 so far, in clock ticks.
proc_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# Prints the number of answers the agent sent so far.
answers() {
    agent_ctl status | grep '^DHCP: ' \
        | sed 's/.*answered OFFER \([0-9]*\), ACK \([0-9]*\), NAK \([0-9]*\).*/\1 \2 \3/' \
        | awk '{ print $1 + $2 + $3 }'
}

# Succeeds once the agent has sent $1 answers.
answers_reach() {
    [ "$(answers)" -ge "$1" ]
}

# Prints the answers that left the VM ports ("FILE TIME_US TYPE xid=N ...").
collect_answers() {
    find "$SANDBOX/pcap" -name '*.pcap' -print0 \
        | xargs -0 python3 "$SRCDIR/tests/lib/dhcp-pcap.py"
}

# Prints the figures of storm $1 from the send times in file $2 and the
# answers in file $3, with agent CPU ticks $4 over wall time $5 (ms) and
# ovs-vswitchd CPU ticks $6; with $4 "-", only the latency.
report() {
    python3 - "$@" "$(getconf CLK_TCK)" <<'PY'
import sys
name, sent_path, answers_path, ticks, wall_ms, vs_ticks, hz = sys.argv[1:]
sent = {}
for line in open(sent_path):
    xid, us = line.split()
    sent[int(xid)] = int(us)
lat, last = [], 0
for line in open(answers_path):
    words = line.split()
    xid = int(words[3][4:])
    if xid in sent:
        lat.append(int(words[1]) - sent[xid])
        last = max(last, int(words[1]))
lat.sort()
first = min(sent.values())
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] / 1000
if ticks == '-':
    print(f"{name}: {len(lat)} of {len(sent)} answered, latency "
          f"{lat[-1] / 1000:.1f} ms" if lat else f"{name}: no answer")
    sys.exit(0)
cpu = int(ticks) / int(hz)
vs_cpu = int(vs_ticks) / int(hz)
print(f"{name}: {len(sent)} sent, {len(lat)} answered in "
      f"{(last - first) / 1e6:.2f} s = {len(lat) / ((last - first) / 1e6):.0f}"
      f" answers/s; latency median {q(.5):.1f} ms, p99 {q(.99):.1f} ms, "
      f"max {lat[-1] / 1000:.1f} ms; CPU over {int(wall_ms) / 1000:.1f} s: "
      f"agent {cpu:.2f} s ({1e6 * cpu / max(len(lat), 1):.0f} us per "
      f"answer), ovs-vswitchd {vs_cpu:.2f} s")
PY
}

# Runs storm $1 (discover or request) with xids from $2 and reports it.
run_storm() {
    local type=$1 base=$2 before ticks0 vs_ticks0 start expected
    before=$(answers)
    expected=$((before + n * rounds))
    ticks0=$(proc_ticks "$agent_pid")
    vs_ticks0=$(proc_ticks "$vswitchd_pid")
    start=$(date +%s%3N)
    "$storm" "$target" "$SANDBOX/ports.txt" "$type" "$rounds" "$base" \
        >"$SANDBOX/sent-$type.txt"
    sandbox_wait_for answers_reach "$expected" || true
    local wall ticks vs_ticks
    wall=$(( $(date +%s%3N) - start ))
    ticks=$(( $(proc_ticks "$agent_pid") - ticks0 ))
    vs_ticks=$(( $(proc_ticks "$vswitchd_pid") - vs_ticks0 ))
    collect_answers >"$SANDBOX/answers.txt"
    report "$type storm, $n ports x $rounds" "$SANDBOX/sent-$type.txt" \
        "$SANDBOX/answers.txt" "$ticks" "$wall" "$vs_ticks"
}

echo "== DHCP benchmark: $n VM ports, jstack-dhcp-rate 20/s"
run_storm discover 1000000
run_storm request 2000000

# The flood: the first port floods, the second asks once 0.5 s later.
head -n 1 "$SANDBOX/ports.txt" >"$SANDBOX/flooder.txt"
sed -n 2p "$SANDBOX/ports.txt" >"$SANDBOX/victim.txt"
sleep 2                         # Both meters' buckets refill.
start=$(date +%s%3N)
"$storm" "$target" "$SANDBOX/flooder.txt" discover "$flood" 3000000 \
    >"$SANDBOX/sent-flood.txt" &
flood_pid=$!
sleep 0.5
"$storm" "$target" "$SANDBOX/victim.txt" discover 1 4000000 \
    >"$SANDBOX/sent-victim.txt"
wait "$flood_pid"
flood_ms=$(( $(date +%s%3N) - start ))
sleep 0.5
collect_answers >"$SANDBOX/answers.txt"
flooded=$(grep -c '/vm0.pcap .* xid=3[0-9]\{6\} ' "$SANDBOX/answers.txt" \
          || true)
report "flood victim (vm1, one DISCOVER)" "$SANDBOX/sent-victim.txt" \
    "$SANDBOX/answers.txt" - - -
echo "flood: vm0 sent $flood DISCOVERs in $flood_ms ms, $flooded answered" \
     "(its meter: 20/s, burst 20)"
echo "vm0's DHCP meter:"
ovs-ofctl -O OpenFlow13 meter-stats br0 meter=1 | grep -E 'meter:|0:'
agent_ctl status | grep '^DHCP: '
