#!/usr/bin/env python3
"""Generates a realistic, deterministic history through the four services' own write paths.

    generate.py --size small|province|national [--people N] [--seed 2026] [--jobs 8]
                [--registry URL] [--treatment URL] [--referrals URL] [--statistics URL]
                (--token TOKEN | --user USERNAME)      password from GENERATOR_PASSWORD

Signs in as an administrator; creates per province the treatment facilities, a vocational school,
an employer and the social policy bank with an offer each; then people (Vietnamese names with
diacritics, valid CCCD numbers, sex, birth year and ethnicity mixes, substances) over the 2025
communes in proportion to a population proxy (units.py), each with a five-year history written in
the order it happened (history.py): management decisions, moves, residences recorded under the
pre-2025 communes, determinations, episodes in every form with their stages and ends, after-care
with contacts and reintegration cases, tests, relapses and repeat treatment, and today's referrals
with outcomes and loans; the communes' programmes (campaigns, groups, after-care models, drug-free
decisions, training, workforce) and the provinces' targets. Events flow as in production.

Prints a progress bar with the rate and the time left on a terminal (stderr), and a JSON summary
of what it wrote (stdout). Stops at the first answer it did not expect, with the service's words.
What the services refuse to back-date is cut or dated today (README, "Generating data").
"""
import argparse
import json
import os
import random
import sys
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from client import Client, GeneratorError  # noqa: E402
from dates import add_months, between, days, text, today  # noqa: E402
from history import Person  # noqa: E402
from progress import Progress  # noqa: E402
from units import Units  # noqa: E402

SIZES = {
    # people, provinces (None: all 34), communes per province (None: all)
    "small": (40, ["01", "79"], 3),
    "province": (8_000, ["01"], None),
    "national": (250_000, None, None),
}
FACILITIES = [("compulsory_treatment", "Cơ sở cai nghiện ma túy công lập"), ("voluntary_treatment", "Cơ sở cai nghiện tự nguyện"),
              ("methadone_clinic", "Cơ sở điều trị Methadone"), ("social_protection_centre", "Trung tâm Bảo trợ xã hội")]
TARGETS = [("treated_share", {"minimum": 70}), ("compulsory_share", {"minimum": 50}), ("aftercare_coverage", {"minimum": 100}),
           ("relapse_rate_change", {"maximum": -5})]


class Tally:
    def __init__(self):
        self.counts, self.lock = {}, threading.Lock()

    def add(self, name, count=1):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + count


class Run:
    def __init__(self, arguments, client):
        self.seed, self.client, self.tally, self.today = arguments.seed, client, Tally(), today()
        self.history_start = date(self.today.year - 5, 1, 1)
        people, provinces, communes = SIZES[arguments.size]
        self.people = arguments.people or people
        self.units = Units(provinces, communes)
        self.facilities, self.offers = {}, {}
        # --keep-going: a person whose history meets an answer not expected is counted, the first
        # few reasons kept, and the run goes on (its exit status still says so).
        self.keep_going, self.failures, self.failures_lock = arguments.keep_going, [], threading.Lock()

    def setup(self):
        """Per province: a facility of each kind (those already registered are reused), and three
        partners with an offer each (a course, a job, a loan programme)."""
        for province in self.units.provinces:
            found = self.client.call("registry", "GET", f"/v1/facilities?provinceCode={province}")["items"]
            kinds = {}
            for item in found:
                if item["active"] and (item["kind"] != "compulsory_treatment" or item["ownership"] == "public"):
                    kinds.setdefault(item["kind"], item["id"])
            for kind, name in FACILITIES:
                if kind not in kinds:
                    created = self.client.call("registry", "POST", "/v1/facilities", {
                        "name": f"{name} số {province}", "kind": kind, "provinceCode": province,
                        "communeCode": self.units.by_province[province][0], "capacity": 2000})
                    kinds[kind] = created["id"]
            self.facilities[province] = kinds
            self.offers[province] = {
                "vocational_training": self.offer(province, "vocational_school", "Trường Trung cấp nghề", "course", {
                    "course": {"trade": "Sửa chữa xe máy", "startsOn": text(self.today - days(30)),
                               "endsOn": text(add_months(self.today, 6)), "seats": 10000}}),
                "job": self.offer(province, "employer", "Công ty TNHH May mặc", "job", {
                    "job": {"position": "Công nhân may", "wageMinVnd": 5_000_000, "wageMaxVnd": 9_000_000, "openings": 10000}}),
                "loan": self.offer(province, "social_policy_bank", "Ngân hàng Chính sách xã hội", "loan_programme", {
                    "loanProgramme": {"purpose": "Vay vốn tạo việc làm", "limitVnd": 100_000_000, "termMonths": 60,
                                      "interestRate": "0.066"}}),
            }

    def offer(self, province, kind, name, offer_kind, details):
        partner = self.client.call("referrals", "POST", "/v1/partners", {"name": f"{name} {province}", "kind": kind,
                                                                         "provinceCode": province})["id"]
        offer = self.client.call("referrals", "POST", f"/v1/partners/{partner}/offers",
                                 {"kind": offer_kind, "title": name, "provinceCode": province, **details})["id"]
        return partner, offer, 30_000_000

    def person(self, number):
        rng = random.Random(f"{self.seed}:person:{number}")
        try:
            Person(number, rng, self).write()
        except (GeneratorError, RuntimeError) as error:
            if not self.keep_going:
                raise
            self.tally.add("people_failed")
            with self.failures_lock:
                if len(self.failures) < 5:
                    self.failures.append(f"person {number}: {error}")

    def programmes(self, commune):
        """A commune's programmes year by year: campaigns, a group, an after-care model, drug-free
        decisions, staff trained and its workforce."""
        rng = random.Random(f"{self.seed}:commune:{commune}")

        def post(kind, body):
            # A commune declares its workforce once a day and is declared drug-free once a year: a
            # second run over the same database finds those already there.
            status, _ = self.client.send("registry", "POST", f"/v1/programmes/{kind}", {"communeCode": commune, **body},
                                         expect=(201, 409) if kind in ("workforce", "drug-free") else (201,))
            self.tally.add("programmes" if status == 201 else "programmes_already_declared")

        for year in range(self.history_start.year, self.today.year + 1):
            first, last = date(year, 1, 1), min(date(year, 12, 31), self.today)
            if rng.random() < 0.6:
                post("campaign", {"heldOn": text(between(rng, first, last)), "topic": "Tháng hành động phòng, chống ma túy",
                                  "peopleReached": rng.randint(50, 800)})
            if rng.random() < 0.3:
                post("training", {"traineeName": "Cán bộ " + commune, "course": "Tư vấn điều trị nghiện",
                                  "trainedOn": text(between(rng, first, last)), "hours": rng.randint(8, 40)})
            if date(year, 1, 15) <= self.today:
                post("workforce", {"year": year, "workers": rng.randint(1, 6), "declaredOn": text(date(year, 1, 15))})
            if date(year, 12, 20) <= self.today and rng.random() < 0.15:
                post("drug-free", {"year": year, "decisionNumber": f"{rng.randint(1, 999)}/QĐ-UBND",
                                   "decidedOn": text(date(year, 12, 20))})
        if rng.random() < 0.35:
            post("group", {"groupType": rng.choice(["volunteer_team", "club"]), "name": f"Đội tình nguyện {commune}",
                           "foundedOn": text(between(rng, self.history_start, self.today))})
        if rng.random() < 0.4:
            post("aftercare-model", {"model": "Quản lý sau cai dựa vào cộng đồng",
                                     "since": text(between(rng, self.history_start, self.today))})

    def targets(self):
        for province in self.units.provinces:
            for year in range(self.history_start.year, self.today.year + 1):
                for indicator, bounds in TARGETS:
                    self.client.call("statistics", "PUT", f"/v1/targets/{indicator}/{province}/{year}",
                                     {**bounds, "note": "Kế hoạch của tỉnh"})
                    self.tally.add("targets")


def each(pool, jobs, items, work, progress, client):
    """`work(item)` for every item, `jobs` at once and a few more queued (not all submitted up
    front: a national run has 250,000); the first failure stops the run."""
    pending = deque()
    for item in items:
        pending.append(pool.submit(work, item))
        if len(pending) >= jobs * 4:
            pending.popleft().result()
            progress.advance(client.requests)
    while pending:
        pending.popleft().result()
        progress.advance(client.requests)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--people", type=int, help="overrides the size's number of people")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jobs", type=int, default=8, help="people written at once")
    for name, port in [("registry", 8081), ("treatment", 8082), ("referrals", 8083), ("statistics", 8084)]:
        parser.add_argument(f"--{name}", default=f"http://127.0.0.1:{port}")
    parser.add_argument("--keep-going", action="store_true", help="go on past a person whose history fails (counted)")
    parser.add_argument("--token")
    parser.add_argument("--user")
    arguments = parser.parse_args()
    client = Client({name: getattr(arguments, name) for name in ["registry", "treatment", "referrals", "statistics"]})
    if not arguments.token:
        password = os.environ.get("GENERATOR_PASSWORD")
        if not arguments.user or not password:
            parser.error("--token, or --user with GENERATOR_PASSWORD in the environment")
        client.token = client.call("registry", "POST", "/v1/auth/token", {"username": arguments.user, "password": password})["accessToken"]
    else:
        client.token = arguments.token
    run = Run(arguments, client)
    started = time.monotonic()
    try:
        run.setup()
        with ThreadPoolExecutor(max_workers=arguments.jobs) as pool:
            each(pool, arguments.jobs, range(run.people), run.person, Progress(run.people, "people", client.requests), client)
            each(pool, arguments.jobs, run.units.communes, run.programmes, Progress(len(run.units.communes), "programmes", client.requests), client)
        run.targets()
    except (GeneratorError, RuntimeError) as error:
        print(f"generate.py: {error}", file=sys.stderr)
        sys.exit(1)
    seconds = time.monotonic() - started
    summary = {"size": arguments.size, "seed": arguments.seed, "today": text(run.today), "provinces": len(run.units.provinces),
               "communes": len(run.units.communes), **dict(sorted(run.tally.counts.items())), "requests": client.requests,
               "seconds": round(seconds, 1), "requestsPerSecond": round(client.requests / seconds, 1),
               "peoplePerSecond": round(run.people / seconds, 2)}
    if run.failures:
        summary["failures"] = run.failures
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    if run.failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
