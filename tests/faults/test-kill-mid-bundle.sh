#!/bin/bash
# kill -9 of the agent in the middle of a large bundle (a 25,000-port
# document from tests/perf/topology.py, security groups included: about
# 101,000 flows for this host), then a new start: the bridge
# shows either everything before the bundle or everything after it, never
# a part (OpenFlow bundles are atomic); the new agent reads the bridge,
# sends only what is missing, and ends with flows/diff empty.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_create
sandbox_start_ovs br0
local_ip=$(python3 "$SRCDIR/tests/perf/topology.py" --ports 25000 \
    --output "$SANDBOX/subnets.json" --interfaces "$SANDBOX/interfaces")
args=()
while read -r device; do
    args+=(-- add-port br0 "$device" -- set Interface "$device" type=dummy)
done <"$SANDBOX/interfaces"
ovs-vsctl "${args[@]}"
ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip="$local_ip" \
    external_ids:jstack-controller="file://$SANDBOX/subnets.json"

count_flows() {
    ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | grep -c 'cookie=' \
        || true
}

# Kill the agent as soon as it starts sending its big bundle: every time
# the log says so, in a loop over the log, so the kill lands while the
# bundle is in flight.
sandbox_start_agent
pid=$(sandbox_pid jstack-agent)
SANDBOX_TIMEOUT=60 sandbox_wait_for sh -c \
    "grep -q 'flow additions.*in one bundle' '$SANDBOX/jstack-agent.log'"
kill -9 "$pid"
n=$(count_flows)
sleep 1
n_later=$(count_flows)
echo "killed in the middle of the bundle: the bridge holds $n flows, and" \
     "$n_later a second later"
test "$n" = "$n_later"

# The full state, from a second agent that finishes the job.
sandbox_start_agent
SANDBOX_TIMEOUT=240 sandbox_wait_synced
full=$(count_flows)
mods=$(agent_counter 'flow_mods sent')
echo "after the restart: $full flows, the new agent sent $mods flow_mods"
test -z "$(agent_ctl flows/diff)"
# Atomic: what the killed agent left was nothing of the bundle, or all.
baseline=0
if [ "$n" != "$baseline" ] && [ "$n" != "$full" ]; then
    echo "FAIL: $n flows is neither the state before the bundle nor after"
    exit 1
fi
if [ "$n" = "$full" ]; then
    test "$mods" = 0
else
    test "$mods" -ge "$full"
fi
