#!/bin/bash
# The agent starts against a sandbox Open vSwitch, answers "status" over
# unixctl with the OVSDB and bridge connections up, stops on "exit", and
# leaves no process or file of the test behind.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_create
sandbox_start_ovs br0
ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.10.10.2 \
    external_ids:jstack-controller="file://$SANDBOX/none.json"
sandbox_start_agent

status() {
    ovs-appctl -t jstack-agent status
}
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent status | grep -q '^bridge connection: connected'"
status
status | grep -q "^local OVSDB: connected (unix:$SANDBOX/db.sock)"
status | grep -q "^settings: ok (encap-ip 10.10.10.2, bridge br0)"
status | grep -q "^bridge connection: connected (unix:$SANDBOX/br0.mgmt"
ovs-appctl -t jstack-agent version | grep -q "0.1.0"
ovs-appctl -t jstack-agent vlog/list | grep -q ofctrl
ovs-appctl -t jstack-agent coverage/show >/dev/null
ovs-appctl -t jstack-agent memory/show >/dev/null

pid=$(sandbox_pid jstack-agent)
ovs-appctl -t jstack-agent exit
sandbox_wait_for sh -c "! kill -0 $pid"
# The agent removed its own pidfile and control socket.
test ! -e "$SANDBOX/jstack-agent.pid"
test -z "$(ls "$SANDBOX" | grep "jstack-agent.*\.ctl" || true)"

dir=$SANDBOX
vswitchd=$(sandbox_pid ovs-vswitchd)
ovsdb=$(sandbox_pid ovsdb-server)
sandbox_stop
trap - EXIT
for p in $pid $vswitchd $ovsdb; do
    if kill -0 "$p" 2>/dev/null; then
        echo "process $p is still running" >&2
        exit 1
    fi
done
test ! -e "$dir"
echo "agent status, exit and cleanup OK"
