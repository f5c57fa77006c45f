# Sourced by the notify tests after tests/lib/sandbox.sh: a stand-in for
# systemd's notification socket (tests/lib/dgram-listener.py) and the
# agent started as systemd starts a Type=notify service, in the foreground
# with $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID.

# Creates the sandbox and starts the listener on $SANDBOX/notify.sock; its
# messages go to $SANDBOX/notify.log.  Stops it, then the sandbox, at exit.
notify_sandbox_create() {
    command -v python3 >/dev/null \
        || { echo "python3 is not installed"; exit 77; }
    sandbox_create
    trap 'sandbox_kill notify-listener; sandbox_stop' EXIT
    python3 "$SRCDIR/tests/lib/dgram-listener.py" "$SANDBOX/notify.sock" \
        "$SANDBOX/notify.log" "$SANDBOX/notify-listener.pid" \
        </dev/null >/dev/null 2>&1 &
    sandbox_wait_for test -s "$SANDBOX/notify-listener.pid"
}

# Starts the agent in the background, not detached, with extra options
# "$@".  WATCHDOG_PID must be the agent's own pid, so a shell exports its
# own pid and then becomes the agent.
notify_start_agent() {
    NOTIFY_SOCKET=$SANDBOX/notify.sock WATCHDOG_USEC=3000000 \
        sh -c 'WATCHDOG_PID=$$; export WATCHDOG_PID; exec "$@"' sh \
        "$BUILDDIR/agent/jstack-agent" --no-chdir --pidfile \
        --log-file="$SANDBOX/jstack-agent.log" \
        --state-dir="$SANDBOX/state" "$@" \
        </dev/null >"$SANDBOX/agent.stderr" 2>&1 &
    sandbox_wait_for test -s "$SANDBOX/jstack-agent.pid"
}

# Prints every message received so far.
notify_messages() {
    cat "$SANDBOX/notify.log"
}

# Succeeds if a message contains the fixed string $1.
notify_has() {
    grep -qF -- "$1" "$SANDBOX/notify.log"
}

# Waits for a message containing the fixed string $1.
notify_wait_for() {
    sandbox_wait_for grep -qF -- "$1" "$SANDBOX/notify.log" \
        || { notify_messages >&2; return 1; }
}

# Waits until $2 messages contain the fixed string $1.
notify_wait_for_count() {
    sandbox_wait_for sh -c \
        "[ \$(grep -cF -- '$1' '$SANDBOX/notify.log') -ge $2 ]" \
        || { notify_messages >&2; return 1; }
}

# Checks that WATCHDOG=1 pings came, at least 4 of them, every $1 seconds
# (within -10 % and +30 %).
notify_check_watchdog() {
    grep 'WATCHDOG=1' "$SANDBOX/notify.log" | cut -f1 | python3 -c '
import sys
period = float(sys.argv[1])
times = [float(line) for line in sys.stdin]
gaps = [b - a for a, b in zip(times, times[1:])]
print("watchdog pings: %d, gaps %s" % (len(times),
                                       " ".join("%.3f" % g for g in gaps)))
assert len(times) >= 4, "too few pings"
assert all(0.9 * period <= g <= 1.3 * period for g in gaps), "bad rate"
' "$1"
}
