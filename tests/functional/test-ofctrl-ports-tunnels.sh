#!/bin/bash
# A VM interface added after the agent started gets its flows; deleting it
# removes them.  A tunnel port appears with the first port on a new remote
# host and goes with the last one.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example
agent_ctl tunnel/list
test "$(agent_ctl tunnel/list | wc -l)" -eq 3

# A new local port whose interface does not exist yet.
edit_document "
subnets[0]['ports'].append(dict(subnets[0]['ports'][0],
    id='bbbbbbbb-0000-4000-8000-000000000001', fixedip='172.16.1.50',
    mac='fa:16:3e:00:00:50', deviceId='late_vm'))
"
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent port/list | grep -q 'late_vm ofport 0'"
sandbox_wait_synced
! bridge_flows | grep -q 'in_port=9[^0-9]' || exit 1

sandbox_add_vif br0 late_vm 9
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent port/list | grep -q 'late_vm ofport 9'"
sandbox_wait_synced
bridge_flows | grep -q 'in_port=9[^0-9]'
agent_ctl port/list

ovs-vsctl del-port br0 late_vm
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent port/list | grep -q 'late_vm ofport 0'"
sandbox_wait_synced
! bridge_flows | grep -q 'in_port=9[^0-9]' || exit 1

# A port on a new remote host brings a tunnel; removing it takes it away.
edit_document "
subnets[0]['ports'].append(dict(subnets[0]['ports'][1],
    id='cccccccc-0000-4000-8000-000000000001', fixedip='172.16.1.60',
    mac='fa:16:3e:00:00:60', deviceId='far_vm', host='10.10.10.9'))
"
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent tunnel/list | grep -q '^10.10.10.9 '"
sandbox_wait_synced
ovs-vsctl list-ports br0 | grep -q '^jst-0a0a0a09$'
bridge_flows | grep -q 'fa:16:3e:00:00:60'

edit_document "
subnets[0]['ports'] = [p for p in subnets[0]['ports']
                       if p['host'] != '10.10.10.9']
"
sandbox_wait_for sh -c \
    "! ovs-appctl -t jstack-agent tunnel/list | grep -q '^10.10.10.9 '"
sandbox_wait_synced
! ovs-vsctl list-ports br0 | grep -q '^jst-0a0a0a09$' || exit 1
! bridge_flows | grep -q 'fa:16:3e:00:00:60' || exit 1
echo "late interface and remote host tunnels followed"
