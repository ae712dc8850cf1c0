"""UCDP GED CSV (49 columns, or reduced extracts) into our columns.

Types: UCDP records organised violence without ACLED's sub-types, mapped as
documented in TYPE_MAP. Precision: where_prec 1-7 and date_prec 1-5 mapped to
geo_precision/date_precision and an uncertainty (PRECISION tables). where_prec 5
('Donets basin area', 'war zone', 'in eastern Ukraine') is region-level with a
radius that covers such an area, and rows on UCDP's admin-1 centroids are
region-level whatever they are coded. Deaths: best, with low and high kept.
Dates: ISO as UCDP publishes them, or Excel's rewritten dates with the order
decided per file (see dates.py).

The rows go through the table pipeline (table.py) like ACLED's: streamed in
batches, the common checks, regions from names and points. What is UCDP's own
is declared here: the column mapping, the three violence types, a missing
`best` rejected, and a last touch per batch for the precisions, the titles and
the low and high counts. Which coordinates UCDP uses for a whole region is a
property of the file, so a first pass over four columns settles it.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from events.importers.clean import to_number
from events.importers.csvsource import CsvSource
from events.importers.results import StreamedImport
from events.importers.screen import Screen
from events.importers.table import TableSpec, read_table

REQUIRED = ("id", "date_start", "type_of_violence", "latitude", "longitude", "best")
# type_of_violence -> (event_type, sub_event_type)
TYPE_MAP = {
    "1": ("Battles", "Armed clash"),  # state-based conflict
    "2": ("Battles", "Armed clash"),  # non-state conflict
    "3": ("Violence against civilians", "Attack"),  # one-sided violence
}
# where_prec -> (geo_precision, uncertainty_km). UCDP codebook: 1 exact location, 2 within 25 km,
# 3 second-order admin unit, 4 first-order admin unit, 5 linear feature or a wider named area
# ('Donets basin area', 'war zone'), 6 country, 7 international waters or airspace.
WHERE_PREC = {1: (1, 2.0), 2: (2, 25.0), 3: (2, 50.0), 4: (3, 150.0), 5: (3, 250.0), 6: (3, 600.0),
              7: (3, 600.0)}
# where_prec 5 areas that say 'the east of the country' span several oblasts.
WIDE_AREA = re.compile(r"\beast(?:ern)?\b|\bsouth[- ]?east", re.I)
WIDE_AREA_KM = 400.0
# date_prec -> date_precision (1 exact day, 2 2-6 days, 3 a month, 4 a year, 5 longer)
DATE_PREC = {1: "day", 2: "week", 3: "month", 4: "month", 5: "month"}
COUNTRY = {"Ukraine": "UA", "Russia (Soviet Union)": "RU", "Russia": "RU", "Belarus": "BY", "Moldova": "MD"}
# Reduced extracts have no where_prec: points on the country centroid are country-level.
CENTROIDS = {(49.0, 32.0): "UA"}
# A description that is only a region's name ('Donetsk oblast', 'Luhansk region').
_REGION_ONLY = re.compile(r"^\s*(the\s+)?[\w' -]+?\s+(oblast|region|province|область)\s*\.?\s*$", re.I)


def _region_only(desc: pd.Series) -> np.ndarray:
    """Rows whose place is only a region name that the region table knows."""
    from geodata.errors import UnknownRegion
    from geodata.regions import resolve_region

    codes, uniques = pd.factorize(desc.fillna(""))
    ok = []
    for u in uniques:
        hit = bool(_REGION_ONLY.match(u))
        if hit:
            try:
                resolve_region(u.strip().rstrip("."))
            except UnknownRegion:
                hit = False
        ok.append(hit)
    return np.asarray(ok + [False], dtype=bool)[codes]


def _point_keys(lat: np.ndarray, lon: np.ndarray) -> pd.Series:
    return pd.Series(np.round(lat, 5)).astype(str) + "," + pd.Series(np.round(lon, 5)).astype(str)


def _centroid_points(source: CsvSource) -> set[str]:
    """The points UCDP uses for a whole region in this file: at least 3 rows share the point and
    most of them are coded or described as region-level. Only the whole file can say, so this is
    a first pass over the four columns it needs."""
    cols = source.scan(["latitude", "longitude", "where_prec", "where_description"])
    lat, lon = to_number(cols["latitude"]), to_number(cols["longitude"])
    placed = ~(np.isnan(lat) | np.isnan(lon))
    wp = _where_prec(cols["where_prec"]) if "where_prec" in cols else pd.Series(2, index=cols.index)
    where = _where(cols)
    coded = (wp == 4).to_numpy(bool) | _region_only(where)
    g = pd.DataFrame({"k": _point_keys(lat, lon)[placed].to_numpy(), "r": coded[placed]}).groupby("k")["r"]
    share, size = g.mean(), g.size()
    return set(share.index[(share >= 0.5) & (size >= 3)])


def _where(d: pd.DataFrame) -> pd.Series:
    if "where_description" not in d:
        return pd.Series("", index=d.index)
    return d["where_description"].astype(object).fillna("").astype(str).str.replace(r"\s+", " ", regex=True).str.strip()


def _where_prec(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.astype(object), errors="coerce").fillna(2).astype(int).clip(1, 7)


def _check(screen: Screen, df: pd.DataFrame) -> None:
    """UCDP always gives a best estimate of deaths; low and high, where given, are counts too."""
    best = to_number(df["best"])
    screen.reject(np.isnan(best), "best: missing death count")
    for name in ("low", "high"):
        if name in df:
            screen.count(df[name], name)


# Columns the last touch reads, carried through the pipeline under their own names, then dropped.
_CARRIED = ("where_prec", "date_prec", "dyad_name", "where_description", "low", "high")


def read_ucdp(path: Path, dataset: str, *, date_format: str | None = None, **_) -> StreamedImport:
    source = CsvSource(path, REQUIRED)
    centroids = _centroid_points(source)
    spec = TableSpec("ucdp", {"id": "id", "date": "date_start", "end_date": "date_end", "category": "type_of_violence",
                              "lat": "latitude", "lon": "longitude", "fatalities": "best", "country": "country",
                              "admin1": "adm_1", "actor1": "side_a", "actor2": "side_b", "notes": "source_headline",
                              "source": "source_office"},
                     type_map=dict(TYPE_MAP), claimed_by="UCDP GED", date_format=date_format, required=REQUIRED,
                     keep_extras=False, passthrough=_CARRIED, check=_check,
                     unmapped="{column}: {value} is not 1, 2 or 3")

    def finish(rows: pd.DataFrame, names: list[str], notes: list[str]) -> pd.DataFrame:
        return _ucdp_rows(rows, names, notes, dataset, centroids)

    # The file opened once: its first pass (and a decoding from Windows-1252) serves every pass after.
    return read_table(path, dataset, spec, finish, source_of=lambda _path, _required: source)


def _ucdp_rows(rows: pd.DataFrame, names: list[str], notes: list[str], dataset: str,
               centroids: set[str]) -> pd.DataFrame:
    """A batch in our columns made UCDP's: precision from where_prec and date_prec, a region-level
    reading of the points UCDP uses for whole regions, titles from the dyad and the place."""
    carried = {c: rows.pop(c).astype(object) if c in rows else None for c in _CARRIED}
    n = len(rows)
    lat, lon = rows["lat"].to_numpy(np.float64), rows["lon"].to_numpy(np.float64)
    where = _where(pd.DataFrame({"where_description": carried["where_description"]}, index=rows.index)) \
        if carried["where_description"] is not None else pd.Series("", index=rows.index)
    if carried["where_prec"] is not None:
        wp = _where_prec(carried["where_prec"])
    else:
        centroid = np.zeros(n, dtype=bool)
        for (clat, clon), _cc in CENTROIDS.items():
            centroid |= (np.round(lat, 3) == clat) & (np.round(lon, 3) == clon)
        wp = pd.Series(np.where(centroid, 6, 2), index=rows.index)
        notes.append("where_prec: none in the file; points on the country centroid taken as country-level (6), "
                     "all others as 'within 25 km' (2)")
    on_centroid = _point_keys(lat, lon).isin(centroids).to_numpy(bool) & wp.lt(4).to_numpy(bool)
    if on_centroid.any():
        wp = wp.where(~on_centroid, 4)
        notes.append(f"where_prec: {int(on_centroid.sum()):,} row(s) sit on coordinates UCDP uses for a whole "
                     "admin-1 unit (most rows there are coded or described as region-level): taken as region-level")
    rows["geo_precision"] = wp.map(lambda w: WHERE_PREC[w][0]).to_numpy(np.int64)
    unc = wp.map(lambda w: WHERE_PREC[w][1]).to_numpy(np.float64)
    wide = (wp == 5).to_numpy(bool) & where.str.contains(WIDE_AREA, na=False).to_numpy(bool)
    rows["uncertainty_km"] = np.where(wide, WIDE_AREA_KM, unc)
    rows["date_precision"] = (_where_prec(carried["date_prec"]).clip(1, 5).map(DATE_PREC).to_numpy(object)
                              if carried["date_prec"] is not None else "day")
    end = rows["end_date"]
    rows["end_date"] = end.where(end != rows["date"], pd.NaT)
    country_level = wp.isin([6, 7]).to_numpy(bool)  # a centroid says nothing about the oblast
    for c in ("admin1", "admin1_code"):
        rows[c] = rows[c].astype(object).where(~country_level, None)
    if on_centroid.any():
        flags = rows["geo_flags"].to_numpy(object).copy()
        for i in np.flatnonzero(on_centroid):
            flags[i] = (flags[i] or []) + ["ucdp-centroid: on coordinates UCDP uses for a whole region; region-level"]
        rows["geo_flags"] = flags
    dyad = carried["dyad_name"].fillna("").astype(str) if carried["dyad_name"] is not None \
        else pd.Series("", index=rows.index)
    rows["title"] = dyad.replace("", "UCDP event") + ": " + where.str.slice(0, 120)
    rows["location_name"] = where.str.slice(0, 200)
    notes_text = rows["notes"].astype(object)
    rows["notes"] = notes_text.where(notes_text.isna(), notes_text.astype(str).str.replace(r"\s+", " ", regex=True))
    for ours, theirs in (("fatalities_low", "low"), ("fatalities_high", "high")):
        if carried[theirs] is not None:
            rows[ours] = pd.array(to_number(carried[theirs].fillna("")), dtype="Float64").astype("Int64")
    rows["id"] = "ucdp-" + rows["source_row"].astype(str)
    rows["geocoded_by"] = f"{dataset} (source coordinates, where_prec)"
    return rows
