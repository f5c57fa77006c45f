#!/bin/bash
# Removing a member from a remote group cuts that member's established
# connections, and only its: compute1_ns (host a) accepts TCP 5001-5002
# only from the members of group sg-clients, compute2_ns and compute2_ns_2
# (host b), each sending a line every 0.1 s to its own port.  Once the
# document takes compute2_ns out of sg-clients, its session stops getting
# through within a second or two, while compute2_ns_2's keeps going.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
command -v nc >/dev/null || { echo "nc is not installed"; exit 77; }
hosts_setup compute1_ns compute2_ns compute2_ns_2

# The seed group lets every VM open TCP toward the subnet (so that the
# egress side never decides); sg-target admits TCP 5001-5002 from
# sg-clients.
hosts_edit_document "
s = subnets[0]
seed = s['securitygroups'][0]
seed['securitygroupRules'].append(dict(
    direction=1, type=0, proto=6, ipPrefix='172.16.1.0/24', ipVersion=0,
    portStart=0, portEnd=0, remoteGroupId=None))
s['securitygroups'].append(dict(id='sg-clients', securitygroupRules=[]))
s['securitygroups'].append(dict(id='sg-target', securitygroupRules=[dict(
    direction=0, type=0, proto=6, ipPrefix='', ipVersion=0,
    portStart=5001, portEnd=5002, remoteGroupId='sg-clients')]))
for p in s['ports']:
    if p['deviceId'] == 'compute1_ns':
        p['securitygroupIds'].append('sg-target')
    if p['deviceId'] in ('compute2_ns', 'compute2_ns_2'):
        p['securitygroupIds'].append('sg-clients')
"
# Succeeds if host a's agent wants the member check of compute2_ns.
member_check_on_a() {
    agent_ctl_on a flows/desired | grep -q 'priority=1500,ip,nw_src=172.16.1.3 '
}
hosts_wait_for member_check_on_a
agent_wait_synced a
agent_wait_synced b

target=$(vm_ip compute1_ns)
removed=$HOSTS_DIR/removed.out
kept=$HOSTS_DIR/kept.out
bg_start listen1 vmx compute1_ns timeout 40 nc -l -p 5001 >"$removed" 2>&1
bg_start listen2 vmx compute1_ns timeout 40 nc -l -p 5002 >"$kept" 2>&1
hosts_wait_for sh -c "ip netns exec $(vm_ns compute1_ns) ss -ltn \
    | grep -q ':5002 '"
for pair in compute2_ns:5001 compute2_ns_2:5002; do
    bg_start "talk-${pair%%:*}" vmx "${pair%%:*}" sh -c \
        "for i in \$(seq 300); do echo line\$i; sleep 0.1; done \
         | timeout 40 nc -w 40 $target ${pair##*:}" >/dev/null 2>&1
done
hosts_wait_for sh -c "test \$(wc -l <'$removed') -ge 10 \
                      && test \$(wc -l <'$kept') -ge 10"

# Both sessions are established; now compute2_ns leaves sg-clients.
hosts_edit_document "
for p in subnets[0]['ports']:
    if p['deviceId'] == 'compute2_ns':
        p['securitygroupIds'].remove('sg-clients')
"
for _ in $(seq 50); do
    member_check_on_a || break
    sleep 0.1
done
agent_wait_synced a
sleep 1
removed1=$(wc -l <"$removed")
kept1=$(wc -l <"$kept")
sleep 2
removed2=$(wc -l <"$removed")
kept2=$(wc -l <"$kept")
echo "removed member: $removed1 lines one second after the sync," \
     "$removed2 two s later; kept member: $kept1, then $kept2"
test "$removed2" -eq "$removed1"
test "$removed1" -lt 250
test "$kept2" -ge $((kept1 + 10))
echo "removing the member cut its session and kept the other member's"
