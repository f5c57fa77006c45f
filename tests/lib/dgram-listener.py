#!/usr/bin/env python3
# A stand-in for systemd's notification socket or journald's syslog socket:
# binds a unix datagram socket and writes every message it receives to a
# file, one line each, "SECONDS<TAB>MESSAGE" with the message's newlines
# turned into "|", SECONDS from the monotonic clock.
#
# usage: dgram-listener.py SOCKET OUTPUT PIDFILE
import os
import socket
import sys
import time

path, output, pidfile = sys.argv[1:4]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
with open(pidfile, 'w') as f:
    f.write('%d\n' % os.getpid())
with open(output, 'a', buffering=1) as out:
    while True:
        data = sock.recv(65536).decode(errors='replace')
        out.write('%.3f\t%s\n' % (time.monotonic(),
                                  data.strip('\n').replace('\n', '|')))
