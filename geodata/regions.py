"""Admin-1 region names and codes: any common spelling -> ISO 3166-2.

The table is ../shared/data/admin1_codes_ua_ru.csv (GeoNames codes, ISO codes,
hand-curated aliases) plus the neighbours' units from the admin-1 GeoJSON.
Russia's names for occupied Ukrainian oblasts resolve to the Ukrainian code and
carry the contested name, so nobody has to choose a side to find a region.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geodata.errors import UnknownRegion
from geodata.names import _LOOSE, romanise

DATA = Path(__file__).resolve().parent / "data"
CODES_CSV = DATA / "admin1_codes_ua_ru.csv"
ADMIN1_GEOJSON = DATA / "admin1_ua_ru_neighbours.geojson"

# Country codes we know by name, for filters like --region RU and readable output.
COUNTRIES = {
    "UA": ("Ukraine", 804, "UKR"),
    "RU": ("Russia", 643, "RUS"),
    "BY": ("Belarus", 112, "BLR"),
    "MD": ("Moldova", 498, "MDA"),
    "PL": ("Poland", 616, "POL"),
    "RO": ("Romania", 642, "ROU"),
    "SK": ("Slovakia", 703, "SVK"),
    "HU": ("Hungary", 348, "HUN"),
}
# Names used by Russian authorities for Ukrainian units (not in the CSV's aliases).
_EXTRA_CONTESTED = {
    "UA-14": ["DPR", "DNR", "Donetskaya Narodnaya Respublika", "Донецкая Народная Республика"],
    "UA-09": ["LPR", "LNR", "Lugansk People's Republic", "Луганская Народная Республика"],
    "UA-43": ["Republic of Crimea", "Respublika Krym", "Республика Крым"],
    "UA-40": ["Sevastopol (federal city of Russia)", "Город федерального значения Севастополь"],
    "UA-23": ["Zaporozhye Oblast (Russia)"],
    "UA-65": ["Kherson Oblast (Russia)"],
}
_CONTESTED_MARK = re.compile(r"russian-(claimed|annexed)|people'?s republic|народная|\bднр\b|\bлнр\b", re.I)


@dataclass(frozen=True)
class Region:
    """One admin-1 unit."""

    code: str  # ISO 3166-2, e.g. UA-14
    gn_code: str  # GeoNames admin1 code, e.g. UA.05
    country: str  # ISO 3166-1 alpha-2
    name: str  # canonical English name
    note: str = ""


@dataclass(frozen=True)
class RegionMatch:
    region: Region
    matched: str  # the spelling that matched
    contested_name: str | None = None  # set when the spelling is one side's name


_REGION_WORDS = {"oblast", "oblasti", "region", "province", "obl", "oblast'"}
_ADJECTIVAL = re.compile(r"(?<=[sc]k)(aia|oi|ii|a)$")


def _region_key(text: str) -> str:
    """Like name_key, but 'Kyiv' and 'Kyiv Oblast' stay apart ('obl' token)."""
    words = []
    for word in romanise(text).replace("-", " ").split():
        word = re.sub(r"[^a-z0-9]", "", word)
        if not word or word in ("the", "of"):
            continue
        words.append("obl" if word in _REGION_WORDS else word)
    key = " ".join(words)
    for a, b in _LOOSE:
        key = key.replace(a, b)
    key = re.sub(r"([a-z])\1+", r"\1", key)
    return " ".join(_ADJECTIVAL.sub("", w) for w in key.split())


class RegionTable:
    """Every admin-1 unit we know, indexed by every spelling we know."""

    def __init__(self) -> None:
        self.by_code: dict[str, Region] = {}
        self.by_gn: dict[str, Region] = {}
        self._by_key: dict[str, list[RegionMatch]] = {}
        self._load()

    def _add_alias(self, region: Region, alias: str, contested: bool = False, rank: int = 1) -> None:
        """rank: 0 English/ISO names, 1 GeoNames names and curated aliases, 2 Natural Earth's names."""
        alias = alias.strip()
        if not alias:
            return
        key = _region_key(alias)
        if not key:
            return
        match = RegionMatch(region, alias, alias if contested else None)
        bucket = self._by_key.setdefault(key, [])
        if all(m.region.code != region.code for _, m in bucket):
            bucket.append((rank, match))

    def _load(self) -> None:
        with CODES_CSV.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            region = Region(
                row["iso_3166_2"], row["gn_a1_code"], row["country_iso2"], row["name_en"], row["note"]
            )
            self._register(region)
            for alias in (row["name_en"], row["iso_3166_2_name"]):
                self._add_alias(region, alias, rank=0)
            for alias in (row["gn_a1_name"], row["gn_a1_asciiname"]):
                self._add_alias(region, alias, rank=1)
            for alias in row["aliases"].split(";"):
                contested = bool(_CONTESTED_MARK.search(alias))
                base = re.sub(r"\(.*?\)", "", alias).strip()
                self._add_alias(region, base, contested)
                for inner in re.findall(r"\((.*?)\)", alias):
                    for tok in re.split(r"[/,]", inner):
                        if tok.strip().isupper():
                            self._add_alias(region, tok, True)
            for alias in _EXTRA_CONTESTED.get(region.code, []):
                self._add_alias(region, alias, True)
            self._add_alias(region, row["ne_name"], rank=2)
        # Neighbours' units come from the boundary file's attributes.
        with ADMIN1_GEOJSON.open(encoding="utf-8") as fh:
            feats = json.load(fh)["features"]
        for f in feats:
            p = f["properties"]
            if p["iso_a2"] in ("UA", "RU") or not p.get("iso_3166_2"):
                continue
            region = Region(p["iso_3166_2"], p.get("gn_a1_code") or "", p["iso_a2"], p["name_en"] or p["name"])
            self._register(region)
            for rank, alias in ((0, p["name_en"]), (0, p["name"]), (1, p.get("gn_a1_name"))):
                if alias:
                    self._add_alias(region, alias, rank=rank)

    def _register(self, region: Region) -> None:
        self.by_code[region.code.upper()] = region
        if region.gn_code:
            self.by_gn[region.gn_code] = region

    def lookup(self, text: str, country: str | None = None) -> RegionMatch:
        """Resolve a code (UA-14, UA.05) or any spelling to one region."""
        raw = text.strip()
        up = raw.upper()
        if up in self.by_code:
            return RegionMatch(self.by_code[up], raw)
        if raw in self.by_gn:
            return RegionMatch(self.by_gn[raw], raw)
        key = _region_key(raw)
        ranked = self._by_key.get(key, [])
        if not ranked:  # 'Kursk region' when only 'Kursk' is listed, and back
            alt = key[:-4] if key.endswith(" obl") else key + " obl"
            ranked = self._by_key.get(alt, [])
        if country:
            ranked = [(r, m) for r, m in ranked if m.region.country == country.upper()]
        best = min((r for r, _ in ranked), default=None)
        matches = [m for r, m in ranked if r == best]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise UnknownRegion(raw, "not an ISO 3166-2 code or known admin-1 name"
                                + (f" in {country}" if country else ""))
        raise UnknownRegion(raw, "several regions match: " + ", ".join(m.region.code for m in matches))


@lru_cache(maxsize=1)
def regions() -> RegionTable:
    return RegionTable()


def resolve_region(text: str, country: str | None = None) -> RegionMatch:
    """Resolve a region spelling; raises UnknownRegion with what was tried."""
    return regions().lookup(text, country)


def resolve_area(text: str) -> tuple[str, str]:
    """A filter term: ('country', 'RU') or ('admin1', 'UA-14')."""
    up = text.strip().upper()
    if up in COUNTRIES:
        return "country", up
    for cc, (name, _, a3) in COUNTRIES.items():
        if up in (name.upper(), a3):
            return "country", cc
    return "admin1", resolve_region(text).region.code


def country_name(cc: str) -> str:
    return COUNTRIES.get(cc, (cc, 0, ""))[0]
