#!/bin/bash
# A flow added by hand in an owned table is removed by "sync"; a flow in a
# table the agent does not own survives.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example
ovs-ofctl -O OpenFlow13 add-flow br0 \
    "table=20,priority=7,udp,tp_dst=9999,actions=drop"
ovs-ofctl -O OpenFlow13 add-flow br0 \
    "table=100,priority=7,udp,tp_dst=9999,actions=drop"
agent_ctl sync
sandbox_wait_synced
flows=$(ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0)
! echo "$flows" | grep -q "table=20, priority=7," || exit 1
echo "$flows" | grep -q "table=100, priority=7,udp,tp_dst=9999 actions=drop"
echo "owned table repaired, foreign table left alone"
