#!/usr/bin/env python3
"""Registers people through the registry as fast as THREADS clients can, for SECONDS, and keeps
going through failures (a killed service, a restarting database): the load of the fault scenarios.

    write_load.py BASE TOKEN SECONDS THREADS ACKED_FILE LABEL [WHAT PEOPLE_FILE [PARTNER_ID]]

LABEL goes into every name, so that runs do not register each other's people again (the registry
answers a likely duplicate with 409). Every person the registry acknowledged (201) goes to ACKED_FILE, one id a line, as soon as the
answer arrives. With WHAT `determinations` and PEOPLE_FILE (person ids, one a line), BASE is the
treatment service's and the clients record determinations of those people instead (two criteria
met: negative, so nothing changes in the registry); with WHAT `referrals`, BASE is the referrals
service's and the clients refer those people to the partner PARTNER_ID for a job; with WHAT
`targets`, BASE is the statistics service's, PEOPLE_FILE holds `indicator/unit` pairs instead, and
the clients set plan targets for them, each client its own years, so that every target is set once
(its `indicator/unit/year` is what goes to ACKED_FILE). The ids of what was acknowledged go to
ACKED_FILE.
Prints one JSON line: acknowledged, answered with another status (by status),
and requests that got no answer (connection refused or reset, timeout).
"""
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlparse


def main():
    base, token, seconds, threads, acked_path, label = (
        sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
    what = sys.argv[7] if len(sys.argv) > 7 else "people"
    people = [line.strip() for line in open(sys.argv[8]) if line.strip()] if len(sys.argv) > 8 else None
    partner = sys.argv[9] if len(sys.argv) > 9 else None
    url = urlparse(base)
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    counts = {"acknowledged": 0, "statuses": {}, "unanswered": 0}
    acked = open(acked_path, "a", buffering=1)

    def client(number):
        conn = None
        sequence = 0
        while time.monotonic() < deadline:
            sequence += 1
            person = people[(number * 7919 + sequence) % len(people)] if people else None
            method = "POST"
            if what == "targets":
                # Client `number` takes years 2000 + 12 * number on; each pair once a year.
                target = f"{people[sequence % len(people)]}/{2000 + 12 * number + sequence // len(people)}"
                method, path, body = "PUT", f"/v1/targets/{target}", json.dumps({"minimum": 50, "note": f"Thử lỗi {label}"})
            elif what == "referrals":
                path = f"/v1/people/{person}/referrals"
                body = json.dumps({"partnerId": partner, "kind": "job", "request": f"Việc làm phổ thông, ca ngày ({label} {number}-{sequence})"})
            elif what == "determinations":
                path = f"/v1/people/{person}/determinations"
                body = json.dumps({
                    "determinedOn": f"2026-{1 + sequence % 11:02d}-{1 + number % 28:02d}",
                    "doctor": f"BS. Thử {label} {number}", "healthFacility": "Trung tâm Y tế quận Ba Đình",
                    "criteria": ["craving", "tolerance"],
                })
            else:
                path = "/v1/people"
                body = json.dumps({
                    "fullName": f"Người Thử {label} {number}-{sequence}",
                    "birthYear": 1970 + (number * 7 + sequence) % 40,
                    "sex": "male" if sequence % 2 else "female",
                    "residence": {"communeCode": "00004", "address": f"Số {sequence}, ngõ {number}"},
                })
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
                conn.request(method, path, body=body,
                             headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                with lock:
                    counts["unanswered"] += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)
                continue
            with lock:
                if response.status == (200 if what == "targets" else 201):
                    counts["acknowledged"] += 1
                    if what == "targets":
                        created = target
                    else:
                        created = json.loads(data)["id"] if people else response.getheader("Location", "").rsplit("/", 1)[-1]
                    acked.write(created + "\n")
                else:
                    key = str(response.status)
                    counts["statuses"][key] = counts["statuses"].get(key, 0) + 1
            if response.status >= 500:
                time.sleep(0.05)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    acked.close()
    print(json.dumps(counts, sort_keys=True))


if __name__ == "__main__":
    main()
