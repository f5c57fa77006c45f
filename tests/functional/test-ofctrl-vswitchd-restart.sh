#!/bin/bash
# Killing and restarting ovs-vswitchd: flows, groups and meters are back
# within 2 seconds, in one bundle.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example
n_flows=$(agent_flows | wc -l)
n_groups=$(agent_ctl flows/desired | grep -c '^group_id=')
n_meters=$(agent_ctl flows/desired | grep -c '^meter=')
commits=$(agent_counter 'bundles committed')

sandbox_kill ovs-vswitchd
sandbox_start_vswitchd
start=$(date +%s%N)
SANDBOX_TIMEOUT=5 sandbox_wait_for sh -c "
    test \$(ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | grep -c .) \
         -ge $n_flows &&
    test \$(ovs-ofctl -O OpenFlow13 dump-groups br0 | grep -c group_id=) \
         -eq $n_groups &&
    test \$(ovs-ofctl -O OpenFlow13 dump-meters br0 | grep -c meter=) \
         -eq $n_meters"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "flows, groups and meters back in $elapsed_ms ms after vswitchd started"
test "$elapsed_ms" -lt 2000
sandbox_wait_synced
diff -u <(agent_flows) <(bridge_flows)
test "$(agent_counter 'bundles committed')" -eq $((commits + 1))
