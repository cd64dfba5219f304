#!/usr/bin/env python3
"""Writes a deterministic CSV of people for the registry's import format (see README).

    generate_people.py ROWS OUT.csv [SEED]

Realistic Vietnamese names with diacritics (family names weighted as in the population), birth
years 1960-2008, sex, a valid 12-digit CCCD (birth province from the pre-2025 list, century/sex
digit and birth year consistent) for 90% of rows, residence spread over every 2025 commune.
"""
import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generator"))
from vietnamese import ETHNIC, SUBSTANCES, full_name, national_id, weighted  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "Services/Registry/Library/ReferenceData"


def main():
    rows = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 2026)
    with open(DATA / "vn-admin-units-2025.csv", encoding="utf-8") as f:
        communes = [r["commune_code"] for r in csv.DictReader(f)]
    with open(DATA / "vn-admin-units-legacy.csv", encoding="utf-8") as f:
        provinces = sorted({r["province_code"] for r in csv.DictReader(f)})
    used = set()
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["full_name", "sex", "birth_date", "birth_year", "national_id", "ethnicity", "commune_code", "address",
                    "phone", "occupation", "substances", "management_decision_date"])
        for i in range(rows):
            male = rng.random() < 0.92
            sex = "male" if male else "female"
            name = full_name(rng, male)
            year = rng.randint(1960, 2008)
            full_date = rng.random() < 0.8
            birth_date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if full_date else ""
            nid = ""
            if rng.random() < 0.9:
                nid = national_id(rng, year, male, provinces, used)
            w.writerow([name, sex, birth_date, "" if full_date else year, nid, weighted(rng, ETHNIC), rng.choice(communes),
                        f"Số {rng.randint(1, 200)}, tổ {rng.randint(1, 30)}", f"09{rng.randint(0, 99999999):08d}",
                        "", ";".join(rng.sample(SUBSTANCES, rng.randint(1, 2))),
                        f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}" if rng.random() < 0.5 else ""])


if __name__ == "__main__":
    main()
