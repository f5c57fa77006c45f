#!/bin/bash
# The agent speaks systemd's notification protocol (sd_notify) to a test
# listener: STATUS= lines, READY=1 only once the bridge equals the desired
# state, WATCHDOG=1 at a third of WATCHDOG_USEC, RELOADING=1 and READY=1
# again when a setting changes, and STOPPING=1 on "exit".
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
. "$SRCDIR/tests/lib/notify.sh"

notify_sandbox_create
sandbox_start_ovs br0
sandbox_add_vif br0 compute1_ns 3
sandbox_add_vif br0 compute1_ns_2 4
# The document is not there yet: the agent cannot be ready.
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-encap-ip=10.10.10.2 \
    external_ids:jstack-controller="file://$SANDBOX/subnets.json" \
    external_ids:jstack-poll-interval=200
notify_start_agent

notify_wait_for "STATUS=waiting for the controller's document from file://"
sleep 1
notify_messages
! notify_has 'READY=1'

cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/subnets.json"
notify_wait_for 'READY=1'
# Ready means in sync: it came with the status that says so, after the
# agent said it was programming the bridge.
notify_messages | grep 'READY=1' \
    | grep -q 'STATUS=bridge br0 in sync with desired state #'
notify_messages | sed '/READY=1/q' | grep -q 'STATUS=programming bridge br0'
sandbox_wait_synced
test "$(notify_messages | grep -c 'READY=1')" -eq 1

# Watchdog: WATCHDOG_USEC is 3 s, so a ping about every second.
sleep 4.5
notify_check_watchdog 1.0

# A changed setting: RELOADING=1, then READY=1 once in sync again.
ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.10.10.3
notify_wait_for 'RELOADING=1'
notify_wait_for_count 'READY=1' 2
sandbox_wait_synced
notify_messages | grep -A100 'RELOADING=1' | grep -q 'READY=1'

agent_ctl exit
notify_wait_for 'STOPPING=1'
notify_messages
echo "notify: STATUS, READY after sync, WATCHDOG, RELOADING, STOPPING OK"
