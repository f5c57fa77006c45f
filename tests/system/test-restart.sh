#!/bin/bash
# A continuous ping (10/s) across hosts loses nothing while the agent of
# either host restarts, and recovers after host a's ovs-vswitchd restarts.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
hosts_setup compute1_ns compute2_ns

target=$(vm_ip compute2_ns)
vmx compute1_ns ping -c 2 -i 0.2 -W 2 "$target"

for h in a b; do
    # 8 seconds of pings; host $h's agent restarts in the middle.
    bg_start ping vmx compute1_ns ping -c 80 -i 0.1 -W 1 "$target" \
        >"$HOSTS_DIR/ping.log" 2>&1
    sleep 1
    hosts_kill "$h" jstack-agent
    sleep 0.5
    agent_start "$h"
    agent_wait_synced "$h"
    bg_wait ping 20
    cat "$HOSTS_DIR/ping.log"
    test "$(ping_received "$HOSTS_DIR/ping.log")" = 80
    # The restarted agent found its flows in place and deleted none.
    restarted=$(awk '/ starting$/ { n++ } n == 2' \
                "$HOSTS_DIR/$h/jstack-agent.log")
    echo "$restarted" | grep -q 'read [0-9]* flows, .* from the bridge'
    ! echo "$restarted" | grep -q ' [1-9][0-9]* flow deletions' || exit 1
done

# ovs-vswitchd restarts: its flows are gone until the agent puts them back.
hosts_kill a ovs-vswitchd
host_start_vswitchd a
agent_wait_synced a
HOSTS_TIMEOUT=20 hosts_wait_for vmx compute1_ns ping -c 1 -W 1 "$target"
vmx compute1_ns ping -c 10 -i 0.1 -W 1 "$target"
echo "no loss across either agent's restart; recovery after ovs-vswitchd's"
