#!/bin/bash
# Reconciliation benchmark (not a test): the agent against a sandbox
# ovs-vswitchd (dummy datapath), for a synthesized cloud of N ports.
#
# usage: bench/bench-reconcile.sh BUILDDIR [N_PORTS...]   (default 10000 50000)
#
# The document has 20 VM ports per subnet, port i on host i mod 50, this
# host being host 0 (so N/50 local ports, each in its own subnet, every one
# with a 10 Mbit/s meter), two of four routers per subnet.  For each size it
# reports:
#   - cold install: agent start to "bridge in sync" (document parse,
#     plumbing of 50+4 tunnel ports, pipeline, bundles), the last
#     bundle's own duration and the bundles committed;
#   - the same flows installed by "ovs-ofctl --bundle replace-flows" into an
#     empty bridge (groups and meters put there first, untimed);
#   - agent restart with no change: time to in-sync, flow_mods sent;
#   - one port added to the document: flow_mods sent, time from the
#     document's change to the flows installed (includes up to one poll
#     interval, 100 ms here), and the agent's own "last change" stamps
#     (document received to barrier) for it;
#   - ovs-vswitchd killed and started again after 1 s and after 10 s away:
#     time from its start to the agent reconnected and the bridge in sync
#     again (every flow, group and meter back).
set -eu
BUILDDIR=$(cd "$1" && pwd)
shift
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
sizes=("${@:-10000 50000}")
# shellcheck source=../tests/lib/sandbox.sh
. "$SRCDIR/tests/lib/sandbox.sh"
SANDBOX_TIMEOUT=300

now_ms() {
    echo $(( $(date +%s%N) / 1000000 ))
}

# Writes the synthesized document for $1 ports to $2.
make_document() {
    python3 "$SRCDIR/tests/lib/synth-document.py" "$1" "$2"
}

agent_in_sync() {
    agent_ctl status | grep -q '^bridge in sync: yes'
}

for n in ${sizes[*]}; do
    sandbox_create
    sandbox_start_ovs br0
    # The local VM interfaces, in one transaction.
    args=()
    for ((i = 0; i < n; i += 50)); do
        args+=(-- add-port br0 "vm$i" -- set Interface "vm$i" type=dummy)
    done
    ovs-vsctl "${args[@]}"
    make_document "$n" "$SANDBOX/subnets.json"
    ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.20.0.1 \
        external_ids:jstack-controller="file://$SANDBOX/subnets.json" \
        external_ids:jstack-poll-interval=100

    start=$(now_ms)
    sandbox_start_agent
    sandbox_wait_for agent_in_sync
    cold=$(( $(now_ms) - start ))
    flows=$(agent_ctl status | sed -n 's/^installed: \([0-9]*\) flows.*/\1/p')
    bundle_ms=$(agent_ctl status \
                | sed -n 's/^last bridge sync: took \([0-9]*\) ms.*/\1/p')
    cold_bundles=$(agent_counter 'bundles committed')

    # The same flows through ovs-ofctl, into an empty bridge.
    agent_ctl flows/desired >"$SANDBOX/desired.txt"
    grep -v '^group_id=\|^meter=' "$SANDBOX/desired.txt" >"$SANDBOX/flows.txt"
    grep '^group_id=' "$SANDBOX/desired.txt" >"$SANDBOX/groups.txt" || true
    ovs-vsctl add-br br1 -- set Bridge br1 datapath_type=dummy \
        fail_mode=secure protocols=OpenFlow13
    ovs-ofctl -O OpenFlow13 add-groups br1 "$SANDBOX/groups.txt"
    grep '^meter=' "$SANDBOX/desired.txt" | while read -r meter; do
        ovs-ofctl -O OpenFlow13 add-meter br1 "$meter"
    done
    start=$(now_ms)
    ovs-ofctl -O OpenFlow13 --bundle replace-flows br1 "$SANDBOX/flows.txt"
    ofctl=$(( $(now_ms) - start ))

    # Restart with no change.
    pid=$(sandbox_pid jstack-agent)
    agent_ctl exit
    sandbox_wait_for sh -c "! kill -0 $pid"
    start=$(now_ms)
    sandbox_start_agent
    sandbox_wait_for agent_in_sync
    restart=$(( $(now_ms) - start ))
    restart_mods=$(agent_counter 'flow_mods sent')

    # One port added in a local subnet (a remote VM next to local port 0).
    mods_before=$restart_mods
    python3 - "$SANDBOX/subnets.json" <<'PY'
import json, os, sys
path = sys.argv[1]
doc = json.load(open(path))
s = doc["Result"]["subnets"][0]
p = dict(s["ports"][1], id="port-new", fixedip=s["network"][:-4] + "200",
         mac="fa:16:3e:ff:ff:fe", deviceId="vmnew")
s["ports"].append(p)
json.dump(doc, open(path + ".tmp", "w"))
os.rename(path + ".tmp", path)
PY
    start=$(now_ms)
    sandbox_wait_for sh -c "test \"\$(ovs-appctl -t jstack-agent status \
        | sed -n 's/.*flow_mods sent: \([0-9]*\).*/\1/p')\" -gt $mods_before \
        && ovs-appctl -t jstack-agent status | grep -q '^bridge in sync: yes'"
    added=$(( $(now_ms) - start ))
    added_mods=$(( $(agent_counter 'flow_mods sent') - mods_before ))
    added_stamps=$(agent_ctl status | sed -n 's/^last change: //p')

    # The switch away for 1 s and for 10 s.
    switch_back=
    for away in 1 10; do
        connects=$(agent_counter 'bridge connects')
        sandbox_kill ovs-vswitchd
        sleep "$away"
        sandbox_start_vswitchd
        start=$(now_ms)
        sandbox_wait_for sh -c "test \"\$(ovs-appctl -t jstack-agent status \
            | sed -n 's/.*bridge connects: \([0-9]*\).*/\1/p')\" \
            -gt $connects && ovs-appctl -t jstack-agent status \
            | grep -q '^bridge in sync: yes'"
        switch_back="$switch_back switch_back_after_${away}s_ms=$(( $(now_ms) - start ))"
    done

    echo "ports=$n local_ports=$((n / 50)) flows=$flows" \
         "cold_install_ms=$cold (bundle ${bundle_ms} ms," \
         "bundles $cold_bundles)" \
         "ofctl_replace_flows_ms=$ofctl" \
         "restart_in_sync_ms=$restart restart_flow_mods=$restart_mods" \
         "port_added_ms=$added port_added_flow_mods=$added_mods" \
         "$switch_back"
    echo "  port added, agent's own stamps: $added_stamps"
    sandbox_stop
    trap - EXIT
done
