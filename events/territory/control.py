"""What the snapshots say about events: the control status of each event's place at its date
(a column operation per snapshot, never a Python object per event), and for each capture claim
whether independent control maps show the claimant holding the place, and from when.

Statuses of a place: the status of the area that covers it (contested over occupied over
held where areas overlap); a place in Ukraine that no area covers is held (these maps draw
what Russia holds and the grey zone; the rest of Ukraine is Ukrainian-held); elsewhere, a
place no area covers has no status (the maps do not say who holds Russia's own towns).
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from events.territory.snapshots import Archive, Snapshot
from events.wording import counted

CLAIM_SUBTYPES = ("Non-state actor overtakes territory", "Government regains territory")
# A curated record marks itself a control claim with one of these tags.
CONTROL_TAGS = ("control claim", "territorial control")
from events.filters import CHECKS  # noqa: E402  (one list of verdicts for filter and checks)
CHECK_TEXT = {"corroborated": "corroborated", "already": "already held before the claim",
              "not_corroborated": "not corroborated", "no_snapshot": "no snapshot covers the date",
              "unknown_side": "claimant's side unknown"}
COLUMNS = ("control", "control_source", "control_date", "control_check", "control_check_note")
HOME = "UA"  # the country these maps draw: unmarked ground in it is held
_RUSSIAN = ("russia", "russian", "dpr", "lpr", "donetsk people's republic", "luhansk people's republic", "wagner",
            "akhmat", "kremlin", "novorossiya")
_UKRAINIAN = ("ukraine", "ukrainian", "zsu", "azov", "zelensk", "syrskyi", "territorial defen")
SIDE_STATUS = {"ru": "occupied", "ua": "held"}


def primary_source(archive: Archive) -> str | None:
    """The source whose snapshots give the control column: $EVENTS_TERRITORY_SOURCE, else the
    first source by name."""
    sources = archive.sources()
    wanted = os.environ.get("EVENTS_TERRITORY_SOURCE", "").strip()
    if wanted and wanted in sources:
        return wanted
    return sources[0] if sources else None


def point_status(snap: Snapshot, lon: np.ndarray, lat: np.ndarray, country: np.ndarray) -> np.ndarray:
    """The status of each point in one snapshot (object array: occupied/contested/held/None)."""
    out = np.where(country == HOME, "held", None).astype(object)
    for st in ("held", "occupied", "contested"):  # later wins where areas overlap
        g = snap.geometry(st)
        if g is None or not len(lon):
            continue
        x0, y0, x1, y1 = shapely.bounds(g)
        near = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        if len(near):
            hit = shapely.intersects_xy(g, lon[near], lat[near])
            out[near[hit]] = st
    return out


def tag(archive: Archive, frame: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
    """control, control_source, control_date for every row: the status at the event's place in
    the latest snapshot on or before its date. Rows are grouped by snapshot; each group is one
    vectorised point-in-polygon test per status."""
    n = len(frame)
    out = pd.DataFrame({"control": np.full(n, None, object), "control_source": np.full(n, None, object),
                        "control_date": pd.Series(np.full(n, np.datetime64("NaT"), "datetime64[ns]"))},
                       index=frame.index)
    source = source or primary_source(archive)
    if source is None or n == 0:
        return out
    dates = np.array(archive.dates(source), dtype="datetime64[D]")
    when = frame["date"].to_numpy("datetime64[D]")
    idx = np.searchsorted(dates, when, side="right") - 1
    lon = frame["lon"].to_numpy(np.float64)
    lat = frame["lat"].to_numpy(np.float64)
    country = frame["country"].astype(object).to_numpy(object)
    status = np.full(n, None, object)
    snap_day = np.full(n, np.datetime64("NaT"), "datetime64[D]")
    order = np.argsort(idx, kind="stable")
    cuts = np.flatnonzero(np.diff(idx[order])) + 1
    for rows in np.split(order, cuts):
        i = idx[rows[0]]
        if i < 0 or not len(rows):
            continue
        snap = archive.snapshot(source, dates[i].astype(object))
        status[rows] = point_status(snap, lon[rows], lat[rows], country[rows])
        snap_day[rows] = dates[i]
    has = idx >= 0
    out["control"] = pd.Series(status, index=frame.index, dtype=object)
    out.loc[has, "control_source"] = source
    out["control_date"] = snap_day.astype("datetime64[ns]")
    return out


KM_PER_DEG_LAT = 110.57
KM_PER_DEG_LON_AT_EQUATOR = 111.32


@lru_cache(maxsize=1)
def _home_inside():
    """HOME's land shrunk by about 3 km: the occupied area's edge inside it is the front line; its
    edge along the state border (occupied ground meets Russia) is not."""
    from geodata.boundaries import admin1

    a1 = admin1()
    return shapely.buffer(shapely.union_all(a1.geometry.values[(a1["iso_a2"] == HOME).to_numpy()]), -0.03)


@lru_cache(maxsize=64)
def _front_line(source: str, day: dt.date, archive_id: int, occupied):
    line = shapely.intersection(shapely.boundary(occupied), _home_inside())
    return None if line.is_empty else line


def front_km(archive: Archive, frame: pd.DataFrame, source: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(km from each row's place to the front line on its date, the snapshot date used): the edge of
    the occupied area inside HOME in the latest snapshot on or before the row's date; NaN without a
    snapshot. The nearest point is found in a local projection, the distance to it is the
    great-circle one (within 0.5 % of the geodesic); rows grouped by snapshot, vectorised."""
    from geodata.boundaries import haversine_km  # deferred: geopandas, for the map's popups only

    n = len(frame)
    km = np.full(n, np.nan)
    day = np.full(n, np.datetime64("NaT"), "datetime64[D]")
    source = source or primary_source(archive)
    if source is None or n == 0:
        return km, day
    dates = np.array(archive.dates(source), dtype="datetime64[D]")
    idx = np.searchsorted(dates, frame["date"].to_numpy("datetime64[D]"), side="right") - 1
    lon, lat = frame["lon"].to_numpy(np.float64), frame["lat"].to_numpy(np.float64)
    order = np.argsort(idx, kind="stable")
    for rows in np.split(order, np.flatnonzero(np.diff(idx[order])) + 1):
        if not len(rows) or idx[rows[0]] < 0:
            continue
        d = dates[idx[rows[0]]].astype(object)
        occupied = archive.snapshot(source, d).geometry("occupied")
        line = _front_line(source, d, id(archive), occupied) if occupied is not None else None
        if line is None:
            continue
        # the nearest point of the line found in a local projection, the distance to it on the sphere
        scale = np.array([KM_PER_DEG_LON_AT_EQUATOR * np.cos(np.radians(np.nanmean(lat[rows]))), KM_PER_DEG_LAT])
        link = shapely.shortest_line(shapely.points(lon[rows] * scale[0], lat[rows] * scale[1]),
                                     shapely.transform(line, lambda c: c * scale))
        near = shapely.get_coordinates(link)[1::2] / scale
        km[rows] = haversine_km(lat[rows], lon[rows], near[:, 1], near[:, 0])
        day[rows] = dates[idx[rows[0]]]
    return km, day


def claim_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows that claim control of ground: the two ACLED sub-types, or a curated control-claim tag."""
    m = frame["sub_event_type"].isin(CLAIM_SUBTYPES).to_numpy(bool)
    if "tags" in frame:
        tags = frame["tags"].to_numpy(object)
        for i in np.flatnonzero(~m & pd.notna(tags)):
            v = tags[i]
            if isinstance(v, (list, tuple, np.ndarray)) and any(str(t).strip().lower() in CONTROL_TAGS for t in v):
                m[i] = True
    return m


def claimant_side(actor1, claimed_by, sub_type) -> str | None:
    """'ru' or 'ua': the side that says it holds the place. ACLED's actor 1 is the one taking
    ground; then whoever asserts it; then the sub-type as ACLED codes this war (Russian forces
    overtake, the government of Ukraine regains)."""
    for text in (actor1, claimed_by):
        t = str(text or "").lower()
        ru = any(w in t for w in _RUSSIAN)
        ua = any(w in t for w in _UKRAINIAN)
        if ru != ua:
            return "ru" if ru else "ua"
    if sub_type == CLAIM_SUBTYPES[0]:
        return "ru"
    if sub_type == CLAIM_SUBTYPES[1]:
        return "ua"
    return None


def _circle(lon: float, lat: float, km: float):
    """The uncertainty circle in degrees (an ellipse: a degree of longitude shrinks with latitude)."""
    r = km / 111.32
    c = shapely.Point(lon, lat).buffer(r, 32)
    return shapely.affinity.scale(c, xfact=1 / max(np.cos(np.radians(lat)), 0.01), yfact=1.0)


def _covered(snap: Snapshot, want: str, lon: float, lat: float, km: float) -> float | None:
    """Share of the circle inside the claimant's areas (for held: the part not occupied or grey)."""
    if not km or km <= 0 or not np.isfinite(km):
        return None
    circle = _circle(lon, lat, km)
    area = circle.area
    if want == "occupied":
        g = snap.geometry("occupied")
        inside = circle.intersection(g).area if g is not None else 0.0
    else:
        other = [g for g in (snap.geometry("occupied"), snap.geometry("contested")) if g is not None]
        inside = area - (circle.intersection(shapely.union_all(other)).area if other else 0.0)
    return max(0.0, min(1.0, inside / area))


@dataclass
class Verdict:
    check: str
    source: str | None = None
    date: dt.date | None = None
    days: int | None = None
    covered: float | None = None
    as_of: dt.date | None = None

    def text(self) -> str:
        share = f"; {self.covered:.0%} of its uncertainty circle covered" if self.covered is not None else ""
        if self.check == "corroborated":
            return f"corroborated by {self.source} on {self.date} ({counted(self.days, 'day')} after the claim){share}"
        if self.check == "already":
            return f"{self.source}: already held by the claimant's side on {self.date}, before the claim{share}"
        if self.check == "not_corroborated":
            return f"{self.source}: not corroborated as of its latest snapshot, {self.as_of}{share}"
        if self.check == "no_snapshot":
            return f"{self.source}: no snapshot on or after the claim's date"
        return CHECK_TEXT.get(self.check, self.check)


_RANK = {"corroborated": 0, "already": 1, "not_corroborated": 2, "no_snapshot": 3, "unknown_side": 4}


def _check_source(archive: Archive, source: str, claims: pd.DataFrame, want: np.ndarray) -> list[Verdict]:
    dates = archive.dates(source)
    n = len(claims)
    day = claims["date"].to_numpy("datetime64[D]").astype(object)
    lon = claims["lon"].to_numpy(np.float64)
    lat = claims["lat"].to_numpy(np.float64)
    country = claims["country"].astype(object).to_numpy(object)
    km = claims["uncertainty_km"].astype("Float64").fillna(0).to_numpy(np.float64)
    out: list[Verdict | None] = [None] * n
    # already held: the latest snapshot before the claim's day, one point test per snapshot
    darr = np.array(dates, dtype="datetime64[D]")
    before = np.searchsorted(darr, claims["date"].to_numpy("datetime64[D]"), side="left") - 1
    order = np.argsort(before, kind="stable")
    for rows in np.split(order, np.flatnonzero(np.diff(before[order])) + 1):
        if not len(rows) or before[rows[0]] < 0:
            continue
        snap = archive.snapshot(source, dates[before[rows[0]]])
        st = point_status(snap, lon[rows], lat[rows], country[rows])
        for i in rows[st == want[rows]]:
            out[i] = Verdict("already", source, snap.date, covered=_covered(snap, want[i], lon[i], lat[i], km[i]))
    pending = np.array([out[i] is None for i in range(n)])
    start = np.searchsorted(darr, claims["date"].to_numpy("datetime64[D]"), side="left")
    for i in np.flatnonzero(pending & (start >= len(dates))):
        out[i] = Verdict("no_snapshot", source)
        pending[i] = False
    if pending.any():
        first = int(start[pending].min())
        for j in range(first, len(dates)):
            todo = np.flatnonzero(pending & (start <= j))
            if not len(todo):
                if not pending.any():
                    break
                continue
            snap = archive.snapshot(source, dates[j])
            st = point_status(snap, lon[todo], lat[todo], country[todo])
            for i in todo[st == want[todo]]:
                out[i] = Verdict("corroborated", source, snap.date, (snap.date - day[i]).days,
                                 _covered(snap, want[i], lon[i], lat[i], km[i]))
                pending[i] = False
            if not pending.any():
                break
        last = archive.snapshot(source, dates[-1])
        for i in np.flatnonzero(pending):
            out[i] = Verdict("not_corroborated", source, as_of=last.date,
                             covered=_covered(last, want[i], lon[i], lat[i], km[i]))
    return out  # type: ignore[return-value]


def check_claims(archive: Archive, frame: pd.DataFrame) -> pd.DataFrame:
    """control_check and control_check_note for the claims among the rows (index kept; other rows
    are left out). The verdict is the best any source gives (corroborated, earliest first); the
    note gives every source's."""
    rows = claim_rows(frame)
    claims = frame[rows]
    out = pd.DataFrame({"control_check": pd.Series(dtype=object), "control_check_note": pd.Series(dtype=object)},
                       index=claims.index)
    if not len(claims):
        return out
    sides = [claimant_side(a, c, s) for a, c, s in zip(claims.get("actor1", pd.Series([None] * len(claims))),
                                                         claims.get("claimed_by", pd.Series([None] * len(claims))),
                                                         claims["sub_event_type"])]
    want = np.array([SIDE_STATUS.get(s) for s in sides], dtype=object)
    per_source = {s: _check_source(archive, s, claims, want) for s in archive.sources()}
    checks, notes = [], []
    for i in range(len(claims)):
        if want[i] is None:
            checks.append("unknown_side")
            notes.append("the claimant's side is not known (actor 1 and the claimant name neither side)")
            continue
        got = [v[i] for v in per_source.values()]
        if not got:
            checks.append("no_snapshot")
            notes.append("no control snapshots imported")
            continue
        best = min(got, key=lambda v: (_RANK[v.check], v.date or dt.date.max))
        checks.append(best.check)
        notes.append("; ".join(v.text() for v in sorted(got, key=lambda v: (_RANK[v.check], v.source))))
    out["control_check"] = checks
    out["control_check_note"] = notes
    return out


def enrich(archive: Archive | None, frame: pd.DataFrame, checks: pd.DataFrame | None = None) -> pd.DataFrame:
    """The frame with the control columns added (all null when no snapshots are imported).
    checks: the store's verdicts by event id (Storage.control_checks), else computed here."""
    frame = frame.copy(deep=False)  # new columns only: the rows' data is shared, not copied
    for c in COLUMNS:
        frame[c] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]") if c == "control_date" \
            else pd.Series(None, index=frame.index, dtype=object)
    if archive is None or not len(frame) or not archive.sources():
        return frame
    tagged = tag(archive, frame)
    for c in tagged.columns:
        frame[c] = tagged[c]
    if checks is None:
        checks = check_claims(archive, frame)
        frame["control_check"] = checks["control_check"].reindex(frame.index)
        frame["control_check_note"] = checks["control_check_note"].reindex(frame.index)
    elif len(checks):
        ids = frame["id"].astype(object)
        frame["control_check"] = ids.map(checks["control_check"]).astype(object)
        frame["control_check_note"] = ids.map(checks["control_check_note"]).astype(object)
    return frame


def changes(archive: Archive, source: str, start: dt.date, end: dt.date) -> dict:
    """The ground that changed hands between the snapshots in force at start and at end:
    {'from': date, 'to': date, 'taken': geometry (newly occupied), 'regained': geometry}."""
    a, b = archive.as_of(source, start), archive.as_of(source, end)
    if a is None or b is None or a.date == b.date:
        return {"from": a.date if a else None, "to": b.date if b else None, "taken": None, "regained": None}
    empty = shapely.MultiPolygon()
    occ_a = a.geometry("occupied") or empty
    occ_b = b.geometry("occupied") or empty
    taken = shapely.difference(occ_b, occ_a)
    regained = shapely.difference(occ_a, occ_b)
    return {"from": a.date, "to": b.date, "taken": None if taken.is_empty else taken,
            "regained": None if regained.is_empty else regained}
