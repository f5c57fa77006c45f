#!/bin/bash
# A broken controller, one fault at a time: HTTP 404, a redirect loop, a
# body that never ends, one that dribbles a byte a second, one that never
# answers, a document over jstack-max-document-size, truncated JSON,
# 100,000-deep nesting, duplicate ids, wrong types.  For each: the agent
# stays up, keeps the last good state on the bridge (not one flow
# changes), reports an error that says what was wrong (in status's last
# error, or, for a document that parses but has a bad subnet, which is
# then kept at its last good version, in the log naming the subnet and
# field), and takes the good document as soon as the controller serves
# it again.  Prints one line per
# fault with the time the agent took to notice and to recover.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_http_example --controller-timeout=1500 \
    --max-document-size=2000000 --poll-interval=300
sandbox_wait_synced

now_ms() {
    echo $(( $(date +%s%N) / 1000000 ))
}
control() {
    http_get "$server/control?mode=$1" >/dev/null
}

# A counter the controller document changes with, so each recovery is a
# real new document.
generation=0
for fault in notfound:'HTTP status 404' redirect:'HTTP status 302' \
             endless:'document larger than 2000000 bytes' \
             dribble:'timed out' hang:'timed out' \
             truncated:'document rejected' deep:'document rejected' \
             dupids:'duplicate subnet id' types:'vni: must be an integer'; do
    mode=${fault%%:*} expect=${fault#*:}
    before=$(bridge_flows)
    faults=$(server_count fault)
    start=$(now_ms)
    control "$mode"
    case $mode in
        dupids|types)
            SANDBOX_TIMEOUT=20 sandbox_wait_for sh -c \
                "grep 'WARN|.*subnet $SEED_SUBNET' '$SANDBOX/jstack-agent.log' \
                 | grep -q -- '$expect'" ;;
        *)
            SANDBOX_TIMEOUT=20 sandbox_wait_for sh -c \
                "ovs-appctl -t jstack-agent status | grep '^  last error: ' \
                 | grep -q -- '$expect'" ;;
    esac
    noticed=$(( $(now_ms) - start ))
    test "$(server_count fault)" -gt "$faults"
    sandbox_pid jstack-agent >/dev/null || { echo "FAIL: $mode killed the agent"; exit 1; }
    if [ "$(bridge_flows)" != "$before" ]; then
        echo "FAIL: $mode changed the bridge"
        diff <(echo "$before") <(bridge_flows) || true
        exit 1
    fi

    # The controller is healthy again, with a new document: a new remote
    # port.
    generation=$((generation + 1))
    python3 - "$SANDBOX/doc.json" "$generation" <<'PY'
import json, os, sys
path, n = sys.argv[1], int(sys.argv[2])
doc = json.load(open(path))
s = doc["Result"]["subnets"][0]
s["ports"].append(dict(s["ports"][1], id="fault-port-%d" % n,
                       fixedip="172.16.1.%d" % (100 + n),
                       mac="fa:16:3e:00:ff:%02x" % n))
json.dump(doc, open(path + ".tmp", "w"))
os.rename(path + ".tmp", path)
PY
    start=$(now_ms)
    control normal
    SANDBOX_TIMEOUT=20 sandbox_wait_for sh -c \
        "ovs-ofctl -O OpenFlow13 dump-flows br0 | grep -q 'fa:16:3e:00:ff:$(printf %02x $generation)'"
    recovered=$(( $(now_ms) - start ))
    echo "fault $mode: error seen after $noticed ms (\"$expect\"), bridge" \
         "unchanged, good document on the bridge $recovered ms after the" \
         "controller healed"
done
sandbox_pid jstack-agent >/dev/null
