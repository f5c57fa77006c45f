#!/bin/bash
# A flow the switch rejects (test-only fault injection) leaves the previous
# table intact and reports the error; the next sync succeeds.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example
before=$(ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | LC_ALL=C sort)

# A real change (a new remote port) together with the rejected flow.
agent_ctl debug/inject-bad-flow
edit_document "
subnets[0]['ports'].append(dict(subnets[0]['ports'][1],
    id='aaaaaaaa-0000-4000-8000-000000000001', fixedip='172.16.1.77',
    mac='fa:16:3e:00:00:77', deviceId='vm77'))
"
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent status | grep -q 'discarded: 1'"
agent_ctl status
agent_ctl status | grep -q '^last bridge error: .*discarded'
# The rejected bundle changed nothing.  (The retry may have already
# installed the change since; it must then include the new port.)
after=$(ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | LC_ALL=C sort)
if [ "$before" != "$after" ]; then
    echo "$after" | grep -q 172.16.1.77
fi
! echo "$after" | grep -q 'reg0=0x7f' || exit 1
sandbox_wait_synced
ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | grep -q 172.16.1.77
test "$(agent_counter 'bundles committed')" -ge 2
echo "rejected bundle discarded, next sync succeeded"
