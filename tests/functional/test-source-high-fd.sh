#!/bin/bash
# The controller client works when its sockets get descriptor numbers
# above 1024 (FD_SETSIZE): the agent starts with 1,100 descriptors already
# open, so every socket it opens is numbered past them.  (libcurl's
# curl_multi_fdset, used before, cannot describe such sockets.)
set -eu
. "$SRCDIR/tests/lib/sandbox.sh"

ulimit -n 4096 || { echo "skip: cannot raise the descriptor limit"; exit 77; }
for _ in $(seq 1100); do
    exec {fd}</dev/null
done
echo "descriptors open before the agent starts: up to $fd"
sandbox_start_http_example

pid=$(sandbox_pid jstack-agent)
max_fd=$(ls /proc/"$pid"/fd | sort -n | tail -n 1)
echo "agent's highest descriptor: $max_fd"
test "$max_fd" -gt 1024

# The agent fetched the document over HTTP and keeps polling it.
requests=$(agent_counter requests)
sandbox_wait_for sh -c "test \$(ovs-appctl -t jstack-agent status \
    | sed -n 's/.*requests: \([0-9]*\).*/\1/p') -gt $((requests + 2))"
status_has '^  last error: none' || { agent_ctl status; exit 1; }
