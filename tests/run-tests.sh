#!/bin/bash
# Runs every test tier and prints one summary line, "N passed, N failed"
# (", N skipped" when some were skipped), as the last line.
#
# usage: tests/run-tests.sh --srcdir DIR --builddir DIR [--tier TIER]...
#   TIER is unit, fuzz, functional or system; the default is all of them.
# Each functional/system test is a script that exits 0 (pass), 77 (skip,
# with a message saying why) or anything else (fail); its output goes to
# BUILDDIR/tests/logs/NAME.log and is shown when it fails.
set -u

srcdir=
builddir=
tiers=()
while [ $# -gt 0 ]; do
    case $1 in
        --srcdir) srcdir=$2; shift 2 ;;
        --builddir) builddir=$2; shift 2 ;;
        --tier) tiers+=("$2"); shift 2 ;;
        *) echo "run-tests: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$srcdir" ] && [ -n "$builddir" ] || {
    echo "usage: $0 --srcdir DIR --builddir DIR [--tier TIER]..." >&2
    exit 2
}
[ ${#tiers[@]} -gt 0 ] || tiers=(unit fuzz functional system)
srcdir=$(cd "$srcdir" && pwd)
builddir=$(cd "$builddir" && pwd)
logdir=$builddir/tests/logs
mkdir -p "$logdir"

passed=0
failed=0
skipped=0
failures=()

# Runs one test script; counts and reports its result.
run_script() {
    local tier=$1 script=$2 limit=$3
    local name log rc start
    name=$(basename "$script" .sh)
    log=$logdir/$name.log
    start=$(date +%s)
    SRCDIR=$srcdir BUILDDIR=$builddir timeout -k 10 "$limit" \
        bash "$script" "$builddir" "$srcdir" >"$log" 2>&1 </dev/null
    rc=$?
    local secs=$(( $(date +%s) - start ))
    case $rc in
        0) passed=$((passed + 1)); echo "PASS: $tier/$name (${secs}s)" ;;
        77) skipped=$((skipped + 1))
            echo "SKIP: $tier/$name: $(tail -n 1 "$log")" ;;
        *) failed=$((failed + 1)); failures+=("$tier/$name")
           [ $rc = 124 ] && echo "timed out after ${limit}s" >>"$log"
           echo "FAIL: $tier/$name (exit $rc, ${secs}s); last lines of $log:"
           tail -n 40 "$log" | sed 's/^/    /' ;;
    esac
}

for tier in "${tiers[@]}"; do
    echo "== $tier tests"
    case $tier in
        unit)
            log=$logdir/unit.log
            CK_VERBOSITY=normal CK_DEFAULT_TIMEOUT=60 \
                "$builddir/tests/unit/check-unit" >"$log" 2>&1
            rc=$?
            cat "$log"
            line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
            if [ -z "$line" ]; then
                failed=$((failed + 1)); failures+=("unit (crashed, exit $rc)")
            else
                n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
                f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
                e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
                passed=$((passed + n - f - e))
                failed=$((failed + f + e))
                [ $((f + e)) -gt 0 ] && failures+=("unit ($f failures, $e errors)")
            fi
            ;;
        fuzz)
            for script in "$srcdir"/tests/fuzz/run-*.sh; do
                [ -f "$script" ] || continue
                run_script fuzz "$script" 400
            done
            ;;
        functional|system)
            for script in "$srcdir"/tests/$tier/test-*.sh; do
                [ -f "$script" ] || continue
                run_script "$tier" "$script" 600
            done
            ;;
        *) echo "run-tests: unknown tier $tier" >&2; exit 2 ;;
    esac
done

if [ ${#failures[@]} -gt 0 ]; then
    echo "failed: ${failures[*]}"
fi
if [ $skipped -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
