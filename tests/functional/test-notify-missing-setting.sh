#!/bin/bash
# With a required setting missing the agent tells systemd READY=1 at once,
# so that a boot is not held up, with a STATUS= that names the setting; once
# it is set the agent reloads (RELOADING=1) and is ready again when the
# bridge is in sync.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
. "$SRCDIR/tests/lib/notify.sh"

notify_sandbox_create
sandbox_start_ovs br0
cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/subnets.json"
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-controller="file://$SANDBOX/subnets.json" \
    external_ids:jstack-poll-interval=200
notify_start_agent

notify_wait_for 'READY=1'
expected='STATUS=waiting: setting jstack-encap-ip is missing: set it with'
notify_messages | grep 'READY=1' | grep -qF "$expected \"ovs-vsctl set"

ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.10.10.2
notify_wait_for 'RELOADING=1'
notify_wait_for_count 'READY=1' 2
notify_messages | grep -A100 'RELOADING=1' | grep 'READY=1' \
    | grep -q 'STATUS=bridge br0 in sync with desired state #'
sandbox_wait_synced
notify_messages
echo "notify: READY at once while a setting is missing, then reload OK"
