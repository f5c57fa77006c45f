#!/bin/bash
# A port added to the document while traffic runs becomes reachable from
# both hosts, and the running ping does not lose a packet.  Here the agents
# fetch the document over HTTP, from a test controller in each host.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
HOSTS_HTTP=1 hosts_setup compute1_ns compute2_ns
for h in a b; do
    agent_ctl_on "$h" status | grep -q '^controller source: http://127.0.0.1:'
done

target=$(vm_ip compute2_ns)
vmx compute1_ns ping -c 2 -i 0.2 -W 2 "$target"
bg_start ping vmx compute1_ns ping -c 80 -i 0.1 -W 1 "$target" \
    >"$HOSTS_DIR/ping.log" 2>&1
sleep 1

# A new VM on host b, in the document first, then its interface.
hosts_edit_document "
subnets[0]['ports'].append(dict(subnets[0]['ports'][1],
    id='cccccccc-0000-4000-8000-000000000007', fixedip='172.16.1.7',
    mac='fa:16:3e:00:00:07', deviceId='late_vm'))
"
vm_create late_vm
hosts_wait_for sh -c "ip netns exec $(host_ns b) env \
    OVS_RUNDIR=$HOSTS_DIR/b ovs-appctl -t jstack-agent port/list \
    | grep -q 'late_vm ofport [1-9]'"
agent_wait_synced b
agent_wait_synced a
hosts_wait_for vmx compute1_ns ping -c 1 -W 1 172.16.1.7
vmx late_vm ping -c 3 -i 0.2 -W 1 "$target"
vmx late_vm ping -c 3 -i 0.2 -W 1 "$(vm_ip compute1_ns)"

bg_wait ping 20
cat "$HOSTS_DIR/ping.log"
test "$(ping_received "$HOSTS_DIR/ping.log")" = 80
echo "a port added under traffic is reachable; the running ping lost nothing"
