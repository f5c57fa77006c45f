#!/bin/bash
# Provider networks on a sandbox bridge (fixtures/provider.json as host
# 10.0.0.1: a flat, a VLAN and an overlay subnet): the agent creates the
# patch port pair to the operator's provider bridge, marks it, reports it
# in "status" and "model/show", and the flows take a tagged frame from the
# physical side to the VM and push the tag on the way out.  A mapping to a
# missing bridge or no mapping removes the patch ports and the provider
# subnets' flows, names the subnets, leaves the overlay subnet's flows and
# the operator's bridge and NIC alone; an invalid mapping is refused.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_create
sandbox_start_ovs br0
sandbox_add_vif br0 flat_1 3
sandbox_add_vif br0 vlan_1 4
sandbox_add_vif br0 overlay_1 5
# The operator's provider bridge and its NIC.
ovs-vsctl add-br br-prov -- set Bridge br-prov datapath_type=dummy \
    -- add-port br-prov nic0 -- set Interface nic0 type=dummy
cp "$SRCDIR/tests/fixtures/provider.json" "$SANDBOX/subnets.json"
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-encap-ip=10.0.0.1 \
    external_ids:jstack-controller="file://$SANDBOX/subnets.json" \
    external_ids:jstack-poll-interval=200 \
    external_ids:jstack-bridge-mappings=physnet1:br-prov
sandbox_start_agent
sandbox_wait_for sh -c "ovs-appctl -t jstack-agent status \
    | grep -q 'type vlan 100 physnet physnet1 patch jst-br0-to-br-prov ofport'"
sandbox_wait_synced
agent_ctl status

# The pair, marked as the agent's; the operator's NIC untouched.
test "$(ovs-vsctl get Interface jst-br0-to-br-prov type)" = patch
test "$(ovs-vsctl get Interface jst-br0-to-br-prov options:peer)" \
    = jst-br-prov-to-br0
test "$(ovs-vsctl get Interface jst-br-prov-to-br0 options:peer)" \
    = jst-br0-to-br-prov
test "$(ovs-vsctl get Port jst-br-prov-to-br0 external_ids:jstack-patch)" \
    = physnet1
test "$(ovs-vsctl list-ports br-prov | LC_ALL=C sort | tr '\n' ' ')" \
    = "jst-br-prov-to-br0 nic0 "
patch=$(ovs-vsctl get Interface jst-br0-to-br-prov ofport)
agent_ctl model/show | grep -q "^subnet a1a00000-0000-4000-8000-000000000100 \
.* type vlan 100 physnet physnet1 patch jst-br0-to-br-prov ofport $patch$"
agent_ctl model/show | grep -q "^subnet 0e000000-.* type vxlan$"
# No tunnel for the provider subnets' remote hosts .2 and .3.
test "$(agent_ctl tunnel/list | cut -d' ' -f1 | LC_ALL=C sort | tr '\n' ' ')" \
    = "10.0.0.100 10.0.0.4 "

# VLAN 100 from the physical side reaches vlan_1 untagged; flat_1 sends to
# an unknown MAC: out of the patch port, through br-prov to the NIC; vlan_1
# the same with the tag pushed.
trace=$(ovs-appctl ofproto/trace br0 "in_port=$patch,dl_vlan=100,\
dl_src=fa:16:3e:00:00:99,dl_dst=fa:16:3e:64:00:04,dl_type=0x0806")
echo "$trace" | grep -q 'pop_vlan'
echo "$trace" | grep -q 'output port is 4$'
trace=$(ovs-appctl ofproto/trace br0 "in_port=3,dl_src=fa:16:3e:50:00:04,\
dl_dst=fa:16:3e:00:00:99,dl_type=0x0800,nw_src=192.168.50.4,\
nw_dst=192.168.50.99,nw_proto=1")
echo "$trace" | grep -q "output:$patch"
echo "$trace" | grep -q 'bridge("br-prov")'
trace=$(ovs-appctl ofproto/trace br0 "in_port=4,dl_src=fa:16:3e:64:00:04,\
dl_dst=fa:16:3e:00:00:99,dl_type=0x0806,arp_spa=192.168.100.4,\
arp_sha=fa:16:3e:64:00:04,arp_tpa=192.168.100.99,arp_op=1")
echo "$trace" | grep -q 'set_field:4196->vlan_vid'
echo "$trace" | grep -q "output:$patch"
# A frame from the physical side for a MAC that is not local goes nowhere.
trace=$(ovs-appctl ofproto/trace br0 "in_port=$patch,dl_vlan=100,\
dl_src=fa:16:3e:00:00:99,dl_dst=fa:16:3e:00:00:98")
echo "$trace" | grep -q 'Datapath actions: drop$'

overlay_flows=$(bridge_flows | grep 0x401)

# A mapping to a bridge that does not exist: no patch port, no provider
# flows, the subnets named; the overlay subnet keeps its flows.
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-bridge-mappings=physnet1:br-missing
sandbox_wait_for sh -c "ovs-appctl -t jstack-agent status \
    | grep -q 'type flat physnet physnet1 patch none (provider bridge \
br-missing does not exist: no flows)'"
sandbox_wait_synced
! ovs-vsctl list-ports br0 | grep -q '^jst-br0-to' || exit 1
test "$(ovs-vsctl list-ports br-prov)" = nic0
! bridge_flows | grep -q '0x501\|0x601' || exit 1
test "$(bridge_flows | grep 0x401)" = "$overlay_flows"
flat=f1a70000-0000-4000-8000-000000000001
sandbox_wait_for grep -q \
    "subnet $flat (flat on physical network physnet1): no patch port" \
    "$SANDBOX/jstack-agent.log"

# Back, then no mapping at all.
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-bridge-mappings=physnet1:br-prov
sandbox_wait_for sh -c "ovs-vsctl list-ports br0 | grep -q jst-br0-to-br-prov"
sandbox_wait_synced
bridge_flows | grep -q 'dl_vlan=100'
ovs-vsctl remove Open_vSwitch . external_ids jstack-bridge-mappings
sandbox_wait_for sh -c "ovs-appctl -t jstack-agent status \
    | grep -q 'patch none (physical network physnet1 is not in \
jstack-bridge-mappings: no flows)'"
sandbox_wait_synced
! ovs-vsctl list-ports br0 | grep -q '^jst-br0-to' || exit 1
test "$(ovs-vsctl list-ports br-prov)" = nic0
! bridge_flows | grep -q '0x501\|0x601' || exit 1
test "$(bridge_flows | grep 0x401)" = "$overlay_flows"

# The integration bridge as a provider bridge is refused by name, and
# changes nothing.
before=$(bridge_flows)
ovs-vsctl set Open_vSwitch . external_ids:jstack-bridge-mappings=physnet1:br0
sandbox_wait_for sh -c "ovs-appctl -t jstack-agent status \
    | grep -q 'br0 is the integration bridge'"
test "$(bridge_flows)" = "$before"
! ovs-vsctl list-ports br0 | grep -q '^jst-br0-to' || exit 1
echo "patch ports follow the mappings; provider subnets follow the patch ports"
