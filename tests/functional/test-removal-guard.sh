#!/bin/bash
# The guard against wiping a host: a document with no subnets (a
# controller glitch) is held, logged as an error and shown in status, and
# the bridge keeps its flows; the operator's source/accept applies it.
# With a short confirmation time, a held document that stays the same is
# applied by itself, and one that comes back whole is never applied.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example --removal-confirm=3
n_flows=$(bridge_flows | wc -l)
cp "$SANDBOX/subnets.json" "$SANDBOX/good.json"

# 1. A glitch: an empty document for a moment, then the good one again.
edit_document "subnets.clear()"
sandbox_wait_for status_has '^removal guard: HOLDING .* remove 2 of 2 local ports'
log_has 'ERR|holding the controller.s new document: it would remove 2'
sleep 1
test "$(bridge_flows | wc -l)" -eq "$n_flows"
cp "$SANDBOX/good.json" "$SANDBOX/subnets.json.tmp"
mv "$SANDBOX/subnets.json.tmp" "$SANDBOX/subnets.json"
sandbox_wait_for status_has '^removal guard: no document held'
sleep 3.5
test "$(bridge_flows | wc -l)" -eq "$n_flows" || {
    echo "FAIL: the glitch reached the bridge"; exit 1; }

# 2. A real deletion, accepted by the operator.
edit_document "subnets.clear()"
sandbox_wait_for status_has '^removal guard: HOLDING'
agent_ctl source/accept
sandbox_wait_for status_has '^removal guard: no document held'
sandbox_wait_synced
test "$(bridge_flows | wc -l)" -lt "$n_flows"
! bridge_flows | grep -q 'in_port=3' || exit 1
if agent_ctl source/accept 2>/dev/null; then
    echo "FAIL: source/accept with nothing held succeeded"; exit 1
fi

# 3. Back to the good document (adding ports is never held), then a
# deletion that stays: applied after the confirmation time by itself.
cp "$SANDBOX/good.json" "$SANDBOX/subnets.json.tmp"
mv "$SANDBOX/subnets.json.tmp" "$SANDBOX/subnets.json"
sandbox_wait_for sh -c "ovs-ofctl -O OpenFlow13 dump-flows br0 | grep -q in_port=3"
sandbox_wait_synced
edit_document "subnets[0]['ports'] = [p for p in subnets[0]['ports'] if p['host'] != '10.10.10.2']"
sandbox_wait_for status_has '^removal guard: HOLDING'
SANDBOX_TIMEOUT=8 sandbox_wait_for status_has '^removal guard: no document held'
log_has 'applying the held controller document: unchanged for'
sandbox_wait_synced
! bridge_flows | grep -q 'in_port=3' || exit 1
echo "removal guard held the glitch, applied the accepted and the confirmed"
