#!/bin/bash
# A document that does not parse (garbage, or the controller's own error
# envelope) is logged as an error naming the problem and changes nothing:
# not the model, not the cache.  The same garbage is not parsed twice.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
sandbox_start_http_example
before=$(agent_ctl model/show)

# Garbage: not JSON.
http_get "$server/control?mode=garbage"
sandbox_wait_for log_has "ERR|.*controller document rejected: not JSON: "
# Several more polls of the same garbage: parsed (and logged) once.
sleep 1.5
test "$(server_count garbage)" -ge 3
test "$(grep -c "controller document rejected" \
        "$SANDBOX/jstack-agent.log")" = 1
agent_ctl status
agent_ctl status | grep -q "^  last error: document rejected: not JSON: "
agent_ctl status | grep -q "^  requests: .*rejected: 1)$"
agent_ctl status | grep -q "^  model: 1 subnets (seqno 1), the controller's \
latest document was rejected$"
test "$(agent_ctl model/show)" = "$before"
cmp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/state/subnets.json"

# The controller reports an error in the envelope.
printf '{"code": 503, "message": "database down", "Result": null}\n' \
    >"$SANDBOX/doc.json.new"
mv "$SANDBOX/doc.json.new" "$SANDBOX/doc.json"
http_get "$server/control?mode=normal"
sandbox_wait_for log_has \
    "controller document rejected: controller error 503: database down"
agent_ctl status | grep -q "^  requests: .*rejected: 2)$"
test "$(agent_ctl model/show)" = "$before"

# The good document again is the one in use: no new model.
cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/doc.json.new"
mv "$SANDBOX/doc.json.new" "$SANDBOX/doc.json"
model_in_use() {
    agent_ctl status | grep -q "^  model: 1 subnets (seqno 1)$"
}
sandbox_wait_for model_in_use
test "$(agent_ctl model/show)" = "$before"
test "$(grep -c "new controller document" "$SANDBOX/jstack-agent.log")" = 1
echo "bad documents rejected, nothing changed"
