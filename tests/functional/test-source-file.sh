#!/bin/bash
# A file:// controller URL: the document is read through the same path;
# polls of a file that stat() shows unchanged do not read it again;
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
requests() {
    agent_ctl status | sed -n 's/^  requests: \([0-9]*\) .*/\1/p'
}
unchanged() {
    agent_ctl status | sed -n 's/^  requests: .*unchanged: \([0-9]*\),.*/\1/p'
}
r1=$(requests) u1=$(unchanged)
sleep 1.2
r2=$(requests) u2=$(unchanged)
echo "polls of an unchanged file: requests $r1 -> $r2, unchanged $u1 -> $u2"
test "$r2" -eq "$r1" && test "$u2" -ge $((u1 + 3))
cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/doc.json.new"
mv "$SANDBOX/doc.json.new" "$SANDBOX/doc.json"
sleep 0.5
agent_ctl status
test "$(requests)" -gt "$r2"
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
