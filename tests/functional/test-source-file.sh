#!/bin/bash
# A file:// controller URL: the document is read through the same path;
# rewriting it with the same bytes counts as unchanged and costs no new
# model; a change is picked up; a missing file is an error that keeps the
# model.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_create
sandbox_start_ovs br0
cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/doc.json"
sandbox_start_agent --controller="file://$SANDBOX/doc.json" \
    --encap-ip=10.10.10.2 --poll-interval=200
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent model/show | grep -q ' mtu 1500 '"
sandbox_wait_for status_has "^  requests: .*304 or unchanged: [3-9]"
cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/doc.json.new"
mv "$SANDBOX/doc.json.new" "$SANDBOX/doc.json"
sleep 0.5
agent_ctl status
status_has "^  requests: [0-9]* (200: 1, .*errors: 0, rejected: 0)$"
status_has "^  model: 1 subnets (seqno 1)$"

sed 's/"mtu": 1500/"mtu": 1400/' "$SRCDIR/tests/fixtures/seed-000.json" \
    >"$SANDBOX/doc.json.new"
mv "$SANDBOX/doc.json.new" "$SANDBOX/doc.json"
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent model/show | grep -q ' mtu 1400 '"
status_has "^  model: 1 subnets (seqno 2)$"

rm "$SANDBOX/doc.json"
sandbox_wait_for status_has "^  last error: Couldn't open file "
agent_ctl status
agent_ctl model/show | grep -q ' mtu 1400 '
echo "file:// source OK"
