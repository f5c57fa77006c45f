#!/bin/bash
# Runs jstack-agent on the built-in example: the subnet document of seed 000
# (tests/fixtures/seed-000.json), with this machine as host 10.10.10.2,
# against a sandbox Open vSwitch (dummy datapath) that it starts itself in
# ./_example.  Sets up and builds first (scripts/setup.sh).  Leaves
# everything running and says how to query and stop it.
#
#   scripts/run-example.sh          start (restarting a previous example)
#   scripts/run-example.sh --stop   stop it and remove ./_example
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/_example

if [ -d "$dir" ]; then
    BUILDDIR=$top/_build
    # shellcheck source=../tests/lib/sandbox.sh
    . "$top/tests/lib/sandbox.sh"
    SANDBOX=$dir
    sandbox_stop
fi
if [ "${1:-}" = --stop ]; then
    echo "example stopped"
    exit 0
fi

BUILDDIR=$("$top/scripts/setup.sh" | tail -n 1)
# shellcheck source=../tests/lib/sandbox.sh
. "$top/tests/lib/sandbox.sh"
SANDBOX_KEEP=1 sandbox_create "$dir"
sandbox_start_ovs br0
# The seed's two VMs on host 10.10.10.2, as the interfaces their document
# names (deviceId).
sandbox_add_vif br0 compute1_ns 3
sandbox_add_vif br0 compute1_ns_2 4
cp "$top/tests/fixtures/seed-000.json" "$dir/subnets.json"
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-encap-ip=10.10.10.2 \
    external_ids:jstack-bridge=br0 \
    external_ids:jstack-controller="file://$dir/subnets.json"
sandbox_start_agent
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent status | grep -q '^bridge connection: connected'"

ovs-appctl -t jstack-agent status
cat <<MSG

jstack-agent is running against the sandbox Open vSwitch in $dir.
Query it:   OVS_RUNDIR=$dir ovs-appctl -t jstack-agent status
Its flows:  OVS_RUNDIR=$dir ovs-ofctl -O OpenFlow13 dump-flows br0
Its log:    $dir/jstack-agent.log
Stop it:    $0 --stop
MSG
