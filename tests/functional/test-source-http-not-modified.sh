#!/bin/bash
# An unchanged document is answered 304 (If-None-Match) and counted, by the
# server and in the agent's status, and costs no new model.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
sandbox_start_http_example

# Three 304s take about 1.5 s at a 500 ms poll interval.
three_304s() {
    test "$(server_count 304)" -ge 3
}
sandbox_wait_for three_304s
http_get "$server/stats"
test "$(server_count 200)" = 1

agent_ctl status
unchanged=$(agent_ctl status | sed -n \
    's/^  requests: .*304 or unchanged: \([0-9]*\),.*/\1/p')
test "$unchanged" -ge 3
agent_ctl status | grep -q "^  requests: [0-9]* (200: 1, .*errors: 0, \
rejected: 0)$"
agent_ctl status | grep -q "^  model: 1 subnets (seqno 1)$"
test "$(grep -c "new controller document" "$SANDBOX/jstack-agent.log")" = 1
echo "unchanged document answered 304 ($unchanged times)"
