# Sourced by the ofproto/trace functional tests: a sandbox ovs-vswitchd
# (tests/lib/sandbox.sh) with bridge br0, the pipeline-dump program, and
# helpers to install what it computes and to count failed checks.
#
# A test sources it as '. "$(dirname "$0")/../lib/trace.sh"'; it sets
# BUILDDIR and SRCDIR from the test's arguments "[BUILDDIR [SRCDIR]]" or
# the environment.

BUILDDIR=$(cd "${1:-${BUILDDIR:-.}}" && pwd)
SRCDIR=$(cd "${2:-${SRCDIR:-$(dirname "$0")/../..}}" && pwd)
export BUILDDIR SRCDIR

for tool in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl \
            ovs-appctl; do
    command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; \
                                       exit 77; }
done
[ -f /usr/share/openvswitch/vswitch.ovsschema ] \
    || { echo "skip: no vswitch.ovsschema"; exit 77; }
dump=$BUILDDIR/tests/pipeline-dump
[ -x "$dump" ] || { echo "skip: $dump not built (make check)"; exit 77; }

# The sandbox: private rundir/dbdir/logdir, daemons stopped by pidfile and
# the directory removed by a trap, whatever happens.
. "$SRCDIR/tests/lib/sandbox.sh"
sandbox_create
sandbox_start_ovs br0 || { echo "FAIL: cannot start OVS"; exit 1; }

OF="ovs-ofctl -O OpenFlow13"
failures=0

# Reports a failed check (and keeps going).
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# Installs what pipeline-dump wrote to $SANDBOX/desired.txt into br0
# (meters and groups first: flows refer to them; flows in one bundle), and
# checks that the switch dumps the flows back exactly as
# desired_table_format() printed them.  Leaves the parts in
# $SANDBOX/{flows,groups,meters}.txt.
trace_install_desired() {
    grep '^meter=' "$SANDBOX/desired.txt" >"$SANDBOX/meters.txt"
    grep '^group_id=' "$SANDBOX/desired.txt" >"$SANDBOX/groups.txt"
    grep -v '^group_id=\|^meter=' "$SANDBOX/desired.txt" \
        >"$SANDBOX/flows.txt"
    echo "desired: $(wc -l <"$SANDBOX/flows.txt") flows," \
         "$(wc -l <"$SANDBOX/groups.txt") groups," \
         "$(wc -l <"$SANDBOX/meters.txt") meters"
    local meter
    while read -r meter; do
        $OF add-meter br0 "$meter" || fail "add-meter $meter"
    done <"$SANDBOX/meters.txt"
    $OF add-groups br0 "$SANDBOX/groups.txt" || fail "add-groups"
    $OF --bundle add-flows br0 "$SANDBOX/flows.txt" || fail "add-flows"
    $OF dump-flows --no-stats br0 | sed 's/^ //' | sort \
        >"$SANDBOX/dumped.txt"
    sort "$SANDBOX/flows.txt" | diff -u - "$SANDBOX/dumped.txt" \
        || fail "dump-flows differs from the desired flows"
}
