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
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import streamlit as st

from dashboard import mapview
from events.filters import Filter
from events.storage.base import StoreFacts

TABLE_ROWS = 2000
VIEWS_KEPT = 32
DOWNLOAD_CACHE_BYTES = int(os.environ.get("DASHBOARD_DOWNLOAD_CACHE_MB", "256")) * 1_000_000


@dataclass(frozen=True)
class View:
    """A filtered view of the store: what the page shows above the fold."""

    count: int
    fatalities_reported: int
    fatalities_claimed: int
    injured: int
    claimed_or_disputed: int
    center: tuple[float, float]
    zoom: int


@st.cache_resource(max_entries=VIEWS_KEPT, show_spinner=False)
def view(fingerprint: str, filter_key: tuple, _store) -> View:
    """The page's numbers for a filter, once per (store version, filter)."""
    from dashboard.mapview import fit_extent

    s = _store.summary(Filter(*filter_key))
    center, zoom = fit_extent(s.extent)
    return View(s.count, s.fatalities_reported, s.fatalities_claimed, s.injured, s.claimed_or_disputed,
                tuple(center), zoom)


@st.cache_resource(max_entries=4, show_spinner=False)
def facts(fingerprint: str, _store) -> StoreFacts:
    return _store.facts()


@st.cache_resource(max_entries=16, show_spinner=False)
def names(fingerprint: str, columns: tuple[str, ...], _store, limit: int = 500) -> list[str]:
    """Distinct names in these columns (actors, claimants), for a picker's options: the first
    `limit` alphabetically; any other part of a name can still be typed."""
    out: set[str] = set()
    for c in columns:
        out.update(str(v) for v in _store.distinct(c) if v is not None and str(v).strip())
    return sorted(out)[:limit]


@st.cache_resource(max_entries=VIEWS_KEPT, show_spinner=False)
def timeline(fingerprint: str, filter_key: tuple, _store) -> pd.DataFrame:
    return _store.per_day(Filter(*filter_key))


@st.cache_resource(max_entries=VIEWS_KEPT, show_spinner=False)
def newest(fingerprint: str, filter_key: tuple, _store, columns: tuple) -> pd.DataFrame:
    """The newest TABLE_ROWS events of the view, newest first, across the catalogue and every dataset."""
    return _store.select(Filter(*filter_key), list(columns), newest=TABLE_ROWS)


@st.cache_resource(max_entries=VIEWS_KEPT, show_spinner=False)
def map_layer(fingerprint: str, filter_key: tuple, bounds: tuple | None, _store,
              count: int) -> tuple[str, dict, str, int]:
    """dashboard.mapview.layer, once per (store version, filter, view bounds), shared by sessions."""
    return mapview.layer(_store, Filter(*filter_key), bounds, count, relations(fingerprint, _store))


@st.cache_resource(max_entries=VIEWS_KEPT, show_spinner=False)
def relations(fingerprint: str, _store) -> dict:
    """Every curated event's links from both ends (events.related), once per store version."""

    return _store.links()


@st.cache_resource(max_entries=VIEWS_KEPT, show_spinner=False)
def control_map(fingerprint: str, source: str, as_of, change_from, _archive) -> dict:
    """The control map's payload (dashboard/control.py), shared by sessions."""
    from dashboard.control import payload

    return payload(_archive, source, as_of, change_from)


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
    now = time.monotonic()
    with _tidy_lock:
        if now - _last_tidy[0] < _TIDY_EVERY_S:
            return
        _last_tidy[0] = now
    pa.default_memory_pool().release_unused()
