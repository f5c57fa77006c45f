#!/bin/bash
# A document that does not parse (garbage, or the controller's own error
# envelope) is logged as an error naming the problem and changes nothing:
# not the model, not the cache.  The same garbage is not parsed twice.
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
server_count() {
    http_get "$server/stats" | sed -n "s/^$1 //p"
}

sandbox_start_agent --controller="$server/v1/subnets" \
    --encap-ip=10.10.10.2 --poll-interval=500
appctl() {
    ovs-appctl -t jstack-agent "$@"
}
log_has() {
    grep -q "$1" "$SANDBOX/jstack-agent.log"
}
subnet=1d05961d-e641-417e-8f19-803cae564547
sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent model/show | grep -q '^subnet $subnet '"
before=$(appctl model/show)

# Garbage: not JSON.
http_get "$server/control?mode=garbage"
sandbox_wait_for log_has "ERR|.*controller document rejected: not JSON: "
# Several more polls of the same garbage: parsed (and logged) once.
sleep 1.5
test "$(server_count garbage)" -ge 3
test "$(grep -c "controller document rejected" \
        "$SANDBOX/jstack-agent.log")" = 1
appctl status
appctl status | grep -q "^  last error: document rejected: not JSON: "
appctl status | grep -q "^  requests: .*rejected: 1)$"
appctl status | grep -q "^  model: 1 subnets (seqno 1), the controller's \
latest document was rejected$"
test "$(appctl model/show)" = "$before"
cmp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/state/subnets.json"

# The controller reports an error in the envelope.
printf '{"code": 503, "message": "database down", "Result": null}\n' \
    >"$SANDBOX/doc.json.new"
mv "$SANDBOX/doc.json.new" "$SANDBOX/doc.json"
http_get "$server/control?mode=normal"
sandbox_wait_for log_has \
    "controller document rejected: controller error 503: database down"
appctl status | grep -q "^  requests: .*rejected: 2)$"
test "$(appctl model/show)" = "$before"

# The good document again is the one in use: no new model.
cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/doc.json.new"
mv "$SANDBOX/doc.json.new" "$SANDBOX/doc.json"
model_in_use() {
    appctl status | grep -q "^  model: 1 subnets (seqno 1)$"
}
sandbox_wait_for model_in_use
test "$(appctl model/show)" = "$before"
test "$(grep -c "new controller document" "$SANDBOX/jstack-agent.log")" = 1
echo "bad documents rejected, nothing changed"
