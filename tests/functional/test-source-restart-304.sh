#!/bin/bash
# The controller's ETag is kept with the cached document: an agent that
# restarts while the controller's document is unchanged asks conditionally
# and gets a 304, never the whole document again (a rolling upgrade of a
# thousand hosts costs the controller a thousand 304s).
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
sandbox_start_http_example
sandbox_wait_for test -s "$SANDBOX/state/subnets.json.etag"
test "$(server_count 200)" = 1

pid=$(sandbox_pid jstack-agent)
agent_ctl exit
sandbox_wait_for sh -c "! kill -0 $pid"
n_304=$(server_count 304)

sandbox_start_agent --controller="$server/v1/subnets" \
    --encap-ip=10.10.10.2 --poll-interval=500
sandbox_wait_for sh -c "test \$(python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1]).read().decode())' $server/stats \
    | sed -n 's/^304 //p') -gt $n_304"
http_get "$server/stats"
test "$(server_count 200)" = 1 || {
    echo "FAIL: the restarted agent downloaded the document again"; exit 1; }
agent_ctl status | grep -q '^  ETag: "' || { agent_ctl status; exit 1; }
echo "restart with an unchanged document: 304, no download"
