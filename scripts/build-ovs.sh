#!/bin/sh
# Builds Open vSwitch's libopenvswitch from Debian's openvswitch-source
# tarball into a cache directory, and prints the two configure options that
# point jstack-agent at it.  A build already in the cache is reused.
#
# Usage: scripts/build-ovs.sh [CACHE_DIR]
#   CACHE_DIR defaults to $JSTACK_OVS_CACHE or ~/.cache/jstack-agent.
#   $JSTACK_OVS_TARBALL names another OVS source tarball (the RPM build
#   passes its Source1); the cache is keyed by the tarball's hash, so the
#   same tarball reuses the same build.
set -eu

tarball=${JSTACK_OVS_TARBALL:-/usr/src/openvswitch/openvswitch.tar.gz}
cache=${1:-${JSTACK_OVS_CACHE:-${HOME:-/root}/.cache/jstack-agent}}

if [ ! -f "$tarball" ]; then
    echo "build-ovs: $tarball is missing; install it with:" >&2
    echo "    apt-get install openvswitch-source" >&2
    exit 1
fi

# The configure options are part of the cache key (the "-p1" suffix).
stamp=$(sha256sum "$tarball" | cut -c1-12)-p1
src=$cache/ovs-$stamp/src
build=$cache/ovs-$stamp/build

if [ -f "$build/lib/.libs/libopenvswitch.a" ] \
   && [ -f "$build/.jstack-built" ]; then
    echo "--with-ovs-source=$src --with-ovs-build=$build"
    exit 0
fi

rm -rf "$cache/ovs-$stamp"
mkdir -p "$src" "$build"
tar -xzf "$tarball" -C "$src" --strip-components=1
(
    cd "$src"
    if [ ! -x configure ]; then
        ./boot.sh
    fi
    cd "$build"
    "$src/configure" PYTHON3=/usr/bin/python3 --prefix=/usr \
        --localstatedir=/var --sysconfdir=/etc --enable-static \
        --disable-shared --disable-libcapng \
        --with-dbdir=/var/lib/openvswitch >"$build/configure.log" 2>&1 \
        || { tail -30 "$build/configure.log" >&2; exit 1; }
    jobs=$(nproc 2>/dev/null || echo 2)
    # Generated headers first, in their own run (the library's rules do not
    # order them), then the library.
    built=$(printf 'jstack-print-built:\n\t@echo $(BUILT_SOURCES)\n' \
            | make -s -f Makefile -f - jstack-print-built)
    make -j"$jobs" $built lib/ofp-errors.inc lib/ofp-msgs.inc \
        >"$build/make.log" 2>&1 || { tail -30 "$build/make.log" >&2; exit 1; }
    make -j"$jobs" lib/libopenvswitch.la >>"$build/make.log" 2>&1 \
        || { tail -30 "$build/make.log" >&2; exit 1; }
)
touch "$build/.jstack-built"
echo "--with-ovs-source=$src --with-ovs-build=$build"
