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
    sandbox_kill http-server
    sandbox_kill jstack-agent
    sandbox_kill ovs-vswitchd
    sandbox_kill ovsdb-server
    rm -rf "$SANDBOX"
}

# Starts the seed-000 example as host 10.10.10.2: a sandbox OVS with br0,
# the seed's two local VM interfaces (compute1_ns on ofport 3,
# compute1_ns_2 on ofport 4), the document in $SANDBOX/subnets.json served
# as file://, and the agent with extra options "$@", polling every 200 ms.
# Waits until the bridge equals the desired state.
sandbox_start_example() {
    sandbox_create
    sandbox_start_ovs br0
    sandbox_add_vif br0 compute1_ns 3
    sandbox_add_vif br0 compute1_ns_2 4
    cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/subnets.json"
    ovs-vsctl set Open_vSwitch . \
        external_ids:jstack-encap-ip=10.10.10.2 \
        external_ids:jstack-controller="file://$SANDBOX/subnets.json" \
        external_ids:jstack-poll-interval=200
    sandbox_start_agent "$@"
    sandbox_wait_synced
}

# Runs ovs-appctl against the agent.
agent_ctl() {
    ovs-appctl -t jstack-agent "$@"
}

# Succeeds if the agent's bridge equals its desired state.
agent_synced() {
    agent_ctl status | grep -q '^desired state #' \
        && agent_ctl status | grep -q '^bridge connection: connected (' \
        && [ -z "$(agent_ctl flows/diff)" ]
}

# Prints the number of the agent's current desired state.
agent_desired_seqno() {
    agent_ctl status | sed -n 's/^desired state #\([0-9]*\):.*/\1/p'
}

# Waits until the agent's bridge equals its desired state and that state
# has settled (plumbing done in OVSDB can bring a new computation right
# after a first sync): in sync, and the same desired state 0.3 s later.
sandbox_wait_synced() {
    local deadline=$(( $(date +%s) + ${SANDBOX_TIMEOUT:-10} )) seqno
    while [ "$(date +%s)" -lt "$deadline" ]; do
        if agent_synced; then
            seqno=$(agent_desired_seqno)
            sleep 0.3
            if agent_synced && [ "$(agent_desired_seqno)" = "$seqno" ]; then
                return 0
            fi
        fi
        sleep 0.1
    done
    echo "timed out waiting for the bridge to be in sync" >&2
    agent_ctl status >&2
    agent_ctl flows/diff >&2
    return 1
}

# Prints a status counter: the number after "$1: " in "status".
agent_counter() {
    agent_ctl status | sed -n "s/.*$1: \([0-9]*\).*/\1/p" | head -n 1
}

# Prints the bridge's flows as "flows/desired" prints them, sorted.
bridge_flows() {
    ovs-ofctl -O OpenFlow13 --no-stats dump-flows "${1:-br0}" \
        | sed 's/^ //' | grep -v '^OFPST_FLOW' | LC_ALL=C sort
}

# Prints the agent's desired flows (not groups or meters), sorted.
agent_flows() {
    agent_ctl flows/desired | grep -v '^group_id=\|^meter=' | LC_ALL=C sort
}

# Edits the document with the Python expression $1, applied to 'doc' (the
# parsed JSON), e.g. "doc['Result']['subnets'][0]['ports'].pop()".
edit_document() {
    python3 - "$SANDBOX/subnets.json" "$1" <<'PY'
import json, os, sys
path, expression = sys.argv[1], sys.argv[2]
with open(path) as f:
    doc = json.load(f)
subnets = doc['Result']['subnets']
exec(expression)
with open(path + '.tmp', 'w') as f:
    json.dump(doc, f, indent=1)
os.rename(path + '.tmp', path)
PY
}

# Starts the test controller (tests/lib/http-server.py) on loopback,
# serving $SANDBOX/doc.json (a copy of the seed document unless it exists
# already), with extra options "$@"; sets $server to its base URL.
# sandbox_stop stops it.
sandbox_start_http_server() {
    [ -e "$SANDBOX/doc.json" ] \
        || cp "$SRCDIR/tests/fixtures/seed-000.json" "$SANDBOX/doc.json"
    python3 "$SRCDIR/tests/lib/http-server.py" \
        --document "$SANDBOX/doc.json" \
        --port-file "$SANDBOX/http-server.port" \
        --pidfile "$SANDBOX/http-server.pid" "$@" \
        </dev/null >/dev/null 2>"$SANDBOX/http-server.log" &
    sandbox_wait_for test -s "$SANDBOX/http-server.port"
    server=http://127.0.0.1:$(cat "$SANDBOX/http-server.port")
}

# Prints the body at URL $1.
http_get() {
    python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' "$1"
}

# Prints the test controller's counter $1 ("200", "304", ...).
server_count() {
    http_get "$server/stats" | sed -n "s/^$1 //p"
}

# Succeeds if the agent's log has a line matching $1.
log_has() {
    grep -q "$1" "$SANDBOX/jstack-agent.log"
}

# The id of the seed document's subnet.
SEED_SUBNET=1d05961d-e641-417e-8f19-803cae564547

# Succeeds if the agent's "status" has a line matching $1.
status_has() {
    agent_ctl status | grep -q "$1"
}

# Waits until the agent's model lists the seed document's subnet.
sandbox_wait_seed_model() {
    sandbox_wait_for sh -c \
        "ovs-appctl -t jstack-agent model/show | grep -q '^subnet $SEED_SUBNET '"
}

# Starts a sandbox OVS, the test controller serving the seed document at
# $server, and the agent fetching it as host 10.10.10.2 every 500 ms (extra
# agent options "$@"); waits until the agent knows the document.
sandbox_start_http_example() {
    command -v python3 >/dev/null \
        || { echo "python3 is not installed"; exit 77; }
    sandbox_create
    sandbox_start_ovs br0
    sandbox_start_http_server
    sandbox_start_agent --controller="$server/v1/subnets" \
        --encap-ip=10.10.10.2 --poll-interval=500 "$@"
    sandbox_wait_seed_model
}
