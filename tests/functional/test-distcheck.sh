#!/bin/bash
# "make distcheck" passes: the tarball carries everything the build, the
# unit tier and "make install" need (the unit tier only: CHECK_TIERS=unit in
# AM_DISTCHECK_CONFIGURE_FLAGS), and uninstall and distclean leave nothing.
set -eu
version=$(sed -n 's/^VERSION = //p' "$BUILDDIR/Makefile")
trap 'rm -f "$BUILDDIR/jstack-agent-$version.tar.gz"' EXIT
make -C "$BUILDDIR" distcheck >"$BUILDDIR/tests/logs/distcheck.out" 2>&1 \
    || { tail -40 "$BUILDDIR/tests/logs/distcheck.out"; exit 1; }
grep -E '^[0-9]+ passed, 0 failed' "$BUILDDIR/tests/logs/distcheck.out"
grep -q "jstack-agent-$version archives ready for distribution" \
    "$BUILDDIR/tests/logs/distcheck.out"
echo "make distcheck OK"
