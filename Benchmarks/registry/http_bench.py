#!/usr/bin/env python3
"""Registry benchmark steps over HTTP (stdlib only), each printing one result line.

    http_bench.py token  BASE USER PASSWORD              prints a bearer token
    http_bench.py import BASE TOKEN FILE.csv             POST /v1/people/imports, prints seconds and rows/s
    http_bench.py ids    BASE TOKEN OUT N                writes N ids of registered people (for read.lua)
    http_bench.py search BASE TOKEN FILE.csv QUERIES     GET /v1/people?q=<folded name> for names in FILE: p50, p95, p99
"""
import http.client
import json
import random
import sys
import time
import unicodedata
from urllib.parse import quote, urlparse


def connection(base):
    url = urlparse(base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=600)


def fold(text):
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn").lower()


def request(conn, method, path, token=None, body=None, content_type="application/json"):
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        headers["Content-Type"] = content_type
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, data


def main():
    step, base = sys.argv[1], sys.argv[2]
    conn = connection(base)
    if step == "token":
        status, data = request(conn, "POST", "/v1/auth/token", body=json.dumps({"username": sys.argv[3], "password": sys.argv[4]}))
        assert status == 200, data
        print(json.loads(data)["accessToken"])
    elif step == "import":
        token, path = sys.argv[3], sys.argv[4]
        body = open(path, "rb").read()
        start = time.perf_counter()
        status, data = request(conn, "POST", "/v1/people/imports", token, body, "text/csv")
        elapsed = time.perf_counter() - start
        assert status == 200, data[:500]
        report = json.loads(data)
        print(f"import: {report['rows']} rows, {report['created']} created, {report['existing']} existing, "
              f"{report['rejected']} rejected in {elapsed:.1f} s ({report['rows'] / elapsed:.0f} rows/s)")
    elif step == "ids":
        token, out, wanted = sys.argv[3], sys.argv[4], int(sys.argv[5])
        ids, after = [], None
        while len(ids) < wanted:
            path = "/v1/people?limit=200" + (f"&after={quote(after)}" if after else "")
            status, data = request(conn, "GET", path, token)
            assert status == 200, data
            page = json.loads(data)
            ids += [p["id"] for p in page["items"]]
            after = page.get("next")
            if not after:
                break
        open(out, "w").write("\n".join(ids[:wanted]) + "\n")
        print(f"ids: {min(len(ids), wanted)} written to {out}")
    elif step == "search":
        token, path, count = sys.argv[3], sys.argv[4], int(sys.argv[5])
        import csv
        names = [row["full_name"] for row in csv.DictReader(open(path, encoding="utf-8"))]
        rng = random.Random(7)
        queries = [fold(rng.choice(names)) for _ in range(count)]
        latencies, found = [], 0
        for query in queries:
            start = time.perf_counter()
            status, data = request(conn, "GET", "/v1/people?limit=20&q=" + quote(query), token)
            latencies.append((time.perf_counter() - start) * 1000)
            assert status == 200, data
            found += len(json.loads(data)["items"]) > 0
        latencies.sort()
        pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
        print(f"search by name without diacritics: {count} queries, {found} with results, "
              f"p50 {pick(0.50):.1f} ms, p95 {pick(0.95):.1f} ms, p99 {pick(0.99):.1f} ms")


if __name__ == "__main__":
    main()
