#!/bin/bash
# Restarting the agent with nothing changed sends zero flow_mods and leaves
# the flow table byte-identical.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example
before=$(ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | LC_ALL=C sort)
groups_before=$(ovs-ofctl -O OpenFlow13 dump-groups br0)
pid=$(sandbox_pid jstack-agent)
agent_ctl exit
sandbox_wait_for sh -c "! kill -0 $pid"

# While the agent is away the flows stay (fail_mode secure).
test "$(ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | LC_ALL=C sort)" \
    = "$before"

sandbox_start_agent
sandbox_wait_synced
agent_ctl status
test "$(agent_counter 'flow_mods sent')" -eq 0
test "$(agent_counter 'group_mods')" -eq 0
test "$(agent_counter 'meter_mods')" -eq 0
test "$(agent_counter 'bundles committed')" -eq 0
after=$(ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | LC_ALL=C sort)
test "$before" = "$after"
test "$groups_before" = "$(ovs-ofctl -O OpenFlow13 dump-groups br0)"
echo "restart sent zero flow_mods"
