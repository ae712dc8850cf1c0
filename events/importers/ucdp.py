"""UCDP GED CSV (49 columns, or reduced extracts) into our columns.

Types: UCDP records organised violence without ACLED's sub-types, mapped as
documented in TYPE_MAP. Precision: where_prec 1-7 and date_prec 1-5 mapped to
geo_precision/date_precision and an uncertainty (PRECISION tables). where_prec 5
('Donets basin area', 'war zone', 'in eastern Ukraine') is region-level with a
radius that covers such an area, and rows on UCDP's admin-1 centroids are
region-level whatever they are coded. Deaths: best, with low and high kept.
Dates: ISO as UCDP publishes them, or Excel's rewritten dates with the order
decided per file (see dates.py).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from events.importers.clean import duplicated, reasons, to_number
from events.importers.csvsource import read_csv
from events.importers.results import Imported
from events.importers.screen import Screen
from events.importers.dates import parse_dates
from events.importers.places import locate_admin1

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


def _centroid_rows(lat: np.ndarray, lon: np.ndarray, region_coded: np.ndarray) -> np.ndarray:
    """Rows at coordinates that UCDP uses for a whole region: at least 3 rows share the point
    and most of them are coded or described as region-level."""
    key = pd.Series(np.round(lat, 5)).astype(str) + "," + pd.Series(np.round(lon, 5)).astype(str)
    g = pd.DataFrame({"k": key, "r": region_coded}).groupby("k")["r"]
    share, size = g.transform("mean").to_numpy(), g.transform("size").to_numpy()
    return (share >= 0.5) & (size >= 3)


def read_ucdp(path: Path, dataset: str, *, date_format: str | None = None, **_) -> Imported:
    table = read_csv(path, REQUIRED)
    df = table.frame
    n = len(df)
    notes = []
    screen = Screen.for_csv(table, "id")
    reject, ids = screen.reject, screen.ids
    date_cols = {"date_start": df["date_start"]}
    if "date_end" in df:
        date_cols["date_end"] = df["date_end"]
    parsed = parse_dates(date_cols, date_format=date_format, where=str(path))
    if parsed.order:
        notes.append(f"dates: {parsed.decision}")
    start = parsed.values[0]
    if "date_end" in df:
        given = (df["date_end"].str.strip() != "").to_numpy(bool)
        end = np.where(given, parsed.values[1], np.datetime64("NaT"))
        screen.dates(start, parsed.reasons[0], end, np.where(given, parsed.reasons[1], ""),
                     names=("date_start", "date_end"))
    else:
        end = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        screen.dates(start, parsed.reasons[0], names=("date_start", "date_end"))
    lat, lon = to_number(df["latitude"]), to_number(df["longitude"])
    screen.coordinates(lat, lon)
    tov = df["type_of_violence"].str.strip()
    reject(~tov.isin(list(TYPE_MAP)).to_numpy(bool), reasons("type_of_violence: ", tov, " is not 1, 2 or 3"))
    best = screen.count(df["best"], "best")
    reject(np.isnan(best), "best: missing death count")
    low = screen.count(df["low"], "low") if "low" in df else None
    high = screen.count(df["high"], "high") if "high" in df else None
    reject(duplicated(ids.where(screen.ok, None)) & screen.ok, "id: duplicated id (first occurrence kept)")

    keep = np.flatnonzero(screen.ok)
    d = df if len(keep) == n else df.iloc[keep]  # no copy of a clean file
    klat, klon = lat[keep], lon[keep]
    where = d["where_description"].str.replace(r"\s+", " ", regex=True).str.strip() \
        if "where_description" in d else pd.Series("", index=d.index)
    if "where_prec" in d:
        wp = pd.to_numeric(d["where_prec"], errors="coerce").fillna(2).astype(int).clip(1, 7)
    else:
        centroid = np.zeros(len(d), dtype=bool)
        for (clat, clon), _ in CENTROIDS.items():
            centroid |= (np.round(klat, 3) == clat) & (np.round(klon, 3) == clon)
        wp = pd.Series(np.where(centroid, 6, 2), index=d.index)
        notes.append("no where_prec column: points on the country centroid taken as country-level (6), "
                     "all others as 'within 25 km' (2)")
    on_centroid = _centroid_rows(klat, klon, (wp == 4).to_numpy(bool) | _region_only(where)) & wp.lt(4).to_numpy()
    if on_centroid.any():
        wp = wp.where(~on_centroid, 4)
        notes.append(f"{int(on_centroid.sum()):,} row(s) sit on coordinates UCDP uses for a whole admin-1 unit "
                     "(most rows there are coded or described as region-level): taken as region-level")
    gp = wp.map(lambda w: WHERE_PREC[w][0]).to_numpy()
    unc = wp.map(lambda w: WHERE_PREC[w][1]).to_numpy(np.float64)
    wide = (wp == 5).to_numpy(bool) & where.str.contains(WIDE_AREA, na=False).to_numpy(bool)
    unc = np.where(wide, WIDE_AREA_KM, unc)
    dp = (pd.to_numeric(d["date_prec"], errors="coerce").fillna(1).astype(int).clip(1, 5).map(DATE_PREC)
          if "date_prec" in d else pd.Series("day", index=d.index))
    kend = end[keep]
    kend = np.where(kend == start[keep], np.datetime64("NaT"), kend)
    cc = d["country"].str.strip().map(COUNTRY).fillna(d["country"].str.strip()) if "country" in d else \
        pd.Series("UA", index=d.index)
    adm1 = d["adm_1"] if "adm_1" in d else pd.Series("", index=d.index)
    placed = locate_admin1(adm1.str.replace(r"\s+oblast$", "", regex=True), cc, klat, klon)
    notes.extend(placed.notes)
    code, name, flags = placed.code, placed.name, placed.flags
    country_level = wp.isin([6, 7]).to_numpy(bool)  # a centroid says nothing about the oblast
    code[country_level] = None
    name[country_level] = None
    for i in np.flatnonzero(on_centroid):
        flags[i] = (flags[i] or []) + ["ucdp-centroid: on coordinates UCDP uses for a whole region; region-level"]
    event_type = tov[keep].map(lambda t: TYPE_MAP[t][0])
    sub = tov[keep].map(lambda t: TYPE_MAP[t][1])

    def col(name: str) -> pd.Series:
        return d[name] if name in d else pd.Series("", index=d.index)

    rows = pd.DataFrame({
        "id": "ucdp-" + d["id"].str.strip(),
        "dataset": dataset,
        "source_row": d["id"].str.strip(),
        "title": (col("dyad_name").replace("", "UCDP event") + ": " + where.str.slice(0, 120)),
        "notes": col("source_headline").str.replace(r"\s+", " ", regex=True).replace("", None),
        "date": start[keep], "end_date": kend,
        "date_precision": dp.to_numpy(object),
        "event_type": event_type.to_numpy(object), "sub_event_type": sub.to_numpy(object),
        "actor1": col("side_a").replace("", None), "actor2": col("side_b").replace("", None),
        "location_name": where.str.slice(0, 200),
        "fatalities": best[keep].astype(np.int64),
        "fatalities_low": low[keep] if low is not None else None,
        "fatalities_high": high[keep] if high is not None else None,
        "claim_status": "reported",
        "claimed_by": "UCDP GED",
        "source_outlets": col("source_office").replace("", None),
        "lat": klat, "lon": klon,
        "geo_precision": gp, "uncertainty_km": unc,
        "country": cc.to_numpy(object), "admin1": name, "admin1_code": code,
        "admin1_source": adm1.replace("", None),
        "geocoded_by": f"{dataset} (source coordinates, where_prec)",
        "geo_flags": flags,
    })
    return Imported(rows.reset_index(drop=True), screen.rejects.frame(), screen.read, table.encoding, notes)

