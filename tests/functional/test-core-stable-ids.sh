#!/bin/bash
# Ids are allocated once per owner: adding a rate-limited port and a subnet
# whose ids sort first changes no other object's flows, groups or meters,
# and the ids survive an agent restart.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example
sandbox_add_vif br0 first-vif 9
agent_ctl flows/desired | LC_ALL=C sort >"$SANDBOX/before.txt"
ids_before=$(ovs-vsctl get Bridge br0 external_ids)

# A new subnet "0000..." (sorts before the seed's) with a lower metadata,
# and in it a new rate-limited port "0000..." on this host.
edit_document "
import copy
new = copy.deepcopy(subnets[0])
new['id'] = '00000000-0000-0000-0000-000000000000'
new['metadata'] = 1
new['vni'] = 4000
new['network'] = '10.99.0.0/24'
new['securitygroups'] = []
new['dhcpPort'] = None
new['gatewayPorts'] = []
new['routers'] = ['10.10.10.9']
port = copy.deepcopy(subnets[0]['ports'][0])
port.update(id='00000000-0000-0000-0000-000000000001', fixedip='10.99.0.5',
            mac='fa:16:3e:99:00:05', deviceId='first-vif', rate=10, burst=1,
            securitygroupIds=[])
new['ports'] = [port]
subnets.insert(0, new)"
sandbox_wait_for sh -c "ovs-appctl -t jstack-agent flows/desired \
    | grep -q 'nw_src=10.99.0.5'"
sandbox_wait_synced
agent_ctl flows/desired | LC_ALL=C sort >"$SANDBOX/after.txt"

# Everything that was there is still there, byte for byte: no flow, group
# or meter of the seed's objects was renumbered.
removed=$(LC_ALL=C comm -23 "$SANDBOX/before.txt" "$SANDBOX/after.txt")
if [ -n "$removed" ]; then
    echo "FAIL: adding a subnet and a port changed other objects:"
    echo "$removed"
    exit 1
fi
added=$(LC_ALL=C comm -13 "$SANDBOX/before.txt" "$SANDBOX/after.txt" | wc -l)
echo "adding a subnet and a port added $added lines and changed none"
grep -q '^meter=' "$SANDBOX/after.txt"

# The ids are persisted: a restart computes the same state and sends
# nothing.
ids_after=$(ovs-vsctl get Bridge br0 external_ids)
echo "$ids_after" | grep -q 'jstack-meter-rate/00000000-0000-0000-0000-000000000001'
sandbox_kill jstack-agent
sandbox_start_agent
sandbox_wait_synced
test "$(agent_counter 'flow_mods sent')" = 0
diff -u "$SANDBOX/after.txt" <(agent_ctl flows/desired | LC_ALL=C sort)
