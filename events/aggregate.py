"""Counts for the map's grid and the timeline, from columns (in memory) or from counts a
database has already grouped: both backends end in the same payload builders here."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from events.vocab import EVENT_TYPES
from events.vocab import CLAIMED_OR_DISPUTED

TYPE_ORDER = list(EVENT_TYPES)
ASPECT = 0.65  # a cell is 1/0.65 times wider in degrees of longitude: about square at 50° N


def type_codes(s: pd.Series) -> np.ndarray:
    """Index of each event's type in TYPE_ORDER (one hash pass over distinct values)."""
    codes, uniques = pd.factorize(s)
    lookup = np.array([TYPE_ORDER.index(u) if u in TYPE_ORDER else 0 for u in uniques], dtype=np.int64)
    return lookup[codes] if len(uniques) else np.zeros(len(s), dtype=np.int64)


def first_cell(lat_span: float, lon_span: float, max_cells: int) -> float:
    """Cell height in degrees so that the events' extent holds about max_cells cells."""
    span = max(lat_span, lon_span * ASPECT, 0.01)
    return max(span / math.sqrt(max_cells) * 1.2, 0.005)


CLAIMS = CLAIMED_OR_DISPUTED  # what a cell's hatching counts


def grid_payload(ix: np.ndarray, iy: np.ndarray, t: np.ndarray, n: np.ndarray, cell: float, total: int,
                 claimed: np.ndarray | None = None) -> dict:
    """The grid layer's data from per (cell, type) counts: cells in (ix, iy) order; `cl` is how
    many of each cell's events are claimed or disputed (the map hatches a cell by that share)."""
    keys = ix.astype(np.int64) * 1_000_003 + iy.astype(np.int64)
    uniq, inv = np.unique(keys, return_inverse=True)
    per_type = np.zeros((len(uniq), len(TYPE_ORDER)), dtype=np.int64)
    np.add.at(per_type, (inv, t.astype(np.int64)), n.astype(np.int64))
    cl = np.zeros(len(uniq), dtype=np.int64)
    if claimed is not None:
        np.add.at(cl, inv, claimed.astype(np.int64))
    first = np.zeros(len(uniq), dtype=np.int64)
    first[inv[::-1]] = np.arange(len(inv))[::-1]
    return {"south": np.round(iy[first] * cell, 5).tolist(), "west": np.round(ix[first] * (cell / ASPECT), 5).tolist(),
            "dlat": round(cell, 6), "dlon": round(cell / ASPECT, 6), "n": per_type.sum(axis=1).tolist(),
            "t": per_type.argmax(axis=1).tolist(), "types": per_type.tolist(), "cl": cl.tolist(), "total": int(total),
            "cell_deg": round(cell, 4)}


def aggregate(df: pd.DataFrame, max_cells: int) -> dict:
    """Grid cells over the events of df (column operations only): the cell size adapts to
    their extent so that there are at most about max_cells cells."""
    claimed = (df["claim_status"].isin(CLAIMS).to_numpy(np.int64) if "claim_status" in df else None)
    return aggregate_points(df["lat"].to_numpy(np.float64), df["lon"].to_numpy(np.float64),
                            type_codes(df["event_type"]), None, max_cells, claimed)


def cells_of(lat: np.ndarray, lon: np.ndarray, max_cells: int) -> tuple[float, np.ndarray, np.ndarray, np.ndarray,
                                                                        np.ndarray]:
    """The grid's cell size for these points (the smallest of first_cell's steps giving at most
    max_cells cells), each point's cell (ix, iy), its index among the cells, and the cells' keys:
    one function, so that a published site's filterable grid (events/tiles.py) has the map's cells."""
    cell = first_cell(float(np.ptp(lat)) if len(lat) else 0, float(np.ptp(lon)) if len(lon) else 0, max_cells)
    while True:
        ix = np.floor(lon / (cell / ASPECT)).astype(np.int64)
        iy = np.floor(lat / cell).astype(np.int64)
        inv, keys = pd.factorize(ix * 1_000_003 + iy)  # hashing: faster than sorting a million keys
        if len(keys) <= max_cells:
            return cell, ix, iy, inv, keys
        cell *= 1.4


def aggregate_points(lat: np.ndarray, lon: np.ndarray, t: np.ndarray, weights: np.ndarray | None,
                     max_cells: int, claimed: np.ndarray | None = None) -> dict:
    """The grid over points, each standing for `weights` events of type index t (1 when None):
    a database sends its events grouped by (lat, lon, type), tens of thousands of rows for a
    million events, and gets exactly the cells the embedded store computes from every row."""
    total = len(lat) if weights is None else int(np.sum(weights))
    cell, ix, iy, inv, keys = cells_of(lat, lon, max_cells)
    # one count per (cell, type), then the shared builder
    k = inv.astype(np.int64) * len(TYPE_ORDER) + np.asarray(t, dtype=np.int64)
    counts = np.bincount(k, weights=weights, minlength=len(keys) * len(TYPE_ORDER)).astype(np.int64)
    # claimed: per point, how many of its events are claims (a database's groups carry a count)
    claims = (np.bincount(k, weights=claimed, minlength=len(keys) * len(TYPE_ORDER)).astype(np.int64)
              if claimed is not None else None)
    nz = np.flatnonzero(counts)
    cell_of, type_of = nz // len(TYPE_ORDER), nz % len(TYPE_ORDER)
    first = np.zeros(len(keys), dtype=np.int64)
    first[inv[::-1]] = np.arange(len(inv))[::-1]
    return grid_payload(ix[first][cell_of], iy[first][cell_of], type_of, counts[nz], cell, total,
                        claims[nz] if claims is not None else None)


def per_day(dates: np.ndarray, types: np.ndarray, counts: np.ndarray | None = None,
            ends: np.ndarray | None = None) -> pd.DataFrame:
    """Rows: days (no gaps; weeks beyond 400 days), columns: event types present; values: events.
    dates: datetime64 values; types: indexes into TYPE_ORDER; counts: per row (1 when None);
    ends: end dates (NaT or the date for one day). An event known only to its week or month is
    spread over its span (a month's event adds 1/31 to each day), not piled on its first day."""
    if len(dates) == 0:
        return pd.DataFrame()
    days = np.asarray(dates).astype("datetime64[D]")
    first = days.min()
    offset = (days - first).astype(np.int64)
    types = np.asarray(types, dtype=np.int64)
    weights = np.ones(len(days)) if counts is None else np.asarray(counts, dtype=np.float64)
    span = np.ones(len(days), dtype=np.int64)
    if ends is not None:
        end = np.asarray(ends).astype("datetime64[D]")
        known = ~np.isnat(end)
        span[known] = np.maximum((end[known] - days[known]).astype(np.int64) + 1, 1)
    if (span > 1).any():  # one row per day of each span, weighted by 1/span (column operations)
        rows = np.repeat(np.arange(len(days)), span)
        starts = np.cumsum(span) - span
        within = np.arange(len(rows)) - np.repeat(starts, span)
        offset, types, weights = offset[rows] + within, types[rows], weights[rows] / span[rows]
    ndays = int(offset.max()) + 1
    grid = np.bincount(offset * len(TYPE_ORDER) + types, weights=weights,
                       minlength=ndays * len(TYPE_ORDER)).reshape(ndays, -1)
    index = pd.DatetimeIndex(first + np.arange(ndays).astype("timedelta64[D]"), name="date")
    frame = pd.DataFrame(np.round(grid, 3), index=index, columns=TYPE_ORDER)
    if ndays > 400:  # years of data: weekly bars read better than thousands of days
        frame = frame.resample("W-MON", label="left", closed="left").sum()
    return frame[[c for c in TYPE_ORDER if frame[c].any()]]
