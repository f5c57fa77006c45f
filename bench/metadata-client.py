#!/usr/bin/env python3
"""HTTP load client for bench/bench-metadata.sh: PROCS processes, each
sending GET requests one after the other over one keep-alive connection
for SECONDS; prints one JSON line with the requests per second and the
latency median and 99th percentile (ms).  Extra "Name: value" arguments
are sent as headers.  With METADATA_CLIENT_SOURCE set, connections come
from that local address.

usage: metadata-client.py URL PROCS SECONDS [HEADER...]
"""

import http.client
import json
import multiprocessing
import os
import sys
import time
import urllib.parse


def worker(url, seconds, headers, queue):
    parts = urllib.parse.urlsplit(url)
    path = parts.path + ('?' + parts.query if parts.query else '')
    source = os.environ.get('METADATA_CLIENT_SOURCE')
    conn = http.client.HTTPConnection(
        parts.hostname, parts.port or 80, timeout=10,
        source_address=(source, 0) if source else None)
    latencies, errors = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        try:
            conn.request('GET', path, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
        latencies.append(time.perf_counter() - start)
        errors += not ok
    queue.put((latencies, errors))


def main():
    url, procs, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    headers = dict(h.split(': ', 1) for h in sys.argv[4:])
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=worker,
                                       args=(url, seconds, headers, queue))
               for _ in range(procs)]
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    latencies = sorted(l for r in results for l in r[0])
    errors = sum(r[1] for r in results)
    n = len(latencies)
    print(json.dumps({
        'requests': n, 'errors': errors, 'procs': procs,
        'rps': round(n / seconds),
        'median_ms': round(latencies[n // 2] * 1000, 3),
        'p99_ms': round(latencies[min(n - 1, n * 99 // 100)] * 1000, 3),
    }))


if __name__ == '__main__':
    main()
