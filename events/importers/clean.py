"""Cleaning steps the importers share, as column operations: numbers, coordinates, types,
categories, long text and value maps."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from events.arrowtext import arrow_text, pandas_text
from events.vocab import EVENT_TYPES, SUB_EVENT_TYPES


def to_number(s: pd.Series) -> np.ndarray:
    """Floats, NaN where the text is not a number (Arrow's cast first; pandas for the odd bad value)."""
    arr = pa.array(s, type=pa.string(), from_pandas=True)
    try:
        return pc.cast(pc.if_else(pc.equal(pc.utf8_trim_whitespace(arr), ""), None, pc.utf8_trim_whitespace(arr)),
                       pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.to_numeric(s.str.strip(), errors="coerce").to_numpy(np.float64)


def reasons(prefix: str, values: pd.Series, suffix: str):
    """A reason builder for Rejects.add: formats only the rejected rows' values."""
    return lambda where: [f"{prefix}{v!r}{suffix}" for v in values.iloc[where]]


def check_coordinates(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Reason per row ('' when fine) for missing or out-of-range coordinates."""
    reason = np.full(len(lat), "", dtype=object)
    reason[np.isnan(lat) | np.isnan(lon)] = "latitude/longitude: missing or not a number"
    bad = ~np.isnan(lat) & ~np.isnan(lon) & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    reason[bad] = "latitude/longitude: out of range"
    null_island = (np.abs(lat) <= 1) & (np.abs(lon) <= 1)  # nothing is there but the usual "no location" value
    reason[null_island] = "latitude/longitude: at or next to 0,0, the usual stand-in for a missing location"
    return reason


def check_types(event_type: pd.Series, sub: pd.Series) -> np.ndarray:
    reason = np.full(len(event_type), "", dtype=object)
    et = event_type.to_numpy(object)
    st = sub.to_numpy(object)
    known = event_type.isin(list(EVENT_TYPES)).to_numpy(bool)
    for i in np.flatnonzero(~known):
        reason[i] = f"event_type: unknown {et[i]!r}"
    owner = map_values(sub, SUB_EVENT_TYPES)
    bad_pair = known & (owner != et)
    for i in np.flatnonzero(bad_pair):
        reason[i] = f"sub_event_type: {st[i]!r} is not a sub-type of {et[i]!r}"
    return reason


def replaced_bytes(df: pd.DataFrame) -> np.ndarray:
    """Rows holding U+FFFD: bytes that were not UTF-8."""
    bad = np.zeros(len(df), dtype=bool)
    for col in df.columns:
        bad |= df[col].str.contains("\ufffd", regex=False).to_numpy(bool)
    return bad


def clean_category(s: pd.Series) -> pd.Series:
    """A text column of few distinct values, whitespace-trimmed, blank as missing, as a categorical:
    the work is done once per distinct value (a million rows name a few thousand places). Arrow
    text is encoded by Arrow (no pandas factorize and no Python string per value)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    chunked = arrow_text(s)
    encoded = pc.dictionary_encode(chunked.combine_chunks())
    trimmed = pc.dictionary_encode(pc.utf8_trim_whitespace(encoded.dictionary))  # two values may trim alike
    names = trimmed.dictionary
    remap = trimmed.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    blank = pc.index(names, "").as_py()
    if blank >= 0:
        remap = np.where(remap == blank, -1, remap - (remap > blank))
        names = pa.concat_arrays([names.slice(0, blank), names.slice(blank + 1)])
    codes = np.append(remap, -1)[pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)]
    return pd.Series(distinct_categorical(codes, names), index=s.index)


def distinct_categorical(codes: np.ndarray, names: pa.Array) -> pd.Categorical:
    """Rows as codes into names that are already distinct (an Arrow dictionary's), as a
    categorical of pandas' text type. pandas would check the names are unique, hashing each
    again (5 ms for a batch's 17,000 places); a dictionary's are, so its fast path is taken."""
    index = pd.Index(pandas_text(names))
    try:
        dtype = pd.CategoricalDtype._from_fastpath(index, False)
    except AttributeError:  # a pandas without it: the checked way
        dtype = pd.CategoricalDtype(index, ordered=False)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def clean_long_text(s: pd.Series, trim: bool = True) -> pd.Series:
    """A text column of mostly distinct values (notes), blank as missing, in Arrow.

    trim=False leaves the text as the file has it and only marks empty values missing, by a new
    validity bitmap over the same buffers: no copy of a million notes."""
    arr = arrow_text(s)
    kind = arr.type  # the reader's large_string stays large: no copy of the text to narrow it
    if trim:
        arr = pc.utf8_trim_whitespace(arr)
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, kind), arr)
    else:
        chunks = []
        for ch in arr.chunks:
            keep = pc.and_(pc.greater(pc.binary_length(ch), 0), pc.is_valid(ch))
            bitmap = keep.buffers()[1] if keep.offset == 0 else pc.if_else(keep, True, False).buffers()[1]
            chunks.append(pa.Array.from_buffers(kind, len(ch), [bitmap, *ch.buffers()[1:]], offset=ch.offset)
                          if ch.offset == 0 else pc.if_else(keep, ch, pa.scalar(None, kind)))
        arr = pa.chunked_array(chunks, type=kind)
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=s.index)


def category(s: pd.Series) -> pd.Series:
    """A text column as a categorical, empty text as missing: a million repeated actor or
    place names cost a small integer each instead of a string each. The categories are sorted,
    as pandas sorts them, but the rows are encoded once (not again to sort and to drop blanks)."""
    codes, uniques = pd.factorize(s)
    return pd.Series(_sorted_categorical(codes, uniques), index=s.index)


def mapped_category(s: pd.Series, look) -> pd.Categorical:
    """look(value) for each row (look(None) for a missing one) as a categorical of sorted
    categories, with look called once per distinct value."""
    codes, uniques = pd.factorize(s)
    looked = np.asarray([look(u) for u in uniques] + [look(None)], dtype=object)
    l_codes, l_uniques = pd.factorize(looked)
    return _sorted_categorical(l_codes[codes], l_uniques)  # code -1 (missing) takes look(None)'s


def _sorted_categorical(codes: np.ndarray, uniques) -> pd.Categorical:
    """Rows given as codes into their distinct values (-1 missing) as a categorical whose
    categories are the non-empty texts, sorted; '' and missing values are missing."""
    uniques = np.asarray(uniques, dtype=object)
    valid = np.flatnonzero([isinstance(u, str) and u != "" for u in uniques])
    names = uniques[valid].astype(str)
    order = np.argsort(names, kind="stable")
    rank = np.full(len(uniques) + 1, -1, dtype=np.int64)  # the last: code -1
    rank[valid[order]] = np.arange(len(order))
    return pd.Categorical.from_codes(rank[codes], categories=pd.Index(names[order], dtype="str"), validate=False)


def map_values(s: pd.Series, mapping: dict, default=None) -> np.ndarray:
    """s.map(mapping) through its distinct values: one dict lookup per value, not per row."""
    codes, uniques = pd.factorize(s)
    looked = np.array([mapping.get(u, default) for u in uniques] + [default], dtype=object)
    return looked[codes]  # code -1 (missing) takes the trailing default
