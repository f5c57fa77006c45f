#!/bin/bash
# Functional test of the security groups: installs the pipeline that
# tests/pipeline-dump computes for host A (10.20.0.1) of
# tests/fixtures/secgroups.json into a sandbox ovs-vswitchd (dummy
# datapath) and follows packets through conntrack with
# "ofproto/trace --ct-next": new connections that a rule allows pass and
# are committed with the rule's mark, others are dropped; established
# traffic passes only with a current mark; invalid traffic and spoofed
# sources are dropped.
#
# Host A: web-1 (192.168.10.11, ofport 3, zone 1), web-2 (.12, ofport 4,
# zone 2), web-3 (.13, ofport 5, zone 3, no security group), the tunnel to
# host B (app-1 192.168.10.20, app-2 .21) on ofport 10, the metadata tap on
# ofport 1.
#
# usage: test-secgroup-trace.sh [BUILDDIR [SRCDIR]]  (or env BUILDDIR/SRCDIR)
# Exit: 0 pass, 1 fail, 77 skip.
set -u

. "$(dirname "$0")/../lib/trace.sh"

sandbox_add_vif br0 tap_metadata 1
sandbox_add_vif br0 tap-web-1 3 web-1
sandbox_add_vif br0 tap-web-2 4 web-2
sandbox_add_vif br0 tap-web-3 5 web-3
ovs-vsctl add-port br0 vxb -- set Interface vxb type=vxlan \
    options:remote_ip=10.20.0.2 options:key=flow ofport_request=10 \
    || exit 1

"$dump" "$SRCDIR/tests/fixtures/secgroups.json" 10.20.0.1 \
    port:tap-web-1=3 port:tap-web-2=4 port:tap-web-3=5 \
    tunnel:10.20.0.2=10 metadata:1,fa:16:3e:25:fd:7e \
    zone:web-1=1 zone:web-2=2 zone:web-3=3 \
    >"$SANDBOX/desired.txt" 2>"$SANDBOX/warnings.txt" \
    || { echo "FAIL: pipeline-dump failed"; exit 1; }
grep -q 'IPv6 rules are not supported yet' "$SANDBOX/warnings.txt" \
    || fail "no warning for the IPv6 rule"

trace_install_desired
echo "$(grep -c 'table=\(10\|15\|50\|55\),' "$SANDBOX/flows.txt")" \
     "flows in the security-group tables"

# Prints the conjunction ids of the flow of table $1 whose match is $2.
conj_ids() {
    grep -F " table=$1, priority=100,$2 actions=" "$SANDBOX/flows.txt" \
        | grep -o 'conjunction([0-9]*' | sed 's/conjunction(//' | sort
}

# Prints, in hex, the one conjunction id of port reg $3 (reg6=0x3 ...) in
# table $1 that the clause flow $2 also carries: the id of that port's
# rule.
rule_mark() {
    local id
    id=$(comm -12 <(conj_ids "$1" "ct_state=-rpl-inv+trk,$3") \
                  <(conj_ids "$1" "$2"))
    [ "$(echo "$id" | wc -w)" = 1 ] || { echo "0xbad"; return; }
    printf '%#x\n' "$id"
}

MARK_W1_DNS=$(rule_mark 15 udp,tp_dst=53 reg6=0x3)      # web-1 egress
MARK_W1_SSH=$(rule_mark 55 tcp,tp_dst=22 reg7=0x3)      # web-1 ingress
MARK_W2_ICMP=$(rule_mark 15 icmp reg6=0x4)              # web-2 egress
MARK_W1_APP=$(rule_mark 55 ip,nw_src=192.168.20.5 reg7=0x3)  # from sg-app
for m in "$MARK_W1_DNS" "$MARK_W1_SSH" "$MARK_W2_ICMP" "$MARK_W1_APP"; do
    [ "$m" != 0xbad ] || fail "cannot find a rule's conjunction id"
done

# Traces packet $2 with the ct_state sequence $3 ("trk,new", or
# "trk,new trk,new" for two conntrack passes) and prints the trace.
trace() {
    local args=()
    for state in $3; do
        args+=(--ct-next "$state")
    done
    ovs-appctl ofproto/trace br0 "$2" "${args[@]}" 2>&1
}

# Checks that the trace of packet $2 with ct states $3 matches every
# extended regular expression $4...; $1 names the case.
check_match() {
    local name=$1 out
    out=$(trace "$1" "$2" "$3")
    shift 3
    for re in "$@"; do
        if ! echo "$out" | grep -Eq -- "$re"; then
            fail "$name: trace does not match /$re/"
            echo "$out" | sed 's/^/    /'
            return
        fi
    done
    echo "PASS: $name"
}

# Checks that packet $2 with ct states $3 is output to port $4 and that its
# trace matches the extended regular expressions $5...; $1 names the case.
check_pass() {
    local name=$1 flow=$2 states=$3 port=$4
    shift 4
    check_match "$name" "$flow" "$states" "output port is $port\$" "$@"
}

# Checks that packet $2 with ct states $3 is dropped; $1 names the case.
check_drop() {
    local out
    out=$(trace "$1" "$2" "$3")
    if ! echo "$out" | grep -q 'output port is' \
       && [ "$(echo "$out" | grep '^Datapath actions:' | tail -1)" \
            = "Datapath actions: drop" ]; then
        echo "PASS: $1"
    else
        fail "$1: not dropped"
        echo "$out" | sed 's/^/    /'
    fi
}

W1=fa:16:3e:00:10:0b            # web-1, 192.168.10.11, ofport 3
W2=fa:16:3e:00:10:0c            # web-2, 192.168.10.12, ofport 4
W3=fa:16:3e:00:10:0d            # web-3, 192.168.10.13, ofport 5
A1=fa:16:3e:00:10:14            # app-1, 192.168.10.20, on host B
BCAST=ff:ff:ff:ff:ff:ff
FROM_B="in_port=10,tun_id=0x10,dl_src=$A1"
TO_W1="dl_dst=$W1,nw_dst=192.168.10.11"
FROM_W1="in_port=3,dl_src=$W1,nw_src=192.168.10.11"
FROM_W2="in_port=4,dl_src=$W2,nw_src=192.168.10.12"

# New connections.  (To an address outside 192.168.0.0/16: web-2's rule
# for that range allows ICMP too, and either conjunction may then match.)
check_pass "new ICMP from web-2 (egress ICMP) leaves through the tunnel" \
    "icmp,$FROM_W2,dl_dst=$A1,nw_dst=172.30.0.1" "trk,new" 10 \
    "ct\(commit,zone=2,mark=$MARK_W2_ICMP/0xffffffff\)"
check_pass "new TCP 22 from 10.1.2.3 (ingress SSH from 10/8) reaches web-1" \
    "tcp,$FROM_B,$TO_W1,nw_src=10.1.2.3,tp_src=40000,tp_dst=22" \
    "trk,new" 3 "ct\(commit,zone=1,mark=$MARK_W1_SSH/0xffffffff\)"
check_pass "new TCP 1500 from anywhere (ingress 1000-2000) reaches web-1" \
    "tcp,$FROM_B,$TO_W1,nw_src=203.0.113.9,tp_src=40000,tp_dst=1500" \
    "trk,new" 3
check_pass "anything from remote group member app-1 reaches web-1" \
    "udp,$FROM_B,$TO_W1,nw_src=192.168.10.20,udp_src=40000,udp_dst=9999" \
    "trk,new" 3
check_drop "new TCP 23 (no rule) to web-1 is dropped" \
    "tcp,$FROM_B,$TO_W1,nw_src=10.1.2.3,tp_src=40000,tp_dst=23" "trk,new"
check_drop "new TCP 22 from outside 10/8 to web-1 is dropped" \
    "tcp,$FROM_B,$TO_W1,nw_src=11.1.2.3,tp_src=40000,tp_dst=22" "trk,new"
check_drop "new TCP 2001 (past the range) to web-1 is dropped" \
    "tcp,$FROM_B,$TO_W1,nw_src=203.0.113.9,tp_src=40000,tp_dst=2001" \
    "trk,new"
check_drop "ICMP to web-3 (no security group) is dropped" \
    "icmp,$FROM_B,dl_dst=$W3,nw_src=192.168.10.20,nw_dst=192.168.10.13" \
    "trk,new"
check_pass "new UDP 53 from web-1 to 8.8.8.8 (egress UDP 53) passes" \
    "udp,$FROM_W1,dl_dst=$A1,nw_dst=8.8.8.8,udp_src=40000,udp_dst=53" \
    "trk,new" 10 "ct\(commit,zone=1,mark=$MARK_W1_DNS/0xffffffff\)"
check_drop "new UDP 54 from web-1 to 8.8.8.8 (not in 192.168/16) is dropped" \
    "udp,$FROM_W1,dl_dst=$A1,nw_dst=8.8.8.8,udp_src=40000,udp_dst=54" \
    "trk,new"

# Two ports of this host, each in its own zone: web-2's egress allows the
# packet, web-1's ingress still decides.
check_pass "TCP 1500 web-2 -> web-1: committed in zone 2, then zone 1" \
    "tcp,$FROM_W2,$TO_W1,tp_src=40000,tp_dst=1500" "trk,new trk,new" 3 \
    "^Datapath actions: ct\(commit,zone=2," \
    "^Datapath actions: ct\(commit,zone=1,"
check_drop "ICMP web-2 -> web-1: web-2 may send it, web-1 does not accept it" \
    "icmp,$FROM_W2,$TO_W1" "trk,new trk,new"

# Established and related traffic, by mark.
check_pass "the reply to web-1's DNS query (est, rpl, its mark) reaches it" \
    "udp,$FROM_B,$TO_W1,nw_src=192.168.10.20,udp_src=53,udp_dst=40000,ct_mark=$MARK_W1_DNS" \
    "trk,est,rpl" 3
check_pass "web-1's SSH reply (est, rpl, the ingress rule's mark) leaves" \
    "tcp,$FROM_W1,dl_dst=$A1,nw_dst=10.1.2.3,tp_src=22,tp_dst=40000,ct_mark=$MARK_W1_SSH" \
    "trk,est,rpl" 10
check_pass "an ICMP error related to web-1's DNS query reaches it" \
    "icmp,$FROM_B,$TO_W1,nw_src=192.168.10.20,ct_mark=$MARK_W1_DNS" \
    "trk,rel,rpl" 3
check_drop "a reply with a stale mark (rule removed) is dropped" \
    "udp,$FROM_B,$TO_W1,nw_src=192.168.10.20,udp_src=53,udp_dst=40000,ct_mark=0x12345" \
    "trk,est,rpl"
check_drop "a reply with the mark of the other port is dropped" \
    "udp,$FROM_B,$TO_W1,nw_src=192.168.10.20,udp_src=53,udp_dst=40000,ct_mark=$MARK_W2_ICMP" \
    "trk,est,rpl"
check_drop "est TCP 23 with a stale mark is dropped" \
    "tcp,$FROM_B,$TO_W1,nw_src=10.1.2.3,tp_src=40000,tp_dst=23,ct_mark=0x12345" \
    "trk,est"
check_pass "est TCP 22 with a stale mark that a rule allows is re-marked" \
    "tcp,$FROM_B,$TO_W1,nw_src=10.1.2.3,tp_src=40000,tp_dst=22,ct_mark=0x12345" \
    "trk,est" 3 "ct\(commit,zone=1,mark=$MARK_W1_SSH/0xffffffff\)"

# A rule from a remote group: established traffic passes only while the
# remote is a member (192.168.10.30 is not, or no longer, in sg-app).
check_pass "est UDP from member app-1 with the sg-app rule's mark passes" \
    "udp,$FROM_B,$TO_W1,nw_src=192.168.10.20,udp_src=40000,udp_dst=9999,ct_mark=$MARK_W1_APP" \
    "trk,est" 3
check_drop "est UDP from a non-member with the sg-app rule's mark is dropped" \
    "udp,$FROM_B,$TO_W1,nw_src=192.168.10.30,udp_src=40000,udp_dst=9999,ct_mark=$MARK_W1_APP" \
    "trk,est"
check_pass "web-1's reply to member app-1 (rpl, sg-app mark) leaves" \
    "udp,$FROM_W1,dl_dst=$A1,nw_dst=192.168.10.20,udp_src=9999,udp_dst=40000,ct_mark=$MARK_W1_APP" \
    "trk,est,rpl" 10
check_drop "web-1's reply to a non-member (rpl, sg-app mark) is dropped" \
    "udp,$FROM_W1,dl_dst=$A1,nw_dst=192.168.10.30,udp_src=9999,udp_dst=40000,ct_mark=$MARK_W1_APP" \
    "trk,est,rpl"
check_pass "an ICMP error from a router, related to a sg-app connection, passes" \
    "icmp,$FROM_B,$TO_W1,nw_src=192.168.10.1,ct_mark=$MARK_W1_APP" \
    "trk,rel" 3
check_drop "an invalid packet is dropped" \
    "tcp,$FROM_B,$TO_W1,nw_src=10.1.2.3,tp_src=40000,tp_dst=22,ct_mark=$MARK_W1_SSH" \
    "trk,inv"

# Port security.
check_drop "a spoofed source MAC is dropped" \
    "icmp,in_port=4,dl_src=fa:16:3e:00:00:99,nw_src=192.168.10.12,dl_dst=$A1,nw_dst=192.168.10.20" \
    "trk,new"
check_drop "a spoofed source IP is dropped" \
    "icmp,in_port=4,dl_src=$W2,nw_src=192.168.10.99,dl_dst=$A1,nw_dst=192.168.10.20" \
    "trk,new"
check_drop "another port's address is dropped" \
    "icmp,in_port=4,dl_src=$W1,nw_src=192.168.10.11,dl_dst=$A1,nw_dst=192.168.10.20" \
    "trk,new"
check_drop "ARP with a spoofed sender IP is dropped" \
    "arp,in_port=4,dl_src=$W2,dl_dst=$BCAST,arp_op=1,arp_spa=192.168.10.99,arp_sha=$W2,arp_tpa=192.168.10.20" \
    ""
check_drop "ARP with a spoofed sender MAC is dropped" \
    "arp,in_port=4,dl_src=$W2,dl_dst=$BCAST,arp_op=1,arp_spa=192.168.10.12,arp_sha=fa:16:3e:00:00:99,arp_tpa=192.168.10.20" \
    ""
check_pass "web-1 may send from its allowed address pair" \
    "icmp,in_port=3,dl_src=fa:16:3e:00:10:64,nw_src=192.168.10.100,dl_dst=$A1,nw_dst=192.168.10.20" \
    "trk,new" 10
check_match "web-3 (no security group) still gets its ARP answered" \
    "arp,in_port=5,dl_src=$W3,dl_dst=$BCAST,arp_op=1,arp_spa=192.168.10.13,arp_sha=$W3,arp_tpa=192.168.10.20" \
    "" '^ +IN_PORT$'

# Traffic that is not IP, or not to a local VM, passes tables 10 and 50.
check_pass "ARP from a tunnel reaches web-1 untouched by conntrack" \
    "arp,$FROM_B,dl_dst=$W1,arp_op=2,arp_spa=192.168.10.20,arp_tpa=192.168.10.11" \
    "" 3

if [ $failures -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
exit 0
