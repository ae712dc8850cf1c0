"""Work that depends only on the store and the filter, done once and shared by every session.

Ten analysts opening the same view cost about one: the rows a filter keeps, the
numbers and chart above the map, the newest rows for the table and the map's
layer payload are cached by their inputs (Streamlit computes a missing entry
once, under a lock, while other sessions on that key wait for it). Nothing here
holds a copy of the filtered table: a view is an array of row positions, so a
million-row view costs 8 MB, and the number of views kept is bounded.

Downloads are built only when a user clicks, and kept in a cache bounded by
bytes, not entries: a few 200 MB exports cannot pin gigabytes.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from events.query import Filter, mask, take

TABLE_ROWS = 2000
VIEWS_KEPT = 32
DOWNLOAD_CACHE_BYTES = int(os.environ.get("DASHBOARD_DOWNLOAD_CACHE_MB", "256")) * 1_000_000


@dataclass(frozen=True)
class View:
    """A filtered view of the store, as positions plus what the page shows above the fold."""

    rows: np.ndarray  # positions of the rows that pass, in table order
    count: int
    fatalities_reported: int
    fatalities_claimed: int
    injured: int
    claimed_or_disputed: int
    center: tuple[float, float]
    zoom: int


def _positions(df: pd.DataFrame, f: Filter) -> np.ndarray:
    if f.is_empty():
        return np.arange(len(df), dtype=np.int64)
    return np.flatnonzero(mask(df, f)).astype(np.int64)


@st.cache_resource(max_entries=VIEWS_KEPT, show_spinner=False)
def view(fingerprint: str, filter_key: tuple, _df: pd.DataFrame) -> View:
    """The rows a filter keeps and the page's numbers, once per (store version, filter)."""
    from dashboard.mapview import fit_view

    rows = _positions(_df, Filter(*filter_key))
    sub = take(_df, rows, ["fatalities", "claim_status", "injured", "lat", "lon", "uncertainty_km"])
    fat = sub["fatalities"].astype("Float64").fillna(0).to_numpy(np.float64)
    claimed = sub["claim_status"].isin(["claimed", "disputed"]).to_numpy(bool)
    inj = sub["injured"].astype("Float64").fillna(0).to_numpy(np.float64)
    center, zoom = fit_view(sub[["lat", "lon", "uncertainty_km"]])
    return View(rows, len(rows), int(fat[~claimed].sum()), int(fat[claimed].sum()), int(inj.sum()),
                int(claimed.sum()), tuple(center), zoom)


@dataclass(frozen=True)
class StoreFacts:
    """What the sidebar offers, from the whole store: computed once per store version."""

    first: object
    last: object
    regions: tuple[str, ...]
    datasets: tuple[str, ...]


@st.cache_resource(max_entries=4, show_spinner=False)
def facts(fingerprint: str, _df: pd.DataFrame) -> StoreFacts:
    def distinct(col: str) -> list[str]:
        s = _df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            used = np.unique(s.cat.codes.to_numpy())
            return sorted(str(s.cat.categories[c]) for c in used if c >= 0)
        return sorted(str(x) for x in s.dropna().unique())

    dates = _df["date"]
    return StoreFacts(dates.min().date() if len(_df) else None, dates.max().date() if len(_df) else None,
                      tuple(distinct("country") + distinct("admin1")), tuple(distinct("dataset")) if len(_df) else ())


@st.cache_resource(max_entries=VIEWS_KEPT, show_spinner=False)
def timeline(fingerprint: str, filter_key: tuple, _df: pd.DataFrame, _view: View) -> pd.DataFrame:
    from dashboard.timeline import per_day_by_type

    return per_day_by_type(take(_df, _view.rows, ["date", "event_type"]))


@st.cache_resource(max_entries=VIEWS_KEPT, show_spinner=False)
def newest(fingerprint: str, filter_key: tuple, _df: pd.DataFrame, _view: View, columns: tuple) -> pd.DataFrame:
    """The newest TABLE_ROWS rows of the view, newest first, across the catalogue and every dataset."""
    rows = _view.rows
    dates = _df["date"].to_numpy("datetime64[ns]")[rows].astype(np.int64)
    if len(rows) > TABLE_ROWS:
        top = np.argpartition(-dates, TABLE_ROWS - 1)[:TABLE_ROWS]
    else:
        top = np.arange(len(rows))
    order = top[np.lexsort((_df["id"].to_numpy(object)[rows[top]].astype(str), -dates[top]))]
    return take(_df, rows[order], list(columns))


@st.cache_resource(max_entries=VIEWS_KEPT, show_spinner=False)
def map_layer(fingerprint: str, filter_key: tuple, bounds: tuple | None, _df: pd.DataFrame,
              _view: View) -> tuple[str, dict, str, int]:
    """(kind, payload, description, events in view) of the events layer; the payload is plain data
    so each session builds its own small folium object around it."""
    from dashboard import mapview

    rows = _view.rows
    if bounds is not None and len(rows) > mapview.MAX_FEATURES:
        south, west, north, east = bounds
        lat, lon = _df["lat"].to_numpy()[rows], _df["lon"].to_numpy()[rows]
        rows = rows[(lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)]
    kind, payload, description = mapview.layer_payload(_df, rows)
    return kind, payload, description, len(rows)


class ByteBudgetCache:
    """A least-recently-used cache bounded by the bytes it holds; thread-safe, one build per key."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._building: dict[tuple, threading.Lock] = {}

    def get(self, key: tuple, build: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            gate = self._building.setdefault(key, threading.Lock())
        with gate:  # concurrent clicks on the same download build it once
            with self._lock:
                if key in self._items:
                    return self._items[key]
            data = build()
            with self._lock:
                self._building.pop(key, None)
                if len(data) <= self.budget // 4:  # one huge export does not evict everything else
                    self._items[key] = data
                    self._size += len(data)
                    while self._size > self.budget:
                        _, old = self._items.popitem(last=False)
                        self._size -= len(old)
            return data

    @property
    def size(self) -> int:
        return self._size


downloads = ByteBudgetCache(DOWNLOAD_CACHE_BYTES)

_TIDY_EVERY_S = 10.0
_last_tidy = [0.0]
_tidy_lock = threading.Lock()


def tidy_memory() -> None:
    """Hand Arrow's freed scratch memory back to the system, at most every 10 s per process:
    after a burst of sessions the allocator otherwise keeps its high-water mark, and doing it
    after every run costs ~0.3 s of CPU each."""
    import time

    import pyarrow as pa

    now = time.monotonic()
    with _tidy_lock:
        if now - _last_tidy[0] < _TIDY_EVERY_S:
            return
        _last_tidy[0] = now
    pa.default_memory_pool().release_unused()
