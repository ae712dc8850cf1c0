"""Filtering an in-memory table: the embedded store's side of events/filters.py.

Every test is a column operation (no Python object per event); take() picks rows
without copying whole text columns.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from events.arrowtext import held_arrow
from events.filters import (SEARCHED, Filter, check_datasets, make_filter, mask, resolve_regions,  # noqa: F401
                            text_match)


def known_datasets(df: pd.DataFrame) -> list[str]:
    """The dataset names present in a table (categories count even when no row is left)."""
    col = df["dataset"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [str(c) for c in col.cat.categories]
    return [str(c) for c in col.dropna().unique()]


def take(df: pd.DataFrame, rows: np.ndarray, columns=None) -> pd.DataFrame:
    """Rows by position (in the order given), only the columns asked for.

    Arrow-backed text columns are taken chunk by chunk: pandas' take concatenates every chunk
    of the column first, so picking 5,000 popups from a million 500-character notes copied
    all 500 MB of them, every time.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = list(df.columns if columns is None else columns)
    out = {}
    for c in cols:
        s = df[c]
        chunked = held_arrow(s)
        if chunked is not None and chunked.num_chunks > 1:
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
    m = mask(df, f)  # even the default filter tests something: only approved events are shown
    if m.all():
        return df
    return take(df, np.flatnonzero(m))  # chunk by chunk: no copy of whole text columns
