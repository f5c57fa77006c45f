#!/bin/bash
# The agent times every changed document itself: "status" shows, for the
# last change, the time from the moment the source had the document's bytes
# to the barrier reply that acknowledged its update on the bridge, with the
# parse and compute times, when the commit was sent and its flow_mods.  A
# port added shows there with flow_mods; the same bytes written again
# change nothing.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

# Prints the status's "last change:" line.
last_change() {
    agent_ctl status | sed -n 's/^last change: //p'
}

# Checks that "last change" line $1 is a complete, plausible record:
# flow_mods above 0, every time positive, parse + compute <= sent <=
# barrier (the order they happen in), and barrier within 10 s.
check_change() {
    python3 - "$1" <<'PY'
import re, sys
line = sys.argv[1]
m = re.fullmatch(r'received to barrier (\d+\.\d{3}) ms \(parse (\d+\.\d{3}) '
                 r'ms, compute (\d+\.\d{3}) ms, sent at (\d+\.\d{3}) ms\), '
                 r'(\d+) flow_mods', line)
assert m, 'malformed: %r' % line
b, p, c, s = (float(x) for x in m.groups()[:4])
n = int(m.group(5))
assert n > 0, 'no flow_mods: %r' % line
assert p > 0 and c > 0, 'parse or compute not timed: %r' % line
assert p + c <= s + 0.002, 'sent before parse + compute: %r' % line
assert s <= b, 'barrier before sent: %r' % line
assert b < 10000, 'barrier implausibly late: %r' % line
PY
}

# The agent starts before the document exists: nothing has changed yet.
sandbox_create
sandbox_start_ovs br0
sandbox_add_vif br0 compute1_ns 3
sandbox_add_vif br0 compute1_ns_2 4
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-encap-ip=10.10.10.2 \
    external_ids:jstack-controller="file://$SANDBOX/subnets.json" \
    external_ids:jstack-poll-interval=200
sandbox_start_agent
sandbox_wait_for sh -c "ovs-appctl -t jstack-agent status \
    | grep -qx 'last change: none yet'"

# The first document: the cold install is its update.
cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/subnets.json"
sandbox_wait_synced
sandbox_wait_for sh -c "ovs-appctl -t jstack-agent status \
    | grep -q '^last change: received to barrier'"
first=$(last_change)
echo "first document: $first"
check_change "$first"
log_has 'document #1 applied: received to barrier .* flow_mods$'

# A port on a known remote host: a few flows, no plumbing.
edit_document "
subnets[0]['ports'].append(dict(subnets[0]['ports'][1],
    id='dddddddd-0000-4000-8000-000000000001', fixedip='172.16.1.70',
    mac='fa:16:3e:00:00:70', deviceId='stamp_vm'))
"
sandbox_wait_for sh -c "test \"\$(ovs-appctl -t jstack-agent status \
    | sed -n 's/^last change: //p')\" != '$first'"
sandbox_wait_synced
bridge_flows | grep -q 'fa:16:3e:00:00:70'
added=$(last_change)
echo "port added: $added"
check_change "$added"
log_has "document #2 applied: $added"

# The same bytes again: the source sees them unchanged, the stamps stay.
unchanged() {
    agent_ctl status | sed -n 's/.*304 or unchanged: \([0-9]*\).*/\1/p'
}
before=$(unchanged)
edit_document "pass"
sandbox_wait_for sh -c "test \$(ovs-appctl -t jstack-agent status \
    | sed -n 's/.*304 or unchanged: \([0-9]*\).*/\1/p') -ge $((before + 3))"
test "$(last_change)" = "$added"
! log_has 'document #3 applied' || exit 1
echo "the last change's stamps are in status and the log"
