#!/bin/bash
# A failing controller (HTTP 500, then stopped) keeps the last model, shows
# the error in "status" and is retried with backoff, not every poll.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
sandbox_start_http_example
before=$(agent_ctl model/show)

# HTTP 500: an error, the model stays, the agent backs off (1 s, 2 s, ...,
# each +/- 20 %), so 3 s see at most 3 requests instead of 6.
http_get "$server/control?mode=error"
sandbox_wait_for status_has "^  last error: HTTP status 500 "
sleep 3
agent_ctl status
status_has "^  state: backoff after [0-9]* failed requests, next request in "
test "$(server_count 500)" -le 3
test "$(agent_ctl model/show)" = "$before"
grep -q "controller request failed: HTTP status 500; retrying in" \
    "$SANDBOX/jstack-agent.log"

# The controller stops: a transport error, the model still stays.
sandbox_kill http-server
sandbox_wait_for status_has "^  last error: .*Couldn't connect to server"
agent_ctl status
status_has "^  model: 1 subnets (seqno 1)$"
status_has "^  requests: .*errors: [2-9]"
status_has "^last successful sync: 20.* UTC"
test "$(agent_ctl model/show)" = "$before"
cmp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/state/subnets.json"
echo "controller errors keep the last model"
