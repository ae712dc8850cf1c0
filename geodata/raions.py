"""Raions (admin-2) by any spelling: the unit that tells one Novoselivka from the next.

Read from geodata/data/raions.tsv.gz (GeoNames ADM2 and ADM2H features, made by
geodata.build_settlements). Current raions (the 2020 reform's 136 in Ukraine) carry the code
every settlement row has, so they filter candidates exactly. Former raions (ADM2H, the ~490
of before 2020, which older reports and UCDP's adm_2 name) have no code on the settlements, only
a point near their seat: they filter by distance from it.
"""
from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geodata.names import name_key

RAIONS = Path(__file__).resolve().parent / "data" / "raions.tsv.gz"
# A former raion (before 2020) rarely reached farther than this from its seat; a city's
# municipality (miskrada) than this from the city's point.
FORMER_RAION_KM = 35.0
MUNICIPALITY_KM = 20.0
_MUNICIPAL = re.compile(r"\b(municipality|miskrada|mis.?ka rada|city council|gorsovet|gorodskoj sovet|міська|городской)\b",
                        re.I)
# 'Pokrovskyi', 'Pokrovskoho', 'Pokrovskii', 'Kramatorskyi': adjectival raion names after name_key.
_ENDINGS = re.compile(r"([sc])k(ii|i|ia|a|oi|ogo|oho|omu|im)$")
# Words of a raion's title, not of its name ('Kupianska Miskrada', 'Покровского района').
_TITLE_WORDS = frozenset(name_key(w) for w in (
    "raion", "raiona", "raionu", "raioni", "raione", "rajon", "rajona", "raional", "rayon", "rayona", "district",
    "miskrada", "miska", "mis", "ka", "rada", "city", "council", "gorodskoi", "gorodskoj", "sovet", "gorsovet",
    "municipality", "urban", "okrug", "hromada", "community", "territorial", "rural", "settlement", "silska",
    "selyshchna", "otg"))


@dataclass(frozen=True)
class Raion:
    country: str
    admin1: str  # GeoNames admin-1 code without the country ('05')
    code: str  # GeoNames admin-2 code ('1416'); a former raion's own geonameid
    name: str
    lat: float
    lon: float
    historical: bool

    @property
    def gn_admin1(self) -> str:
        return f"{self.country}.{self.admin1}"


def raion_keys(text: str) -> set[str]:
    """Every stem a raion's name may be written with: 'Pokrovsk Raion', 'Pokrovskyi raion',
    'Покровський район' and 'Покровского района' share 'pokrovsk'."""
    words = name_key(text).split()
    key = " ".join(w for w in words if w not in _TITLE_WORDS) or " ".join(words)
    out = {key}
    m = _ENDINGS.search(key)
    if m:  # 'kramatorskii' -> 'kramatorsk' (of Kramatorsk) and 'kramator'
        stem = key[: m.start()]
        # 'bahmucki' (name_key folds ts to c): the raion of Bakhmut
        out |= {stem + "sk", stem} if m.group(1) == "s" else {stem + "ck", stem + "t"}
    return {k for k in out if k}


class RaionTable:
    def __init__(self, path: Path = RAIONS) -> None:
        self.by_key: dict[str, list[Raion]] = {}
        self.by_code: dict[tuple[str, str], Raion] = {}
        if not path.exists():
            return
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\"):
                r = Raion(row["country"], row["admin1"], row["admin2"] or row["geonameid"], row["name"],
                          float(row["latitude"]), float(row["longitude"]), row["historical"] == "1")
                if not r.historical:
                    self.by_code[(r.gn_admin1, r.code)] = r
                for name in [row["name"], *filter(None, row["alternatenames"].split(","))]:
                    for key in raion_keys(name):
                        bucket = self.by_key.setdefault(key, [])
                        if r not in bucket:
                            bucket.append(r)

    def lookup(self, text: str, gn_admin1: str | None = None) -> list[Raion]:
        """Every raion the words may mean (in one admin-1 when given), current ones first."""
        found: list[Raion] = []
        for key in raion_keys(text):
            for r in self.by_key.get(key, []):
                if r not in found and (gn_admin1 is None or r.gn_admin1 == gn_admin1):
                    found.append(r)
        return sorted(found, key=lambda r: r.historical)

    def name_of(self, gn_admin1: str, code: str) -> str | None:
        r = self.by_code.get((gn_admin1, code))
        return r.name if r else None


@lru_cache(maxsize=1)
def raions() -> RaionTable:
    return RaionTable()


def seat_words(text: str) -> tuple[str, float]:
    """A raion or municipality named for its seat ('Marinka City municipality', 'Popasna raion'):
    the seat's name and how far from it the unit reaches."""
    reach = MUNICIPALITY_KM if _MUNICIPAL.search(text) else FORMER_RAION_KM
    return min(raion_keys(text), key=len), reach


def km(lat1: float, lon1: float, lat2, lon2):
    """Great-circle kilometres (numpy-broadcast): enough to tell 2 km from 35 km."""
    import numpy as np

    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))
