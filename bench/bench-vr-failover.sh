#!/bin/bash
# Virtual-router failover benchmark (not a test; root): the emulated hosts
# of the system tests (tests/lib/hosts.sh) with routers r and r2 reflecting
# probes (tests/lib/vr-reflector.sh), default settings (interval 1000 ms,
# 3 misses, 2 replies).  Each trial stops r's reflector, then starts it
# again, and reports from host a's agent log and status:
#   - last reply -> group_mod: from r's last accepted reply (the down
#     message's timestamp minus its "last reply N s ago") to the commit of
#     the bundle that takes r's bucket out (the log line that sends it plus
#     the sync's duration that "status" reports);
#   - bundle: that sync's duration;
#   - stop -> group_mod: from the end of the reflector's stop (its flows
#     deleted and the router's datapath revalidated, which takes a while:
#     the reflection stops somewhat before) to that commit;
#   - restart -> group_mod: from the reflector's start to the commit of the
#     bundle that puts r back (2 replies).
# Each trial also waits until dump-groups shows the change.
#
# usage: bench/bench-vr-failover.sh BUILDDIR [TRIALS]   (default 5)
set -eu
BUILDDIR=$(cd "$1" && pwd)
TRIALS=${2:-5}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
export SRCDIR BUILDDIR
. "$SRCDIR/tests/lib/hosts.sh"
. "$SRCDIR/tests/lib/vr-reflector.sh"
. "$SRCDIR/tests/lib/vr-traffic.sh"
hosts_require
HOSTS_R2=1 HOSTS_VR_REFLECT=1 hosts_setup compute1_ns >/dev/null
log=$HOSTS_DIR/a/jstack-agent.log
r_port=$(vr_tunnel_ofport a r)
r2_port=$(vr_tunnel_ofport a r2)

now_ms() {
    date +%s%3N
}

# Prints the time in ms since the epoch of agent log line $1.
log_ms() {
    date -d "$(echo "$1" | cut -d'|' -f1)" +%s%3N
}

# Prints the log lines of host a's agent after line $1.
log_after() {
    tail -n "+$(( $1 + 1 ))" "$log"
}

# Prints the first bundle line after the first line matching $2 among the
# log lines after line $1.
bundle_after() {
    log_after "$1" | sed -n "/$2/,\$p" | grep -m 1 'in one bundle$'
}

# Succeeds if host a's select group holds exactly the ofports "$@".
group_is() {
    [ "$(vr_group_buckets a | tr '\n' ' ')" = "$* " ]
}

# Prints "min median max" of the numbers "$@".
stats() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
        END { printf "%d %d %d\n", v[1], v[int((NR + 1) / 2)], v[NR] }'
}

hosts_wait_for group_is "$r_port" "$r2_port"
# Prints how long the last bridge sync of host a's agent took, in ms.
sync_ms() {
    agent_ctl_on a status \
        | sed -n 's/^last bridge sync: took \([0-9]*\) ms.*/\1/p'
}

echo "trial  last-reply->group_mod  bundle  stop->group_mod" \
     " restart->group_mod (ms)"
declare -a from_reply took from_stop back
for trial in $(seq "$TRIALS"); do
    # Stop at a random point of the probe cycle.
    sleep "0.$(( RANDOM % 10 ))"
    mark=$(wc -l <"$log")
    vr_reflector_stop r
    stopped=$(now_ms)
    hosts_wait_for group_is "$r2_port"
    hosts_wait_for bundle_after "$mark" 'virtual router 10.10.10.4 is down'
    down=$(log_after "$mark" | grep -m 1 'virtual router 10.10.10.4 is down')
    age=$(echo "$down" | sed -n 's/.*last reply \([0-9.]*\) s ago.*/\1/p')
    bundle=$(bundle_after "$mark" 'virtual router 10.10.10.4 is down')
    took+=($(sync_ms))
    bundle=$(( $(log_ms "$bundle") + ${took[-1]} ))
    last_reply=$(( $(log_ms "$down") - 10#${age/./} ))

    mark=$(wc -l <"$log")
    restarted=$(now_ms)
    vr_reflector_start r
    hosts_wait_for group_is "$r_port" "$r2_port"
    hosts_wait_for bundle_after "$mark" 'virtual router 10.10.10.4 is up again'
    up=$(bundle_after "$mark" 'virtual router 10.10.10.4 is up again')
    up=$(( $(log_ms "$up") + $(sync_ms) ))

    from_reply+=($(( bundle - last_reply )))
    from_stop+=($(( bundle - stopped )))
    back+=($(( up - restarted )))
    printf '%5d  %21d  %6d  %15d  %19d\n' "$trial" "${from_reply[-1]}" \
        "${took[-1]}" "${from_stop[-1]}" "${back[-1]}"
done
echo "min/median/max:"
echo "  last reply -> group_mod: $(stats "${from_reply[@]}")"
echo "  stop -> group_mod:       $(stats "${from_stop[@]}")"
echo "  bundle:                  $(stats "${took[@]}")"
echo "  restart -> group_mod:    $(stats "${back[@]}")"
