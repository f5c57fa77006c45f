#!/bin/sh
# Builds the libFuzzer harnesses, each with the lib/ sources it tests
# compiled in and linked against the non-instrumented libopenvswitch.a, and
# runs them one after the other, each for SECONDS:
#   fuzz-model     the document parser (lib/model.c, lib/json-reader.c,
#                  lib/host-view.c)
#   fuzz-json-reader  the JSON reader against OVS's parser
#                  (lib/json-reader.c)
#   fuzz-dhcp      the DHCP codec (lib/dhcp.c)
#   fuzz-vr-probe  virtual-router probe replies and liveness
#                  (lib/vr-probe.c, lib/vr-liveness.c)
#   fuzz-settings  the settings from OVSDB and the command line
#                  (lib/settings.c)
#   fuzz-metadata  a VM's headers through the metadata proxy's filter
#                  (lib/metadata.c)
# Each reads its seeds from tests/fuzz/corpus-NAME.
#
# usage: tests/fuzz/run-fuzz.sh SRCDIR BUILDDIR [SECONDS]
#   SRCDIR and BUILDDIR may come in either order (tests/run-tests.sh passes
#   BUILDDIR first) or from the SRCDIR/BUILDDIR environment variables.
#   SECONDS, each harness's time, defaults to 60 (or $FUZZ_SECONDS); for a
#   long run on demand, e.g. FUZZ_SECONDS=14400 (four hours each).
#
# Exits 0 and prints "fuzz-NAME: N runs, no crash" per harness on success,
# 77 if no libFuzzer-capable clang is available, and 1 on a crash or build
# failure; the crashing input is left in BUILDDIR/tests/fuzz/.
set -u

a=${1:-${SRCDIR:-}}
b=${2:-${BUILDDIR:-}}
seconds=${3:-${FUZZ_SECONDS:-60}}
if [ -f "$a/lib/model.c" ] && [ -f "$b/Makefile" ]; then
    srcdir=$a builddir=$b
elif [ -f "$b/lib/model.c" ] && [ -f "$a/Makefile" ]; then
    srcdir=$b builddir=$a
else
    echo "usage: $0 SRCDIR BUILDDIR [SECONDS]" >&2
    exit 2
fi
case $seconds in
    ''|*[!0-9]*) echo "run-fuzz: SECONDS must be a number" >&2; exit 2 ;;
esac

# The configure results of the build tree: which clang, and how to compile
# and link against Open vSwitch.
make_var() {
    sed -n "s/^$1 = //p" "$builddir/Makefile" | head -n 1
}
clang=$(make_var CLANG)
[ -n "$clang" ] || clang=$(command -v clang 2>/dev/null || true)
if [ -z "$clang" ] || [ ! -x "$clang" ]; then
    echo "fuzz: skipped, clang is not installed"
    exit 77
fi
ovs_cppflags=$(make_var OVS_CPPFLAGS)
ovs_libs=$(make_var OVS_LIBS)
if [ -z "$ovs_cppflags" ] || [ -z "$ovs_libs" ]; then
    echo "run-fuzz: no OVS_CPPFLAGS/OVS_LIBS in $builddir/Makefile" >&2
    exit 1
fi

work=$builddir/tests/fuzz
mkdir -p "$work" || exit 1
srcdir=$(cd "$srcdir" && pwd)
work=$(cd "$work" && pwd)

# A clang without the libFuzzer runtime cannot build any harness: skip.
probe=$work/probe.c
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
    '{ (void) d; (void) n; return 0; }' >"$probe"
if ! "$clang" -fsanitize=fuzzer,address -o "$work/probe" "$probe" \
        >/dev/null 2>&1; then
    echo "fuzz: skipped, $clang cannot build libFuzzer targets"
    exit 77
fi
rm -f "$probe" "$work/probe"

# Builds harness fuzz-$1 from tests/fuzz/fuzz-$1.c and the lib/ sources
# "$3"..., and runs it for $2 seconds on its corpus.
fuzz_one() {
    name=$1 secs=$2 target=fuzz-$1
    shift 2
    for f in "$@"; do
        set -- "$@" "$srcdir/lib/$f"
        shift
    done
    # shellcheck disable=SC2086 # The flag lists are meant to be split.
    if ! "$clang" -fsanitize=fuzzer,address -std=gnu11 -g -O1 \
            -I"$srcdir/lib" $ovs_cppflags \
            -o "$work/$target" "$srcdir/tests/fuzz/$target.c" \
            "$@" $ovs_libs; then
        echo "run-fuzz: cannot build $target" >&2
        return 1
    fi

    # New inputs go to the build tree's corpus; the source tree's seeds are
    # only read.
    mkdir -p "$work/corpus-$name" || return 1
    log=$work/$target.log
    (cd "$work" && ASAN_OPTIONS=detect_leaks=1 "./$target" \
         -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
         -max_len=65536 -print_final_stats=1 \
         "$work/corpus-$name" "$srcdir/tests/fuzz/corpus-$name") \
        >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
    if [ $rc -ne 0 ] || [ -z "$runs" ]; then
        tail -n 60 "$log"
        echo "$target: crash (exit $rc); input and log in $work"
        return 1
    fi
    echo "$target: $runs runs, no crash"
}

status=0
fuzz_one model "$seconds" model.c json-reader.c host-view.c || status=1
fuzz_one json-reader "$seconds" json-reader.c || status=1
fuzz_one dhcp "$seconds" dhcp.c || status=1
fuzz_one vr-probe "$seconds" vr-probe.c vr-liveness.c || status=1
fuzz_one settings "$seconds" settings.c dhcp.c vr-liveness.c vr-probe.c \
    || status=1
fuzz_one metadata "$seconds" metadata.c || status=1
exit $status
