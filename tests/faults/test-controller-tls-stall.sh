#!/bin/bash
# An https controller whose TLS handshake never completes (the TCP
# connection is accepted, the ClientHello never answered): the request ends
# at jstack-controller-timeout with a clear error, the bridge keeps its
# flows, and the good controller is taken back as soon as it is set again.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
sandbox_start_example --controller-timeout=1000
flows=$(bridge_flows)

# A listener on loopback that accepts and never speaks.
python3 - "$SANDBOX/stall.port" "$SANDBOX/stall.pid" <<'PY' &
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[2], "w").write("%d\n" % os.getpid())
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)
PY
trap 'kill "$(cat "$SANDBOX/stall.pid" 2>/dev/null)" 2>/dev/null || true; sandbox_stop' EXIT
sandbox_wait_for test -s "$SANDBOX/stall.port"
good=$(ovs-vsctl get Open_vSwitch . external_ids:jstack-controller)
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-controller="https://127.0.0.1:$(cat "$SANDBOX/stall.port")/v1"
SANDBOX_TIMEOUT=15 sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent status | grep '^  last error: ' \
     | grep -qi 'timed out\|timeout'"
agent_ctl status | grep '^  last error: '
test "$(bridge_flows)" = "$flows"
kill "$(cat "$SANDBOX/stall.pid")"

ovs-vsctl set Open_vSwitch . external_ids:jstack-controller="$good"
SANDBOX_TIMEOUT=15 sandbox_wait_for sh -c \
    "ovs-appctl -t jstack-agent status | grep -q '^controller source: file:' \
     && ovs-appctl -t jstack-agent status | grep -q '^  state: idle'"
sandbox_wait_synced
echo "stalled TLS handshake: timed out, bridge unchanged, recovered"
