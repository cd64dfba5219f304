"""The administrative units the registry ships, and where the generator places people.

The unit list has no population column; a 2025 commune's weight is the number of pre-2025
communes merged into it (the 2025 reform merged units towards population and area norms), half
as much again for an urban ward (phường). Documented in BENCHMARKS.md as a proxy.
"""
import bisect
import csv
import itertools
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "Services/Registry/Library/ReferenceData"


class Units:
    """The 2025 communes (optionally of some provinces only), with their weights and the pre-2025
    communes that map back onto each whole (`whole` or `divided-default` rows)."""

    def __init__(self, provinces=None, communes_per_province=None):
        with open(DATA / "vn-admin-units-2025.csv", encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f) if provinces is None or r["province_code"] in provinces]
        merged = {}
        self.legacy_of = {}
        with open(DATA / "vn-admin-units-2025-mapping.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                merged[r["commune_code_2025"]] = merged.get(r["commune_code_2025"], 0) + 1
                if r["kind"] in ("whole", "divided-default"):
                    self.legacy_of.setdefault(r["commune_code_2025"], []).append(r["legacy_commune_code"])
        if communes_per_province:
            rows = [r for _, group in itertools.groupby(rows, key=lambda r: r["province_code"])
                    for r in list(group)[:communes_per_province]]
        self.communes = [r["commune_code"] for r in rows]
        self.province_of = {r["commune_code"]: r["province_code"] for r in rows}
        self.provinces = sorted(set(self.province_of.values()))
        self.by_province = {p: [c for c in self.communes if self.province_of[c] == p] for p in self.provinces}
        weights = [max(1, merged.get(r["commune_code"], 1)) * (1.5 if r["commune_type"] == "Phường" else 1.0) for r in rows]
        self._cumulative = list(itertools.accumulate(weights))
        with open(DATA / "vn-admin-units-legacy.csv", encoding="utf-8") as f:
            self.legacy_provinces = sorted({r["province_code"] for r in csv.DictReader(f)})

    def pick(self, rng):
        """A commune drawn in proportion to its weight."""
        return self.communes[bisect.bisect_left(self._cumulative, rng.random() * self._cumulative[-1])]

    def neighbour(self, rng, commune):
        """Another commune of the same province, or None when the province has only one."""
        others = [c for c in self.by_province[self.province_of[commune]] if c != commune]
        return rng.choice(others) if others else None
