"""UCDP GED CSV (49 columns, or reduced extracts) into our columns.

Types: UCDP records organised violence without ACLED's sub-types, mapped as
documented in TYPE_MAP. Precision: where_prec 1-7 and date_prec 1-5 mapped to
geo_precision/date_precision and an uncertainty (PRECISION tables). Deaths:
best, with low and high kept. Dates must be ISO as UCDP publishes them; Excel's
rewritten dates (1/24/2023 12:00:00 AM, D/M or M/D?) are rejected, not guessed.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from events.importers.base import (Imported, Screen, check_coordinates, duplicated, read_csv, reasons,
                                   resolve_admin1, to_number)

REQUIRED = ("id", "date_start", "type_of_violence", "latitude", "longitude", "best")
# type_of_violence -> (event_type, sub_event_type)
TYPE_MAP = {
    "1": ("Battles", "Armed clash"),  # state-based conflict
    "2": ("Battles", "Armed clash"),  # non-state conflict
    "3": ("Violence against civilians", "Attack"),  # one-sided violence
}
# where_prec -> (geo_precision, uncertainty_km). UCDP codebook: 1 exact location, 2 within 25 km,
# 3 second-order admin unit, 4 first-order admin unit, 5 linear feature / between places,
# 6 country, 7 international waters or airspace.
WHERE_PREC = {1: (1, 2.0), 2: (2, 25.0), 3: (2, 50.0), 4: (3, 150.0), 5: (2, 50.0), 6: (3, 600.0), 7: (3, 600.0)}
# date_prec -> date_precision (1 exact day, 2 2-6 days, 3 a month, 4 a year, 5 longer)
DATE_PREC = {1: "day", 2: "week", 3: "month", 4: "month", 5: "month"}
COUNTRY = {"Ukraine": "UA", "Russia (Soviet Union)": "RU", "Russia": "RU", "Belarus": "BY", "Moldova": "MD"}
# Reduced extracts have no where_prec: points on the country centroid are country-level.
CENTROIDS = {(49.0, 32.0): "UA"}


def read_ucdp(path: Path, dataset: str) -> Imported:
    df, line, encoding = read_csv(path, REQUIRED)
    n = len(df)
    notes = []
    screen = Screen.for_csv(df, line, encoding, "id")
    reject, ids = screen.reject, screen.ids
    start = pd.to_datetime(df["date_start"].str.strip(), format="%Y-%m-%d", errors="coerce").to_numpy("datetime64[ns]")
    reject(np.isnat(start), reasons("date_start: ", df["date_start"], " is not ISO YYYY-MM-DD"))
    if "date_end" in df:
        end = pd.to_datetime(df["date_end"].str.strip(), format="%Y-%m-%d", errors="coerce").to_numpy("datetime64[ns]")
        reject(np.isnat(end) & (df["date_end"].str.strip() != "").to_numpy(bool),
               reasons("date_end: ", df["date_end"], " is not ISO YYYY-MM-DD"))
        reject(~np.isnat(end) & (end < start), "date_end: before date_start")
    else:
        end = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    lat, lon = to_number(df["latitude"]), to_number(df["longitude"])
    reason = check_coordinates(lat, lon)
    reject(reason != "", reason)
    tov = df["type_of_violence"].str.strip()
    reject(~tov.isin(list(TYPE_MAP)).to_numpy(bool),
           reasons("type_of_violence: ", tov, " is not 1, 2 or 3"))
    best = to_number(df["best"])
    reject(np.isnan(best) | (best < 0), "best: not a death count")
    reject(duplicated(ids.where(screen.ok, None)) & screen.ok, "id: duplicated id (first occurrence kept)")

    keep = np.flatnonzero(screen.ok)
    d = df if len(keep) == n else df.iloc[keep]  # no copy of a clean file
    klat, klon = lat[keep], lon[keep]
    if "where_prec" in d:
        wp = pd.to_numeric(d["where_prec"], errors="coerce").fillna(2).astype(int).clip(1, 7)
    else:
        centroid = np.zeros(len(d), dtype=bool)
        for (clat, clon), _ in CENTROIDS.items():
            centroid |= (np.round(klat, 3) == clat) & (np.round(klon, 3) == clon)
        wp = pd.Series(np.where(centroid, 6, 2), index=d.index)
        notes.append("no where_prec column: points on the country centroid taken as country-level (6), "
                     "all others as 'within 25 km' (2)")
    gp = wp.map(lambda w: WHERE_PREC[w][0])
    unc = wp.map(lambda w: WHERE_PREC[w][1])
    dp = (pd.to_numeric(d["date_prec"], errors="coerce").fillna(1).astype(int).clip(1, 5).map(DATE_PREC)
          if "date_prec" in d else pd.Series("day", index=d.index))
    kend = end[keep]
    kend = np.where(kend == start[keep], np.datetime64("NaT"), kend)
    cc = d["country"].str.strip().map(COUNTRY).fillna(d["country"].str.strip()) if "country" in d else \
        pd.Series("UA", index=d.index)
    adm1 = d["adm_1"] if "adm_1" in d else pd.Series("", index=d.index)
    code, name = resolve_admin1(adm1.str.replace(r"\s+oblast$", "", regex=True), cc, klat, klon)
    country_level = wp.isin([6, 7]).to_numpy(bool)  # a centroid says nothing about the oblast
    code[country_level] = None
    name[country_level] = None
    where = d["where_description"].str.replace(r"\s+", " ", regex=True).str.strip() \
        if "where_description" in d else pd.Series("", index=d.index)
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
        "fatalities_low": to_number(col("low")) if "low" in d else None,
        "fatalities_high": to_number(col("high")) if "high" in d else None,
        "claim_status": "reported",
        "claimed_by": "UCDP GED",
        "source_outlets": col("source_office").replace("", None),
        "lat": klat, "lon": klon,
        "geo_precision": gp.to_numpy(), "uncertainty_km": unc.to_numpy(np.float64),
        "country": cc.to_numpy(object), "admin1": name, "admin1_code": code,
        "admin1_source": adm1.replace("", None),
        "geocoded_by": f"{dataset} (source coordinates, where_prec)",
    })
    return Imported(rows.reset_index(drop=True), screen.rejects.frame(), n, encoding, notes)
