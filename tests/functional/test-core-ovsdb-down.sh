#!/bin/bash
# With the local OVSDB down, a new controller document replaces the model:
# the host view must keep the model it was built from alive (it used to
# point into freed memory), so port/list, model/show and status still
# answer, and once OVSDB is back the new document reaches the bridge.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example
agent_ctl port/list | grep -q 'compute1_ns ofport 3 .* bound' || exit 1

sandbox_kill ovsdb-server
sandbox_wait_for log_has 'connection to the local OVSDB lost'

# A new document: the second VM port gets another MAC.  The agent takes it
# (model/show shows it) while OVSDB is still down.
edit_document "subnets[0]['ports'][2]['mac'] = 'fa:16:3e:00:00:99'
subnets[0]['version'] += 1"
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent model/show | grep -q 'mac fa:16:3e:00:00:99'"

# Every reader of the host view, again and again: none may crash.
for _ in $(seq 20); do
    agent_ctl port/list >/dev/null
    agent_ctl status >/dev/null
    agent_ctl flows/desired >/dev/null
done
agent_ctl port/list | grep -q compute1_ns_2 || exit 1
sandbox_pid jstack-agent >/dev/null || { echo "FAIL: the agent died"; exit 1; }

# OVSDB back: the change reaches the bridge.
ovsdb-server --detach --no-chdir --pidfile --log-file \
    --remote="punix:$SANDBOX/db.sock" "$SANDBOX/conf.db"
sandbox_wait_for log_has 'connected to the local OVSDB'
sandbox_wait_synced
bridge_flows | grep -q 'dl_src=fa:16:3e:00:00:99' || {
    echo "FAIL: the new MAC is not on the bridge"; exit 1; }
echo "agent survived the document change with OVSDB down"
