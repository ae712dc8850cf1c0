"""Where an imported row is: its admin-1 region read in its source's meaning and checked
against its coordinates, and (for rows without coordinates) its place name geocoded offline.

All of it runs once per distinct value or as array operations: a million rows name a few
hundred regions and a few thousand places.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from events.arrowtext import pandas_text

# A point this far outside the region its row names is a disagreement, not a point on a
# simplified border (the boundaries are within 0.4 km of Natural Earth's full resolution).
MISMATCH_KM = 1.0


@dataclass
class Placed:
    code: np.ndarray  # ISO 3166-2 per row (None: unknown)
    name: np.ndarray  # canonical English name per row
    country: np.ndarray  # country of the point's polygon (None outside coverage)
    flags: np.ndarray  # None or a list of flag strings per row
    notes: list[str] = field(default_factory=list)
    ids: np.ndarray | None = None  # each row's region id in `regions` (its last id: none)
    regions: "_Regions | None" = None

    def as_text(self, which: str) -> pd.arrays.ArrowStringArray:
        """Codes or names ('code', 'name') in pandas' text type, taken by Arrow from the few
        regions' texts: no Python string per row to convert."""
        return pandas_text(self.regions.arrow(which).take(pa.array(self.ids)))


class _Regions:
    """Region codes as small integers, so a batch's rows compare and look up numbers, not strings:
    `codes[i]` and `names[i]` for id i; the last id stands for no region."""

    def __init__(self) -> None:
        from geodata.regions import regions

        self.by_code = {k: v.name for k, v in regions().by_code.items()}
        self.ids: dict[str, int] = {}
        self._codes: list = []
        self.codes = self.names = np.array([None], dtype=object)

    @property
    def none(self) -> int:
        return len(self._codes)

    def id_of(self, values) -> np.ndarray:
        """Ids for a few values (distinct names or points), adding new codes as they come."""
        out = np.empty(len(values), dtype=np.int64)
        for i, code in enumerate(values):
            if code is None or (isinstance(code, float) and np.isnan(code)):
                out[i] = -1
                continue
            if code not in self.ids:
                self.ids[code] = len(self._codes)
                self._codes.append(code)
                self.codes = np.array(self._codes + [None], dtype=object)
                self.names = np.array([self.by_code.get(c) for c in self._codes] + [None], dtype=object)
            out[i] = self.ids[code]
        return out

    def arrow(self, which: str) -> pa.Array:
        return pa.array(self.codes if which == "code" else self.names, type=pa.large_string())

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Per-row ids with -1 (none) made the last id, for taking codes and names."""
        return np.where(ids < 0, self.none, ids)


def region_codes(names: pd.Series, countries: pd.Series, meaning: str) -> np.ndarray:
    """ISO code per row from the region name, resolved once per distinct (name, country).

    meaning 'acled': ACLED writes a Ukrainian oblast by its bare name ('Kyiv' is Kyiv Oblast)
    and the city as 'Kyiv City', so a bare Ukrainian name is read as the oblast first.
    """
    codes, table = _region_table(names, countries, meaning)
    return np.asarray(table + [None], dtype=object)[codes]


def _region_table(names: pd.Series, countries: pd.Series, meaning: str) -> tuple[np.ndarray, list]:
    """(per-row index into the table, -1 where the row has none; the code of each distinct pair)."""
    from geodata.errors import UnknownRegion
    from geodata.regions import resolve_region

    n_codes, n_uniq = pd.factorize(names, use_na_sentinel=True)
    c_codes, c_uniq = pd.factorize(countries, use_na_sentinel=True)
    n_uniq = [("" if pd.isna(x) else str(x)) for x in n_uniq] + [""]
    c_uniq = [("" if pd.isna(x) else str(x)) for x in c_uniq] + [""]
    # one key per (name, country) pair, from the two small code arrays (no string per row)
    pair = np.where(n_codes < 0, len(n_uniq) - 1, n_codes).astype(np.int64) * len(c_uniq) \
        + np.where(c_codes < 0, len(c_uniq) - 1, c_codes)
    codes, uniques = pd.factorize(pair)
    table = []
    for k in uniques:
        name, cc = n_uniq[int(k) // len(c_uniq)], c_uniq[int(k) % len(c_uniq)]
        code = None
        if name:
            tries = [name]
            if meaning == "acled" and cc in ("UA", "") and "city" not in name.lower():
                tries.insert(0, f"{name} Oblast")
            for attempt in tries:
                try:
                    code = resolve_region(attempt, cc or None).region.code
                    break
                except UnknownRegion:
                    continue
        table.append(code)
    return codes, table


class PointMemo:
    """The region of each distinct point already placed, kept across the batches of one file: a
    million rows name about 20,000 points, and each is tested against the polygons once."""

    def __init__(self) -> None:
        self.keys = pd.Index([], dtype=np.complex128)
        self.regions = _Regions()
        self.poly = np.empty(0, dtype=np.int64)  # region id (-1: none)
        self.cc = np.empty(0, dtype=object)
        self.out = np.empty(0, dtype=np.float64)

    def place(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(region id, country, km outside) per point."""
        from geodata.boundaries import assign_admin1_detail

        key = np.asarray(lat, np.float64) + 1j * np.asarray(lon, np.float64)
        inverse, uniq = pd.factorize(key)
        at = self.keys.get_indexer(uniq)
        new = np.flatnonzero(at < 0)
        if len(new):
            u = np.asarray(uniq)[new]
            n_poly, n_cc, n_out = assign_admin1_detail(u.imag, u.real)
            at[new] = len(self.keys) + np.arange(len(new))
            self.keys = self.keys.append(pd.Index(u))
            self.poly = np.concatenate([self.poly, self.regions.id_of(n_poly)])
            self.cc = np.concatenate([self.cc, np.asarray(n_cc, dtype=object)])
            self.out = np.concatenate([self.out, np.asarray(n_out, dtype=np.float64)])
        rows = at[inverse]
        return self.poly[rows], self.cc[rows], self.out[rows]


def locate_admin1(names: pd.Series, countries: pd.Series, lat: np.ndarray, lon: np.ndarray,
                  meaning: str = "default", memo: PointMemo | None = None) -> Placed:
    """Region per row: the source's name where it resolves, else the point's polygon (or the
    nearest one just off a simplified coast); a name the point contradicts is flagged, not trusted.

    Rows carry small region ids, not code strings: a million rows name a few dozen regions."""
    from geodata.boundaries import SNAP_KM, km_outside

    memo = memo or PointMemo()
    reg = memo.regions
    n = len(lat)
    # Events repeat their place's point: test each distinct point once (1M rows, ~20,000 points).
    poly, poly_cc, outside = memo.place(lat, lon)
    if n:
        pair, table = _region_table(names, countries, meaning)
        named = np.append(reg.id_of(table), -1)[pair]
    else:
        named = np.empty(0, dtype=np.int64)
    code = np.where(named < 0, poly, named)
    flags = np.full(n, None, dtype=object)
    notes: list[str] = []

    both = (named >= 0) & (poly >= 0) & (named != poly)
    if both.any():
        rows = np.flatnonzero(both)
        named_codes = reg.codes[named[rows]]
        key = pd.DataFrame({"lat": lat[rows], "lon": lon[rows], "code": named[rows]})
        distinct = ~key.duplicated().to_numpy()
        k_inv = key.groupby(["lat", "lon", "code"], sort=False, dropna=False).ngroup().to_numpy()
        d_rows = rows[distinct]
        km = km_outside(lon[d_rows], lat[d_rows], named_codes[distinct])[k_inv]
        real = np.flatnonzero(~np.isnan(km) & (km > MISMATCH_KM))
        src = names.to_numpy(object)
        for j in real:
            i = rows[j]
            flags[i] = [f"admin1-mismatch: the source names {src[i]!r} ({named_codes[j]}) but the point lies in "
                        f"{reg.codes[poly[i]]}, {km[j]:.1f} km outside {named_codes[j]}; kept the source's region"]
        if len(real):
            notes.append(f"admin1: {len(real):,} row(s) whose region name and coordinates disagree by more than "
                         f"{MISMATCH_KM:g} km: kept the name's region, flagged 'admin1-mismatch'")
    snapped = (named < 0) & (outside > 0)
    if snapped.any():
        for i in np.flatnonzero(snapped):
            flags[i] = (flags[i] or []) + [f"admin1-nearest: the point lies {outside[i]:.1f} km outside every "
                                           f"boundary held (coast or river); nearest region {reg.codes[poly[i]]} taken"]
        notes.append(f"admin1: {int(snapped.sum()):,} row(s) just outside the simplified boundaries (coast, wide "
                     f"river) took the nearest region within {SNAP_KM:g} km, flagged 'admin1-nearest'")
    at = reg.rows(code)
    return Placed(reg.codes[at], reg.names[at], poly_cc, flags, notes, at, reg)


def locate_names(names: pd.Series, countries: pd.Series, admin1: pd.Series | None, mask: np.ndarray,
                 admin2: pd.Series | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lat, lon, reason, geo_precision, uncertainty_km) for the rows in mask, by their place name
    in the offline gazetteer (settled by the row's raion where it has one); an ambiguous or
    unknown name is a reason naming its candidates with their raions, never a guess."""
    from geodata.errors import AmbiguousPlace, GeodataError, PlaceNotFound
    from geodata.gazetteer import GazetteerGeocoder

    n = len(names)
    lat, lon = np.full(n, np.nan), np.full(n, np.nan)
    prec, unc = np.ones(n, dtype=np.int64), np.full(n, np.nan)
    why = np.full(n, "", dtype=object)
    a1 = admin1 if admin1 is not None else pd.Series([""] * n, index=names.index)
    a2 = admin2 if admin2 is not None else pd.Series([""] * n, index=names.index)
    key = (names.fillna("").astype(str).str.strip() + "\x1f" + countries.fillna("").astype(str) + "\x1f"
           + a1.fillna("").astype(str).str.strip() + "\x1f" + a2.fillna("").astype(str).str.strip())
    rows = np.flatnonzero(mask)
    codes, uniques = pd.factorize(key.iloc[rows])
    geocoder = GazetteerGeocoder()
    for u, k in enumerate(uniques):
        name, cc, region, raion = k.split("\x1f")
        at = rows[codes == u]
        if not name:
            why[at] = "latitude/longitude: missing, and no place name to locate the row by"
            continue
        try:
            place = geocoder.resolve(name, country=cc or None, admin1=region or None, admin2=raion or None)
        except AmbiguousPlace as exc:
            listed = "; ".join(c.describe() for c in exc.candidates[:4])
            more = f" (+{len(exc.candidates) - 4} more)" if len(exc.candidates) > 4 else ""
            why[at] = (f"location: {name!r} has no coordinates and is ambiguous ({len(exc.candidates)} places: "
                       f"{listed}{more}); give its raion (admin2) or coordinates")[:600]
            continue
        except (PlaceNotFound, GeodataError) as exc:
            why[at] = f"location: {name!r} has no coordinates and is not in the gazetteer ({exc})"[:300]
            continue
        lat[at], lon[at], unc[at] = place.lat, place.lon, place.uncertainty_km()
    return lat, lon, why, prec, unc
