#!/bin/bash
# The ovn-controller race (issue 17; docs/performance.md): the network of a
# jstack controller document, converted for OVN (tests/perf/ovn-convert.py),
# computed by ovn-northd and installed by ovn-controller from Debian's
# packages into a sandbox Open vSwitch (tests/lib/sandbox.sh, dummy
# datapath), as host LOCAL_TUNNEL_IP.  Measures ovn-controller from its
# start until its flows are installed and stable.
#
# usage: ovn-race.sh [--no-routers] DOCUMENT LOCAL_TUNNEL_IP
#        ovn-race.sh --install-only   (installs OVN as below, then exits)
#
# The last line is:
#   ovn: converge_ms=X northd_ms=Y cpu_s=Z flows=N rss_kb=R
# converge_ms: ovn-controller's start to its Chassis_Private.nb_cfg
#   reaching the NB sequence number set before it started (it reports a
#   number only once the flows computed with it are acknowledged by the
#   switch), or to a later change of br-int's flow count if one is seen
#   before the count stays the same for OVN_RACE_STABLE_S seconds (default
#   3); cpu_s: its user+system CPU seconds at that moment; rss_kb: its
#   VmRSS then; flows: br-int's flow count.
# northd_ms: ovn-northd's start to the Southbound reflecting the whole
#   Northbound (NB_Global.sb_cfg).
# Other figures (conversion, NB load, bindings) go to stderr as "ovn-race:".
#
# Installs ovn-central and ovn-host when missing (root needed for that
# only; no service is started).  Starts every daemon with a pidfile in its
# sandbox, stops exactly those and removes the sandbox at exit, also on
# failure.  OVN_RACE_KEEP=1 keeps the sandbox (printed) for inspection.
set -eu
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
routers=
install_only=false
if [ "${1:-}" = --install-only ]; then
    install_only=true
    set -- - -
elif [ "${1:-}" = --no-routers ]; then
    routers=--no-routers
    shift
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 [--no-routers] DOCUMENT LOCAL_TUNNEL_IP" >&2
    exit 2
fi
document=$1 local_ip=$2
stable_s=${OVN_RACE_STABLE_S:-3}
timeout_s=${OVN_RACE_TIMEOUT_S:-900}
chassis=jstack-ovn-race

say() {
    echo "ovn-race: $*" >&2
}

# Prints the pid and name of every ovn or Open vSwitch daemon running on
# the system's own databases and run directories (what a package's
# postinst would start): not the sandboxes of the tests running beside.
system_daemons() {
    local pid comm system_paths
    system_paths='/run/(openvswitch|ovn)|/etc/(openvswitch|ovn)'
    system_paths+='|/var/lib/(openvswitch|ovn)'
    ps -eo pid=,comm= | awk '$2 ~ /^(ovn-|ovsdb-server|ovs-vswitchd)/' \
        | while read -r pid comm; do
            if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null \
                | grep -Eq "$system_paths"
            then
                echo "$pid $comm"
            fi
        done
}

# Installs ovn-central and ovn-host if a program of theirs is missing,
# with a policy-rc.d that forbids starting any service; stops any daemon
# that appeared during the install anyway (by its pid), and puts back the
# machine's policy-rc.d.
install_ovn() {
    if command -v ovn-northd >/dev/null && command -v ovn-controller \
            >/dev/null && command -v ovn-nbctl >/dev/null \
            && [ -e /usr/share/ovn/ovn-nb.ovsschema ]; then
        return 0
    fi
    if [ "$(id -u)" != 0 ]; then
        say "ovn-central and ovn-host are not installed (root installs them)"
        exit 77
    fi
    local policy=/usr/sbin/policy-rc.d saved before after pid
    saved=$(mktemp -d)
    if [ -e "$policy" ]; then
        cp -p "$policy" "$saved/policy-rc.d"
    fi
    printf '#!/bin/sh\n# ovn-race.sh: start nothing.\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    before=$(system_daemons)
    say "installing ovn-central ovn-host"
    if ! apt_install_ovn >"$saved/log" 2>&1; then
        apt-get update -q >/dev/null 2>&1 || true
        apt_install_ovn >"$saved/log" 2>&1 \
            || { tail -20 "$saved/log" >&2; install_ovn_restore; exit 1; }
    fi
    install_ovn_restore
    after=$(system_daemons)
    for pid in $(comm -13 <(echo "$before" | awk '{print $1}' | sort) \
                          <(echo "$after" | awk '{print $1}' | sort)); do
        say "the install started $(echo "$after" | awk -v p="$pid" \
            '$1 == p {print $2}') (pid $pid): stopping it"
        kill "$pid" 2>/dev/null || true
    done
}

# Installs the two packages, waiting for the dpkg lock if another
# install runs.
apt_install_ovn() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        -o DPkg::Lock::Timeout=300 ovn-central ovn-host
}

# Puts back the policy-rc.d that install_ovn replaced (uses its $policy and
# $saved).
install_ovn_restore() {
    if [ -e "$saved/policy-rc.d" ]; then
        mv "$saved/policy-rc.d" "$policy"
    else
        rm -f "$policy"
    fi
    rm -rf "$saved"
}

install_ovn
if $install_only; then
    exit 0
fi

# The sandbox: tests/lib/sandbox.sh's Open vSwitch, plus the OVN daemons
# with their pidfiles, sockets, logs and databases in the same directory.
. "$srcdir/tests/lib/sandbox.sh"
SANDBOX_KEEP=1 sandbox_create
export OVN_RUNDIR=$SANDBOX OVN_LOGDIR=$SANDBOX OVN_DBDIR=$SANDBOX \
       OVN_SYSCONFDIR=$SANDBOX
nb=unix:$SANDBOX/nb.sock sb=unix:$SANDBOX/sb.sock

race_cleanup() {
    local status=$?
    if [ "${OVN_RACE_KEEP:-0}" = 1 ]; then
        say "sandbox kept: $SANDBOX"
        return
    fi
    sandbox_kill ovn-controller
    sandbox_kill ovn-northd
    sandbox_kill ovsdb-nb
    sandbox_kill ovsdb-sb
    sandbox_stop
    exit $status
}
trap race_cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

now_ms() {
    echo $(( $(date +%s%N) / 1000000 ))
}

# Starts the ovsdb-server of OVN database $1 ("nb" or "sb") from schema $2.
start_ovn_db() {
    ovsdb-tool create "$SANDBOX/$1.db" "$2"
    ovsdb-server --detach --no-chdir -vconsole:off \
        --pidfile="$SANDBOX/ovsdb-$1.pid" \
        --log-file="$SANDBOX/ovsdb-$1.log" \
        --unixctl="$SANDBOX/ovsdb-$1.ctl" \
        --remote="punix:$SANDBOX/$1.sock" "$SANDBOX/$1.db"
}

# Prints column $3 of the first row of table $2 in database $1 (a number),
# or nothing.
db_get() {
    local db=OVN_Northbound server=$nb
    if [ "$1" = sb ]; then
        db=OVN_Southbound server=$sb
    fi
    ovsdb-client transact "$server" "[\"$db\",{\"op\":\"select\",
        \"table\":\"$2\",\"where\":[],\"columns\":[\"$3\"]}]" 2>/dev/null \
        | sed -n "s/.*\"$3\":\([0-9]*\).*/\1/p"
}

# Waits until "db_get $1 $2 $3" prints at least $4; fails after the
# timeout.
wait_at_least() {
    local deadline=$(( $(date +%s) + timeout_s )) value
    while :; do
        value=$(db_get "$1" "$2" "$3")
        if [ -n "$value" ] && [ "$value" -ge "$4" ]; then
            return 0
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            say "timed out waiting for $2.$3 >= $4 (is ${value:-none})"
            return 1
        fi
        sleep 0.05
    done
}

# Bumps NB_Global.nb_cfg and prints the new value.
bump_nb_cfg() {
    ovsdb-client transact "$nb" '["OVN_Northbound",
        {"op":"mutate","table":"NB_Global","where":[],
         "mutations":[["nb_cfg","+=",1]]}]' >/dev/null
    db_get nb NB_Global nb_cfg
}

# Prints br-int's flow count.
flow_count() {
    ovs-ofctl -O OpenFlow15 dump-aggregate br-int 2>/dev/null \
        | sed -n 's/.*flow_count=\([0-9]*\).*/\1/p'
}

# Prints field $2 (as named in /proc/PID/status, e.g. VmRSS) of pid $1, kB.
proc_status_kb() {
    awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"
}

# Prints the user+system CPU seconds of pid $1.
cpu_seconds() {
    awk -v hz="$(getconf CLK_TCK)" '{
        sub(/^.*\) /, "");      # Drop "pid (comm) ", comm may hold spaces.
        printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}

# Conversion.
start=$(now_ms)
python3 "$srcdir/tests/perf/ovn-convert.py" $routers "$document" \
    "$local_ip" "$SANDBOX/converted"
say "converted in $(( $(now_ms) - start )) ms:" \
    $(tr ' \n' '= ' <"$SANDBOX/converted/summary.txt")

# Databases, and the Northbound loaded in one transaction.
start_ovn_db nb /usr/share/ovn/ovn-nb.ovsschema
start_ovn_db sb /usr/share/ovn/ovn-sb.ovsschema
load_ms=$(python3 "$srcdir/tests/perf/ovn-transact.py" "$SANDBOX/nb.sock" \
          "$SANDBOX/converted/nb.json")
say "NB loaded in $load_ms ms"
chassis_ms=$(python3 "$srcdir/tests/perf/ovn-transact.py" \
             "$SANDBOX/sb.sock" "$SANDBOX/converted/sb-chassis.json")
say "fake chassis inserted in $chassis_ms ms"

# ovn-northd computes the Southbound.
start=$(now_ms)
ovn-northd --detach --no-chdir -vconsole:off \
    --pidfile="$SANDBOX/ovn-northd.pid" \
    --log-file="$SANDBOX/ovn-northd.log" \
    --unixctl="$SANDBOX/ovn-northd.ctl" \
    --ovnnb-db="$nb" --ovnsb-db="$sb"
wait_at_least nb NB_Global sb_cfg "$(bump_nb_cfg)"
northd_ms=$(( $(now_ms) - start ))
say "northd computed the SB in $northd_ms ms"

# Remote ports bound to their fake chassis; the sequence number that
# ovn-controller must reach covers the bindings.
bind_ms=$(python3 "$srcdir/tests/perf/ovn-transact.py" --bind \
          "$SANDBOX/sb.sock" "$SANDBOX/converted/bindings.json")
target=$(bump_nb_cfg)
wait_at_least nb NB_Global sb_cfg "$target"
say "remote ports bound in $bind_ms ms; waiting for nb_cfg $target"

# The switch, with this host's VM interfaces.
sandbox_start_ovs br-int
ovs-vsctl set Bridge br-int protocols=OpenFlow13,OpenFlow15
ifaces=()
while read -r iface iface_id; do
    ifaces+=(-- add-port br-int "$iface"
             -- set Interface "$iface" type=dummy
                external_ids:iface-id="$iface_id")
done <"$SANDBOX/converted/local-ifaces.txt"
ovs-vsctl --timeout=600 "${ifaces[@]}"
ovs-vsctl set Open_Vswitch . external_ids:system-id="$chassis" \
    external_ids:ovn-remote="$sb" external_ids:ovn-encap-type=geneve \
    external_ids:ovn-encap-ip="$local_ip" \
    external_ids:ovn-bridge-datapath-type=dummy

# ovn-controller, measured.  Its report is awaited by a Southbound monitor
# set up before it starts (the server pushes each change; nothing polls
# while it computes and installs); from the report on, br-int's flow
# count is read every 0.5 s until it has not changed for $stable_s s (a
# change seen then moves convergence to it).  Counting the flows costs
# ovs-vswitchd a walk over all of them, so it waits for the report.
ready=$SANDBOX/nb-cfg-monitor.ready
timeout "$timeout_s" python3 "$srcdir/tests/perf/ovn-transact.py" \
    --wait-nb-cfg "$chassis" "$target" "$ready" "$SANDBOX/sb.sock" \
    >"$SANDBOX/nb-cfg-reached" &
waiter=$!
sandbox_wait_for test -e "$ready"
start=$(now_ms)
ovn-controller --detach --no-chdir -vconsole:off \
    --pidfile="$SANDBOX/ovn-controller.pid" \
    --log-file="$SANDBOX/ovn-controller.log" "unix:$SANDBOX/db.sock"
pid=$(sandbox_pid ovn-controller)
deadline=$(( $(date +%s) + timeout_s ))
# Exits with ovn-controller's last log lines if it is gone (stopping the
# nb_cfg waiter too).
check_alive() {
    if ! kill -0 "$pid" 2>/dev/null; then
        kill "$waiter" 2>/dev/null
        say "ovn-controller died"
        tail -20 "$SANDBOX/ovn-controller.log" >&2
        exit 1
    fi
}
while kill -0 "$waiter" 2>/dev/null; do
    check_alive
    sleep 0.5
done
if ! wait "$waiter"; then
    say "ovn-controller did not report nb_cfg $target in $timeout_s s:" \
        "$(flow_count) flows, $(cpu_seconds "$pid") CPU s," \
        "$(proc_status_kb "$pid" VmRSS) kB RSS"
    tail -5 "$SANDBOX/ovn-controller.log" >&2
    exit 1
fi
reported_ms=$(( $(cat "$SANDBOX/nb-cfg-reached") - start ))
cpu_s=$(cpu_seconds "$pid")
rss_kb=$(proc_status_kb "$pid" VmRSS)
last_flows=$(flow_count)
last_change_ms=$reported_ms
say "ovn-controller reported nb_cfg $target after $reported_ms ms" \
    "(${last_flows:-?} flows)"
while :; do
    sleep 0.5
    check_alive
    t=$(( $(now_ms) - start ))
    flows=$(flow_count)
    if [ "${flows:-x}" != "${last_flows:-y}" ]; then
        last_flows=$flows last_change_ms=$t
        cpu_s=$(cpu_seconds "$pid")
        rss_kb=$(proc_status_kb "$pid" VmRSS)
    elif [ $(( t - last_change_ms )) -ge $(( stable_s * 1000 )) ]; then
        break
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        say "ovn-controller's flows did not settle in $timeout_s s:" \
            "$flows flows"
        exit 1
    fi
done
converge_ms=$last_change_ms
say "tunnels: $(ovs-vsctl --columns=name find Interface type=geneve \
    | grep -c name) geneve ports; CPU after the stable period:" \
    "$(cpu_seconds "$pid") s"
echo "ovn: converge_ms=$converge_ms northd_ms=$northd_ms cpu_s=$cpu_s" \
     "flows=$last_flows rss_kb=$rss_kb"
