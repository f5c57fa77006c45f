#!/bin/bash
# No flow_mod passes OpenFlow's 64 KiB: the agent programs a sandbox bridge
# (dummy datapath) for a document with a 10,000-member remote group and an
# address (10.1.0.10) that 801 rules of each of 8 local ports share, the
# document of test_flow_size_bound in tests/unit/test-secgroup.c.  The
# conjunctions on that address's flow (6408, over 100 KB in one flow) are
# spread over several priorities; the bundle is accepted, the bridge is in
# sync, and new connections whose conjunctions landed on each of those
# priorities are allowed (ofproto/trace).
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }

sandbox_create
sandbox_start_ovs br0
for i in $(seq 8); do
    sandbox_add_vif br0 "tap-l-$i" $((2 + i)) "l-$i"
done
python3 - "$SANDBOX/subnets.json" <<'PY'
import ipaddress, json, sys
shared = 400
ports = [dict(id='l-%d' % i, version=1, fixedip='10.1.255.%d' % i,
              deviceId='tap-l-%d' % i, mac='fa:16:3e:00:00:%02x' % i,
              host='10.20.0.1', type=0, securitygroupIds=['sg-l'])
         for i in range(1, 9)]
for i in range(10000):
    ports.append(dict(
        id='m-%d' % i, version=1,
        fixedip=str(ipaddress.ip_address('10.1.0.10') + 2 * i), deviceId='',
        mac='fa:16:3e:01:%02x:%02x' % (i >> 8, i & 0xff), host='10.20.0.2',
        type=0,
        securitygroupIds=['sg-r'] + (['g-%d' % j for j in range(shared)]
                                     if i == 0 else [])))
rules = [dict(direction=0, type=0, proto=6, ipVersion=0, portStart=1000,
              portEnd=2000, remoteGroupId='sg-r')]
for j in range(shared):
    rules.append(dict(direction=0, type=0, proto=6, ipVersion=0,
                      ipPrefix='10.1.0.10/32', portStart=3000 + j,
                      portEnd=3000 + j))
    rules.append(dict(direction=0, type=0, proto=6, ipVersion=0,
                      portStart=4000 + j, portEnd=4000 + j,
                      remoteGroupId='g-%d' % j))
groups = ([dict(id='sg-r', securitygroupRules=[])]
          + [dict(id='g-%d' % j, securitygroupRules=[])
             for j in range(shared)]
          + [dict(id='sg-l', securitygroupRules=rules)])
subnet = dict(id='big', version=1, vpcId='v', tenantId='t', metadata=1,
              vni=1, mtu=1450, network='10.1.0.0/16', dns=None, routers=None,
              dhcpPort=None, gatewayPorts=None, ports=ports,
              securitygroups=groups)
json.dump(dict(code=0, message='', Result=dict(subnets=[subnet])),
          open(sys.argv[1], 'w'))
PY
ovs-vsctl set Open_vSwitch . external_ids:jstack-encap-ip=10.20.0.1 \
    external_ids:jstack-controller="file://$SANDBOX/subnets.json" \
    external_ids:jstack-poll-interval=1000
start=$(date +%s.%N)
sandbox_start_agent
SANDBOX_TIMEOUT=50 sandbox_wait_synced
echo "in sync after $(echo "$(date +%s.%N) - $start" | bc 2>/dev/null \
      || echo '?') s"
agent_ctl status | grep 'bundles committed\|^installed\|^desired state'
agent_ctl status | grep -q '^bundles committed: [1-9][0-9]*, discarded: 0'
test -z "$(agent_ctl flows/diff)"
bridge_flows >"$SANDBOX/flows.txt"
echo "$(wc -l <"$SANDBOX/flows.txt") flows on the bridge"

# The address's flow: split, every part within the bound.
grep ' table=55, priority=[0-9]*,ip,nw_src=10.1.0.10 actions=' \
    "$SANDBOX/flows.txt" >"$SANDBOX/shared.txt"
awk -F'conjunction[(]' '{ n += NF - 1; if (NF - 1 > 3000) big++ }
    END { print n " conjunction() actions on " NR " flows"; exit big > 0 }' \
    "$SANDBOX/shared.txt"
test "$(wc -l <"$SANDBOX/shared.txt")" -ge 4

# For each priority that l-1's rules (reg7=0x3) use in table 55 below 1000,
# a TCP port whose rule conjunction is there: "PRIORITY PORT ID".
python3 - "$SANDBOX/flows.txt" >"$SANDBOX/tiers.txt" <<'PY'
import re, sys
clause1, ports = {}, {}
for line in open(sys.argv[1]):
    m = re.search(r' table=55, priority=(\d+),(\S*) actions=(\S+)', line)
    if not m or int(m.group(1)) >= 1000:
        continue
    prio, match = int(m.group(1)), m.group(2)
    ids = set(re.findall(r'conjunction\((\d+),', m.group(3)))
    if match == 'ct_state=-rpl-inv+trk,reg7=0x3':
        clause1[prio] = ids
    t = re.fullmatch(r'tcp,tp_dst=(\d+)', match)
    if t:
        ports.setdefault(prio, []).append((int(t.group(1)), ids))
for prio in sorted(clause1):
    for port, ids in sorted(ports.get(prio, [])):
        common = ids & clause1[prio]
        if common:
            print(prio, port, common.pop())
            break
PY
cat "$SANDBOX/tiers.txt"
tunnel=$(ovs-vsctl --bare --columns=ofport find Interface type=vxlan)
test "$(wc -l <"$SANDBOX/tiers.txt")" -ge 2
while read -r prio port id; do
    out=$(ovs-appctl ofproto/trace br0 "tcp,in_port=$tunnel,tun_id=0x1,\
dl_src=fa:16:3e:01:00:00,dl_dst=fa:16:3e:00:00:01,nw_src=10.1.0.10,\
nw_dst=10.1.255.1,tp_src=40000,tp_dst=$port" --ct-next trk,new 2>&1)
    echo "$out" | grep -q "mark=$(printf '%#x' "$id")/0xffffffff" \
        && echo "$out" | grep -q 'output port is 3$' \
        || { echo "$out"; echo "port $port (priority $prio): not allowed";
             exit 1; }
    echo "TCP $port from 10.1.0.10 (conjunction $id at priority $prio)" \
         "reaches l-1"
done <"$SANDBOX/tiers.txt"
out=$(ovs-appctl ofproto/trace br0 "tcp,in_port=$tunnel,tun_id=0x1,\
dl_src=fa:16:3e:01:00:00,dl_dst=fa:16:3e:00:00:01,nw_src=10.1.0.10,\
nw_dst=10.1.255.1,tp_src=40000,tp_dst=2500" --ct-next trk,new 2>&1)
if echo "$out" | grep -q 'output port is'; then
    echo "TCP 2500 (no rule) passes"; exit 1
fi
echo "bundle accepted, bridge in sync, every priority tier allows"
