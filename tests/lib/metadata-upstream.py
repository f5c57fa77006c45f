#!/usr/bin/env python3
"""A stand-in for Nova's metadata API, for the metadata proxy's tests.

Like Nova behind Neutron's metadata agent, it trusts X-Instance-ID only
when X-Instance-ID-Signature is its HMAC-SHA256 keyed with the shared
secret (else 403), and it refuses a request that carries an identity
header twice (400).  Every request is logged as one JSON line (method,
path, identity headers, body length and SHA-256) to --log.

  GET  /latest/meta-data/instance-id     the X-Instance-ID it received
  GET  /identity                         the identity headers, as JSON
  POST /upload                           "<length> <sha256>" of the body
  GET  /big?size=N                       N bytes of a known pattern
  GET  /slow?ms=N                        answers after N ms
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

IDENTITY = ('X-Forwarded-For', 'X-Instance-ID', 'X-Tenant-ID',
            'X-Instance-ID-Signature')


def pattern(size):
    """The N bytes /big answers: a counter, so that a lost or moved byte
    shows."""
    block = b''.join(b'%08d\n' % i for i in range(0, 1 << 17))
    return (block * (size // len(block) + 1))[:size]


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    # Headers and body go out in two writes: without TCP_NODELAY the body
    # waits for the client's delayed ACK (40 ms) on a keep-alive
    # connection.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type='text/plain'):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        record = {
            'method': self.command, 'path': self.path,
            'headers': {h: self.headers.get_all(h) for h in IDENTITY},
            'vm_headers': {k: v for k, v in self.headers.items()
                           if k.lower().startswith('x-vm-')},
            'body_len': len(body),
            'body_sha256': hashlib.sha256(body).hexdigest(),
        }
        with self.server.lock:
            with open(self.server.log, 'a') as f:
                f.write(json.dumps(record) + '\n')

        for h in IDENTITY:
            if len(self.headers.get_all(h) or []) != 1:
                return self.answer(400, b'missing or repeated %s\n'
                                   % h.encode())
        instance = self.headers['X-Instance-ID']
        expected = hmac.new(self.server.secret, instance.encode(),
                            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected,
                                   self.headers['X-Instance-ID-Signature']):
            return self.answer(403, b'invalid signature\n')

        if url.path == '/latest/meta-data/instance-id':
            return self.answer(200, instance.encode())
        if url.path == '/identity':
            return self.answer(200, json.dumps(
                {h: self.headers[h] for h in IDENTITY}).encode(),
                'application/json')
        if url.path == '/upload' and self.command == 'POST':
            return self.answer(200, b'%d %s' % (
                len(body), hashlib.sha256(body).hexdigest().encode()))
        if url.path == '/big':
            return self.answer(200, pattern(int(query['size'][0])),
                               'application/octet-stream')
        if url.path == '/slow':
            time.sleep(int(query['ms'][0]) / 1000)
            return self.answer(200, b'slow\n')
        return self.answer(404, b'not found\n')

    do_GET = do_POST = do_HEAD = do_PUT = handle_any


class Server(ThreadingHTTPServer):
    # The listen backlog, set before the constructor listens: the default
    # of 5 drops SYNs when dozens of requests come at once.
    request_queue_size = 256
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--port-file')
    parser.add_argument('--secret-file', required=True)
    parser.add_argument('--log', required=True)
    parser.add_argument('--pidfile')
    parser.add_argument('--pattern', type=int,
                        help='print N bytes of /big\'s pattern and exit')
    args = parser.parse_args()
    if args.pattern is not None:
        sys.stdout.buffer.write(pattern(args.pattern))
        return

    server = Server(('127.0.0.1', args.port), Handler)
    server.secret = open(args.secret_file, 'rb').read().rstrip()
    server.log = args.log
    server.lock = threading.Lock()
    if args.pidfile:
        with open(args.pidfile, 'w') as f:
            f.write('%d\n' % os.getpid())
    if args.port_file:
        with open(args.port_file + '.tmp', 'w') as f:
            f.write('%d\n' % server.server_address[1])
        os.rename(args.port_file + '.tmp', args.port_file)
    server.serve_forever()


if __name__ == '__main__':
    main()
