"""The one filter implementation: the CLI, the app and the exports all call apply().

Filters are plain, hashable values (so Streamlit can cache on them) and every
test is a column operation: no Python object per event.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from events.errors import FilterError
from events.vocab import CLAIM_STATUSES, DATASET_NAME, EVENT_TYPES, SUB_EVENT_TYPES


@dataclass(frozen=True)
class Filter:
    """What to show. Empty tuples and None mean 'no restriction'.

    Dates are inclusive and match any overlap with an event's [date, end_date].
    types: event types or sub-event types. regions: country codes (RU), ISO
    3166-2 codes (UA-14) or admin-1 names in any common spelling.
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    q: str = ""
    datasets: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return self == Filter()

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def parse_date(text: str | dt.date | None, what: str = "date") -> dt.date | None:
    if text in (None, ""):
        return None
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise FilterError(f"{what} {text!r} is not a date (use YYYY-MM-DD)") from None


def make_filter(*, date_from=None, date_to=None, types=(), regions=(), claims=(), q="", datasets=()) -> Filter:
    """Build and check a Filter from user input; FilterError names the bad value."""
    f = Filter(
        date_from=parse_date(date_from, "from"),
        date_to=parse_date(date_to, "to"),
        types=tuple(types or ()),
        regions=tuple(regions or ()),
        claims=tuple(c.lower() for c in claims or ()),
        q=(q or "").strip(),
        datasets=tuple(datasets or ()),
    )
    if f.date_from and f.date_to and f.date_to < f.date_from:
        raise FilterError(f"to {f.date_to} is before from {f.date_from}")
    for t in f.types:
        if t not in EVENT_TYPES and t not in SUB_EVENT_TYPES:
            raise FilterError(f"unknown event or sub-event type {t!r}")
    for d in f.datasets:
        if not re.fullmatch(DATASET_NAME, d):
            raise FilterError(f"dataset {d!r} is not a dataset name (lowercase letters, digits, '-', '_')")
    for c in f.claims:
        if c not in CLAIM_STATUSES:
            raise FilterError(f"unknown claim status {c!r}; one of: {', '.join(CLAIM_STATUSES)}")
    resolve_regions(f.regions)
    return f


def check_datasets(f: Filter, known) -> None:
    """An unknown dataset is an error like an unknown type, not an empty result that looks like news."""
    unknown = [d for d in f.datasets if d not in set(known)]
    if unknown:
        raise FilterError(f"unknown dataset {unknown[0]!r}; known: {', '.join(sorted(known)) or 'none'}")


def known_datasets(df: pd.DataFrame) -> list[str]:
    """The dataset names present in a table (categories count even when no row is left)."""
    col = df["dataset"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [str(c) for c in col.cat.categories]
    return [str(c) for c in col.dropna().unique()]


def resolve_regions(regions: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """(country codes, ISO 3166-2 codes) for the region terms."""
    from geodata.errors import UnknownRegion
    from geodata.regions import resolve_area

    countries, admin1 = set(), set()
    for r in regions:
        try:
            kind, code = resolve_area(r)
        except UnknownRegion as exc:
            raise FilterError(f"region: {exc}") from None
        (countries if kind == "country" else admin1).add(code)
    return countries, admin1


def mask(df: pd.DataFrame, f: Filter) -> np.ndarray:
    """Boolean mask of the rows that pass the filter."""
    m = np.ones(len(df), dtype=bool)
    if f.date_from is not None or f.date_to is not None:
        start = df["date"].to_numpy("datetime64[ns]")
        end = df["end_date"].to_numpy("datetime64[ns]")
        end = np.where(np.isnat(end), start, end)
        if f.date_from is not None:
            m &= end >= np.datetime64(f.date_from, "ns")
        if f.date_to is not None:
            m &= start <= np.datetime64(f.date_to, "ns")
    if f.types:
        wanted = set(f.types)
        m &= (df["event_type"].isin(wanted) | df["sub_event_type"].isin(wanted)).to_numpy()
    if f.regions:
        countries, admin1 = resolve_regions(f.regions)
        m &= (df["country"].isin(countries) | df["admin1_code"].isin(admin1)).to_numpy()
    if f.claims:
        m &= df["claim_status"].isin(set(f.claims)).to_numpy()
    if f.datasets and "dataset" in df:
        m &= df["dataset"].isin(set(f.datasets)).to_numpy()
    if f.q:
        m &= text_match(df, f.q)
    return m


SEARCHED = ("search_text", "title", "notes", "location_name", "actor1", "actor2")


def text_match(df: pd.DataFrame, q: str) -> np.ndarray:
    """Case-insensitive substring in the curated records' search text (title, summary,
    notes, quotes) or, for bulk rows, their title, notes, place and actors."""
    import pyarrow as pa
    import pyarrow.compute as pc

    hit = np.zeros(len(df), dtype=bool)
    for col in SEARCHED:
        if col not in df:
            continue
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):  # test each distinct value once
            cats = pa.array(s.cat.categories.astype("str"), type=pa.string())
            ok = pc.fill_null(pc.match_substring(cats, q, ignore_case=True), False).to_numpy(zero_copy_only=False)
            codes = s.cat.codes.to_numpy()
            hit |= (codes >= 0) & ok[np.maximum(codes, 0)] if len(ok) else False
        else:
            arr = pa.array(s.astype("str"), type=pa.string(), from_pandas=True)
            hit |= pc.fill_null(pc.match_substring(arr, q, ignore_case=True), False).to_numpy(zero_copy_only=False)
    return hit


def take(df: pd.DataFrame, rows: np.ndarray, columns=None) -> pd.DataFrame:
    """Rows by position (in the order given), only the columns asked for.

    Arrow-backed text columns are taken chunk by chunk: pandas' take concatenates every chunk
    of the column first, so picking 5,000 popups from a million 500-character notes copied
    all 500 MB of them, every time.
    """
    import pyarrow as pa

    rows = np.asarray(rows, dtype=np.int64)
    cols = list(df.columns if columns is None else columns)
    out = {}
    for c in cols:
        s = df[c]
        chunked = getattr(s.array, "_pa_array", None)
        if isinstance(chunked, pa.ChunkedArray) and chunked.num_chunks > 1:
            out[c] = pd.Series(type(s.array)(_take_chunked(chunked, rows)), name=c)
        elif isinstance(s.dtype, pd.CategoricalDtype) and len(s.cat.categories) > max(len(rows), 1000):
            # a few rows of a column with a huge dictionary (unique titles): their values, not the whole
            # dictionary, which a table or a popup would otherwise carry along
            codes = s.cat.codes.to_numpy()[rows]
            values = s.cat.categories.to_numpy(dtype=object)[np.maximum(codes, 0)]
            out[c] = pd.Series(np.where(codes >= 0, values, None), name=c, dtype=object).astype("str")
        else:
            out[c] = s.iloc[rows].reset_index(drop=True)
    frame = pd.DataFrame(out, columns=cols)
    frame.index = df.index[rows]
    return frame


def _take_chunked(arr, rows: np.ndarray):
    import pyarrow as pa

    if not len(rows):
        return arr.slice(0, 0)
    ends = np.cumsum([len(ch) for ch in arr.chunks])
    order = np.argsort(rows, kind="stable")
    ordered = rows[order]
    which = np.searchsorted(ends, ordered, side="right")
    starts = np.concatenate([[0], ends[:-1]])
    pieces = []
    for k in np.unique(which):
        sel = ordered[which == k] - starts[k]
        pieces.append(arr.chunk(int(k)).take(pa.array(sel)))
    taken = pa.concat_arrays(pieces)
    if np.any(order != np.arange(len(order))):
        taken = taken.take(pa.array(np.argsort(order, kind="stable")))
    return pa.chunked_array([taken])


def apply(df: pd.DataFrame, f: Filter) -> pd.DataFrame:
    """The rows that pass, in the table's order."""
    if f.is_empty():
        return df
    return take(df, np.flatnonzero(mask(df, f)))  # chunk by chunk: no copy of whole text columns
