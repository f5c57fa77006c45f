#!/usr/bin/env python3
# A stand-in for the controller's REST API, for the functional tests.
#
# Serves one file (re-read on every request, so a test changes the document
# by replacing the file) at every path but the two below, with an ETag (a
# hash of the bytes) and a Last-Modified (the file's mtime), and answers 304
# to a matching If-None-Match, or else to an If-Modified-Since not older
# than the file.
#
#   GET /stats                  counts, one "NAME N" per line: requests,
#                               200, 304, 500, garbage
#   GET /control?mode=MODE      normal; garbage (a 200 whose body is not
#                               JSON, without validators); error (500);
#                               and the faults of tests/faults: notfound
#                               (404), redirect (a redirect to itself),
#                               endless (a 200 whose body never ends),
#                               dribble (a byte a second), hang (never
#                               answers), truncated (the document cut in
#                               half), deep (arrays nested 100,000 deep),
#                               dupids (two subnets with one id), types
#                               (a string where a number goes)
#
# Listens on 127.0.0.1 on a port the OS chooses and writes that port to
# --port-file, once listening, and its pid to --pidfile; tests stop it by
# that pid.  With --tls-cert and --tls-key it speaks HTTPS, and with
# --client-ca as well it demands a client certificate signed by that CA.
#
# usage: http-server.py --document FILE --port-file FILE --pidfile FILE
#            [--tls-cert FILE --tls-key FILE [--client-ca FILE]]

import argparse
import email.utils
import hashlib
import http.server
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse

FAULTS = ("notfound", "redirect", "endless", "dribble", "hang", "truncated",
          "deep", "dupids", "types")
GARBAGE = b'{"code": 0, "Result": {"subnets": [ this is not JSON'


def write_atomically(path, text):
    """Writes 'text' to 'path' so that readers never see a partial file."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


class State:
    """What the handlers share: the document's path, the mode, counts."""

    def __init__(self, document):
        self.document = document
        self.mode = "normal"
        self.counts = {"requests": 0, "200": 0, "304": 0, "500": 0,
                       "garbage": 0, "fault": 0}
        self.lock = threading.Lock()

    def count(self, name):
        with self.lock:
            self.counts[name] += 1


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers one connection's requests (HTTP/1.1, kept alive)."""

    protocol_version = "HTTP/1.1"
    state = None                # Set by main().

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/stats":
            with self.state.lock:
                text = "".join("%s %d\n" % item
                               for item in self.state.counts.items())
            self.reply(200, text.encode(), [("Content-Type", "text/plain")])
            return
        if url.path == "/control":
            mode = urllib.parse.parse_qs(url.query).get("mode", [""])[0]
            if mode not in ("normal", "garbage", "error") + FAULTS:
                self.reply(400, b"unknown mode\n")
                return
            self.state.mode = mode
            self.reply(200, b"ok\n")
            return

        self.state.count("requests")
        if self.state.mode == "error":
            self.state.count("500")
            self.reply(500, b"internal error\n")
            return
        if self.state.mode == "garbage":
            self.state.count("garbage")
            self.reply(200, GARBAGE, [("Content-Type", "application/json")])
            return
        if self.state.mode in FAULTS:
            self.state.count("fault")
            self.serve_fault(self.state.mode)
            return
        self.serve_document()

    def serve_fault(self, mode):
        """Answers the way a broken controller would."""
        json_type = [("Content-Type", "application/json")]
        if mode == "notfound":
            self.reply(404, b"no such document\n")
        elif mode == "redirect":
            self.reply(302, b"", [("Location", self.path)])
        elif mode == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            chunk = b"[" * 65536
            try:
                while True:
                    self.wfile.write(chunk)
            except OSError:
                self.close_connection = True
        elif mode == "dribble":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                self.close_connection = True
        elif mode == "hang":
            time.sleep(3600)
        else:
            with open(self.state.document, "rb") as f:
                doc = f.read()
            if mode == "truncated":
                body = doc[:len(doc) // 2]
            elif mode == "deep":
                body = (b'{"code":0,"message":"","Result":{"subnets":'
                        + b"[" * 100000 + b"]" * 100000 + b"}}")
            else:
                parsed = json.loads(doc)
                subnets = parsed["Result"]["subnets"]
                if mode == "dupids":
                    subnets.append(dict(subnets[0]))
                else:
                    subnets[0]["vni"] = "forty-two"
                body = json.dumps(parsed).encode()
            self.reply(200, body, json_type)

    def serve_document(self):
        try:
            with open(self.state.document, "rb") as f:
                body = f.read()
                mtime = os.fstat(f.fileno()).st_mtime
        except OSError as e:
            self.reply(404, ("%s\n" % e).encode())
            return

        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        validators = [("ETag", etag), ("Last-Modified", last_modified)]

        if_none_match = self.headers.get("If-None-Match")
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_none_match is not None:
            tags = [t.strip() for t in if_none_match.split(",")]
            not_modified = etag in tags or "*" in tags
        elif if_modified_since is not None:
            try:
                since = email.utils.parsedate_to_datetime(if_modified_since)
                not_modified = int(mtime) <= since.timestamp()
            except (TypeError, ValueError):
                not_modified = False
        else:
            not_modified = False

        if not_modified:
            self.state.count("304")
            self.reply(304, b"", validators)
        else:
            self.state.count("200")
            self.reply(200, body,
                       validators + [("Content-Type", "application/json")])

    def log_message(self, format, *args):
        sys.stderr.write("http-server: %s\n" % (format % args))


def main():
    parser = argparse.ArgumentParser(description="test controller")
    parser.add_argument("--document", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--pidfile", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--client-ca")
    args = parser.parse_args()

    Handler.state = State(args.document)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.client_ca:
            context.load_verify_locations(args.client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
        server.socket = context.wrap_socket(server.socket, server_side=True)
    write_atomically(args.pidfile, "%d\n" % os.getpid())
    write_atomically(args.port_file, "%d\n" % server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
