#!/bin/bash
# The state directory cannot be written (read-only, or no space): the agent
# programs the bridge all the same, without its cache, and says so once per
# cause, not at every document.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
[ "$(id -u)" = 0 ] || { echo "skip: needs root for a read-only mount"; exit 77; }
command -v unshare >/dev/null || { echo "skip: no unshare"; exit 77; }

sandbox_create
sandbox_start_ovs br0
sandbox_add_vif br0 compute1_ns 3
sandbox_add_vif br0 compute1_ns_2 4
cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/subnets.json"
ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.10.10.2 \
    external_ids:jstack-controller="file://$SANDBOX/subnets.json" \
    external_ids:jstack-poll-interval=200

# A read-only state directory: a tmpfs mounted read-only, in a mount
# namespace of the agent's own, so nothing outside the test sees it.
mkdir -p "$SANDBOX/state"
unshare --mount --propagation private sh -c "
    mount -t tmpfs -o ro,size=64k tmpfs '$SANDBOX/state' &&
    exec '$BUILDDIR/agent/jstack-agent' --detach --no-chdir --pidfile \
        --log-file='$SANDBOX/jstack-agent.log' --state-dir='$SANDBOX/state'"
sandbox_wait_synced
log_has 'the document is not cached'

# More documents: the agent keeps working and does not repeat itself at
# every one.
for n in 1 2 3; do
    edit_document "subnets[0]['version'] += 1
subnets[0]['ports'][1]['mac'] = 'fa:16:3e:00:00:0$n'"
    sandbox_wait_for sh -c "ovs-ofctl -O OpenFlow13 dump-flows br0 \
        | grep -q fa:16:3e:00:00:0$n"
done
n=$(grep -c 'the document is not cached' "$SANDBOX/jstack-agent.log")
echo "'not cached' logged $n times for 4 documents"
test "$n" -le 2
