#!/bin/bash
# Metadata proxy benchmark (not a test): requests per second and latency
# through the agent's proxy against calling the upstream directly.
#
# usage: bench/bench-metadata.sh BUILDDIR [SECONDS]   (root; default 10 s)
#
# Emulated host a of tests/lib/hosts.sh with one VM (compute1_ns) and the
# test upstream (tests/lib/metadata-upstream.py, Python, threaded) on the
# host's loopback.  bench/metadata-client.py sends GET
# /latest/meta-data/instance-id over keep-alive connections:
#   - direct: from the host's namespace to the upstream, with identity
#     headers signed in advance;
#   - agent: from the host's namespace to the proxy (169.254.169.254:8848)
#     with source address 128.0.0.<the VM's ofport> put on the host's lo,
#     so the proxy takes it for the VM: the agent's own cost, without the
#     bridge;
#   - proxied: from the VM to 169.254.169.254:80 (bridge -> tap -> agent
#     -> upstream and back), what a VM sees;
# each with 1 client process (latency) and 8 (throughput).  The per-VM rate
# limit is lifted for the run.
set -eu
BUILDDIR=$(cd "$1" && pwd)
SECONDS_PER_RUN=${2:-10}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
    echo "bench-metadata: needs root (network namespaces); skipped"
    exit 0
fi
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
hosts_setup compute1_ns

secret=bench-secret
printf '%s\n' "$secret" >"$HOSTS_DIR/secret"
hx a python3 "$SRCDIR/tests/lib/metadata-upstream.py" \
    --port-file "$HOSTS_DIR/a/upstream.port" \
    --secret-file "$HOSTS_DIR/secret" --log /dev/null \
    --pidfile "$HOSTS_DIR/pids/upstream-a.pid" </dev/null >/dev/null 2>&1 &
hosts_wait_for test -s "$HOSTS_DIR/a/upstream.port"
port=$(cat "$HOSTS_DIR/a/upstream.port")
hx a ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-metadata-url="http://127.0.0.1:$port" \
    external_ids:jstack-metadata-secret-file="$HOSTS_DIR/secret" \
    external_ids:jstack-metadata-rate=100000 \
    external_ids:jstack-metadata-burst=100000
hosts_wait_for sh -c "ip netns exec $(host_ns a) env OVS_RUNDIR=$HOSTS_DIR/a \
    ovs-appctl -t jstack-agent metadata/show | grep -q 'listening on'"
agent_wait_synced a
hosts_wait_for vmx compute1_ns curl -sf -m 2 \
    http://169.254.169.254/latest/meta-data/instance-id

signature=$(python3 -c 'import hashlib, hmac, sys
print(hmac.new(sys.argv[1].encode(), b"compute1_ns",
               hashlib.sha256).hexdigest())' "$secret")
ofport=$(agent_ctl_on a metadata/show \
         | sed -n 's/.* device compute1_ns ofport \([0-9]*\) .*/\1/p')
client=$SRCDIR/bench/metadata-client.py
path=/latest/meta-data/instance-id
printf '%-8s %5s %8s %8s %10s %8s\n' path procs requests "req/s" \
    "median ms" "p99 ms"
for procs in 1 8; do
    for mode in direct proxied agent; do
        if [ $mode = direct ]; then
            out=$(hx a python3 "$client" "http://127.0.0.1:$port$path" \
                  "$procs" "$SECONDS_PER_RUN" \
                  "X-Forwarded-For: 172.16.1.4" \
                  "X-Instance-ID: compute1_ns" "X-Tenant-ID: tenant1" \
                  "X-Instance-ID-Signature: $signature")
        elif [ $mode = agent ]; then
            # While the host holds the VM's proxy address, the proxy's
            # answers to the VM would stay in the host: only for this run.
            hx a ip addr add "128.0.0.$ofport/32" dev lo
            out=$(hx a env METADATA_CLIENT_SOURCE="128.0.0.$ofport" \
                  python3 "$client" "http://169.254.169.254:8848$path" \
                  "$procs" "$SECONDS_PER_RUN")
            hx a ip addr del "128.0.0.$ofport/32" dev lo
        else
            out=$(vmx compute1_ns python3 "$client" \
                  "http://169.254.169.254$path" "$procs" "$SECONDS_PER_RUN")
        fi
        python3 -c 'import json, sys
r = json.loads(sys.argv[2])
assert r["errors"] == 0, r
print("%-8s %5d %8d %8d %10.3f %8.3f" % (sys.argv[1], r["procs"],
      r["requests"], r["rps"], r["median_ms"], r["p99_ms"]))' "$mode" "$out"
    done
done
