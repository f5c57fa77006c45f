#!/bin/bash
# The local daemons go away and come back: ovsdb-server stopped for 1 s and
# for 30 s, ovs-vswitchd stopped for 1 s and for 30 s.  While OVSDB is away
# the agent keeps answering and sends the bridge nothing; once it is back
# the agent reconnects and the bridge still holds exactly the flows it
# had.  (ovs-vswitchd accepts no new OpenFlow connection while its OVSDB
# is away, so the bridge is read only once OVSDB is back.)  When ovs-vswitchd comes back
# the flows are back soon after, however long it was away (the test allows
# 2 s; the figures are in docs/reliability.md).  Prints the recovery times.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

now_ms() {
    echo $(( $(date +%s%N) / 1000000 ))
}
sandbox_start_example
flows=$(bridge_flows)
n_flows=$(echo "$flows" | wc -l)

for away in 1 30; do
    connects=$(grep -c 'connected to the local OVSDB' "$SANDBOX/jstack-agent.log")
    mods=$(agent_counter 'flow_mods sent')
    sandbox_kill ovsdb-server
    sleep "$away"
    agent_ctl status >/dev/null
    test "$(agent_counter 'flow_mods sent')" = "$mods" || {
        echo "FAIL: the agent changed the bridge while OVSDB was away"; exit 1; }
    ovsdb-server --detach --no-chdir --pidfile --log-file \
        --remote="punix:$SANDBOX/db.sock" "$SANDBOX/conf.db"
    start=$(now_ms)
    SANDBOX_TIMEOUT=20 sandbox_wait_for sh -c "test \$(grep -c \
        'connected to the local OVSDB' '$SANDBOX/jstack-agent.log') -gt $connects"
    back=$(( $(now_ms) - start ))
    sandbox_wait_synced
    test "$(bridge_flows)" = "$flows"
    echo "ovsdb-server away ${away} s: agent reconnected $back ms after its" \
         "return, bridge untouched"
done

for away in 1 30; do
    sandbox_kill ovs-vswitchd
    sleep "$away"
    sandbox_start_vswitchd
    start=$(now_ms)
    SANDBOX_TIMEOUT=10 sandbox_wait_for sh -c "test \$(ovs-ofctl -O OpenFlow13 \
        --no-stats dump-flows br0 | grep -c .) -ge $n_flows"
    back=$(( $(now_ms) - start ))
    echo "ovs-vswitchd away ${away} s: flows back $back ms after its return"
    test "$back" -lt 2000
    sandbox_wait_synced
    # (A restarted vswitchd gives the metadata tap a new MAC: the flows
    # that use it change with it.)
    diff -u <(agent_flows) <(bridge_flows)
done
