#!/usr/bin/env python3
"""Latency of GET requests over one connection (stdlib only), printing one result line.

    latency.py BASE TOKEN LABEL PATHS_FILE N    GETs N paths from PATHS_FILE (in random order, each answered 200): p50, p95, p99;
                                                "not measured" when PATHS_FILE is empty
"""
import http.client
import random
import sys
import time
from urllib.parse import urlparse


def main():
    base, token, label, paths_file, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    paths = [line.strip() for line in open(paths_file) if line.strip()]
    if not paths:
        print(f"{label}: not measured (nothing to read in this data set)")
        return
    random.seed(7)
    headers = {"Authorization": "Bearer " + token}
    # A warm-up round, not counted.
    for path in random.sample(paths, min(20, len(paths))):
        conn.request("GET", path, headers=headers)
        conn.getresponse().read()
    timings = []
    for _ in range(count):
        path = random.choice(paths)
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status == 200, (path, response.status, body[:300])
    timings.sort()

    def pct(p):
        return timings[min(len(timings) - 1, int(len(timings) * p / 100))]

    print(f"{label}: {count} requests, p50 {pct(50):.1f} ms, p95 {pct(95):.1f} ms, p99 {pct(99):.1f} ms")


if __name__ == "__main__":
    main()
