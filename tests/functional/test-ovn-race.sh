#!/bin/bash
# Functional test of the ovn-controller race (tests/perf/ovn-race.sh): runs
# it on tests/fixtures/secgroups.json as host A (10.20.0.1), keeps its
# sandbox, and follows packets through the pipeline ovn-controller
# installed ("ofproto/trace --ct-next"), so the conversion's security
# groups are checked to mean what the agent's do (as
# test-secgroup-trace.sh checks the agent's):
#   - web-2 -> web-1 TCP 1500: web-1's sg-web takes TCP 1000-2000 from
#     anywhere: delivered;
#   - web-2 -> web-1 TCP 2500: no rule: dropped;
#   - web-1 -> app-1 (host B) TCP 22: sg-web lets 192.168.0.0/16 out: sent
#     into the tunnel to 10.20.0.2, app-1 being bound to B's fake chassis;
#   - web-3 -> app-1: web-3 has no security group: dropped.
# Installs OVN's packages (through ovn-race.sh --install-only, which starts
# no service) when they are missing; skips only when they are missing and
# it is not root.
#
# usage: test-ovn-race.sh [BUILDDIR [SRCDIR]]  (or env BUILDDIR/SRCDIR)
# Exit: 0 pass, 1 fail, 77 skip.
set -u
SRCDIR=$(cd "${2:-${SRCDIR:-$(dirname "$0")/../..}}" && pwd)
if ! command -v ovn-northd >/dev/null || ! command -v ovn-controller \
        >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "skip: OVN is not installed and installing it needs root"
        exit 77
    fi
    bash "$SRCDIR/tests/perf/ovn-race.sh" --install-only || exit 1
fi
for tool in ovn-northd ovn-controller ovsdb-server ovs-vswitchd python3; do
    command -v "$tool" >/dev/null \
        || { echo "skip: $tool not installed"; exit 77; }
done

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

log=$(mktemp)
race_sandbox=
# Stops the daemons of the kept race sandbox by their pidfiles and removes
# it and the log.
cleanup() {
    local name pid
    if [ -n "$race_sandbox" ] && [ -d "$race_sandbox" ]; then
        for name in ovn-controller ovn-northd ovsdb-nb ovsdb-sb \
                    ovs-vswitchd ovsdb-server; do
            pid=$(cat "$race_sandbox/$name.pid" 2>/dev/null) || continue
            kill "$pid" 2>/dev/null
            for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
        done
        rm -rf "$race_sandbox"
    fi
    rm -f "$log"
}
trap cleanup EXIT

OVN_RACE_KEEP=1 OVN_RACE_STABLE_S=1 OVN_RACE_TIMEOUT_S=60 \
    bash "$SRCDIR/tests/perf/ovn-race.sh" \
    "$SRCDIR/tests/fixtures/secgroups.json" 10.20.0.1 >"$log" 2>&1
status=$?
race_sandbox=$(sed -n 's/^ovn-race: sandbox kept: //p' "$log")
if [ $status != 0 ] || [ -z "$race_sandbox" ]; then
    grep -v '|INFO|' "$log" | tail -20
    echo "FAIL: ovn-race.sh exited $status"
    exit 1
fi
last=$(grep '^ovn: ' "$log" | tail -n 1)
echo "$last"
format='^ovn: converge_ms=[0-9]+ northd_ms=[0-9]+ cpu_s=[0-9.]+'
format+=' flows=[0-9]+ rss_kb=[0-9]+$'
echo "$last" | grep -Eq "$format" \
    || fail "result line: $last"
flows=$(echo "$last" | sed 's/.*flows=\([0-9]*\).*/\1/')
[ "${flows:-0}" -gt 100 ] || fail "only ${flows:-no} flows on br-int"
grep -Eq 'skipped_rules=1( |$)' "$log" \
    || fail "the IPv6 rule of sg-web was not the only one skipped"
if grep -qi 'error\|parse' "$race_sandbox/ovn-northd.log"; then
    fail "ovn-northd complained:"
    grep -i 'error\|parse' "$race_sandbox/ovn-northd.log" | head -5
fi

export OVS_RUNDIR=$race_sandbox
tunnel=$(ovs-vsctl --bare --columns=ofport find Interface type=geneve \
         options:remote_ip=10.20.0.2)
[ -n "$tunnel" ] || fail "no geneve port to host B (10.20.0.2)"

# Traces a TCP packet from local port $1 (MAC $2, IP $3) to MAC $4, IP $5,
# port $6 through br-int, every conntrack lookup answering "new"; prints
# the whole trace.
trace_tcp() {
    ovs-appctl ofproto/trace br-int "in_port=$1,tcp,dl_src=$2,dl_dst=$4,\
nw_src=$3,nw_dst=$5,tp_src=40000,tp_dst=$6,nw_ttl=64" \
        --ct-next trk,new --ct-next trk,new --ct-next trk,new 2>&1
}

# Succeeds if trace $1's last datapath actions drop the packet.
dropped() {
    echo "$1" | grep '^Datapath actions:' | tail -n 1 \
        | grep -q '^Datapath actions: drop$'
}

web1="fa:16:3e:00:10:0b 192.168.10.11"
web2="fa:16:3e:00:10:0c 192.168.10.12"
web3="fa:16:3e:00:10:0d 192.168.10.13"
app1="fa:16:3e:00:10:14 192.168.10.20"

# shellcheck disable=SC2086 # The pairs split into MAC and IP on purpose.
t=$(trace_tcp tap-web-2 $web2 $web1 1500)
dropped "$t" && fail "web-2 -> web-1 TCP 1500 (sg-web 1000-2000) dropped"
# shellcheck disable=SC2086
t=$(trace_tcp tap-web-2 $web2 $web1 2500)
dropped "$t" || fail "web-2 -> web-1 TCP 2500 (no rule) not dropped"
# shellcheck disable=SC2086
t=$(trace_tcp tap-web-1 $web1 $app1 22)
echo "$t" | grep -q "^ *output:$tunnel\$" \
    || fail "web-1 -> app-1 TCP 22 (egress 192.168.0.0/16) not sent to B"
# shellcheck disable=SC2086
t=$(trace_tcp tap-web-3 $web3 $app1 22)
if ! dropped "$t" || echo "$t" | grep -q "^ *output:$tunnel\$"; then
    fail "web-3 (no security group) -> app-1 not dropped"
fi

if [ $failures -gt 0 ]; then
    echo "$failures checks failed"
    exit 1
fi
echo "ok"
