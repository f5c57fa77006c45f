#!/bin/bash
# Changes in OVSDB that the agent does not depend on (another bridge, an
# unrelated external_id, a port on another bridge) cost no computation: the
# desired state's number does not move and no flow_mod is sent.  A change
# it does depend on (a VM interface's ofport) still computes.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example
seqno=$(agent_desired_seqno)
mods=$(agent_counter 'flow_mods sent')

ovs-vsctl add-br br-other -- set Bridge br-other datapath_type=dummy
ovs-vsctl add-port br-other other-vif -- set Interface other-vif type=dummy
ovs-vsctl set Open_vSwitch . external_ids:unrelated=1
ovs-vsctl set Bridge br0 other_config:foo=bar
ovs-vsctl set Interface compute1_ns external_ids:note=hello
ovs-vsctl del-br br-other
sleep 1

echo "desired state #$seqno before, #$(agent_desired_seqno) after"
test "$(agent_desired_seqno)" = "$seqno" || {
    echo "FAIL: a foreign OVSDB change recomputed the pipeline"; exit 1; }
test "$(agent_counter 'flow_mods sent')" = "$mods"

# A fact the pipeline reads: the second VM moves to ofport 7.
ovs-vsctl set Interface compute1_ns_2 ofport_request=7
sandbox_wait_for sh -c "ovs-appctl -t jstack-agent port/list \
    | grep -q 'compute1_ns_2 ofport 7'"
sandbox_wait_synced
test "$(agent_desired_seqno)" -gt "$seqno"
bridge_flows | grep -q 'in_port=7' || { echo "FAIL: no flow for ofport 7"; exit 1; }
