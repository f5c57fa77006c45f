#!/bin/bash
# Reconciliation benchmark (not a test): how fast the agent puts a bridge
# back after ovs-vswitchd went away, for a cloud of N ports written by
# tests/perf/topology.py (security groups included).  Cold install,
# restart and one-port changes are measured by tests/perf/bench-perf.sh.
#
# usage: bench/bench-reconcile.sh BUILDDIR [N_PORTS...]   (default 10000 50000)
#
# For each size, after the agent's first sync: ovs-vswitchd killed and
# started again after 1 s and after 10 s away, the time from its start to
# the agent reconnected and the bridge in sync again (every flow, group
# and meter back).
set -eu
BUILDDIR=$(cd "$1" && pwd)
shift
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
sizes=("${@:-10000 50000}")
# shellcheck source=../tests/lib/sandbox.sh
. "$SRCDIR/tests/lib/sandbox.sh"
SANDBOX_TIMEOUT=300

now_ms() {
    echo $(( $(date +%s%N) / 1000000 ))
}

for n in ${sizes[*]}; do
    sandbox_create
    sandbox_start_ovs br0
    local_ip=$(python3 "$SRCDIR/tests/perf/topology.py" --ports "$n" \
        --output "$SANDBOX/subnets.json" --interfaces "$SANDBOX/interfaces")
    # The local VM interfaces, in one transaction.
    args=()
    while read -r device; do
        args+=(-- add-port br0 "$device" -- set Interface "$device" type=dummy)
    done <"$SANDBOX/interfaces"
    ovs-vsctl "${args[@]}"
    ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip="$local_ip" \
        external_ids:jstack-controller="file://$SANDBOX/subnets.json" \
        external_ids:jstack-poll-interval=100
    sandbox_start_agent
    sandbox_wait_synced
    flows=$(agent_ctl status | sed -n 's/^installed: \([0-9]*\) flows.*/\1/p')

    # The switch away for 1 s and for 10 s.
    switch_back=
    for away in 1 10; do
        connects=$(agent_counter 'bridge connects')
        sandbox_kill ovs-vswitchd
        sleep "$away"
        sandbox_start_vswitchd
        start=$(now_ms)
        sandbox_wait_for sh -c "test \"\$(ovs-appctl -t jstack-agent status \
            | sed -n 's/.*bridge connects: \([0-9]*\).*/\1/p')\" \
            -gt $connects && ovs-appctl -t jstack-agent status \
            | grep -q '^bridge in sync: yes'"
        switch_back="$switch_back switch_back_after_${away}s_ms=$(( $(now_ms) - start ))"
    done

    echo "ports=$n local_ports=$(wc -l <"$SANDBOX/interfaces") flows=$flows" \
         "$switch_back"
    sandbox_stop
    trap - EXIT
done
