#!/bin/bash
# Restarted while the controller is down, the agent loads the cached
# document and knows the network; a corrupt cache is logged and ignored.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }

sandbox_create
sandbox_start_ovs br0

# The test controller serves $SANDBOX/doc.json at $server.
sandbox_start_http_server

# The controller URL lives in the database, so restarts need no options.
ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.10.10.2 \
    external_ids:jstack-controller="$server/v1/subnets" \
    external_ids:jstack-poll-interval=500
stop_agent() {
    local pid
    pid=$(sandbox_pid jstack-agent)
    agent_ctl exit
    sandbox_wait_for sh -c "! kill -0 $pid"
}

sandbox_start_agent
sandbox_wait_seed_model
before=$(agent_ctl model/show)
stop_agent
sandbox_kill http-server

# Controller down: the cached document is the model.
sandbox_start_agent
sandbox_wait_for status_has "^  last error: .*Couldn't connect to server"
agent_ctl status
agent_ctl model/show
test "$(agent_ctl model/show)" = "$before"
status_has "^last successful sync: never$"
status_has "^  model: 1 subnets (seqno 1)$"
grep -q "loaded cached document from $SANDBOX/state/subnets.json \
(1 subnets)" "$SANDBOX/jstack-agent.log"
stop_agent

# A corrupt cache is ignored: no model until the controller answers.
echo '{"code": 0, "Result": {"subnets": [' >"$SANDBOX/state/subnets.json"
sandbox_start_agent
sandbox_wait_for status_has "^  last error: .*Couldn't connect to server"
agent_ctl model/show | grep -q "^no model yet"
grep -q "subnets.json: cached document is corrupt (not JSON: .*); \
ignoring it" "$SANDBOX/jstack-agent.log"
echo "cached document loaded with the controller down"
