#!/usr/bin/env python3
# Stands in for the service manager of the agent that tests/perf/
# bench-perf.sh measures: receives the agent's sd_notify() messages on the
# unix datagram socket SOCKET (its $NOTIFY_SOCKET), prints the wall clock
# in ms when READY=1 arrives (the bridge first equals a desired state) and
# closes its output, then goes on receiving until killed, so that the
# agent's later STATUS= messages find a reader.  It blocks in recv(): the
# benchmark waits for the agent without taking the CPU it measures.
#
# usage: wait-ready.py SOCKET
import socket
import sys
import time


def main():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sys.argv[1])
    ready = False
    while True:
        message = sock.recv(1 << 16)
        if not ready and b"READY=1" in message.split(b"\n"):
            print("%d" % (time.time() * 1000), flush=True)
            sys.stdout.close()
            ready = True


if __name__ == "__main__":
    main()
