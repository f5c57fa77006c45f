#!/bin/bash
# A changed document is picked up within one poll interval (500 ms here,
# plus slack for a busy machine), and replaces the cached one.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
sandbox_start_http_example
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent model/show | grep -q ' mtu 1500 '"

# Changes the MTU and moves port b115bdf0 to this host, atomically.
python3 - "$SANDBOX/doc.json" <<'PY'
import json, os, sys
path = sys.argv[1]
doc = json.load(open(path))
subnet = doc["Result"]["subnets"][0]
subnet["mtu"] = 1450
subnet["version"] += 1
for port in subnet["ports"]:
    if port["id"].startswith("b115bdf0"):
        port["host"] = "10.10.10.2"
        port["version"] += 1
with open(path + ".new", "w") as f:
    json.dump(doc, f, indent=1)
os.rename(path + ".new", path)
PY
start=$(date +%s%3N)
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent model/show | grep -q ' mtu 1450 '"
elapsed=$(( $(date +%s%3N) - start ))
echo "change seen after $elapsed ms"
test "$elapsed" -le 1500

agent_ctl model/show
agent_ctl model/show | grep -q "^local port b115bdf0-ca9a-42e2-8f87-6b0e252ec9e3 "
! agent_ctl model/show | grep -q "^remote port" || exit 1
! agent_ctl model/show | grep -q "^tunnel endpoint 10.10.10.3$" || exit 1
agent_ctl status
agent_ctl status | grep -q "^  requests: [0-9]* (200: 2, .*errors: 0, \
rejected: 0)$"
agent_ctl status | grep -q "^  model: 1 subnets (seqno 2)$"
cmp "$SANDBOX/doc.json" "$SANDBOX/state/subnets.json"
echo "changed document picked up in $elapsed ms"
