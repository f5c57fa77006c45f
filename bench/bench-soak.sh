#!/bin/bash
# Soak benchmark (not a test): the agent against a sandbox ovs-vswitchd
# while the controller's document changes N times (default 10,000; a
# remote port appears or goes, or a MAC changes, in turn).  Samples the
# agent's RSS and open descriptors every 500 changes and prints them, with
# the change rate; RSS and descriptors should stay flat.
#
# usage: bench/bench-soak.sh BUILDDIR [N_CHANGES]
set -eu
BUILDDIR=$(cd "$1" && pwd)
n_changes=${2:-10000}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/lib/sandbox.sh
. "$SRCDIR/tests/lib/sandbox.sh"
SANDBOX_TIMEOUT=60

sandbox_start_example --poll-interval=100
pid=$(sandbox_pid jstack-agent)
sample() {
    local rss fds
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    fds=$(ls "/proc/$pid/fd" | wc -l)
    echo "changes=$1 rss_kb=$rss fds=$fds flow_mods=$(agent_counter 'flow_mods sent')"
}
sample 0
start=$(date +%s)
python3 - "$SANDBOX/subnets.json" "$n_changes" <<'PY' &
import json, os, sys, time
path, n = sys.argv[1], int(sys.argv[2])
base = json.load(open(path))
for i in range(1, n + 1):
    doc = json.loads(json.dumps(base))
    s = doc["Result"]["subnets"][0]
    if i % 3 == 0:
        s["ports"][1]["mac"] = "fa:16:3e:aa:%02x:%02x" % (i >> 8 & 255, i & 255)
    elif i % 3 == 1:
        s["ports"].append(dict(s["ports"][1], id="soak-%d" % i,
                               fixedip="172.16.1.%d" % (100 + i % 100),
                               mac="fa:16:3e:bb:%02x:%02x" % (i >> 8 & 255,
                                                               i & 255)))
    s["version"] = i
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f)
    os.rename(path + ".tmp", path)
    time.sleep(0.11)
    if i % 500 == 0:
        open(path + ".progress", "w").write(str(i))
PY
writer=$!
last=0
while kill -0 "$writer" 2>/dev/null; do
    sleep 1
    done_n=$(cat "$SANDBOX/subnets.json.progress" 2>/dev/null || echo 0)
    if [ "$done_n" != "$last" ]; then
        last=$done_n
        sample "$done_n"
    fi
done
wait "$writer"
sandbox_wait_synced
secs=$(( $(date +%s) - start ))
sample "$n_changes"
echo "$n_changes document changes in $secs s; bridge in sync at the end"
