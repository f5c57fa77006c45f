#!/bin/bash
# An https:// controller: the server certificate is verified (an unknown CA
# fails), jstack-controller-ca-file makes it trusted, and a server that
# demands a client certificate gets jstack-controller-cert/-key.  The
# settings change in the database while the agent runs.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
command -v openssl >/dev/null || { echo "openssl is not installed"; exit 77; }

sandbox_create
sandbox_start_ovs br0

# A CA, a server certificate for 127.0.0.1 and a client certificate.
pki=$SANDBOX/pki
mkdir "$pki"
newkey="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $newkey -keyout "$pki/ca.key" -out "$pki/ca.pem" \
    -days 1 -subj /CN=test-ca 2>/dev/null
for name in server agent; do
    openssl req $newkey -keyout "$pki/$name.key" -out "$pki/$name.csr" \
        -subj "/CN=$name" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/$name.ext"
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.pem" \
        -CAkey "$pki/ca.key" -CAcreateserial -days 1 \
        -extfile "$pki/$name.ext" -out "$pki/$name.pem" 2>/dev/null
done

# The test controller serves $SANDBOX/doc.json over HTTPS.
cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/doc.json"
python3 "$SRCDIR/tests/lib/http-server.py" --document "$SANDBOX/doc.json" \
    --port-file "$SANDBOX/http-server.port" \
    --pidfile "$SANDBOX/http-server.pid" \
    --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" \
    --client-ca "$pki/ca.pem" \
    </dev/null >/dev/null 2>"$SANDBOX/http-server.log" &
sandbox_wait_for test -s "$SANDBOX/http-server.port"
server=https://127.0.0.1:$(cat "$SANDBOX/http-server.port")

ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.10.10.2 \
    external_ids:jstack-controller="$server/v1/subnets" \
    external_ids:jstack-poll-interval=500
sandbox_start_agent

# Unknown CA: refused.
sandbox_wait_for status_has "^  last error: SSL certificate problem: "
agent_ctl status
agent_ctl model/show | grep -q "^no model yet"

# Trusted CA, but no client certificate: the server refuses.
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-controller-ca-file="$pki/ca.pem"
sandbox_wait_for sh -c "ovs-appctl -t jstack-agent status \
    | grep '^  last error: ' | grep -qv 'SSL certificate problem'"
agent_ctl status
agent_ctl model/show | grep -q "^no model yet"

# With the client certificate: the document arrives.
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-controller-cert="$pki/agent.pem" \
    external_ids:jstack-controller-key="$pki/agent.key"
sandbox_wait_for status_has "^  model: 1 subnets (seqno 1)$"
agent_ctl status
agent_ctl model/show | grep -q "^subnet 1d05961d-e641-417e-8f19-803cae564547 "
status_has "^last successful sync: 20"
echo "https controller verified, with a client certificate"
