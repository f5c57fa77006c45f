#!/bin/bash
# The test document's security group allows ICMP and TCP 22 within the
# subnets: TCP 22 across hosts connects (checksums work on the userspace
# datapath with tx offload off), TCP 23 does not.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
command -v nc >/dev/null || { echo "nc is not installed"; exit 77; }
hosts_setup compute1_ns compute2_ns

target=$(vm_ip compute2_ns)
# Tries TCP port $1 from compute1_ns to compute2_ns; prints what arrived.
tcp_try() {
    bg_start "nc-$1" vmx compute2_ns timeout 6 nc -l -p "$1" \
        >"$HOSTS_DIR/nc-$1.out" 2>&1
    hosts_wait_for sh -c "ip netns exec $(vm_ns compute2_ns) ss -ltn \
        | grep -q ':$1 '"
    echo "hello $1" | vmx compute1_ns timeout 3 nc -N -w 2 "$target" "$1" \
        || true
    bg_wait "nc-$1" 10 || true
    cat "$HOSTS_DIR/nc-$1.out"
}
test "$(tcp_try 22)" = "hello 22"
test -z "$(tcp_try 23)"
echo "TCP 22 allowed, TCP 23 dropped by the security group"
