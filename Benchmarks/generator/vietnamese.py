"""Vietnamese names, ethnicities, substances and citizen ids, drawn from a seeded `random.Random`.

Shared by the data generator (`generate.py`) and the registry benchmark's CSV of people
(`Benchmarks/registry/generate_people.py`): the same draws in the same order give the same people.
"""

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



def full_name(rng, male):
    """A family name weighted as in the population, a middle name and a given name of the sex."""
    return " ".join([weighted(rng, FAMILY), rng.choice(MIDDLE_MALE if male else MIDDLE_FEMALE),
                     rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)])


def cccd(province, year, male, serial):
    """A valid 12-digit CCCD: 0 + a pre-2025 province code of birth, the century and sex digit,
    the two last digits of the birth year, a six-digit serial."""
    century = (year // 100 - 19) * 2 + (0 if male else 1)
    return f"0{province}{century}{year % 100:02d}{serial:06d}"


def national_id(rng, year, male, provinces, used):
    """A valid CCCD with a random province and serial, not in `used` (and added to it)."""
    while True:
        nid = cccd(rng.choice(provinces), year, male, rng.randint(0, 999999))
        if nid not in used:
            used.add(nid)
            return nid
