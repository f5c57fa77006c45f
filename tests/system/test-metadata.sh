#!/bin/bash
# Instance metadata (issue 13): VMs on two hosts reach 169.254.169.254 and
# the agent's proxy forwards to a test upstream (tests/lib/
# metadata-upstream.py, one per host on the host's loopback) that checks
# the signature like Nova and echoes the identity it received.
#   - each VM gets its own deviceId; the upstream saw its fixed IP and
#     tenant; a 100 KB POST and a 1 MB answer arrive intact;
#   - upstream stopped -> 502 within the timeout, too slow -> 504, started
#     again -> answers, without restarting the agent;
#   - 50 concurrent requests from three VMs all succeed; a per-VM rate
#     beyond the limit gets 429;
#   - a VM spoofing another's address gets nothing; identity headers a VM
#     sends are replaced by its own; an unknown source gets 404;
#   - a 100 KB header or request line is refused and the agent stays up;
#   - a changed secret file is read again; the secret is never printed;
#   - the tap's address, route and rule survive an agent restart once,
#     and go when the service is switched off;
#   - with a DHCP responder in the agent, a fresh VM takes its address by
#     DHCP and then fetches its instance id (skipped, saying so, while the
#     agent has no dhcp/show command).
set -eu
. "$SRCDIR/tests/lib/hosts.sh"
hosts_require
command -v curl >/dev/null || { echo "curl is not installed"; exit 77; }

hosts_setup compute1_ns compute1_ns_2 compute2_ns
TENANT=tenant1
SECRET="metadata-secret-$$-$RANDOM"
printf '%s\n' "$SECRET" >"$HOSTS_DIR/secret"
TIMEOUT_MS=2000

# Starts host $1's test upstream (on port $2 if given, else any).
upstream_start() {
    local h=$1 port=${2:-0}
    rm -f "$HOSTS_DIR/$h/upstream.port"
    hx "$h" python3 "$SRCDIR/tests/lib/metadata-upstream.py" \
        --port "$port" --port-file "$HOSTS_DIR/$h/upstream.port" \
        --secret-file "$HOSTS_DIR/secret" --log "$HOSTS_DIR/$h/upstream.log" \
        --pidfile "$HOSTS_DIR/pids/upstream-$h.pid" \
        </dev/null >/dev/null 2>>"$HOSTS_DIR/$h/upstream.err" &
    hosts_wait_for test -s "$HOSTS_DIR/$h/upstream.port"
}

# Runs curl in VM $1 for URL path $2 with extra options "$@" (after $2);
# the body goes to $HOSTS_DIR/body, the status code is printed.
meta() {
    local vm=$1 path=$2; shift 2
    vmx "$vm" curl -s -m 10 -o "$HOSTS_DIR/body" -w '%{http_code}' "$@" \
        "http://169.254.169.254$path" || true
}

# Prints the last request host $1's upstream logged, field $2 (a Python
# expression on 'r').
upstream_last() {
    tail -n 1 "$HOSTS_DIR/$1/upstream.log" \
        | python3 -c "import json, sys; r = json.load(sys.stdin); print($2)"
}

for h in a b; do
    upstream_start "$h"
    hx "$h" ovs-vsctl set Open_vSwitch . \
        external_ids:jstack-metadata-url="http://127.0.0.1:$(cat "$HOSTS_DIR/$h/upstream.port")" \
        external_ids:jstack-metadata-secret-file="$HOSTS_DIR/secret" \
        external_ids:jstack-metadata-timeout=$TIMEOUT_MS \
        external_ids:jstack-metadata-rate=1000 \
        external_ids:jstack-metadata-burst=1000
done
for h in a b; do
    hosts_wait_for sh -c "ip netns exec $(host_ns "$h") env \
        OVS_RUNDIR=$HOSTS_DIR/$h ovs-appctl -t jstack-agent metadata/show \
        | grep -q 'listening on 169.254.169.254:8848'"
    agent_wait_synced "$h"
done
agent_ctl_on a metadata/show

echo "--- each VM gets its own identity"
for vm in compute1_ns compute2_ns; do
    code=$(meta "$vm" /latest/meta-data/instance-id)
    [ "$code" = 200 ] || { echo "FAIL: $vm got $code"; cat "$HOSTS_DIR/body"; exit 1; }
    [ "$(cat "$HOSTS_DIR/body")" = "$vm" ] || {
        echo "FAIL: $vm got instance id $(cat "$HOSTS_DIR/body")"; exit 1; }
done
[ "$(upstream_last a "r['headers']['X-Forwarded-For'][0]")" = 172.16.1.4 ]
[ "$(upstream_last a "r['headers']['X-Tenant-ID'][0]")" = "$TENANT" ]
[ "$(upstream_last b "r['headers']['X-Forwarded-For'][0]")" = 172.16.1.3 ]
[ "$(upstream_last b "r['headers']['X-Tenant-ID'][0]")" = "$TENANT" ]
meta compute1_ns /identity -D "$HOSTS_DIR/head" >/dev/null
grep -qi '^content-type: application/json' "$HOSTS_DIR/head"

echo "--- a 100 KB POST and a 1 MB answer arrive intact"
head -c 102400 /dev/urandom >"$HOSTS_DIR/upload"
code=$(meta compute1_ns /upload --data-binary "@$HOSTS_DIR/upload" \
       -H 'Content-Type: application/octet-stream')
[ "$code" = 200 ]
[ "$(cat "$HOSTS_DIR/body")" = "102400 $(sha256sum <"$HOSTS_DIR/upload" | cut -d' ' -f1)" ]
code=$(meta compute2_ns '/big?size=1048576')
[ "$code" = 200 ]
[ "$(sha256sum <"$HOSTS_DIR/body")" = \
  "$(python3 "$SRCDIR/tests/lib/metadata-upstream.py" --secret-file /dev/null \
     --log /dev/null --pattern 1048576 | sha256sum)" ]

echo "--- upstream down -> 502, too slow -> 504, back -> answers"
port=$(cat "$HOSTS_DIR/a/upstream.port")
bg_stop upstream-a
start=$(date +%s%N)
code=$(meta compute1_ns /latest/meta-data/instance-id)
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
echo "upstream stopped: $code after $elapsed ms"
[ "$code" = 502 ] && [ "$elapsed" -lt $((TIMEOUT_MS + 1000)) ]
agent_ctl_on a metadata/show | grep -q '^metadata upstream .*: down ('
upstream_start a "$port"
code=$(meta compute1_ns '/slow?ms=4000')
echo "upstream slow: $code"
[ "$code" = 504 ]
hosts_wait_for sh -c "[ \"\$(ip netns exec $(vm_ns compute1_ns) curl -s -m 5 \
    http://169.254.169.254/latest/meta-data/instance-id)\" = compute1_ns ]"
agent_ctl_on a metadata/show | grep -q '^metadata upstream .*: up (last answer 200'

echo "--- 50 concurrent requests from three VMs"
pids=()
for vm in compute1_ns compute1_ns_2 compute2_ns; do
    n=17; [ "$vm" = compute2_ns ] && n=16
    # One write per answer, so that the lines do not interleave.
    vmx "$vm" bash -c "for i in \$(seq $n); do
        (r=\$(curl -s -m 20 -w ' %{http_code}' \
            http://169.254.169.254/latest/meta-data/instance-id)
         echo \"\$r\") &
    done; wait" >"$HOSTS_DIR/concurrent-$vm" &
    pids+=($!)
done
wait "${pids[@]}"
for vm in compute1_ns compute1_ns_2 compute2_ns; do
    cat "$HOSTS_DIR/concurrent-$vm"
done | sort | uniq -c
total=0
for vm in compute1_ns compute1_ns_2 compute2_ns; do
    ok=$(grep -c "^$vm 200$" "$HOSTS_DIR/concurrent-$vm" || true)
    total=$((total + ok))
done
[ "$total" = 50 ] || { echo "FAIL: $total of 50 concurrent requests succeeded"; exit 1; }

echo "--- spoofing and forged identity headers"
victim_before=$(grep -c '"X-Instance-ID": \["compute1_ns"\]' "$HOSTS_DIR/a/upstream.log")
vmx compute1_ns_2 ip addr add 172.16.1.4/32 dev eth0
code=$(meta compute1_ns_2 /latest/meta-data/instance-id --interface 172.16.1.4 -m 3)
vmx compute1_ns_2 ip addr del 172.16.1.4/32 dev eth0
echo "spoofed source: '$code'"
[ "$code" = 000 ]
! grep -q compute1_ns "$HOSTS_DIR/body" 2>/dev/null || exit 1
[ "$(grep -c '"X-Instance-ID": \["compute1_ns"\]' "$HOSTS_DIR/a/upstream.log")" = "$victim_before" ]
code=$(meta compute1_ns_2 /identity -H 'X-Instance-ID: compute1_ns' \
       -H 'X-Instance-ID-Signature: 0123abcd' -H 'X-Tenant-ID: other' \
       -H 'X-Forwarded-For: 172.16.1.4' -H 'X-Neutron-Network-ID: n1' \
       -H 'x-instance-id-extra: y' -H 'X-VM-Kept: yes')
[ "$code" = 200 ]
python3 - "$HOSTS_DIR/body" <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))
assert got['X-Instance-ID'] == 'compute1_ns_2', got
assert got['X-Forwarded-For'] == '172.16.1.5', got
assert got['X-Tenant-ID'] == 'tenant1', got
PY
[ "$(upstream_last a "r['vm_headers']")" = "{'X-VM-Kept': 'yes'}" ]

echo "--- unknown source -> 404"
code=$(hx a curl -s -m 5 -o "$HOSTS_DIR/body" -w '%{http_code}' \
       http://169.254.169.254:8848/latest/meta-data/instance-id || true)
cat "$HOSTS_DIR/body"
[ "$code" = 404 ] && grep -q 'no local VM port behind source address' "$HOSTS_DIR/body"

echo "--- 100 KB header and request line are refused, the agent stays up"
big=$(head -c 102400 /dev/zero | tr '\0' a)
code=$(meta compute1_ns /latest/meta-data/instance-id -H "X-Big: $big")
echo "100 KB header: $code"
case $code in 431|413|400|000) ;; *) echo "FAIL: got $code"; exit 1 ;; esac
code=$(meta compute1_ns "/latest/$big")
echo "100 KB request line: $code"
case $code in 414|431|413|400|000) ;; *) echo "FAIL: got $code"; exit 1 ;; esac
agent_ctl_on a status >/dev/null
[ "$(meta compute1_ns /latest/meta-data/instance-id)" = 200 ]

echo "--- per-VM rate limit"
hx a ovs-vsctl set Open_vSwitch . external_ids:jstack-metadata-rate=1 \
    external_ids:jstack-metadata-burst=3
hosts_wait_for sh -c "ip netns exec $(host_ns a) env OVS_RUNDIR=$HOSTS_DIR/a \
    ovs-appctl -t jstack-agent status | grep -q 'rate 1/s burst 3 per VM'"
sleep 3
codes=$(for i in $(seq 8); do meta compute1_ns_2 /latest/meta-data/instance-id; echo; done | xargs)
echo "8 quick requests: $codes"
[ "${codes%% *}" = 200 ]
echo "$codes" | grep -q 429
agent_ctl_on a metadata/show | grep 'device compute1_ns_2 ' | grep -q 'limited [1-9]'
hx a ovs-vsctl set Open_vSwitch . external_ids:jstack-metadata-rate=1000 \
    external_ids:jstack-metadata-burst=1000

echo "--- a changed secret file is read again"
printf 'another-%s\n' "$SECRET" >"$HOSTS_DIR/secret.new"
mv "$HOSTS_DIR/secret.new" "$HOSTS_DIR/secret"
hosts_wait_for sh -c "[ \"\$(ip netns exec $(vm_ns compute1_ns) curl -s -m 5 \
    -o /dev/null -w '%{http_code}' \
    http://169.254.169.254/latest/meta-data/instance-id)\" = 403 ]"
port=$(cat "$HOSTS_DIR/a/upstream.port")
bg_stop upstream-a
upstream_start a "$port"
[ "$(meta compute1_ns /latest/meta-data/instance-id)" = 200 ]

echo "--- metadata/show, and the secret is never printed"
agent_ctl_on a metadata/show | tee "$HOSTS_DIR/show"
grep -q "^port .* device compute1_ns ofport [0-9]* ip 172.16.1.4 source 128.0.0.[0-9]*: requests [1-9][0-9]* errors [1-9][0-9]* limited 0 last status 200" "$HOSTS_DIR/show"
for h in a b; do
    for out in "$(agent_ctl_on "$h" status)" "$(agent_ctl_on "$h" metadata/show)" \
               "$(cat "$HOSTS_DIR/$h/jstack-agent.log")"; do
        ! echo "$out" | grep -qF "$SECRET" || { echo "FAIL: secret printed"; exit 1; }
    done
done

echo "--- the tap's configuration survives a restart once"
hosts_kill a jstack-agent
agent_start a
agent_wait_synced a
hosts_wait_for sh -c "ip netns exec $(host_ns a) env OVS_RUNDIR=$HOSTS_DIR/a \
    ovs-appctl -t jstack-agent metadata/show | grep -q 'listening on'"
hx a ip rule
[ "$(hx a ip rule | grep -c 'from 169.254.169.254 lookup 169254')" = 1 ]
[ "$(hx a ip -4 addr show dev jst-meta | grep -c 'inet 169.254.169.254/32')" = 1 ]
hx a ip route show table 169254 | grep -q '^128.0.0.0/1 dev jst-meta'
[ "$(meta compute1_ns /latest/meta-data/instance-id)" = 200 ]

echo "--- boot path: DHCP, then the instance id"
vm_create net2_a
vmx net2_a ip -4 addr flush dev eth0
cat >"$HOSTS_DIR/dhclient-script" <<'EOF'
#!/bin/bash
case $reason in
BOUND|RENEW|REBIND|REBOOT)
    ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
    ip route replace default via "${new_routers%% *}" dev "$interface"
    ;;
esac
EOF
chmod +x "$HOSTS_DIR/dhclient-script"
vmx net2_a timeout 30 dhclient -4 -1 -sf "$HOSTS_DIR/dhclient-script" \
    -lf "$HOSTS_DIR/net2_a.leases" -pf "$HOSTS_DIR/pids/dhclient.pid" eth0
vmx net2_a ip -4 addr show dev eth0 | grep -q 'inet 172.16.2.4/24'
[ "$(meta net2_a /latest/meta-data/instance-id)" = 200 ]
[ "$(cat "$HOSTS_DIR/body")" = net2_a ]

echo "--- switched off: address, route and rule go"
hx a ovs-vsctl remove Open_vSwitch . external_ids jstack-metadata-url
hosts_wait_for sh -c "! ip netns exec $(host_ns a) ip rule | grep -q 169.254.169.254"
! hx a ip -4 addr show dev jst-meta | grep -q 169.254.169.254 || exit 1
[ -z "$(hx a ip route show table 169254)" ]
agent_ctl_on a status | grep -q '^metadata proxy: off'
code=$(meta compute1_ns /latest/meta-data/instance-id -m 3)
[ "$code" = 000 ]
echo "metadata: identity, integrity, failures, concurrency, spoofing and" \
     "limits behave"
