#!/usr/bin/env python3
# Prints the DHCP server messages (UDP 67 -> 68) in the pcap files given,
# one line each, for the DHCP functional test and bench/bench-dhcp.sh:
#
#   FILE TIME_US TYPE xid=N yiaddr=IP eth_src=MAC eth_dst=MAC ip_dst=IP
#       server=IP mask=IP router=IP lease=N
#
# (the last four only when the message carries the option).  It reads the
# frames independently of lib/dhcp.c.
import struct
import sys

TYPES = {1: 'DISCOVER', 2: 'OFFER', 3: 'REQUEST', 4: 'DECLINE', 5: 'ACK',
         6: 'NAK', 7: 'RELEASE', 8: 'INFORM'}


def ip(b):
    return '.'.join(str(x) for x in b)


def mac(b):
    return ':'.join('%02x' % x for x in b)


def options(b):
    out = {}
    i = 0
    while i < len(b) and b[i] != 255:
        if b[i] == 0:
            i += 1
            continue
        code, n = b[i], b[i + 1]
        out[code] = b[i + 2:i + 2 + n]
        i += 2 + n
    return out


def frames(path):
    with open(path, 'rb') as f:
        header = f.read(24)
        if len(header) < 24:
            return
        magic = struct.unpack('<I', header[:4])[0]
        endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
        nano = magic == 0xa1b23c4d or magic == 0x4d3cb2a1
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, sub, incl, _ = struct.unpack(endian + 'IIII', rec)
            data = f.read(incl)
            yield sec * 1000000 + (sub // 1000 if nano else sub), data


def describe(data):
    if len(data) < 14 + 20 + 8 + 240 or data[12:14] != b'\x08\x00':
        return None
    ihl = (data[14] & 0xf) * 4
    l4 = 14 + ihl
    if data[23] != 17 or data[l4:l4 + 4] != b'\x00\x43\x00\x44':
        return None
    bootp = data[l4 + 8:]
    opts = options(bootp[240:])
    words = [TYPES.get(opts.get(53, b'\0')[0], '?'),
             'xid=%d' % struct.unpack('>I', bootp[4:8])[0],
             'yiaddr=' + ip(bootp[16:20]), 'eth_src=' + mac(data[6:12]),
             'eth_dst=' + mac(data[0:6]), 'ip_dst=' + ip(data[30:34])]
    for code, name in ((54, 'server'), (1, 'mask'), (3, 'router')):
        if code in opts:
            words.append('%s=%s' % (name, ip(opts[code][:4])))
    if 51 in opts:
        words.append('lease=%d' % struct.unpack('>I', opts[51])[0])
    return ' '.join(words)


for path in sys.argv[1:]:
    for when, data in frames(path):
        line = describe(data)
        if line:
            print(path, when, line)
