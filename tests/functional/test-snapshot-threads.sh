#!/bin/bash
# Two threads read the host snapshot while the main thread replaces it
# 2,000 times (tests/snapshot-race.c), under Helgrind: no data race, no
# lock-order problem, and the readers never see a half-built snapshot.
set -eu
BUILDDIR=${BUILDDIR:-${1:-.}}
SRCDIR=${SRCDIR:-${2:-.}}
command -v valgrind >/dev/null || { echo "skip: valgrind not installed"; \
                                    exit 77; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
valgrind --tool=helgrind --error-exitcode=3 --log-file="$log" \
    "$BUILDDIR/tests/snapshot-race" "$SRCDIR/tests/fixtures/seed-000.json" \
    2000
grep -E 'ERROR SUMMARY' "$log"
grep -q 'ERROR SUMMARY: 0 errors' "$log" || { cat "$log"; exit 1; }
