#!/bin/bash
# A password in the controller's URL never appears in the log or in any
# unixctl output, whether the controller answers or not; the metadata
# secret neither.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
sandbox_create
sandbox_start_ovs br0
sandbox_start_http_server
secret=Pa55w0rd-not-for-logs
host_port=${server#http://}
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-metadata-secret="meta-$secret"
sandbox_start_agent --controller="http://admin:$secret@$host_port/v1/subnets" \
    --encap-ip=10.10.10.2 --poll-interval=300
sandbox_wait_seed_model

# The same password against a port where nothing listens: failed requests
# are logged too.
agent_ctl status >"$SANDBOX/out.txt"
for command in model/show flows/desired port/list tunnel/list \
               coverage/show memory/show; do
    agent_ctl "$command" >>"$SANDBOX/out.txt"
done
grep -q 'http://admin:\*\*\*@' "$SANDBOX/out.txt" || {
    echo "FAIL: status does not show the redacted URL"; exit 1; }
sandbox_kill http-server
sandbox_wait_for log_has 'controller request failed'
agent_ctl status >>"$SANDBOX/out.txt"

if grep -l "$secret" "$SANDBOX/out.txt" "$SANDBOX/jstack-agent.log"; then
    echo "FAIL: a secret was printed"
    grep -n "$secret" "$SANDBOX/out.txt" "$SANDBOX/jstack-agent.log" \
        | sed "s/$secret/<SECRET>/g"
    exit 1
fi
echo "no secret in the log or unixctl output"
