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

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "Services/Registry/Library/ReferenceData"

FAMILY = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 4.5), ("Huỳnh", 4), ("Phan", 4.5),
          ("Vũ", 3.9), ("Võ", 3), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1),
          ("Lý", 0.5), ("Đinh", 0.6), ("Lò", 0.2), ("Hà", 0.5), ("Trịnh", 0.4), ("Đào", 0.4), ("Mai", 0.3), ("Tạ", 0.2)]
MIDDLE_MALE = ["Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Đình", "Ngọc", "Trọng", "Anh"]
MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Phương", "Hồng", "Bích", "Thùy", "Mai"]
GIVEN_MALE = ["Anh", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hòa", "Hùng", "Huy", "Khánh", "Kiên", "Long", "Lộc",
              "Mạnh", "Nam", "Nghĩa", "Phong", "Phúc", "Quang", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Tiến", "Toàn",
              "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Khoa", "Đông", "Hưng", "Lâm", "Nhân", "Thịnh", "Páo", "Chính"]
GIVEN_FEMALE = ["Anh", "Châu", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Huyền", "Lan", "Liên",
                "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo", "Thủy",
                "Trang", "Tuyết", "Uyên", "Vân", "Yến", "Xuân", "Diệp", "Ánh"]
ETHNIC = [("Kinh", 85), ("Tày", 2), ("Thái", 2), ("Mường", 1.5), ("Khmer", 1.5), ("H'Mông", 1.5), ("Nùng", 1), ("Hoa", 1), ("Dao", 1)]
SUBSTANCES = ["heroin", "methamphetamine", "mdma", "ketamine", "cannabis", "opium", "amphetamine"]


def weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


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
            name = " ".join([weighted(rng, FAMILY), rng.choice(MIDDLE_MALE if male else MIDDLE_FEMALE),
                             rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)])
            year = rng.randint(1960, 2008)
            full_date = rng.random() < 0.8
            birth_date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if full_date else ""
            nid = ""
            if rng.random() < 0.9:
                century = (year // 100 - 19) * 2 + (0 if male else 1)
                while True:
                    nid = f"0{rng.choice(provinces)}{century}{year % 100:02d}{rng.randint(0, 999999):06d}"
                    if nid not in used:
                        used.add(nid)
                        break
            w.writerow([name, sex, birth_date, "" if full_date else year, nid, weighted(rng, ETHNIC), rng.choice(communes),
                        f"Số {rng.randint(1, 200)}, tổ {rng.randint(1, 30)}", f"09{rng.randint(0, 99999999):08d}",
                        "", ";".join(rng.sample(SUBSTANCES, rng.randint(1, 2))),
                        f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}" if rng.random() < 0.5 else ""])


if __name__ == "__main__":
    main()
