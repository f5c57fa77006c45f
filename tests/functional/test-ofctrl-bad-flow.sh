#!/bin/bash
# Bundles the switch rejects (test-only fault injection) are discarded
# whole: while the fault lasts, the bridge keeps exactly the flows, groups
# and meters it had, none of the rejected change's flows appear, and the
# error is reported.  Once the fault is gone the next sync succeeds.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

# The switch's whole state, sorted.
switch_state() {
    {
        ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0
        ovs-ofctl -O OpenFlow13 dump-groups br0
        ovs-ofctl -O OpenFlow13 dump-meters br0
    } | grep -v '^OFPST_\|^OFPST' | LC_ALL=C sort
}

sandbox_start_example
before=$(switch_state)
commits=$(agent_counter 'bundles committed')

# A real change (a new remote port) together with the rejected flow.
agent_ctl debug/inject-bad-flow on
edit_document "
subnets[0]['ports'].append(dict(subnets[0]['ports'][1],
    id='aaaaaaaa-0000-4000-8000-000000000001', fixedip='172.16.1.77',
    mac='fa:16:3e:00:00:77', deviceId='vm77'))
"
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent status | grep -q 'discarded: [1-9]'"
sleep 0.5
agent_ctl status | grep -q '^last bridge error: .*discarded'

# Nothing of the rejected bundles reached the switch.
after=$(switch_state)
if [ "$before" != "$after" ]; then
    echo "FAIL: a discarded bundle changed the switch:"
    diff <(echo "$before") <(echo "$after")
    exit 1
fi
! echo "$after" | grep -q '172.16.1.77\|reg0=0x7f' || exit 1
test "$(agent_counter 'bundles committed')" -eq "$commits"

agent_ctl debug/inject-bad-flow off
sandbox_wait_synced
ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | grep -q 172.16.1.77
test "$(agent_counter 'bundles committed')" -eq $((commits + 1))
echo "rejected bundles discarded whole, next sync succeeded"
