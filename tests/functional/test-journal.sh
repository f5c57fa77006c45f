#!/bin/bash
# Under systemd ($JOURNAL_STREAM names the agent's stderr) the log goes to
# the journal with each message's priority and no timestamp of its own:
# here journald's syslog socket is a test listener ($OVS_SYSLOG_METHOD), a
# missing setting arrives as a warning (priority 4) and a rejected document
# as an error (3), and nothing is written to stderr.  Outside systemd (a
# $JOURNAL_STREAM that is not stderr) the console log stays as it was.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
sandbox_create
trap 'sandbox_kill dgram-listener; sandbox_stop' EXIT
python3 "$SRCDIR/tests/lib/dgram-listener.py" "$SANDBOX/dev-log" \
    "$SANDBOX/syslog.log" "$SANDBOX/dgram-listener.pid" \
    </dev/null >/dev/null 2>&1 &
sandbox_wait_for test -s "$SANDBOX/dgram-listener.pid"
sandbox_start_ovs br0
echo 'this is not JSON' >"$SANDBOX/subnets.json"
ovs-vsctl set Open_vSwitch . \
    external_ids:jstack-controller="file://$SANDBOX/subnets.json"

# Runs the agent in the foreground, its stderr into file $1, with
# JOURNAL_STREAM set to the device:inode of file $2.
run_agent() {
    : >"$1"
    JOURNAL_STREAM=$(stat -c '%d:%i' "$2") \
    OVS_SYSLOG_METHOD=unix:$SANDBOX/dev-log \
        "$BUILDDIR/agent/jstack-agent" --no-chdir --pidfile \
        --state-dir="$SANDBOX/state" </dev/null >/dev/null 2>"$1" &
    sandbox_wait_for test -s "$SANDBOX/jstack-agent.pid"
}

# Prints the priority (0-7) of the first message received matching $1.
priority_of() {
    grep -m1 -- "$1" "$SANDBOX/syslog.log" | cut -f2 \
        | sed -n 's/^<\([0-9]*\)>.*/\1/p' | { read -r pri; echo $((pri & 7)); }
}

run_agent "$SANDBOX/stderr" "$SANDBOX/stderr"
sandbox_wait_for grep -q 'setting jstack-encap-ip is missing' \
    "$SANDBOX/syslog.log"
ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.10.10.2
sandbox_wait_for grep -q 'controller document rejected' "$SANDBOX/syslog.log"
cat "$SANDBOX/syslog.log"
test "$(priority_of 'setting jstack-encap-ip is missing')" = 4
test "$(priority_of 'controller document rejected')" = 3
# OVS maps its INFO level to syslog's notice (5).
test "$(priority_of 'jstack-agent .* starting')" = 5
# No second timestamp: the message starts with the sequence number.
! cut -f2 "$SANDBOX/syslog.log" | grep -v '^<[0-9]*>[0-9]\{5\}|'
# Nothing on the console, i.e. nothing twice in the journal.
test ! -s "$SANDBOX/stderr"
agent_ctl exit
sandbox_wait_for sh -c '! test -e "$SANDBOX/jstack-agent.pid"'

# Outside systemd: the usual timestamped console log on stderr.
: >"$SANDBOX/syslog.log"
run_agent "$SANDBOX/stderr" "$SANDBOX/subnets.json"
sandbox_wait_for grep -q 'controller document rejected' "$SANDBOX/stderr"
grep -q '^[0-9-]*T[0-9:]*Z|[0-9]*|source|ERR|' "$SANDBOX/stderr"
agent_ctl exit
sandbox_wait_for sh -c '! test -e "$SANDBOX/jstack-agent.pid"'
echo "journal: priorities 4 and 3, no timestamp, console otherwise OK"
