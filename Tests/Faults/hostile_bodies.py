#!/usr/bin/env python3
"""Sends a service bodies far over its 1 MiB limit, and bodies nested deeper than its parser takes,
from THREADS clients at once, ROUNDS each: the load of the faults' hostile-bodies scenario, which
checks the service's memory before and after.

    hostile_bodies.py BASE TOKEN METHOD PATH MIB THREADS ROUNDS

Each client, each round, sends three requests on a fresh connection: a body of MIB mebibytes
declared with its Content-Length, one of MIB mebibytes sent in chunks without a length (streamed
64 KiB at a time, never held whole by this script), and a JSON array nested 100,000 deep. A
service that refuses early answers 413 (or 400 for the nesting) and may close the connection
before the body is all sent; a reset then is not a failure if the answer came first.
Prints one JSON line: the answers by status per kind, the requests that got no answer, and the
mebibytes sent.
"""
import http.client
import json
import sys
import threading
from urllib.parse import urlparse

CHUNK = b"[" + b"0," * (32 * 1024 - 1) + b"0"  # 64 KiB of a JSON array's opening, never closed


def send(url, token, method, path, kind, mib):
    """One request of `kind`; returns (status or None, bytes sent)."""
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    sent = 0
    try:
        conn.putrequest(method, path)
        conn.putheader("Authorization", f"Bearer {token}")
        conn.putheader("Content-Type", "application/json")
        if kind == "nested":
            body = b"[" * 100_000 + b"]" * 100_000
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            conn.send(body)
            sent = len(body)
        else:
            chunks = mib * 16
            if kind == "declared":
                conn.putheader("Content-Length", str(chunks * len(CHUNK)))
            else:
                conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            try:
                for _ in range(chunks):
                    if kind == "declared":
                        conn.send(CHUNK)
                    else:
                        conn.send(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                    sent += len(CHUNK)
                if kind == "chunked":
                    conn.send(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the end: the answer, if any, is read below
        try:
            response = conn.getresponse()
            response.read()
            return response.status, sent
        except (http.client.HTTPException, OSError):
            return None, sent
    except OSError:
        return None, sent
    finally:
        conn.close()


def main():
    base, token, method, path = sys.argv[1:5]
    mib, threads, rounds = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    url = urlparse(base)
    lock = threading.Lock()
    statuses = {"declared": {}, "chunked": {}, "nested": {}}
    totals = {"unanswered": 0, "sent": 0}

    def client():
        for _ in range(rounds):
            for kind in ("declared", "chunked", "nested"):
                status, sent = send(url, token, method, path, kind, mib)
                with lock:
                    totals["sent"] += sent
                    if status is None:
                        totals["unanswered"] += 1
                    else:
                        statuses[kind][str(status)] = statuses[kind].get(str(status), 0) + 1

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps({"statuses": statuses, "unanswered": totals["unanswered"], "mib_sent": round(totals["sent"] / 1048576, 1)}))


if __name__ == "__main__":
    main()
