"""GeoJSON features as text, built a column at a time from an Arrow table or a pandas frame.

A million features must be written in seconds, so no row is ever a Python object: each
property becomes one Arrow array of JSON literals (or a constant, or bare text whose quotes
go in the template), and one join glues each row's pieces into its feature. Both inputs give
the same bytes for the same values: the command line streams Arrow batches straight from the
dataset files, the dashboard and the database hand over pandas frames.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from events.arrowtext import data
from events.columns import LIST_COLUMNS

# Properties of a GeoJSON feature, in order: every schema field plus the derived ones.
PROPERTIES = [
    "id", "dataset", "title", "summary", "notes", "tags", "date", "end_date", "date_precision",
    "event_type", "sub_event_type", "actors", "location_name", "location_near", "country", "admin1",
    "admin1_code", "lat", "lon", "geo_precision", "uncertainty_km", "geocoded_by", "geo_flags",
    "contested_name", "fatalities", "injured", "claim_status", "claimed_by", "sources", "related", "seen_by",
    "review",
    # what control snapshots say (events/territory): status at the place and date, and a claim's check
    "control", "control_source", "control_date", "control_check", "control_check_note",
]
COLUMNS = [*PROPERTIES, "source_outlets"]  # what a feature is built from
CHUNK = 32_000  # rows joined at once: two chunks in flight keep both cores busy and memory flat

_DATES = ("date", "end_date", "control_date")
_INTS = ("geo_precision", "fatalities", "injured", "seen_by")
_DECIMALS = {"lat": 6, "lon": 6, "uncertainty_km": 3}
_LISTS = tuple(LIST_COLUMNS)
# An imported dataset's rows cite their dataset's source as a one-item list of sources.
_OUTLET = ('[{"outlet":"', '","url":null,"published":null,"quote":null}]')

Frame = pa.Table | pd.DataFrame
Piece = str | pa.Array  # text every row has, or one value per row


def clean(v):
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
        return [clean(x) for x in v.tolist()]
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v


# --- a column, as Arrow, whichever frame it came from ------------------------------------------

def _column(frame: Frame, name: str):
    """The frame's column as one Arrow array (lists: as they are), or None when it has none."""
    if isinstance(frame, pa.Table):
        if name not in frame.column_names:
            return None
        col = frame.column(name)
        if col.num_chunks == 1:
            return col.chunk(0)
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        return col.combine_chunks()
    return frame[name] if name in frame.columns else None


def _text(values) -> pa.Array | pa.ChunkedArray:
    """Text as an Arrow string array, or a dictionary of strings (its codes int32); pandas' own
    Arrow text stays in its chunks (joined a chunk of rows at a time, not a million at once)."""
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = values.cat.codes.to_numpy()
            cats = pa.array(values.cat.categories.astype("str"), type=pa.string())
            return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32(), mask=codes < 0), cats)
        chunked = getattr(values.array, "_pa_array", None)  # pandas' Arrow-backed text: no copy
        if isinstance(chunked, pa.ChunkedArray):  # each chunk of rows is joined into one array as it is cut
            values = chunked.chunk(0) if chunked.num_chunks == 1 else chunked
            return values if values.type == pa.string() else values.cast(pa.string())
        elif values.dtype == object and not values.notna().any():
            return pa.nulls(len(values), pa.string())
        else:
            values = pa.array(values.astype("str").where(values.notna(), None), type=pa.string(), from_pandas=True)
            if isinstance(values, pa.ChunkedArray):
                values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        if values.type.value_type != pa.string():
            values = pa.DictionaryArray.from_arrays(values.indices, _text(values.dictionary))
        return values
    if values.type != pa.string():
        values = values.cast(pa.string())
    return values


_NEEDS_ESCAPE = r'["\\\x00-\x1f]'  # a quote, a backslash or a control character


def escaped(arr: pa.Array) -> pa.Array:
    """Text as it stands between a JSON string's quotes (json.dumps without its quotes).

    Most text needs no escaping at all, so one regex scan finds the few rows that do and only
    those go through json.dumps; the rest is the same array, not a copy. (Escaping every row in
    Arrow took two passes over all the text, half the export's time on ACLED-length notes.)
    """
    if len(arr) == 0 or arr.null_count == len(arr):
        return arr
    hit = pc.fill_null(pc.match_substring_regex(arr, _NEEDS_ESCAPE), False)
    rows = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
    if not len(rows):
        return arr
    fixed = pa.array([json.dumps(v, ensure_ascii=False)[1:-1] for v in arr.take(pa.array(rows)).to_pylist()],
                     type=pa.string())
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(arr, pa.array(mask), fixed)


class Prepared:
    """A frame's columns made ready once (text dictionaries escaped), then cut into chunks."""

    def __init__(self, frame: Frame):
        self.rows = len(frame)
        self.columns = {name: _column(frame, name) for name in COLUMNS}
        self.dictionaries: dict[str, pa.Array] = {}  # column -> its escaped dictionary
        self.text: dict[str, pa.Array] = {}
        for name, values in self.columns.items():
            if values is None or name in _DATES or name in _INTS or name in _DECIMALS or name in _LISTS:
                continue
            arr = _text(values)
            if pa.types.is_dictionary(arr.type):
                if arr.dictionary.null_count or len(arr.dictionary) > max(len(arr) // 2, 1):
                    arr = arr.cast(pa.string())  # as many values as half the rows: escape the rows instead
                else:
                    self.dictionaries[name] = escaped(arr.dictionary)
            self.text[name] = arr

    def pieces(self, name: str, start: int, stop: int) -> list[Piece]:
        """A property's JSON for rows [start, stop), as pieces of its feature's template."""
        if name in _DATES:
            return _dates(_slice(self.columns[name], start, stop), stop - start)
        if name == "seen_by" and self.columns[name] is None:
            return ["0"]  # rows handed over without the store's links: no one is known to have seen them
        if name in _INTS:
            return _numbers(_slice(self.columns[name], start, stop), stop - start)
        if name in _DECIMALS:
            return _numbers(_slice(self.columns[name], start, stop), stop - start, _DECIMALS[name])
        if name == "sources":
            return self._sources(start, stop)
        if name in _LISTS:
            listed = _lists(_slice(self.columns[name], start, stop))
            return ["[]"] if listed is None else [pc.fill_null(listed, "[]")]
        if name == "review":  # an imported dataset's rows carry no state: they are published (approved)
            return self._strings(name, start, stop, null='"approved"')
        return self._strings(name, start, stop)

    def _strings(self, name: str, start: int, stop: int, prefix: str = '"', suffix: str = '"',
                 null: str = "null") -> list[Piece]:
        """Quoted text; null for a missing value. Without missing values the quotes (prefix,
        suffix) join the template and the text is the column itself, uncopied."""
        arr = self.text.get(name)
        if arr is None:
            return [null]
        arr = arr.slice(start, stop - start)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if arr.null_count == len(arr):
            return [null]
        if name in self.dictionaries:
            words = self.dictionaries[name]
            if len(words) == 1 and arr.null_count == 0:
                return [prefix + words[0].as_py() + suffix]
            arr = pc.take(words, arr.indices)
        else:
            arr = escaped(arr)
        if arr.null_count == 0:
            return [prefix, arr, suffix]
        return [pc.fill_null(pc.binary_join_element_wise(pa.scalar(prefix), arr, pa.scalar(suffix), ""), null)]

    def _sources(self, start: int, stop: int) -> list[Piece]:
        """Curated rows list their sources; bulk rows get their dataset's source as one."""
        listed = _lists(_slice(self.columns["sources"], start, stop))
        outlets = self._strings("source_outlets", start, stop, *_OUTLET, null="[]")
        if listed is None:
            return outlets
        if all(isinstance(p, str) for p in outlets):  # every row the same outlet text (or none)
            return [pc.fill_null(listed, "".join(outlets))]
        per_row = outlets[0] if len(outlets) == 1 else pc.binary_join_element_wise(
            *[pa.scalar(p) if isinstance(p, str) else p for p in outlets], "")
        return [pc.coalesce(listed, per_row)]


def _slice(values, start: int, stop: int):
    if values is None:
        return None
    if isinstance(values, pd.Series):
        return values.iloc[start:stop]
    return values.slice(start, stop - start)


def _dates(values, n: int) -> list[Piece]:
    """"YYYY-MM-DD": Arrow's date-to-text cast, ten times faster than strftime."""
    if values is None:
        return ["null"]
    if isinstance(values, pd.Series):
        if values.dtype == object and not values.notna().any():
            return ["null"]
        values = pa.array(values.to_numpy("datetime64[ns]"), type=pa.timestamp("ns"), from_pandas=True)
    if values.null_count == n:
        return ["null"]
    text = pc.cast(values.cast(pa.date32()), pa.string())
    if text.null_count == 0:
        return ['"', text, '"']
    return [pc.fill_null(pc.binary_join_element_wise(pa.scalar('"'), text, pa.scalar('"'), ""), "null")]


def _numbers(values, n: int, decimals: int | None = None) -> list[Piece]:
    if values is None:
        return ["null"]
    if decimals is None:
        if isinstance(values, pd.Series):
            values = pa.array(values.astype("Int64"), type=pa.int64(), from_pandas=True)
            if isinstance(values, pa.ChunkedArray):
                values = values.combine_chunks()
        elif values.type != pa.int64():
            values = values.cast(pa.int64())
    else:
        floats = values.to_numpy(np.float64) if isinstance(values, pd.Series) else \
            values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        values = pa.array(np.round(floats, decimals), type=pa.float64(), from_pandas=True)
    if values.null_count == n:
        return ["null"]
    text = pc.cast(values, pa.string())
    return [text if text.null_count == 0 else pc.fill_null(text, "null")]


def _lists(values) -> pa.Array | None:
    """JSON arrays of the rows that hold a list (few: curated rows), null elsewhere; None when
    no row does."""
    if values is None:
        return None
    if isinstance(values, pd.Series):
        raw = values.to_numpy(object)
        held = np.flatnonzero(pd.notna(raw))
        items = [raw[i] for i in held]
    else:
        if values.null_count == len(values):
            return None
        held = np.flatnonzero(values.is_valid().to_numpy(zero_copy_only=False))
        items = values.take(pa.array(held)).to_pylist()
    out = np.full(len(values), None, dtype=object)
    for i, v in zip(held, items):
        if isinstance(v, (list, tuple, np.ndarray)):
            out[i] = json.dumps(clean(list(v)), ensure_ascii=False, separators=(",", ":"))
    if not any(v is not None for v in out[held]):
        return None
    return pa.array(out, type=pa.string())


def _template() -> list[str | tuple[str]]:
    """A feature as literal text and (property,) slots; geometry first, then the properties."""
    parts: list = [',\n{"type":"Feature","id":', ("id",), ',"geometry":{"type":"Point","coordinates":[',
                   ("lon",), ",", ("lat",), ']},"properties":{']
    for i, name in enumerate(PROPERTIES):
        parts += [("," if i else "") + json.dumps(name) + ":", (name,)]
    return parts + ["}}"]


_TEMPLATE = _template()


def feature_text(prepared: Prepared, start: int, stop: int) -> pa.Array:
    """Rows [start, stop) as features, each led by ',\\n': one join over the template, whose
    adjacent literal pieces (and constant columns) are merged first so the join has few."""
    done: dict[str, list[Piece]] = {}
    merged: list[Piece] = []
    for part in _TEMPLATE:
        for piece in ([part] if isinstance(part, str) else
                      done.setdefault(part[0], prepared.pieces(part[0], start, stop))):
            if isinstance(piece, str) and merged and isinstance(merged[-1], str):
                merged[-1] += piece
            else:
                merged.append(piece)
    if not any(isinstance(p, pa.Array) for p in merged):  # every column constant in these rows
        return pa.array(["".join(merged)] * (stop - start), type=pa.string())
    return pc.binary_join_element_wise(*[pa.scalar(p) if isinstance(p, str) else p for p in merged], "")


def concat(arr: pa.Array) -> memoryview:
    """The strings of an array back to back: a view of Arrow's data buffer, not a copy."""
    return memoryview(data(arr))


def geojson_stream(frames: Iterable[Frame], chunk: int | None = None) -> Iterator[bytes | memoryview]:
    """One RFC 7946 FeatureCollection (no crs, [lon, lat] with at most 6 decimals) from frames
    that arrive one after another (dataset batches, a database cursor's): the same bytes as one
    frame of all their rows, streamed in chunks of features."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for text in feature_chunks(frames, chunk):
        if first:
            text, first = text[1:], False  # no comma before the first feature
        if len(text):
            yield text
    yield b"\n]}\n"


def feature_chunks(frames: Iterable[Frame], chunk: int | None = None, ahead: int = 3) -> Iterator[memoryview]:
    """The features of the frames, each led by ',\\n', `chunk` rows at a time, in order.

    Arrow's kernels release the GIL, so two threads build chunks while the consumer writes the
    last one: `ahead` chunks are in flight, across frame boundaries (a frame's columns are made
    ready in the pool too), and never more, so memory stays bounded however long the export."""
    chunk = chunk or CHUNK

    def build(prepared, start: int, stop: int) -> memoryview:
        return concat(feature_text(prepared.result(), start, stop))

    with ThreadPoolExecutor(max_workers=2) as pool:
        window: deque = deque()
        for frame in frames:
            rows = len(frame)
            if not rows:
                continue
            prepared = pool.submit(Prepared, frame)
            for start in range(0, rows, chunk):
                window.append(pool.submit(build, prepared, start, min(start + chunk, rows)))
                if len(window) >= ahead:
                    yield window.popleft().result()
        while window:
            yield window.popleft().result()
