#!/bin/bash
# The agent fetches the controller's document over HTTP: "model/show" lists
# the seed's subnet, local and remote ports, tunnel endpoints and routers;
# "status" shows the sync; the document is cached in the state directory.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }

sandbox_create
trap 'sandbox_kill http-server; sandbox_stop' EXIT
sandbox_start_ovs br0

# The test controller serves $SANDBOX/doc.json.
cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/doc.json"
python3 "$SRCDIR/tests/lib/http-server.py" --document "$SANDBOX/doc.json" \
    --port-file "$SANDBOX/http-server.port" \
    --pidfile "$SANDBOX/http-server.pid" \
    </dev/null >/dev/null 2>"$SANDBOX/http-server.log" &
sandbox_wait_for test -s "$SANDBOX/http-server.port"
server=http://127.0.0.1:$(cat "$SANDBOX/http-server.port")
http_get() {
    python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' "$1"
}

sandbox_start_agent --controller="$server/v1/subnets?host=10.10.10.2" \
    --encap-ip=10.10.10.2 --poll-interval=500
appctl() {
    ovs-appctl -t jstack-agent "$@"
}

subnet=1d05961d-e641-417e-8f19-803cae564547
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent model/show | grep -q '^subnet $subnet '"
appctl model/show
show=$(appctl model/show)
echo "$show" | grep -q "^subnet $subnet network 172.16.1.0/24 vni 1 \
metadata 0x401 mtu 1500 ports 3 routers 2$"
echo "$show" | grep -q "^local port df51f6d0-8381-47a5-8fa5-a46a8b64e095 \
subnet $subnet mac fa:16:3e:73:c9:74 ip 172.16.1.4 host 10.10.10.2 \
device compute1_ns$"
echo "$show" | grep -q "^local port eef67bf2-3d99-458b-b2fe-0616259ba63e "
echo "$show" | grep -q "^remote port b115bdf0-ca9a-42e2-8f87-6b0e252ec9e3 \
subnet $subnet mac fa:16:3e:5e:16:34 ip 172.16.1.3 host 10.10.10.3 "
for ip in 10.10.10.3 10.10.10.4 10.10.10.5; do
    echo "$show" | grep -q "^tunnel endpoint $ip$"
done
echo "$show" | grep -q "^router 10.10.10.4$"
echo "$show" | grep -q "^router 10.10.10.5$"
test "$(echo "$show" | wc -l)" = 9

appctl status
appctl status | grep -q "^last successful sync: 20.* UTC (.* s ago)$"
appctl status | grep -q "^controller source: $server/v1/subnets?host="
appctl status | grep -q "^  last error: none$"
appctl status | grep -q "^  ETag: \"[0-9a-f]*\", Last-Modified: .* GMT$"
appctl status | grep -q "^  requests: [0-9]* (200: 1, .*errors: 0, \
rejected: 0)$"
appctl status | grep -q "^  model: 1 subnets (seqno 1)$"
grep -q "new controller document: 1 subnets, 0 problems" \
    "$SANDBOX/jstack-agent.log"
http_get "$server/stats" | grep -q "^200 1$"

# The accepted document is cached, byte for byte, in a 0750 directory.
cmp "$SANDBOX/doc.json" "$SANDBOX/state/subnets.json"
test "$(stat -c %a "$SANDBOX/state")" = 750
test "$(ls -A "$SANDBOX/state")" = subnets.json
echo "document fetched over HTTP and cached"
