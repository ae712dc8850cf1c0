"""GeoJSON (RFC 7946) and ACLED-shaped CSV, written the same way for CLI and app.

Both formats come out of one generator of text chunks, so the app's download
button and `python -m events export` give the same bytes for the same filter,
and a large export streams instead of building the whole document in memory.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import math
from collections.abc import Iterator
from typing import IO

import numpy as np
import pandas as pd

from events.vocab import ACLED_COLUMNS, DATE_PRECISION, DISORDER_TYPE, OUR_COLUMNS
from geodata.regions import COUNTRIES

FORMATS = ("geojson", "csv")
MEDIA_TYPES = {"geojson": "application/geo+json", "csv": "text/csv"}
# Properties of a GeoJSON feature, in order: every schema field plus the derived ones.
PROPERTIES = [
    "id", "dataset", "title", "summary", "notes", "tags", "date", "end_date", "date_precision",
    "event_type", "sub_event_type", "actors", "location_name", "location_near", "country", "admin1",
    "admin1_code", "lat", "lon", "geo_precision", "uncertainty_km", "geocoded_by", "geo_flags",
    "contested_name", "fatalities", "injured", "claim_status", "claimed_by", "sources",
]
CHUNK = 2000


def _clean(v):
    """JSON-ready scalar: NaN/NaT/NA -> None, numpy -> Python, dates -> ISO."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return [_clean(x) for x in v.tolist()]
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return v


def _columns_for(df: pd.DataFrame, names: list[str]) -> dict[str, list]:
    """Column-wise Python values (one conversion per column, not per cell)."""
    out = {}
    for name in names:
        if name not in df:
            out[name] = [None] * len(df)
            continue
        col = df[name]
        if name in ("date", "end_date"):
            s = col.dt.strftime("%Y-%m-%d")
            out[name] = [None if isinstance(x, float) or x is None or x is pd.NA else x for x in s.tolist()]
        elif name in ("lat", "lon"):
            out[name] = np.round(col.to_numpy(np.float64), 6).tolist()
        else:
            out[name] = [_clean(x) for x in col.tolist()]
    return out


def geojson_chunks(df: pd.DataFrame) -> Iterator[str]:
    """An RFC 7946 FeatureCollection: no crs, [lon, lat] with at most 6 decimals."""
    yield '{"type":"FeatureCollection","features":['
    first = True
    for start in range(0, len(df), CHUNK):
        part = df.iloc[start:start + CHUNK]
        cols = _columns_for(part, PROPERTIES)
        lons, lats = cols["lon"], cols["lat"]
        ids = cols["id"]
        parts = []
        for i in range(len(part)):
            props = {k: cols[k][i] for k in PROPERTIES}
            parts.append(json.dumps(
                {"type": "Feature", "id": ids[i],
                 "geometry": {"type": "Point", "coordinates": [lons[i], lats[i]]},
                 "properties": props},
                ensure_ascii=False, separators=(",", ":")))
        text = ",\n".join(parts)
        yield ("\n" if first else ",\n") + text
        first = False
    yield "\n]}\n"


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col] if col in df else pd.Series([None] * len(df), index=df.index, dtype=object)


def acled_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Our table in ACLED's 31 columns, then ours. ACLED imports give their own values
    back (kept as text); other rows get values derived from ours."""
    n = len(df)
    blank = pd.Series([""] * n, index=df.index, dtype=object)

    is_acled = _text(df, "event_id_cnty").notna()

    def passthrough(col: str, derived) -> pd.Series:
        """ACLED rows: their own value (empty stays empty); other rows: derived."""
        kept = _text(df, col).astype(object)
        return kept.fillna("").where(is_acled, derived)

    date = df["date"]
    latest_published = pd.Series(
        [max((s["published"] for s in ss), default=None) if isinstance(ss, list) else None for ss in df["sources"]]
        if n else [], index=df.index, dtype=object)
    ts = pd.to_datetime(latest_published, errors="coerce", utc=True)
    derived_ts = (ts.astype("int64") // 10**9).astype("Int64").where(ts.notna())
    cc = df["country"]
    assoc2 = pd.Series(["; ".join(a[2:]) if isinstance(a, list) else None for a in df["actors"]] if n else [],
                       index=df.index, dtype=object)
    civ = df["actor2"].fillna("").str.startswith("Civilians").map({True: "Civilian targeting", False: ""})
    tags = pd.Series(["; ".join(t) if isinstance(t, list) else None for t in df["tags"]] if n else [],
                     index=df.index, dtype=object)
    out = pd.DataFrame({
        "event_id_cnty": passthrough("event_id_cnty", df["id"]),
        "event_date": date.dt.strftime("%Y-%m-%d"),
        "year": date.dt.year,
        "time_precision": df["date_precision"].map(DATE_PRECISION),
        "disorder_type": passthrough("disorder_type", df["event_type"].map(DISORDER_TYPE)),
        "event_type": df["event_type"],
        "sub_event_type": df["sub_event_type"],
        "actor1": df["actor1"].fillna(""), "assoc_actor_1": passthrough("assoc_actor_1", blank),
        "inter1": passthrough("inter1", blank),
        "actor2": df["actor2"].fillna(""), "assoc_actor_2": passthrough("assoc_actor_2", assoc2),
        "inter2": passthrough("inter2", blank), "interaction": passthrough("interaction", blank),
        "civilian_targeting": passthrough("civilian_targeting", civ),
        "iso": passthrough("iso", cc.map(lambda c: str(COUNTRIES[c][1]) if c in COUNTRIES else "")),
        "region": passthrough("region", cc.map(lambda c: "Europe" if c in COUNTRIES else "")),
        "country": cc.map(lambda c: COUNTRIES.get(c, (c, 0, ""))[0]),
        "admin1": _text(df, "admin1_source").where(is_acled, df["admin1"]),
        "admin2": passthrough("admin2", blank), "admin3": passthrough("admin3", blank),
        "location": df["location_name"],
        "latitude": np.round(df["lat"].to_numpy(np.float64), 6),
        "longitude": np.round(df["lon"].to_numpy(np.float64), 6),
        "geo_precision": df["geo_precision"].astype("Int64"),
        "source": df["source_outlets"],
        "source_scale": passthrough("source_scale", blank),
        "notes": df["notes"].where(is_acled, df["summary"].fillna(df["title"])),
        "fatalities": df["fatalities"].astype("Int64"),
        "tags": passthrough("acled_tags", tags),
        "timestamp": passthrough("timestamp", derived_ts.astype("str").where(derived_ts.notna(), None)),
        "claim_status": df["claim_status"],
        "claimed_by": df["claimed_by"],
        "source_urls": df["source_urls"],
        "uncertainty_km": df["uncertainty_km"],
        "id": df["id"],
    }, columns=list(ACLED_COLUMNS + OUR_COLUMNS))
    return out


def csv_chunks(df: pd.DataFrame) -> Iterator[str]:
    header = True
    if len(df) == 0:
        yield ",".join(ACLED_COLUMNS + OUR_COLUMNS) + "\n"
        return
    for start in range(0, len(df), 50_000):
        buf = io.StringIO()
        acled_frame(df.iloc[start:start + 50_000]).to_csv(buf, index=False, header=header, lineterminator="\n")
        header = False
        yield buf.getvalue()


def chunks(df: pd.DataFrame, fmt: str) -> Iterator[str]:
    if fmt == "geojson":
        return geojson_chunks(df)
    if fmt == "csv":
        return csv_chunks(df)
    raise ValueError(f"unknown export format {fmt!r}; one of {FORMATS}")


def export_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """The whole export in memory: for the app's download buttons (filtered sets)."""
    return "".join(chunks(df, fmt)).encode("utf-8")


def write_export(df: pd.DataFrame, fmt: str, fh: IO[bytes]) -> int:
    """Stream the export to a binary file; returns bytes written."""
    n = 0
    for part in chunks(df, fmt):
        data = part.encode("utf-8")
        fh.write(data)
        n += len(data)
    return n
