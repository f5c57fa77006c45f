#!/bin/bash
# Native DHCP (issue 12) with real clients: dhclient (isc-dhcp-client) in a
# VM on each host and busybox udhcpc in a third VM get their fixed IP,
# prefix, default route through the gateway, the metadata route, MTU and
# DNS servers from the document; a renewal is ACKed by unicast and moves
# the lease forward without a rebinding broadcast; a stale lease is NAKed
# and the client takes its own address; a renumbered port is NAKed at its
# next renewal and takes the new address; a VM that changes its MAC gets
# nothing; after DHCP alone a VM pings its neighbour on the other host.
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
for tool in dhclient busybox; do
    command -v "$tool" >/dev/null || {
        echo "$tool is not installed (scripts/setup.sh installs it)"
        exit 77
    }
done

# Host a: compute1_ns (172.16.1.4, dhclient), compute1_ns_2 (172.16.1.5,
# udhcpc); host b: compute2_ns (172.16.1.3, dhclient).
hosts_setup compute1_ns compute1_ns_2 compute2_ns

# The document gives subnet 1 two DNS servers and MTU 1400 (not the veths'
# 1500, so that the MTU seen in the VM comes from DHCP); the lease is 20 s,
# so a renewal (T1, 10 s) happens within the test.
hosts_edit_document "
subnets[0]['dns'] = ['172.16.1.53', '8.8.4.4']
subnets[0]['mtu'] = 1400
"
for h in a b; do
    hx "$h" ovs-vsctl set Open_vSwitch . \
        external_ids:jstack-dhcp-lease-time=20 \
        external_ids:jstack-dhcp-domain=cloud.test
done
sleep 1
for h in a b; do
    agent_wait_synced "$h"
done

# The VMs start without addresses: only DHCP can give them one.
for vm in compute1_ns compute1_ns_2 compute2_ns; do
    vmx "$vm" ip -4 addr flush dev eth0
    ! vmx "$vm" ip -4 addr show dev eth0 | grep -q inet || exit 1
done

# Writes dhclient's configuration and the -sf script of VM $1: it logs
# every event to $HOSTS_DIR/$1.events, applies address, MTU and routes
# (option 121 if present, else option 3) and writes the DNS servers to
# $HOSTS_DIR/$1.resolv.conf, never the host's /etc/resolv.conf.
make_dhclient_files() {
    local vm=$1
    cat >"$HOSTS_DIR/dhclient.conf" <<'EOF'
option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
timeout 30;
retry 1;
initial-interval 1;
request subnet-mask, broadcast-address, routers, domain-name-servers,
        domain-name, host-name, interface-mtu,
        rfc3442-classless-static-routes;
EOF
    cat >"$HOSTS_DIR/$vm.dhclient-script" <<EOF
#!/bin/bash
PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo "reason=\$reason ip=\${new_ip_address:-} mask=\${new_subnet_mask:-}" \\
     "routers=\${new_routers:-} mtu=\${new_interface_mtu:-}" \\
     "dns=\${new_domain_name_servers:-} domain=\${new_domain_name:-}" \\
     "host=\${new_host_name:-} lease=\${new_dhcp_lease_time:-}" \\
     "routes=\${new_rfc3442_classless_static_routes:-}" \\
     "old=\${old_ip_address:-} expiry=\${new_expiry:-}" \\
     >>"$HOSTS_DIR/$vm.events"
case \$reason in
BOUND|RENEW|REBIND|REBOOT)
    if [ "\${old_ip_address:-}" != "\$new_ip_address" ]; then
        ip -4 addr flush dev "\$interface"
    fi
    ip addr replace "\$new_ip_address/\$new_subnet_mask" dev "\$interface"
    if [ -n "\${new_interface_mtu:-}" ]; then
        ip link set dev "\$interface" mtu "\$new_interface_mtu"
    fi
    routes=\${new_rfc3442_classless_static_routes:-}
    set -- \${routes//,/ }
    while [ \$# -ge 5 ]; do
        plen=\$1; shift
        dst=
        for i in 1 2 3 4; do
            if [ \$(( (i - 1) * 8 )) -lt "\$plen" ]; then
                dst=\$dst\$1; shift
            else
                dst=\${dst}0
            fi
            [ \$i = 4 ] || dst=\$dst.
        done
        gw=\$1.\$2.\$3.\$4; shift 4
        ip route replace "\$dst/\$plen" via "\$gw" dev "\$interface"
    done
    if [ -z "\$routes" ] && [ -n "\${new_routers:-}" ]; then
        ip route replace default via "\${new_routers%% *}" dev "\$interface"
    fi
    : >"$HOSTS_DIR/$vm.resolv.conf"
    for ns in \${new_domain_name_servers:-}; do
        echo "nameserver \$ns" >>"$HOSTS_DIR/$vm.resolv.conf"
    done
    ;;
EXPIRE|FAIL|RELEASE|STOP)
    ip -4 addr flush dev "\$interface"
    ;;
esac
exit 0
EOF
    chmod +x "$HOSTS_DIR/$vm.dhclient-script"
}

# Runs dhclient in VM $1 until it has a lease (it then stays in the
# background, its pid in $HOSTS_DIR/pids so that cleanup stops it).
dhclient_start() {
    local vm=$1
    make_dhclient_files "$vm"
    if ! vmx "$vm" dhclient -4 -v -1 -cf "$HOSTS_DIR/dhclient.conf" \
            -sf "$HOSTS_DIR/$vm.dhclient-script" \
            -lf "$HOSTS_DIR/$vm.leases" \
            -pf "$HOSTS_DIR/pids/dhclient-$vm.pid" \
            eth0 >>"$HOSTS_DIR/$vm.dhclient.log" 2>&1; then
        cat "$HOSTS_DIR/$vm.dhclient.log"
        echo "FAIL: dhclient in $vm got no lease: the agent did not answer" \
             "(is agent/dhcp-handler.c built and wired to table 30's" \
             "packet-ins?)"
        return 1
    fi
}

# Asserts that VM $1 holds $2 (address/prefix), routes default and the
# metadata service through $3, has MTU $4 and DNS servers "$5".
check_vm_config() {
    local vm=$1 cidr=$2 gw=$3 mtu=$4 dns=$5
    vmx "$vm" ip -4 addr show dev eth0
    vmx "$vm" ip route
    vmx "$vm" ip -4 addr show dev eth0 | grep -q "inet $cidr "
    [ "$(vmx "$vm" ip -4 addr show dev eth0 | grep -c inet)" = 1 ]
    vmx "$vm" ip route | grep -q "^default via $gw dev eth0"
    vmx "$vm" ip route | grep -q "^169.254.169.254 via $gw dev eth0"
    vmx "$vm" ip link show dev eth0 | grep -q " mtu $mtu "
    local got
    got=$(sed -n 's/^nameserver //p' "$HOSTS_DIR/$vm.resolv.conf" | xargs)
    [ "$got" = "$dns" ] || {
        echo "$vm: DNS servers \"$got\", expected \"$dns\""; return 1;
    }
}

# The udhcpc -s script of VM $1, alike for busybox's variables.
make_udhcpc_script() {
    local vm=$1
    cat >"$HOSTS_DIR/$vm.udhcpc-script" <<EOF
#!/bin/bash
PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo "event=\$1 ip=\${ip:-} subnet=\${subnet:-} router=\${router:-}" \\
     "mtu=\${mtu:-} dns=\${dns:-} domain=\${domain:-} lease=\${lease:-}" \\
     "routes=\${staticroutes:-} server=\${serverid:-}" \\
     >>"$HOSTS_DIR/$vm.events"
case \$1 in
deconfig|leasefail|nak)
    ip -4 addr flush dev "\$interface"
    ;;
bound|renew)
    if ! ip -4 addr show dev "\$interface" | grep -q "inet \$ip/"; then
        ip -4 addr flush dev "\$interface"
    fi
    ip addr replace "\$ip/\$subnet" dev "\$interface"
    [ -z "\${mtu:-}" ] || ip link set dev "\$interface" mtu "\$mtu"
    set -- \${staticroutes:-}
    while [ \$# -ge 2 ]; do
        ip route replace "\$1" via "\$2" dev "\$interface"
        shift 2
    done
    if [ -z "\${staticroutes:-}" ] && [ -n "\${router:-}" ]; then
        ip route replace default via "\${router%% *}" dev "\$interface"
    fi
    : >"$HOSTS_DIR/$vm.resolv.conf"
    for ns in \${dns:-}; do
        echo "nameserver \$ns" >>"$HOSTS_DIR/$vm.resolv.conf"
    done
    ;;
esac
exit 0
EOF
    chmod +x "$HOSTS_DIR/$vm.udhcpc-script"
}

# --- dhclient on each host, udhcpc on host a.
capture_start dhcp-vm1 "$(vm_ns compute1_ns)" eth0 udp port 67 or udp port 68
dhclient_start compute1_ns
dhclient_start compute2_ns
make_udhcpc_script compute1_ns_2
bg_start udhcpc-compute1_ns_2 vmx compute1_ns_2 busybox udhcpc -f -i eth0 \
    -s "$HOSTS_DIR/compute1_ns_2.udhcpc-script" -t 10 -T 1 -A 1 \
    -O mtu -O staticroutes -O dns -O router -O subnet \
    >"$HOSTS_DIR/compute1_ns_2.udhcpc.log" 2>&1
if ! HOSTS_TIMEOUT=30 hosts_wait_for \
        grep -q '^event=bound' "$HOSTS_DIR/compute1_ns_2.events"; then
    cat "$HOSTS_DIR/compute1_ns_2.udhcpc.log"
    echo "FAIL: udhcpc in compute1_ns_2 got no lease"
    exit 1
fi

check_vm_config compute1_ns 172.16.1.4/24 172.16.1.1 1400 \
    "172.16.1.53 8.8.4.4"
check_vm_config compute2_ns 172.16.1.3/24 172.16.1.1 1400 \
    "172.16.1.53 8.8.4.4"
check_vm_config compute1_ns_2 172.16.1.5/24 172.16.1.1 1400 \
    "172.16.1.53 8.8.4.4"
grep '^reason=BOUND' "$HOSTS_DIR/compute1_ns.events" \
    | grep -q 'domain=cloud.test host=host-172-16-1-4 lease=20 '
grep '^event=bound' "$HOSTS_DIR/compute1_ns_2.events" \
    | grep -q 'routes=169.254.169.254/32 172.16.1.1 0.0.0.0/0 172.16.1.1 '

# --- After DHCP alone, the VMs reach their neighbours on the other host.
vmx compute1_ns ping -c 3 -i 0.2 -W 2 172.16.1.3
vmx compute2_ns ping -c 3 -i 0.2 -W 2 172.16.1.5

# --- Renewal: at T1 (10 s) dhclient renews by unicast to the server and
# gets a unicast ACK; the lease's expiry moves forward; no rebinding.
HOSTS_TIMEOUT=25 hosts_wait_for \
    grep -q '^reason=RENEW ip=172.16.1.4 ' "$HOSTS_DIR/compute1_ns.events"
seen=$(capture_stop dhcp-vm1)
echo "$seen"
echo "$seen" | grep -q '172.16.1.4.68 > 172.16.1.2.67: BOOTP/DHCP, Request'
echo "$seen" | grep -q '172.16.1.2.67 > 172.16.1.4.68: BOOTP/DHCP, Reply'
! echo "$seen" | grep -q '172.16.1.4.68 > 255.255.255.255.67' || {
    echo "FAIL: compute1_ns rebound by broadcast"; exit 1;
}
! grep -q '^reason=REBIND' "$HOSTS_DIR/compute1_ns.events" || exit 1
# (dhclient rewrites its lease file, so the expiries come from the events
# its script logged: new_expiry, in seconds since the epoch.)
bound_expiry=$(sed -n 's/^reason=BOUND ip=172.16.1.4 .* expiry=//p' \
               "$HOSTS_DIR/compute1_ns.events" | head -n 1)
renew_expiry=$(sed -n 's/^reason=RENEW ip=172.16.1.4 .* expiry=//p' \
               "$HOSTS_DIR/compute1_ns.events" | head -n 1)
[ "${renew_expiry:-0}" -gt "${bound_expiry:-0}" ] || {
    echo "FAIL: lease expiry did not move: $bound_expiry, $renew_expiry"
    exit 1
}
HOSTS_TIMEOUT=25 hosts_wait_for \
    grep -q '^event=renew ip=172.16.1.5 ' "$HOSTS_DIR/compute1_ns_2.events"

# --- A stale lease for another address: INIT-REBOOT is NAKed, then the
# client takes its own address.
bg_stop dhclient-compute2_ns
vmx compute2_ns ip -4 addr flush dev eth0
cat >"$HOSTS_DIR/compute2_ns.leases" <<'EOF'
lease {
  interface "eth0";
  fixed-address 172.16.1.99;
  option subnet-mask 255.255.255.0;
  option dhcp-server-identifier 172.16.1.2;
  renew 4 2037/01/01 00:00:00;
  rebind 4 2037/01/01 00:00:00;
  expire 4 2037/01/01 00:00:00;
}
EOF
: >"$HOSTS_DIR/compute2_ns.dhclient.log"
dhclient_start compute2_ns
cat "$HOSTS_DIR/compute2_ns.dhclient.log"
grep -q 'DHCPREQUEST for 172.16.1.99' "$HOSTS_DIR/compute2_ns.dhclient.log"
grep -q 'DHCPNAK from 172.16.1.2' "$HOSTS_DIR/compute2_ns.dhclient.log"
check_vm_config compute2_ns 172.16.1.3/24 172.16.1.1 1400 \
    "172.16.1.53 8.8.4.4"

# --- Renumbering: the document moves compute1_ns to 172.16.1.14; its next
# renewal is NAKed and it takes the new address.  (dhclient runs in the
# background by then and logs to syslog, not to its log file: it ends the
# NAKed lease with an EXPIRE event and starts over; the agent counts the
# NAK.)
hosts_edit_document "
for p in subnets[0]['ports']:
    if p['deviceId'] == 'compute1_ns':
        p['fixedip'] = '172.16.1.14'
"
sleep 1
agent_wait_synced a
agent_wait_synced b
HOSTS_TIMEOUT=40 hosts_wait_for \
    grep -q '^reason=BOUND ip=172.16.1.14 ' "$HOSTS_DIR/compute1_ns.events"
cat "$HOSTS_DIR/compute1_ns.events"
sed -n '/^reason=RENEW ip=172.16.1.4 /,$p' "$HOSTS_DIR/compute1_ns.events" \
    | grep -q '^reason=EXPIRE .* old=172.16.1.4 '
! grep -q '^reason=REBIND' "$HOSTS_DIR/compute1_ns.events" || {
    echo "FAIL: compute1_ns rebound instead of renewing"; exit 1;
}
agent_ctl_on a dhcp/show
agent_ctl_on a dhcp/show | grep -A4 ' device compute1_ns mac ' \
    | grep -q ', NAK 1, dropped' 
check_vm_config compute1_ns 172.16.1.14/24 172.16.1.1 1400 \
    "172.16.1.53 8.8.4.4"
vmx compute1_ns ping -c 3 -i 0.2 -W 2 172.16.1.3

# --- A VM that changes its MAC gets nothing.
bg_stop udhcpc-compute1_ns_2
vmx compute1_ns_2 ip -4 addr flush dev eth0
vmx compute1_ns_2 ip link set dev eth0 address fa:16:3e:00:00:99
capture_start dhcp-vm2 "$(vm_ns compute1_ns_2)" eth0 udp port 67 or udp port 68
if vmx compute1_ns_2 busybox udhcpc -f -n -q -i eth0 \
        -s "$HOSTS_DIR/compute1_ns_2.udhcpc-script" -t 3 -T 1 \
        >>"$HOSTS_DIR/compute1_ns_2.udhcpc.log" 2>&1; then
    echo "FAIL: compute1_ns_2 got a lease with a foreign MAC"; exit 1
fi
seen=$(capture_stop dhcp-vm2)
echo "$seen"
echo "$seen" | grep -q 'BOOTP/DHCP, Request'
! echo "$seen" | grep -q 'BOOTP/DHCP, Reply' || exit 1
! vmx compute1_ns_2 ip -4 addr show dev eth0 | grep -q inet || exit 1

for h in a b; do
    agent_ctl_on "$h" coverage/show | grep -i dhcp || true
done
echo "real DHCP clients get their configuration from the agent; renewals," \
     "stale leases, renumbering and foreign MACs behave"
