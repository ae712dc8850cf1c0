"""ACLED exports (31 columns) into our columns.

event_date is read as ISO (2025-05-16), '16 May 2025' or dd-mm-yyyy; inter codes
may be numbers or ACLED's newer text labels and are kept as given. ACLED's own
columns are kept as text so an export gives them back unchanged.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from events.importers.base import (Imported, Screen, category, check_coordinates, check_types, duplicated, map_values,
                                   read_csv, reasons, resolve_admin1, to_number)
from events.vocab import ACLED_COLUMNS

REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "country", "latitude", "longitude")
TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
# geo_precision 1/2/3 as ACLED: town, near/part of region, region. Uncertainty as ACLED describes them.
GEO_UNCERTAINTY_KM = {1: 2.0, 2: 25.0, 3: 100.0}
ISO_NUMERIC = {"804": "UA", "643": "RU", "112": "BY", "498": "MD", "616": "PL", "642": "RO", "703": "SK",
               "348": "HU"}
COUNTRY_CODES = {"Ukraine": "UA", "Russia": "RU", "Belarus": "BY", "Moldova": "MD", "Poland": "PL",
                 "Romania": "RO", "Slovakia": "SK", "Hungary": "HU"}


def parse_dates(s: pd.Series) -> np.ndarray:
    """ISO, '16 May 2025' and dd-mm-yyyy; NaT where none fits."""
    s = s.str.strip()
    out = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    for fmt in ("%d %B %Y", "%d %b %Y", "%d-%m-%Y", "%d/%m/%Y"):
        miss = out.isna()
        if not miss.any():
            break
        out[miss] = pd.to_datetime(s[miss], format=fmt, errors="coerce")
    return out.to_numpy("datetime64[ns]")


def read_acled(path: Path, dataset: str) -> Imported:
    df, line, encoding = read_csv(path, REQUIRED)
    for col in ACLED_COLUMNS:  # a partial export still imports; absent columns stay empty
        if col not in df:
            df[col] = ""
    n = len(df)
    screen = Screen.for_csv(df, line, encoding, "event_id_cnty")
    reject, ids = screen.reject, screen.ids
    date = parse_dates(df["event_date"])
    reject(np.isnat(date), reasons("event_date: ", df["event_date"], " is not ISO, '16 May 2025' or dd-mm-yyyy"))
    lat, lon = to_number(df["latitude"]), to_number(df["longitude"])
    coord_reason = check_coordinates(lat, lon)
    reject(coord_reason != "", coord_reason)
    type_reason = check_types(df["event_type"].str.strip(), df["sub_event_type"].str.strip())
    reject(type_reason != "", type_reason)
    fat = to_number(df["fatalities"].replace("", "0"))
    reject(np.isnan(fat) | (fat < 0), reasons("fatalities: ", df["fatalities"], " is not a whole number >= 0"))
    dup = duplicated(ids.where(screen.ok, None)) & screen.ok
    reject(dup, "event_id_cnty: duplicated id (first occurrence kept)")

    keep = np.flatnonzero(screen.ok)
    d = df if len(keep) == n else df.iloc[keep]  # no copy of a clean file
    cc = pd.Series(map_values(d["iso"].str.strip(), ISO_NUMERIC), index=d.index)
    cc = cc.fillna(pd.Series(map_values(d["country"].str.strip(), COUNTRY_CODES), index=d.index))
    cc = cc.fillna(d["country"].str.strip())
    klat, klon = lat[keep], lon[keep]
    code, name = resolve_admin1(d["admin1"], cc, klat, klon)
    gp = pd.to_numeric(d["geo_precision"], errors="coerce").fillna(2).astype(int).clip(1, 3)
    rows = pd.DataFrame({
        "id": "acled-" + d["event_id_cnty"].str.strip(),
        "dataset": dataset,
        "source_row": d["event_id_cnty"].str.strip(),
        "title": (d["sub_event_type"].str.strip() + " in " + d["location"].str.strip()),
        "summary": None,
        "notes": d["notes"].replace("", None),
        "date": date[keep],
        "end_date": pd.NaT,
        "date_precision": map_values(d["time_precision"].str.strip(), TIME_PRECISION, "day"),
        "event_type": category(d["event_type"].str.strip()),
        "sub_event_type": category(d["sub_event_type"].str.strip()),
        "actor1": category(d["actor1"]),
        "actor2": category(d["actor2"]),
        "location_name": category(d["location"].str.strip()),
        "fatalities": fat[keep].astype(np.int64),
        "claim_status": "reported",
        "claimed_by": "ACLED",
        "source_outlets": category(d["source"]),
        "lat": klat, "lon": klon,
        "geo_precision": gp.to_numpy(),
        "uncertainty_km": np.array([0.0, *GEO_UNCERTAINTY_KM.values()])[gp.to_numpy()],
        "country": cc.to_numpy(object),
        "admin1": name, "admin1_code": code,
        "admin1_source": category(d["admin1"]),
        "geocoded_by": f"{dataset} (source coordinates)",
        "event_id_cnty": d["event_id_cnty"].replace("", None),
        "timestamp": d["timestamp"].replace("", None),
        **{c: category(d[c]) for c in ("disorder_type", "assoc_actor_1", "assoc_actor_2", "inter1", "inter2",
                                       "interaction", "civilian_targeting", "iso", "region", "admin2", "admin3",
                                       "source_scale")},
        "acled_tags": category(d["tags"]),
    })
    return Imported(rows.reset_index(drop=True), screen.rejects.frame(), n, encoding)
