#!/bin/bash
# Runs every test tier and prints one summary line, "N passed, N failed"
# (", N skipped" when some were skipped), as the last line.
#
# usage: tests/run-tests.sh --srcdir DIR --builddir DIR
#            [--sanitizer-builddir DIR] [--tier TIER]...
#   TIER is unit, fuzz, functional, faults, system or sanitizers; the
#   default is all
#   of them.  The sanitizers tier runs the unit tests and the functional
#   tests (but those that build packages or run Helgrind) against the
#   sanitizer build (configure --enable-sanitizers); a test passes there
#   only if it passes and no ASan/UBSan report was written.
# Each functional/system test is a script that exits 0 (pass), 77 (skip,
# with a message saying why) or anything else (fail); its output goes to
# BUILDDIR/tests/logs/NAME.log and is shown when it fails.
set -u

srcdir=
builddir=
sanitizer_builddir=
tiers=()
while [ $# -gt 0 ]; do
    case $1 in
        --srcdir) srcdir=$2; shift 2 ;;
        --builddir) builddir=$2; shift 2 ;;
        --sanitizer-builddir) sanitizer_builddir=$2; shift 2 ;;
        --tier) tiers+=("$2"); shift 2 ;;
        *) echo "run-tests: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$srcdir" ] && [ -n "$builddir" ] || {
    echo "usage: $0 --srcdir DIR --builddir DIR [--tier TIER]..." >&2
    exit 2
}
[ ${#tiers[@]} -gt 0 ] || tiers=(unit fuzz functional faults system sanitizers)
srcdir=$(cd "$srcdir" && pwd)
builddir=$(cd "$builddir" && pwd)
[ -z "$sanitizer_builddir" ] \
    || sanitizer_builddir=$(cd "$sanitizer_builddir" && pwd)
logdir=$builddir/tests/logs
mkdir -p "$logdir"

passed=0
failed=0
skipped=0
failures=()

# Runs one test script $2 of tier $1 against build $4 with a time limit of
# $3 seconds; counts and reports its result.  With $5, a directory, the
# test fails also if a sanitizer wrote a report there.
run_script() {
    local tier=$1 script=$2 limit=$3 build=$4 reports=${5:-}
    local name log rc start
    name=$(basename "$script" .sh)
    log=$logdir/$tier-$name.log
    start=$(date +%s)
    SRCDIR=$srcdir BUILDDIR=$build timeout -k 10 "$limit" \
        bash "$script" "$build" "$srcdir" >"$log" 2>&1 </dev/null
    rc=$?
    if [ -n "$reports" ] && [ -n "$(ls -A "$reports" 2>/dev/null)" ]; then
        cat "$reports"/* >>"$log"
        echo "sanitizer reports: $(ls "$reports")" >>"$log"
        rc=99
    fi
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

# Runs the Check unit tests of build $2 as tier $1.
run_unit() {
    local tier=$1 build=$2
    local log=$logdir/$tier-unit.log rc line n f e
    CK_VERBOSITY=normal CK_DEFAULT_TIMEOUT=60 \
        "$build/tests/unit/check-unit" >"$log" 2>&1
    rc=$?
    cat "$log"
    line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1)); failures+=("$tier/unit (crashed, exit $rc)")
    else
        n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
        f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
        e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
        passed=$((passed + n - f - e))
        failed=$((failed + f + e))
        [ $((f + e)) -gt 0 ] && failures+=("$tier/unit ($f failures, $e errors)")
    fi
}

for tier in "${tiers[@]}"; do
    echo "== $tier tests"
    case $tier in
        unit)
            run_unit unit "$builddir"
            ;;
        fuzz)
            for script in "$srcdir"/tests/fuzz/run-*.sh; do
                [ -f "$script" ] || continue
                run_script fuzz "$script" 900 "$builddir"
            done
            ;;
        functional|faults|system)
            for script in "$srcdir"/tests/$tier/test-*.sh; do
                [ -f "$script" ] || continue
                run_script "$tier" "$script" 600 "$builddir"
            done
            ;;
        sanitizers)
            if [ -z "$sanitizer_builddir" ]; then
                skipped=$((skipped + 1))
                echo "SKIP: sanitizers: no --sanitizer-builddir given"
                continue
            fi
            reports=$logdir/sanitizer-reports
            rm -rf "$reports"
            mkdir -p "$reports"
            export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1"
            export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1"
            run_unit sanitizers "$sanitizer_builddir"
            if [ -n "$(ls -A "$reports")" ]; then
                cat "$reports"/*
                failed=$((failed + 1))
                failures+=("sanitizers/unit (sanitizer reports)")
            fi
            for script in "$srcdir"/tests/functional/test-*.sh; do
                case $script in
                    */test-package-*|*/test-distcheck.sh|*/test-snapshot-threads.sh)
                        continue ;;
                esac
                rm -rf "$reports"/*
                run_script sanitizers "$script" 600 "$sanitizer_builddir" \
                    "$reports"
            done
            unset ASAN_OPTIONS UBSAN_OPTIONS
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
