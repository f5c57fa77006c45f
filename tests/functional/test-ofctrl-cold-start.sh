#!/bin/bash
# A first start on a fresh bridge, with a document whose remote host and
# virtual routers need tunnel ports (and the metadata tap): the agent
# waits for the ports it plumbs to get their ofports and installs once,
# one bundle holding every tunnel flow.  A port that never gets one holds
# the install back 5 s at most, and is named in a warning.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example
agent_ctl status
agent_ctl tunnel/list
status_has '^bridge in sync: yes$'
status_has '^bundles committed: 1, discarded: 0$'
status_has '^desired state #[0-9]*: .* 0 warnings$'
! log_has 'still have no ofport' || exit 1
test -z "$(agent_ctl flows/diff)"

# Every tunnel (compute host 10.10.10.3, routers 10.10.10.4 and .5) has
# its classification flow, and its output in a flow or a group.
test "$(agent_ctl tunnel/list | wc -l)" -eq 3
groups=$(ovs-ofctl -O OpenFlow13 dump-groups br0)
for ofport in $(agent_ctl tunnel/list | awk '{print $5}'); do
    test "$ofport" -gt 0
    bridge_flows | grep -q "tun_id=0x1,in_port=$ofport "
    { bridge_flows; echo "$groups"; } \
        | grep -q "output:$ofport\b\|set_field:$(printf '%#x' "$ofport")->reg7"
done
# Prints the ofport of the tunnel to $1, from "tunnel/list".
tunnel_ofport() {
    agent_ctl tunnel/list | awk -v ip="$1" '$1 == ip {print $5}'
}
# The remote VM's MAC reaches it through the tunnel to its host.
bridge_flows | grep -q "dl_dst=fa:16:3e:5e:16:34 actions=.*set_field:$(
    printf '%#x' "$(tunnel_ofport 10.10.10.3)")->reg7,goto_table:60"
echo "cold start installed once, with every tunnel flow"

# Again on a fresh bridge where the tunnel port to 10.10.10.3 is the
# agent's but broken (no remote_ip): it never gets an ofport.
sandbox_stop
sandbox_create
sandbox_start_ovs br0
sandbox_add_vif br0 compute1_ns 3
sandbox_add_vif br0 compute1_ns_2 4
ovs-vsctl add-port br0 jst-0a0a0a03 \
    -- set Interface jst-0a0a0a03 type=vxlan \
    -- set Port jst-0a0a0a03 external_ids:jstack-tunnel=10.10.10.3
cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/subnets.json"
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-encap-ip=10.10.10.2 \
    external_ids:jstack-controller="file://$SANDBOX/subnets.json" \
    external_ids:jstack-poll-interval=200
start=$(date +%s%N)
sandbox_start_agent
sandbox_wait_for log_has 'first install waits for ports jst-0a0a0a03'
sleep 3
test "$(agent_counter 'bundles committed')" -eq 0
SANDBOX_TIMEOUT=10 sandbox_wait_for status_has '^bundles committed: 1,'
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "installed without the broken tunnel after $elapsed_ms ms"
test "$elapsed_ms" -ge 5000
log_has 'ports jst-0a0a0a03 still have no ofport after 5000 ms'
sandbox_wait_synced
bridge_flows | grep -q "tun_id=0x1,in_port=$(tunnel_ofport 10.10.10.4) "
test "$(tunnel_ofport 10.10.10.3)" -eq 0
echo "a port without ofport held the first install back 5 s at most"
