#!/bin/bash
# The agent fetches the controller's document over HTTP: "model/show" lists
# the seed's subnet, local and remote ports, tunnel endpoints and routers;
# "status" shows the sync; the document is cached in the state directory.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }

sandbox_create
sandbox_start_ovs br0

# The test controller serves $SANDBOX/doc.json at $server.
sandbox_start_http_server

sandbox_start_agent --controller="$server/v1/subnets?host=10.10.10.2" \
    --encap-ip=10.10.10.2 --poll-interval=500

sandbox_wait_seed_model
agent_ctl model/show
show=$(agent_ctl model/show)
echo "$show" | grep -q "^subnet $SEED_SUBNET network 172.16.1.0/24 vni 1 \
metadata 0x401 mtu 1500 ports 3 routers 2 type vxlan$"
echo "$show" | grep -q "^local port df51f6d0-8381-47a5-8fa5-a46a8b64e095 \
subnet $SEED_SUBNET mac fa:16:3e:73:c9:74 ip 172.16.1.4 host 10.10.10.2 \
device compute1_ns$"
echo "$show" | grep -q "^local port eef67bf2-3d99-458b-b2fe-0616259ba63e "
echo "$show" | grep -q "^remote port b115bdf0-ca9a-42e2-8f87-6b0e252ec9e3 \
subnet $SEED_SUBNET mac fa:16:3e:5e:16:34 ip 172.16.1.3 host 10.10.10.3 "
for ip in 10.10.10.3 10.10.10.4 10.10.10.5; do
    echo "$show" | grep -q "^tunnel endpoint $ip$"
done
echo "$show" | grep -q "^router 10.10.10.4$"
echo "$show" | grep -q "^router 10.10.10.5$"
test "$(echo "$show" | wc -l)" = 9

agent_ctl status
agent_ctl status | grep -q "^last successful sync: 20.* UTC (.* s ago)$"
agent_ctl status | grep -q "^controller source: $server/v1/subnets?host="
agent_ctl status | grep -q "^  last error: none$"
agent_ctl status | grep -q "^  ETag: \"[0-9a-f]*\", Last-Modified: .* GMT$"
agent_ctl status | grep -q "^  requests: [0-9]* (200: 1, .*errors: 0, \
rejected: 0)$"
agent_ctl status | grep -q "^  model: 1 subnets (seqno 1)$"
grep -q "new controller document: 1 subnets, 0 problems" \
    "$SANDBOX/jstack-agent.log"
http_get "$server/stats" | grep -q "^200 1$"

# The accepted document is cached, byte for byte, in a 0750 directory,
# with the validators it came with (written by a thread of its own).
sandbox_wait_for test -s "$SANDBOX/state/subnets.json.etag"
cmp "$SANDBOX/doc.json" "$SANDBOX/state/subnets.json"
test "$(stat -c %a "$SANDBOX/state")" = 750
test "$(ls -A "$SANDBOX/state" | tr '\n' ' ')" = "subnets.json subnets.json.etag "
echo "document fetched over HTTP and cached"
