#!/bin/bash
# With a required setting missing the agent names it, says how to set it,
# keeps running, and goes on once it is set.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_create
sandbox_start_ovs br0
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-controller="file://$SANDBOX/none.json"
sandbox_start_agent

expected='setting jstack-encap-ip is missing: set it with "ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.10.10.2" or start the agent with --encap-ip=10.10.10.2'
sandbox_wait_for grep -qF "$expected; waiting for it" \
    "$SANDBOX/jstack-agent.log"
ovs-appctl -t jstack-agent status | grep -qF "  $expected"
ovs-appctl -t jstack-agent status | grep -q "^settings: waiting"
# Still alive a moment later, not in a restart loop.
sleep 0.5
sandbox_pid jstack-agent >/dev/null

ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.10.10.2
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent status | grep -q '^bridge connection: connected'"
echo "missing setting reported and recovered OK"
