#!/bin/bash
# After start the bridge equals the desired state: flows/diff is empty and
# the bridge's flows, groups and meters are exactly flows/desired.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example
agent_ctl status

test -z "$(agent_ctl flows/diff)"
diff -u <(agent_flows) <(bridge_flows)
test "$(agent_flows | wc -l)" -gt 20

diff -u <(agent_ctl flows/desired | grep '^group_id=' | LC_ALL=C sort) \
        <(ovs-ofctl -O OpenFlow13 dump-groups br0 | sed -n 's/^ //p' \
          | grep '^group_id=' | LC_ALL=C sort)
# The switch prints each meter on two lines ("meter=1 kbps bands=" and
# "type=drop rate=..."): joined, they read as the agent prints meters.
test "$(agent_ctl flows/desired | grep -c '^meter=')" -ge 1
diff -u <(agent_ctl flows/desired | grep '^meter=' | LC_ALL=C sort) \
        <(ovs-ofctl -O OpenFlow13 dump-meters br0 \
          | awk '/^meter=/ { line = $0; next }
                 line != "" { print line $0; line = "" }' | LC_ALL=C sort)
test "$(agent_counter 'bundles committed')" -ge 1
echo "bridge equals desired state"
