#!/usr/bin/env python3
# Writes the seed corpus of tests/fuzz/fuzz-dhcp.c: DHCP client frames
# (Ethernet, IPv4, UDP, BOOTP) as a client sends them, one file per message,
# into the directory given (default: corpus-dhcp beside this script).  The
# frames are built here, independently of lib/dhcp.c; the unit test
# test_dhcp_fuzz_corpus checks that lib/dhcp.c parses every one.
#
# usage: tests/fuzz/make-corpus-dhcp.py [DIR]
import os
import socket
import struct
import sys

CLIENT_MAC = bytes.fromhex('fa163e73c974')
SERVER = socket.inet_aton('172.16.1.2')
ADDRESS = socket.inet_aton('172.16.1.4')
# What dhclient asks for: mask, broadcast, time offset, router, domain,
# DNS, domain search, host name, NetBIOS, MTU, classless routes, NTP.
PARAMS = bytes([1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42])


def checksum(data):
    """The Internet checksum of 'data'."""
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def option(code, value):
    return bytes([code, len(value)]) + value


def frame(msg_type, ciaddr=b'\0' * 4, flags=0, options=b''):
    """A client frame of 'msg_type' with the extra 'options'."""
    bootp = struct.pack('!BBBBIHH4s4s4s4s16s64s128sI', 1, 1, 6, 0,
                        0x12345678, 0, flags, ciaddr, b'\0' * 4, b'\0' * 4,
                        b'\0' * 4, CLIENT_MAC, b'', b'', 0x63825363)
    bootp += option(53, bytes([msg_type])) + options + b'\xff'
    bootp += b'\0' * max(0, 300 - len(bootp))
    src = ciaddr
    dst = b'\xff' * 4
    udp_len = 8 + len(bootp)
    pseudo = src + dst + struct.pack('!BBH', 0, 17, udp_len)
    udp = struct.pack('!HHHH', 68, 67, udp_len, 0) + bootp
    udp_sum = checksum(pseudo + udp) or 0xffff
    udp = udp[:6] + struct.pack('!H', udp_sum) + udp[8:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17,
                     0, src, dst)
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    return b'\xff' * 6 + CLIENT_MAC + b'\x08\x00' + ip + udp


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'corpus-dhcp')
    os.makedirs(out, exist_ok=True)
    client_id = option(61, b'\x01' + CLIENT_MAC)
    frames = {
        'discover': frame(1, options=option(55, PARAMS) + client_id
                          + option(57, b'\x05\xdc')
                          + option(12, b'vm-one')),
        'discover-broadcast': frame(1, flags=0x8000,
                                    options=option(55, PARAMS)),
        'request-selecting': frame(3, options=option(50, ADDRESS)
                                   + option(54, SERVER)
                                   + option(55, PARAMS) + client_id),
        'request-init-reboot': frame(3, options=option(50, ADDRESS)
                                     + option(55, PARAMS)),
        'request-renewing': frame(3, ciaddr=ADDRESS,
                                  options=option(55, PARAMS)),
        'inform': frame(8, ciaddr=ADDRESS, options=option(55, PARAMS)),
        'release': frame(7, ciaddr=ADDRESS, options=option(54, SERVER)),
        'decline': frame(4, options=option(50, ADDRESS)
                         + option(54, SERVER)),
        'split-params': frame(1, options=option(55, PARAMS[:5])
                              + option(52, b'\x03')
                              + option(55, PARAMS[5:])),
    }
    for name, data in frames.items():
        with open(os.path.join(out, name + '.bin'), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
