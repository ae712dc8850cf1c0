"""Any GeoJSON of point events (read by GDAL through pyogrio) into our columns.

Properties are matched by name: our own names first (as our exports write
them), then ACLED's (event_date, location, notes, latitude...). Features that
are not points, or lack a date or a known type pair, are rejected with their
feature number.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from events.errors import ImportFileError
from events.importers.clean import check_types, duplicated
from events.importers.results import Imported
from events.importers.screen import Screen
from events.importers.dates import parse_dates
from events.importers.places import locate_admin1
from events.importers.table import TIME_PRECISION
from events.vocab import CLAIM_STATUSES

ALIASES = {
    "id": ("id", "event_id_cnty", "event_id"),
    "date": ("date", "event_date", "date_start"),
    "end_date": ("end_date", "date_end"),
    "title": ("title", "name"),
    "notes": ("notes", "description"),
    "location_name": ("location_name", "location", "place"),
    "country": ("country",),
    "admin1": ("admin1", "adm_1"),
    "fatalities": ("fatalities", "best"),
    "claim_status": ("claim_status",),
    "claimed_by": ("claimed_by",),
}


def _pick(df: pd.DataFrame, key: str) -> pd.Series:
    """The first non-empty value among the property's aliases, as text."""
    out = pd.Series([None] * len(df), index=df.index, dtype=object)
    for name in ALIASES[key]:
        if name in df:
            col = df[name]  # dates too arrive as the file writes them (read with DATE_AS_STRING)
            text = col.astype("str").where(col.notna(), None).replace("", None)
            out = out.where(out.notna(), text)
    return out


def _sniff(path: Path) -> None:
    """A CSV or anything else handed to the GeoJSON reader gets a message, not GDAL's guesswork."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read: {exc.strerror}") from None
    if not head.startswith(b"{"):
        hint = " (it looks like CSV: use --format acled, ucdp or csv)" if b"," in head.split(b"\n")[0] else ""
        raise ImportFileError(f"{path}: not GeoJSON: a GeoJSON file starts with '{{'{hint}")


def read_geojson(path: Path, dataset: str, *, date_format: str | None = None, **_) -> Imported:
    import pyogrio
    import shapely

    _sniff(path)
    try:
        # Dates as the file writes them: our date reader judges each feature's own (GDAL's would
        # refuse the whole file for one impossible date such as 2025-02-30).
        gdf = pyogrio.read_dataframe(path, DATE_AS_STRING="YES")
    except Exception as exc:  # GDAL's errors: not GeoJSON, unreadable
        raise ImportFileError(f"{path}: not a readable GeoJSON: {str(exc)[:300]}") from None
    if getattr(gdf, "geometry", None) is None or "geometry" not in gdf:
        raise ImportFileError(f"{path}: no geometries: not a GeoJSON FeatureCollection of points")
    n = len(gdf)
    line = np.arange(1, n + 1, dtype=np.int64)  # feature number (GeoJSON has no lines worth naming)
    ids = _pick(gdf, "id").fillna("").astype(str).to_numpy(object)
    ids = np.where(ids == "", "feature-" + line.astype(str), ids)
    screen = Screen(line, pd.Series(ids))
    reject = screen.reject
    notes: list[str] = []

    geom = gdf.geometry.values
    is_point = shapely.get_type_id(geom) == 0
    reject(~is_point, "geometry: not a Point")
    lon = np.where(is_point, shapely.get_x(geom), np.nan)
    lat = np.where(is_point, shapely.get_y(geom), np.nan)
    screen.coordinates(lat, lon)
    start_text, end_text = _pick(gdf, "date").fillna(""), _pick(gdf, "end_date").fillna("")
    parsed = parse_dates({"date": start_text, "end_date": end_text}, date_format=date_format, where=str(path))
    if parsed.order:
        notes.append(f"dates: {parsed.decision}")
    given_end = (end_text != "").to_numpy(bool)
    end = np.where(given_end, parsed.values[1], np.datetime64("NaT"))
    screen.dates(parsed.values[0], parsed.reasons[0], end, np.where(given_end, parsed.reasons[1], ""))
    date = parsed.values[0]
    et = gdf["event_type"].astype("str").fillna("") if "event_type" in gdf else pd.Series([""] * n)
    st = gdf["sub_event_type"].astype("str").fillna("") if "sub_event_type" in gdf else pd.Series([""] * n)
    reason = check_types(et.fillna(""), st.fillna(""))
    reject(reason != "", reason)
    fat = screen.count(_pick(gdf, "fatalities"), "fatalities")
    inj = screen.count(gdf["injured"], "injured") if "injured" in gdf else np.full(n, np.nan)
    unc_given = screen.positive(gdf["uncertainty_km"], "uncertainty_km", 2000) if "uncertainty_km" in gdf else None
    reject(duplicated(pd.Series(ids).where(screen.ok, None)) & screen.ok, "id: duplicated id (first occurrence kept)")
    keep = np.flatnonzero(screen.ok)
    d = gdf.iloc[keep]
    klat, klon = lat[keep], lon[keep]
    cc = _pick(d, "country").fillna("")
    placed = locate_admin1(_pick(d, "admin1").fillna(""), cc.where(cc.str.len() == 2, ""), klat, klon)
    notes.extend(placed.notes)
    cc = pd.Series(np.where(cc.str.len() == 2, cc, placed.country), index=d.index)
    gp = pd.to_numeric(d["geo_precision"], errors="coerce") if "geo_precision" in d else pd.Series(1.0, index=d.index)
    gp = gp.fillna(1).astype(int).clip(1, 3)
    unc = gp.map({1: 2.0, 2: 25.0, 3: 100.0}).to_numpy(np.float64)
    if unc_given is not None:
        unc = np.where(np.isnan(unc_given[keep]), unc, unc_given[keep])
    dp = d["date_precision"].astype("str") if "date_precision" in d else (
        d["time_precision"].astype("str").map(TIME_PRECISION) if "time_precision" in d else None)
    title = _pick(d, "title")
    loc = _pick(d, "location_name")
    claim = _pick(d, "claim_status")
    rows = pd.DataFrame({
        "id": pd.Series(ids[keep], index=d.index).map(lambda s: f"{dataset}-{s}" if not s.startswith(dataset) else s),
        "dataset": dataset, "source_row": ids[keep],
        "title": title.fillna(st.iloc[keep].set_axis(d.index) + " in " + loc.fillna("?")),
        "notes": _pick(d, "notes"),
        "date": date[keep], "end_date": end[keep],
        "date_precision": (dp.where(dp.isin(["day", "week", "month"]), "day") if dp is not None else "day"),
        "event_type": et.iloc[keep].to_numpy(object), "sub_event_type": st.iloc[keep].to_numpy(object),
        "location_name": loc.fillna(""),
        "fatalities": pd.array(fat[keep], dtype="Float64").astype("Int64"),
        "injured": pd.array(inj[keep], dtype="Float64").astype("Int64"),
        "claim_status": claim.where(claim.isin(CLAIM_STATUSES), "reported"),
        "claimed_by": _pick(d, "claimed_by").fillna(dataset),
        "lat": klat, "lon": klon, "geo_precision": gp.to_numpy(), "uncertainty_km": unc,
        "country": cc.to_numpy(object), "admin1": placed.name, "admin1_code": placed.code,
        "admin1_source": _pick(d, "admin1"),
        "geocoded_by": f"{dataset} (source coordinates)",
        "geo_flags": placed.flags,
    })
    return Imported(rows.reset_index(drop=True), screen.rejects.frame(), n, "utf-8", notes)
