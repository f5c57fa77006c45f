#!/bin/bash
# The whole test suite from a fresh clone: sets up and builds (see
# scripts/setup.sh), then runs every tier.  The last line is the summary,
# "N passed, N failed".  Extra arguments select tiers: --tier unit, fuzz,
# functional, system or sanitizers (repeatable).  The sanitizers tier runs
# the unit and functional tests again against a second build with ASan and
# UBSan (_build-sanitizers), built against the same cached OVS library.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
builds=$("$top/scripts/setup.sh" --sanitizers | tail -n 2)
build=$(echo "$builds" | head -n 1)
sanitizer_build=$(echo "$builds" | tail -n 1)
exec "$top/tests/run-tests.sh" --srcdir "$top" --builddir "$build" \
    --sanitizer-builddir "$sanitizer_build" "$@"
