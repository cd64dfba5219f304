"""One person's history, written through the services' write paths in the order it happened.

Every draw comes from the person's own `random.Random` (seeded from the run's seed and the
person's number), so a person's history is the same whatever the concurrency; what depends on the
day the run is made (the services refuse dates after today) is cut at today.
"""
import time
from datetime import date

from dates import FIRST_REGIME, LAW_120, REFORM, add_months, between, days, text
from vietnamese import ETHNIC, SUBSTANCES, cccd, full_name, weighted

FORMS = [("voluntary_community", 34), ("voluntary_facility", 16), ("compulsory", 26), ("methadone", 14),
         ("social_protection_centre", 10)]
FACILITY_KIND = {"voluntary_facility": "voluntary_treatment", "compulsory": "compulsory_treatment",
                 "methadone": "methadone_clinic", "social_protection_centre": "social_protection_centre"}
STAGES = ["intake", "detoxification", "counselling", "labour_therapy", "reintegration"]
CRITERIA = ["craving", "loss_of_control", "withdrawal", "tolerance", "neglect", "harmful_use"]
NEEDS = ["vocational_training", "job", "loan", "schooling"]
# The needs a referral answers (a referral's kind is named as the need), with the outcome recorded.
OUTCOME = {"vocational_training": "trained", "job": "employed", "loan": "disbursed"}


class Person:
    """Draws and writes person `number`: registration, perhaps a move, a determination, treatment,
    after-care with its contacts and reintegration case, tests, a relapse, today's referrals."""

    def __init__(self, number, rng, run):
        self.number, self.rng, self.run = number, rng, run
        self.client, self.tally, self.today = run.client, run.tally, run.today

    def write(self):
        rng, today = self.rng, self.today
        male = rng.random() < 0.92
        year = rng.randint(1965, 2008)
        birth = {"birthDate": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"} if rng.random() < 0.8 else {"birthYear": year}
        self.birth_year = year
        commune = self.run.units.pick(rng)
        self.province = self.run.units.province_of[commune]
        decided = between(rng, self.run.history_start, today - days(20))
        since = max(self.run.history_start, decided - days(rng.randint(0, 300)))
        residence = {"communeCode": commune, "address": f"Số {rng.randint(1, 200)}, tổ {rng.randint(1, 30)}", "since": text(since)}
        legacy = self.run.units.legacy_of.get(commune)
        if legacy and since < REFORM and rng.random() < 0.3:
            residence.update(communeCode=rng.choice(legacy), generation="legacy")
            self.tally.add("legacy_residences")
        substances = rng.sample(SUBSTANCES, rng.randint(1, 2))
        self.substances = substances
        body = {"fullName": full_name(rng, male), "sex": "male" if male else "female", **birth, "ethnicity": weighted(rng, ETHNIC),
                "substances": substances, "residence": residence, "confirmPossibleDuplicate": True,
                "management": {"decisionDate": text(decided), "decisionNumber": f"{rng.randint(1, 999)}/QĐ-UBND"}}
        if rng.random() < 0.9:
            # Unique within a run without a shared set: the serial is a bijection of the number.
            serial = (self.number * 3677 + self.run.seed * 7919) % 1_000_000
            body["nationalId"] = cccd(rng.choice(self.run.units.legacy_provinces), year, male, serial)
        person = self.client.call("registry", "POST", "/v1/people", body,
                                  headers={"Idempotency-Key": f"generator-{self.run.seed}-{self.number}"}, retry_drop=True)
        self.id = person["id"]
        self.tally.add("people")
        # Some move within their province before anything else happens to them.
        moved = between(rng, since + days(30), decided + days(200))
        if rng.random() < 0.05 and moved < today:
            other = self.run.units.neighbour(rng, commune)
            if other:
                self.client.call("registry", "POST", f"/v1/people/{self.id}/moves", {"communeCode": other, "date": text(moved)})
                self.tally.add("moves")
        else:
            moved = since
        if rng.random() < 0.65:
            # Those on record before the first regime are determined over its first year.
            first = max(decided, moved + days(1), between(rng, FIRST_REGIME, FIRST_REGIME + days(365)))
            determined = between(rng, first, first + days(120))
            if determined <= today:
                self.determine(determined, rng.random() < 0.85)

    def determine(self, on, positive):
        rng = self.rng
        criteria = rng.sample(CRITERIA, rng.randint(3, 6) if positive else rng.randint(0, 2))
        self.client.call("treatment", "POST", f"/v1/people/{self.id}/determinations",
                         {"determinedOn": text(on), "doctor": "BS. " + full_name(rng, rng.random() < 0.5),
                          "healthFacility": "Trung tâm Y tế khu vực", "criteria": criteria})
        self.tally.add("determinations")
        self.tally.add(f"determinations_{on.year}")
        if positive:
            self.tally.add("positive_determinations")
            if rng.random() < 0.8:
                self.treat(between(rng, on + days(5), on + days(45)), repeat=False)

    def treat(self, planned, repeat):
        """An episode planned from `planned`: started, its stages, and its end if it has come."""
        rng, today = self.rng, self.today
        planned = planned.replace(day=min(planned.day, 28))
        if planned > today:
            return
        form = weighted(rng, FORMS)
        if form == "compulsory" and planned.year - self.birth_year < 19:
            form = "voluntary_facility"
        body = {"form": form, "plannedStart": text(planned)}
        if planned >= LAW_120:
            months = 36 if repeat else 24
        elif form == "compulsory":
            months = rng.randint(12, 24)
        else:
            months = rng.randint(6, 12)
        term_end = add_months(planned, months) - days(1)
        if form != "methadone":
            body["plannedEnd"] = text(term_end)
        if form == "voluntary_community":
            body["supervisor"] = full_name(rng, rng.random() < 0.5)
        else:
            body["facilityId"] = self.run.facilities[self.province][FACILITY_KIND[form]]
        if form == "compulsory":
            body.update(court=f"Tòa án nhân dân khu vực {rng.randint(1, 9)}", decisionNumber=f"{rng.randint(1, 999)}/QĐ-TA",
                        decisionDate=text(planned - days(rng.randint(3, 20))))
        episode = self.client.call("treatment", "POST", f"/v1/people/{self.id}/episodes", body)["id"]
        self.tally.add("episodes")
        self.tally.add(f"episodes_{form}")
        self.client.call("treatment", "POST", f"/v1/episodes/{episode}/start", {"on": text(planned)})
        # How it ends: completed at the end of its term, or dropped out before (methadone has no term).
        if form == "methadone":
            ends, reason = planned + days(rng.randint(60, 900)), "dropped_out"
            if rng.random() < 0.6:
                ends = None
        elif rng.random() < 0.8:
            ends, reason = term_end + days(rng.randint(0, 5)), "completed"
        else:
            ends, reason = between(rng, planned + days(20), term_end - days(1)), "dropped_out"
        stop = min(ends or today, today)
        if form != "methadone":
            stages = STAGES if form == "compulsory" else STAGES[:3]
            span = (term_end - planned).days
            for index, stage in enumerate(stages):
                on = planned + days(span * (index + 1) // (len(stages) + 1))
                if on > stop or (on == stop and reason != "completed"):
                    break
                self.client.call("treatment", "POST", f"/v1/episodes/{episode}/stages", {"stage": stage, "completedOn": text(on)})
        if rng.random() < 0.7:
            self.test(between(rng, planned, stop), positive=False)
        if ends is None or ends > today:
            return
        if reason == "completed" and ends < term_end:
            ends = term_end
        self.client.call("treatment", "POST", f"/v1/episodes/{episode}/end", {"reason": reason, "on": text(ends)})
        self.tally.add(reason)
        if reason == "completed":
            self.aftercare(ends + days(1))

    def test(self, on, positive):
        self.client.call("treatment", "POST", f"/v1/people/{self.id}/tests",
                         {"testedOn": text(on), "method": "urine", "substances": self.substances[:1], "positive": positive})
        self.tally.add("tests")

    def aftercare(self, starts):
        """The after-care a completion opened: its supervisor, contacts, support needs and
        reintegration case; then a relapse, a completion, or (still running) today's referrals."""
        rng, today = self.rng, self.today
        items = self.client.call("treatment", "GET", f"/v1/people/{self.id}/aftercare")["items"]
        care = next(item for item in items if item["startsOn"] == text(starts) and item["status"] == "active")
        self.tally.add("aftercare")
        ends = care["endsOn"]
        last = min(today, date_of(ends))
        relapse = between(rng, starts + days(20), last) if rng.random() < 0.18 and starts + days(20) <= last else None
        until = relapse - days(1) if relapse else last
        if rng.random() < 0.5:
            self.client.call("treatment", "PUT", f"/v1/aftercare/{care['id']}/supervisor",
                             {"kind": rng.choice(["officer", "volunteer_team", "club"]), "name": full_name(rng, rng.random() < 0.5)})
        for on in sorted(between(rng, starts, until) for _ in range(rng.randint(0, 4)) if until >= starts):
            self.client.call("treatment", "POST", f"/v1/aftercare/{care['id']}/contacts",
                             {"kind": rng.choice(["visit", "call", "club_meeting"]), "on": text(on)})
            self.tally.add("contacts")
        needs = sorted(rng.sample(NEEDS, rng.randint(1, 2))) if rng.random() < 0.55 else []
        case = self.case(starts)
        if needs and until >= starts:
            assessed = between(rng, starts, min(until, starts + days(40)))
            self.client.call("referrals", "PUT", f"/v1/cases/{case}/assessment",
                             {"needs": needs, "skills": "Lao động phổ thông", "assessedOn": text(assessed)})
            self.tally.add("cases_assessed")
            if rng.random() < 0.6:
                self.client.call("referrals", "POST", f"/v1/cases/{case}/counselling",
                                 {"givenOn": text(between(rng, assessed, until)), "givenBy": "Cán bộ xã",
                                  "topic": "Tư vấn học nghề, việc làm"})
                self.tally.add("counselling")
        if relapse:
            self.test(relapse, positive=True)
            self.tally.add("relapses")
            if rng.random() < 0.5:
                self.treat(between(rng, relapse + days(15), relapse + days(60)), repeat=True)
        elif date_of(ends) < today and rng.random() < 0.85:
            self.client.call("treatment", "POST", f"/v1/aftercare/{care['id']}/completion",
                             {"on": text(min(today, date_of(ends) + days(rng.randint(0, 20))))})
            self.tally.add("aftercare_completed")
        elif case and rng.random() < 0.5:
            for need in needs:
                if need in OUTCOME:
                    self.refer(case, need)

    def case(self, opened):
        """The reintegration case the referrals service opens for the after-care (asynchronously)."""
        deadline = time.monotonic() + 30
        while True:
            items = self.client.call("referrals", "GET", f"/v1/people/{self.id}/cases")["items"]
            found = [item["id"] for item in items if item.get("openedOn") == text(opened) and item.get("status") == "open"]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise RuntimeError(f"no reintegration case opened for person {self.number} within 30 s")
            time.sleep(0.2)

    def refer(self, case, kind):
        """A referral made today for the case, accepted, and its outcome today (the services date
        referrals by the day they are made: they cannot be back-dated)."""
        partner, offer, amount = self.run.offers[self.province][kind]
        referral = self.client.call("referrals", "POST", f"/v1/people/{self.id}/referrals",
                                    {"partnerId": partner, "kind": kind, "offerId": offer, "caseId": case,
                                     "request": "Đề nghị hỗ trợ theo nhu cầu đã đánh giá"})["id"]
        self.client.call("referrals", "POST", f"/v1/referrals/{referral}/response", {"decision": "accepted"})
        outcome = {"outcome": OUTCOME[kind], "on": text(self.today)}
        if kind == "loan":
            outcome["amountVnd"] = amount
            self.tally.add("loans")
        self.client.call("referrals", "POST", f"/v1/referrals/{referral}/outcome", outcome)
        self.tally.add("referrals")


def date_of(value):
    return date.fromisoformat(value)
