#!/bin/bash
# What the agent writes stays readable by root only: the state directory
# is 0750, the cached document and its validators 0600, the unixctl socket
# not writable by others; and plain http to a non-loopback controller is
# warned about once.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
sandbox_start_example

mode() {
    stat -c %a "$1"
}
state=$SANDBOX/state
sandbox_wait_for test -s "$state/subnets.json"
echo "state directory $(mode "$state"), cache $(mode "$state/subnets.json")"
test "$(mode "$state")" = 750
test "$(mode "$state/subnets.json")" = 600
if [ -e "$state/subnets.json.etag" ]; then
    test "$(mode "$state/subnets.json.etag")" = 600
fi
ctl=$(ls "$SANDBOX"/jstack-agent.*.ctl)
echo "unixctl socket $ctl: $(mode "$ctl"), owner $(stat -c %U "$ctl")"
test "$(stat -c %U "$ctl")" = "$(id -un)"
case $(mode "$ctl") in
    *[2367]) echo "FAIL: others may write to the unixctl socket"; exit 1 ;;
esac

# Plain http to a host that is not written as the loopback: warned once,
# not at every request.  (0.0.0.0 is not spelled as the loopback, yet a
# connection to it stays on this machine.)
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-controller=http://0.0.0.0:9/v1/subnets \
    external_ids:jstack-controller-timeout=200
sandbox_wait_for log_has 'plain http to a host that is not this one'
sleep 2
test "$(grep -c 'plain http to a host' "$SANDBOX/jstack-agent.log")" = 1
