"""Where an imported row is: its admin-1 region read in its source's meaning and checked
against its coordinates, and (for rows without coordinates) its place name geocoded offline.

All of it runs once per distinct value or as array operations: a million rows name a few
hundred regions and a few thousand places.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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


def region_codes(names: pd.Series, countries: pd.Series, meaning: str) -> np.ndarray:
    """ISO code per row from the region name, resolved once per distinct (name, country).

    meaning 'acled': ACLED writes a Ukrainian oblast by its bare name ('Kyiv' is Kyiv Oblast)
    and the city as 'Kyiv City', so a bare Ukrainian name is read as the oblast first.
    """
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
    return np.asarray(table + [None], dtype=object)[codes]


class PointMemo:
    """The region of each distinct point already placed, kept across the batches of one file: a
    million rows name about 20,000 points, and each is tested against the polygons once."""

    def __init__(self) -> None:
        self.keys = pd.Index([], dtype=np.complex128)
        self.poly = np.empty(0, dtype=object)
        self.cc = np.empty(0, dtype=object)
        self.out = np.empty(0, dtype=np.float64)

    def place(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
            self.poly = np.concatenate([self.poly, np.asarray(n_poly, dtype=object)])
            self.cc = np.concatenate([self.cc, np.asarray(n_cc, dtype=object)])
            self.out = np.concatenate([self.out, np.asarray(n_out, dtype=np.float64)])
        rows = at[inverse]
        return self.poly[rows], self.cc[rows], self.out[rows]


def locate_admin1(names: pd.Series, countries: pd.Series, lat: np.ndarray, lon: np.ndarray,
                  meaning: str = "default", memo: PointMemo | None = None) -> Placed:
    """Region per row: the source's name where it resolves, else the point's polygon (or the
    nearest one just off a simplified coast); a name the point contradicts is flagged, not trusted."""
    from geodata.boundaries import SNAP_KM, km_outside
    from geodata.regions import regions

    n = len(lat)
    named = region_codes(names, countries, meaning) if n else np.empty(0, dtype=object)
    # Events repeat their place's point: test each distinct point once (1M rows, ~20,000 points).
    poly, poly_cc, outside = (memo or PointMemo()).place(lat, lon)
    code = np.where(pd.isna(named), poly, named).astype(object)
    flags = np.full(n, None, dtype=object)
    notes: list[str] = []

    both = ~pd.isna(named) & ~pd.isna(poly) & (named != poly)
    if both.any():
        rows = np.flatnonzero(both)
        key = pd.DataFrame({"lat": lat[rows], "lon": lon[rows], "code": named[rows]})
        distinct = ~key.duplicated().to_numpy()
        k_inv = key.groupby(["lat", "lon", "code"], sort=False, dropna=False).ngroup().to_numpy()
        d_rows = rows[distinct]
        km = km_outside(lon[d_rows], lat[d_rows], named[d_rows])[k_inv]
        real = rows[~np.isnan(km) & (km > MISMATCH_KM)]
        src = names.to_numpy(object)
        kms = dict(zip(rows, km))
        for i in real:
            flags[i] = [f"admin1-mismatch: the source names {src[i]!r} ({named[i]}) but the point lies in "
                        f"{poly[i]}, {kms[i]:.1f} km outside {named[i]}; kept the source's region"]
        if len(real):
            notes.append(f"admin1: {len(real):,} row(s) whose region name and coordinates disagree by more than "
                         f"{MISMATCH_KM:g} km: kept the name's region, flagged 'admin1-mismatch'")
    snapped = pd.isna(named) & (outside > 0)
    if snapped.any():
        for i in np.flatnonzero(snapped):
            flags[i] = (flags[i] or []) + [f"admin1-nearest: the point lies {outside[i]:.1f} km outside every "
                                           f"boundary held (coast or river); nearest region {poly[i]} taken"]
        notes.append(f"admin1: {int(snapped.sum()):,} row(s) just outside the simplified boundaries (coast, wide "
                     f"river) took the nearest region within {SNAP_KM:g} km, flagged 'admin1-nearest'")
    by_code = {k: v.name for k, v in regions().by_code.items()}
    name_out = pd.Series(code).map(by_code).to_numpy(object) if n else np.empty(0, dtype=object)
    return Placed(code, name_out, poly_cc, flags, notes)


def locate_names(names: pd.Series, countries: pd.Series, admin1: pd.Series | None, mask: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lat, lon, reason, geo_precision, uncertainty_km) for the rows in mask, by their place name
    in the offline gazetteer; an ambiguous or unknown name is a reason, never a guess."""
    from geodata.errors import AmbiguousPlace, GeodataError, PlaceNotFound
    from geodata.gazetteer import GazetteerGeocoder

    n = len(names)
    lat, lon = np.full(n, np.nan), np.full(n, np.nan)
    prec, unc = np.ones(n, dtype=np.int64), np.full(n, np.nan)
    why = np.full(n, "", dtype=object)
    a1 = admin1 if admin1 is not None else pd.Series([""] * n, index=names.index)
    key = (names.fillna("").astype(str).str.strip() + "\x1f" + countries.fillna("").astype(str) + "\x1f"
           + a1.fillna("").astype(str).str.strip())
    rows = np.flatnonzero(mask)
    codes, uniques = pd.factorize(key.iloc[rows])
    geocoder = GazetteerGeocoder()
    for u, k in enumerate(uniques):
        name, cc, region = k.split("\x1f")
        at = rows[codes == u]
        if not name:
            why[at] = "latitude/longitude: missing, and no place name to locate the row by"
            continue
        try:
            place = geocoder.resolve(name, country=cc or None, admin1=region or None)
        except AmbiguousPlace as exc:
            why[at] = f"location: {name!r} has no coordinates and is ambiguous ({len(exc.candidates)} places)"
            continue
        except (PlaceNotFound, GeodataError) as exc:
            why[at] = f"location: {name!r} has no coordinates and is not in the gazetteer ({exc})"[:300]
            continue
        lat[at], lon[at], unc[at] = place.lat, place.lon, place.uncertainty_km()
    return lat, lon, why, prec, unc
