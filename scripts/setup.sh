#!/bin/bash
# Prepares a fresh Debian 12 machine and builds jstack-agent: installs the
# Debian packages it needs (when missing), builds libopenvswitch from
# openvswitch-source into a cache (once), then configures and builds the
# agent in _build/.  Prints the build directory as its last line.
#
# With --sanitizers it builds a second tree, _build-sanitizers/, configured
# with --enable-sanitizers (ASan and UBSan) against the same cached OVS
# library, and prints both directories, the sanitizer one last.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

packages=(
    # Build.
    gcc make autoconf automake libtool pkg-config python3
    # Open vSwitch: the library's source, and the daemons and tools the
    # functional and system tests run.
    openvswitch-source openvswitch-switch openvswitch-common
    libssl-dev libunbound-dev
    # The agent's own dependencies.
    libcurl4-openssl-dev libmicrohttpd-dev libmnl-dev libsystemd-dev check
    # Fuzzing (libFuzzer) and the system tests' tools.
    clang valgrind iproute2 tcpdump netcat-openbsd curl procps iputils-ping ethtool
    # DHCP clients for the DHCP system test.
    isc-dhcp-client busybox
    # The package tests: building, checking and installing the DEB, building
    # the RPM, verifying the unit, finding the man page.
    dpkg-dev debhelper lintian rpm systemd man-db
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
        | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    if [ "$(id -u)" != 0 ]; then
        echo "setup: run as root (or with sudo) to install packages" >&2
        exit 1
    fi
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >&2
fi

ovs_options=$("$top/scripts/build-ovs.sh")

cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] \
   || [ Makefile.am -nt configure ]; then
    autoreconf -fi >&2
fi
# Configures (when needed) and builds the tree $1 with configure options
# "$2..." and prints its path.
build_tree() {
    local build=$1
    shift
    mkdir -p "$build"
    (
        cd "$build"
        # shellcheck disable=SC2086
        if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] \
           || ! grep -q -- "${ovs_options##* }" config.log 2>/dev/null; then
            "$top/configure" $ovs_options "$@" >configure.out 2>&1 \
                || { tail -30 configure.out >&2; exit 1; }
        fi
        make -j"$(nproc)" all check-programs >&2
    ) || exit 1
    echo "$build"
}

build_tree "$top/_build"
if [ "${1:-}" = --sanitizers ]; then
    build_tree "$top/_build-sanitizers" --enable-sanitizers
fi
