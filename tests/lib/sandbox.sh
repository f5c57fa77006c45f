# Sourced by the functional tests and scripts/run-example.sh: a throw-away
# Open vSwitch (ovsdb-server + ovs-vswitchd, dummy datapath) in a private
# rundir, and the agent running against it.  Every process is started with a
# pidfile in the sandbox and stopped by that pidfile; nothing else is
# touched.  No root is needed.
#
# Needs: BUILDDIR (the agent's build directory).

# Creates the sandbox directory $1 (default: a new temporary one) and points
# every OVS tool at it.  Arranges for sandbox_stop at exit unless told
# otherwise with SANDBOX_KEEP=1.
sandbox_create() {
    SANDBOX=${1:-$(mktemp -d "${TMPDIR:-/tmp}/jstack-sandbox.XXXXXX")}
    mkdir -p "$SANDBOX"
    SANDBOX=$(cd "$SANDBOX" && pwd)
    export OVS_RUNDIR=$SANDBOX OVS_LOGDIR=$SANDBOX OVS_DBDIR=$SANDBOX \
           OVS_SYSCONFDIR=$SANDBOX
    if [ "${SANDBOX_KEEP:-0}" != 1 ]; then
        trap sandbox_stop EXIT
    fi
}

# Runs "$@" every 0.1 s until it succeeds, for at most $SANDBOX_TIMEOUT
# seconds (default 10).  Returns 1 on timeout.
sandbox_wait_for() {
    local deadline=$(( $(date +%s) + ${SANDBOX_TIMEOUT:-10} ))
    while ! "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "timed out waiting for: $*" >&2
            return 1
        fi
        sleep 0.1
    done
}

# Starts ovsdb-server and ovs-vswitchd (dummy datapath) and creates bridge
# $1 (default br0) as the agent wants it: OpenFlow 1.3, fail_mode secure.
sandbox_start_ovs() {
    local bridge=${1:-br0}
    ovsdb-tool create "$SANDBOX/conf.db" \
        /usr/share/openvswitch/vswitch.ovsschema || return 1
    ovsdb-server --detach --no-chdir --pidfile --log-file \
        --remote="punix:$SANDBOX/db.sock" "$SANDBOX/conf.db" || return 1
    ovs-vsctl --no-wait init || return 1
    sandbox_start_vswitchd || return 1
    ovs-vsctl add-br "$bridge" \
        -- set Bridge "$bridge" datapath_type=dummy fail_mode=secure \
           protocols=OpenFlow13 || return 1
}

# Starts ovs-vswitchd alone (also used to restart it).
sandbox_start_vswitchd() {
    ovs-vswitchd --enable-dummy --disable-system --detach --no-chdir \
        --pidfile --log-file "unix:$SANDBOX/db.sock"
}

# Adds a VM interface $2 with ofport $3 to bridge $1; optional $4 sets
# external_ids:iface-id.
sandbox_add_vif() {
    local bridge=$1 name=$2 ofport=$3 iface_id=${4:-}
    ovs-vsctl add-port "$bridge" "$name" \
        -- set Interface "$name" type=dummy ofport_request="$ofport" \
        ${iface_id:+-- set Interface "$name" external_ids:iface-id="$iface_id"}
}

# Starts the agent in the background with extra options "$@".
sandbox_start_agent() {
    "$BUILDDIR/agent/jstack-agent" --detach --no-chdir --pidfile \
        --log-file="$SANDBOX/jstack-agent.log" \
        --state-dir="$SANDBOX/state" "$@"
}

# Prints the pid recorded in pidfile $1 if that process is alive.
sandbox_pid() {
    local pid
    pid=$(cat "$SANDBOX/$1.pid" 2>/dev/null) || return 1
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Stops the process of pidfile $1 (e.g. "ovs-vswitchd"), waiting for it.
sandbox_kill() {
    local pid
    pid=$(sandbox_pid "$1") || return 0
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
}

# Stops every daemon of the sandbox and removes it.
sandbox_stop() {
    [ -n "${SANDBOX:-}" ] && [ -d "$SANDBOX" ] || return 0
    sandbox_kill jstack-agent
    sandbox_kill ovs-vswitchd
    sandbox_kill ovsdb-server
    rm -rf "$SANDBOX"
}
