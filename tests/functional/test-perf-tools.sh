#!/bin/bash
# The benchmark's tools (tests/perf): topology.py writes the same document
# for the same seed, a port's life whose steps differ in one port each,
# and documents the pipeline takes without warnings; raw-install puts
# exactly the agent's flows, groups and meters on an empty bridge, in both
# modes.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

make -C "$BUILDDIR" tests/perf/raw-install bench/bench-pipeline >/dev/null
sandbox_create
topology() {
    python3 "$SRCDIR/tests/perf/topology.py" --ports 500 --hosts 10 "$@"
}

# Deterministic, and another seed gives another cloud.
local_ip=$(topology --output "$SANDBOX/a.json" \
    --interfaces "$SANDBOX/interfaces" --port-life 3 | head -n 1)
topology --output "$SANDBOX/b.json" >/dev/null
cmp "$SANDBOX/a.json" "$SANDBOX/b.json"
topology --output "$SANDBOX/c.json" --seed 5 >/dev/null
if cmp -s "$SANDBOX/a.json" "$SANDBOX/c.json"; then
    echo "FAIL: seeds 17 and 5 gave the same document"
    exit 1
fi
test "$local_ip" = 10.20.0.1
test "$(wc -l <"$SANDBOX/interfaces")" = 50

# Each step of the port's life differs from the one before in one port of
# subnet 3, and the port is this host's.
python3 - "$SANDBOX/a" "$local_ip" <<'PY'
import json, sys
base, local_ip = sys.argv[1], sys.argv[2]
def ports(name):
    doc = json.load(open(f"{base}{name}.json"))
    return {(i, p["id"]): p for i, s in enumerate(doc["Result"]["subnets"])
            for p in s["ports"]}
steps = [ports(x) for x in ("", "-added", "-changed", "-removed")]
for before, after in zip(steps, steps[1:]):
    differing = [k for k in before.keys() | after.keys()
                 if before.get(k) != after.get(k)]
    assert differing == [(3, "port-new-3")], differing
assert steps[1][(3, "port-new-3")]["host"] == local_ip
assert steps[1][(3, "port-new-3")] != steps[2][(3, "port-new-3")]
PY

# Every step computes without warnings.
for step in "" -added -changed -removed; do
    "$BUILDDIR/bench/bench-pipeline" "$SANDBOX/a$step.json" "$local_ip" \
        | grep -q ' warnings=0 '
done

# The agent's flows, installed by raw-install into a second bridge.
sandbox_start_ovs br0
args=()
while read -r device; do
    args+=(-- add-port br0 "$device" -- set Interface "$device" type=dummy)
done <"$SANDBOX/interfaces"
ovs-vsctl "${args[@]}"
cp "$SANDBOX/a.json" "$SANDBOX/subnets.json"
ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip="$local_ip" \
    external_ids:jstack-controller="file://$SANDBOX/subnets.json"
sandbox_start_agent
SANDBOX_TIMEOUT=60 sandbox_wait_synced
agent_ctl flows/desired >"$SANDBOX/desired"
n_flows=$(agent_flows | wc -l)
n_groups=$(grep -c '^group_id=' "$SANDBOX/desired")
n_meters=$(grep -c '^meter=' "$SANDBOX/desired")
test "$n_groups" -gt 0
test "$n_meters" -gt 0

ovs-vsctl add-br br1 -- set Bridge br1 datapath_type=dummy \
    fail_mode=secure protocols=OpenFlow13
# A flow of its own that raw-install must delete first.
ovs-ofctl -O OpenFlow13 add-flow br1 "table=7,priority=3,actions=drop"
for mode in bundle pipelined; do
    "$BUILDDIR/tests/perf/raw-install" --$mode "unix:$SANDBOX/br1.mgmt" \
        "$SANDBOX/desired" >"$SANDBOX/out"
    cat "$SANDBOX/out"
    grep -q "^raw-install: $n_flows flows in [0-9.]* ms ($mode)\$" \
        "$SANDBOX/out"
    grep -q "^raw-install: $n_groups groups, $n_meters meters in" \
        "$SANDBOX/out"
    diff <(agent_flows) <(bridge_flows br1)
    test "$(ovs-ofctl -O OpenFlow13 dump-groups br1 | grep -c group_id=)" \
        = "$n_groups"
    test "$(ovs-ofctl -O OpenFlow13 dump-meters br1 | grep -c meter=)" \
        = "$n_meters"
done

# A line that does not parse, and a flow the switch rejects (its group
# does not exist), make it fail.
echo "table=300,actions=drop" >"$SANDBOX/bad"
if "$BUILDDIR/tests/perf/raw-install" --pipelined "unix:$SANDBOX/br1.mgmt" \
    "$SANDBOX/bad" 2>/dev/null; then
    echo "FAIL: a line that does not parse was accepted"
    exit 1
fi
for mode in bundle pipelined; do
    echo "table=1,priority=1,actions=group:999" >"$SANDBOX/bad"
    if "$BUILDDIR/tests/perf/raw-install" --$mode "unix:$SANDBOX/br1.mgmt" \
        "$SANDBOX/bad"; then
        echo "FAIL: --$mode: the switch's error went unnoticed"
        exit 1
    fi
done
