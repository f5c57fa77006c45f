#!/bin/bash
# Removing a rule cuts what it allowed within a second, also connections
# already established: a TCP 22 session that is sending a line every 0.1 s
# stops getting through once the TCP 22 rules leave the document, and ping
# stops once the ICMP rules leave it.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
command -v nc >/dev/null || { echo "nc is not installed"; exit 77; }
hosts_setup compute1_ns compute2_ns

target=$(vm_ip compute2_ns)
out=$HOSTS_DIR/session.out
bg_start listener vmx compute2_ns timeout 40 nc -l -p 22 >"$out" 2>&1
hosts_wait_for sh -c "ip netns exec $(vm_ns compute2_ns) ss -ltn \
    | grep -q ':22 '"
bg_start talker vmx compute1_ns sh -c \
    "for i in \$(seq 300); do echo line\$i; sleep 0.1; done \
     | timeout 40 nc -w 40 $target 22" >/dev/null 2>&1
hosts_wait_for sh -c "test \$(wc -l <'$out') -ge 10"
vmx compute1_ns ping -c 2 -W 1 "$target" >/dev/null

# The session is established; now take the TCP and ICMP rules away.
hosts_edit_document "
for s in subnets:
    for sg in s['securitygroups']:
        sg['securitygroupRules'] = [r for r in sg['securitygroupRules']
                                    if r['proto'] not in (1, 6)]
"
for h in a b; do
    for _ in $(seq 50); do
        agent_ctl_on "$h" flows/desired | grep -q 'tp_dst=22' || break
        sleep 0.1
    done
done
agent_wait_synced a
agent_wait_synced b
sleep 1
lines=$(wc -l <"$out")
sleep 2
after=$(wc -l <"$out")
echo "session lines: $lines one second after the sync, $after two s later"
test "$after" -eq "$lines"
test "$lines" -lt 250
if vmx compute1_ns ping -c 3 -i 0.2 -W 1 "$target" >/dev/null; then
    echo "ping still passes without an ICMP rule" >&2
    exit 1
fi
echo "rule removal cut the established TCP session and ICMP"
