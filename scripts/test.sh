#!/bin/bash
# The whole test suite from a fresh clone: sets up and builds (see
# scripts/setup.sh), then runs every tier.  The last line is the summary,
# "N passed, N failed".  Extra arguments select tiers: --tier unit, fuzz,
# functional or system (repeatable).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$("$top/scripts/setup.sh" | tail -n 1)
exec "$top/tests/run-tests.sh" --srcdir "$top" --builddir "$build" "$@"
