#!/bin/bash
# Changing one port's MAC changes only that port's flows, and the agent
# finds them by the desired state's tracker, not by a full diff.
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

sandbox_start_example
agent_flows >"$SANDBOX/before"
mods_before=$(agent_counter 'flow_mods sent')
tracked_before=$(ovs-appctl -t jstack-agent coverage/read-counter \
                 ofctrl_diff_tracked)
full_before=$(ovs-appctl -t jstack-agent coverage/read-counter \
              ofctrl_diff_full)

old=fa:16:3e:8a:06:16
new=fa:16:3e:8a:06:99
edit_document "
for p in subnets[0]['ports']:
    if p['mac'] == '$old':
        p['mac'] = '$new'
"
sandbox_wait_for sh -c "ovs-appctl -t jstack-agent flows/desired | grep -q $new"
sandbox_wait_synced
agent_flows >"$SANDBOX/after"
mods=$(( $(agent_counter 'flow_mods sent') - mods_before ))

# Every flow that changed names the old or the new MAC.
removed=$(comm -23 "$SANDBOX/before" "$SANDBOX/after")
added=$(comm -13 "$SANDBOX/before" "$SANDBOX/after")
echo "removed:"; echo "$removed"; echo "added:"; echo "$added"
test -n "$removed" && test -n "$added"
! echo "$removed" | grep -v -- "$old" || exit 1
! echo "$added" | grep -v -- "$new" || exit 1
# And only those were sent: one flow_mod per removed or added flow at most.
n_changed=$(( $(echo "$removed" | wc -l) + $(echo "$added" | wc -l) ))
echo "flow_mods sent for the change: $mods (changed flows: $n_changed)"
test "$mods" -gt 0 && test "$mods" -le "$n_changed"
diff -u <(agent_flows) <(bridge_flows)
tracked=$(ovs-appctl -t jstack-agent coverage/read-counter ofctrl_diff_tracked)
full=$(ovs-appctl -t jstack-agent coverage/read-counter ofctrl_diff_full)
echo "diffs: tracked $tracked_before -> $tracked, full $full_before -> $full"
test "$tracked" -gt "$tracked_before" && test "$full" -eq "$full_before"
