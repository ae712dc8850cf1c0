"""GeoJSON (RFC 7946) and ACLED-shaped CSV, written the same way for CLI and app.

Both formats come out of one generator of text chunks, so the app's download
button and `python -m events export` give the same bytes for the same filter,
and a large export streams instead of building the whole document in memory.
"""
from __future__ import annotations

import datetime as dt
import io
from collections import deque
from concurrent.futures import ThreadPoolExecutor
import json
import math
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from events.vocab import ACLED_COLUMNS, DATE_PRECISION, DISORDER_TYPE, OUR_COLUMNS
from events.columns import plain
from events.columns import EXTRA_PREFIX, LIST_COLUMNS
from geodata.regions import COUNTRIES

FORMATS = ("geojson", "csv")
MEDIA_TYPES = {"geojson": "application/geo+json", "csv": "text/csv"}
# Properties of a GeoJSON feature, in order: every schema field plus the derived ones.
PROPERTIES = [
    "id", "dataset", "title", "summary", "notes", "tags", "date", "end_date", "date_precision",
    "event_type", "sub_event_type", "actors", "location_name", "location_near", "country", "admin1",
    "admin1_code", "lat", "lon", "geo_precision", "uncertainty_km", "geocoded_by", "geo_flags",
    "contested_name", "fatalities", "injured", "claim_status", "claimed_by", "sources", "related", "review",
    # what control snapshots say (events/territory): status at the place and date, and a claim's check
    "control", "control_source", "control_date", "control_check", "control_check_note",
]
CONTROL_COLUMNS = ("control", "control_source", "control_date", "control_check", "control_check_note")
CHUNK = 32_000


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


_LIST_PROPS = tuple(LIST_COLUMNS)
_INT_PROPS = ("geo_precision", "fatalities", "injured")
_FLOAT_PROPS = ("lat", "lon", "uncertainty_km")


def _json_strings(values: pd.Series, encoded: pa.Array | None = None) -> pa.Array:
    """JSON string literals for a text column, column-wise (json.dumps only for the
    rare values holding control characters); null -> null. encoded: the column's categories
    already encoded (an export encodes them once, not once per chunk)."""
    if values.dtype == object and not values.notna().any():  # a column no row has
        return _nulls(len(values))
    if encoded is not None and isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        return pc.fill_null(pc.take(encoded, pa.array(codes, type=pa.int32(), mask=codes < 0)), "null") \
            if len(encoded) else pa.array(["null"] * len(values), type=pa.string())
    if isinstance(values.dtype, pd.CategoricalDtype) and len(values.cat.categories) > len(values) // 2:
        values = values.astype("str")  # more categories than this chunk's rows: encode the values instead
    if isinstance(values.dtype, pd.CategoricalDtype):  # encode each category once, then take
        encoded = _json_strings(pd.Series(values.cat.categories.astype("str")))
        codes = pa.array(values.cat.codes.to_numpy(), type=pa.int32(), mask=values.cat.codes.to_numpy() < 0)
        return pc.fill_null(pc.take(encoded, codes), "null") if len(encoded) else \
            pa.array(["null"] * len(values), type=pa.string())
    arr = _arrow_text(values)
    sample = arr.slice(0, min(len(arr), 4096))
    if len(arr) and len(pc.unique(sample)) * 4 < len(sample):  # few distinct values: encode those, then take
        dict_arr = pc.dictionary_encode(arr)
        return pc.fill_null(pc.take(_json_strings(pd.Series(dict_arr.dictionary.to_pandas())), dict_arr.indices),
                            "null")
    # Most text needs no escaping at all: one scan of the bytes finds the rows that do (a quote,
    # a backslash, a control character); those few go through json.dumps, the rest are quoted as
    # they are. Escaping every row in Arrow took two passes over all the text, and was half the
    # export's time on ACLED-length notes.
    rows = _rows_with(arr, _NEEDS_ESCAPE)
    if len(rows) > len(arr) // 8:  # text full of quotes: escape in Arrow, then the control characters
        esc = pc.replace_substring(pc.replace_substring(arr, "\\", "\\\\"), '"', '\\"')
        quoted = pc.binary_join_element_wise(pa.scalar('"'), esc, pa.scalar('"'), "")
        rows = _rows_with(arr, _CONTROL)
    else:
        quoted = pc.binary_join_element_wise(pa.scalar('"'), arr, pa.scalar('"'), "")
    if len(rows):
        mask = np.zeros(len(arr), dtype=bool)
        mask[rows] = True
        fixed = pa.array([json.dumps(arr[int(i)].as_py(), ensure_ascii=False) for i in rows], type=pa.string())
        quoted = pc.replace_with_mask(quoted, pa.array(mask), fixed)
    return pc.fill_null(quoted, "null")


def _arrow_text(values: pd.Series) -> pa.Array:
    """A text column as one Arrow string array, without a copy when it already is one."""
    chunked = getattr(values.array, "_pa_array", None)
    if isinstance(chunked, pa.ChunkedArray) and chunked.type == pa.string():
        return chunked.combine_chunks() if chunked.num_chunks != 1 else chunked.chunk(0)
    arr = pa.array(values.astype("str").where(values.notna(), None), type=pa.string(), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


_CONTROL = r"[\x00-\x1f]"
_NEEDS_ESCAPE = r'["\\\x00-\x1f]'  # a quote, a backslash or a control character


def _rows_with(arr: pa.Array, pattern: str) -> np.ndarray:
    """Rows matching a character class, found by Arrow's regex engine in one pass (three times
    faster than a numpy scan of the bytes)."""
    if len(arr) == 0:
        return np.empty(0, dtype=np.int64)
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    return np.flatnonzero(hit.to_numpy(zero_copy_only=False))


def _nulls(n: int) -> pa.Array:
    return pc.fill_null(pa.nulls(n, pa.string()), "null")


def _json_dates(values: pd.Series) -> pa.Array:
    """"YYYY-MM-DD" literals: Arrow's date-to-text cast, ten times faster than strftime."""
    if values.dtype == object and not values.notna().any():  # a column no row has (control dates)
        return _nulls(len(values))
    days = pa.array(values.to_numpy("datetime64[ns]"), type=pa.timestamp("ns"), from_pandas=True).cast(pa.date32())
    text = pc.cast(days, pa.string())
    return pc.fill_null(pc.binary_join_element_wise(pa.scalar('"'), text, pa.scalar('"'), ""), "null")


def _json_numbers(values: pd.Series, decimals: int | None = None) -> pa.Array:
    if decimals is None:
        arr = pa.array(values.astype("Int64"), type=pa.int64(), from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
    else:
        arr = pa.array(np.round(values.to_numpy(np.float64), decimals), type=pa.float64(), from_pandas=True)
    return pc.fill_null(pc.cast(arr, pa.string()), "null")


def _json_lists(values: pd.Series, fallback: pa.Array | None = None) -> pa.Array:
    """JSON arrays for list columns: curated rows have lists; bulk rows get the fallback or []."""
    raw = values.to_numpy(object)
    out = np.full(len(raw), None, dtype=object)
    for i in np.flatnonzero(pd.notna(raw)):  # only the rows that hold a list (few, in bulk datasets)
        v = raw[i]
        if isinstance(v, (list, tuple, np.ndarray)):
            out[i] = json.dumps(_clean(list(v)), ensure_ascii=False, separators=(",", ":"))
    arr = pa.array(out, type=pa.string())
    if fallback is not None:
        arr = pc.coalesce(arr, fallback)
    return pc.fill_null(arr, "[]")


def encoded_categories(df: pd.DataFrame) -> dict[str, pa.Array]:
    """JSON literals of each categorical column's categories, computed once per export."""
    return {name: _json_strings(pd.Series(df[name].cat.categories.astype("str")))
            for name in [*PROPERTIES, "source_outlets"]
            if name in df and isinstance(df[name].dtype, pd.CategoricalDtype)
            and len(df[name].cat.categories) <= max(len(df) // 2, 1)}


def _feature_strings(df: pd.DataFrame, encoded: dict[str, pa.Array] | None = None) -> pa.Array:
    """One GeoJSON Feature per row, built column by column."""
    encoded = encoded or {}
    cols: dict[str, pa.Array] = {}
    for name in PROPERTIES:
        col = df[name] if name in df else pd.Series([None] * len(df), index=df.index, dtype=object)
        if name in ("date", "end_date", "control_date"):
            cols[name] = _json_dates(col)
        elif name in _INT_PROPS:
            cols[name] = _json_numbers(col)
        elif name in _FLOAT_PROPS:
            cols[name] = _json_numbers(col, 6 if name in ("lat", "lon") else 3)
        elif name in _LIST_PROPS:
            fallback = None
            if name == "sources" and "source_outlets" in df:  # bulk rows: their dataset's source, as an object
                outlet = _json_strings(df["source_outlets"], encoded.get("source_outlets"))
                fallback = pc.if_else(pc.equal(outlet, "null"), pa.scalar(None, pa.string()),
                                      pc.binary_join_element_wise(pa.scalar('[{"outlet":'), outlet,
                                                                  pa.scalar(',"url":null,"published":null,"quote":null}]'), ""))
            cols[name] = _json_lists(col, fallback)
        elif name == "review":  # an imported dataset's rows carry no state: they are published (approved)
            state = _json_strings(col, encoded.get(name))
            cols[name] = pc.if_else(pc.equal(state, "null"), pa.scalar('"approved"'), state)
        else:
            cols[name] = _json_strings(col, encoded.get(name))
    pieces: list = [pa.scalar(',\n{"type":"Feature","id":'), cols["id"],
                    pa.scalar(',"geometry":{"type":"Point","coordinates":['), cols["lon"], pa.scalar(","), cols["lat"],
                    pa.scalar(']},"properties":{')]
    for i, name in enumerate(PROPERTIES):
        pieces += [pa.scalar(("," if i else "") + json.dumps(name) + ":"), cols[name]]
    pieces.append(pa.scalar("}}"))
    return pc.binary_join_element_wise(*pieces, "")


def geojson_chunks(df: pd.DataFrame) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection: no crs, [lon, lat] with at most 6 decimals.

    Streams in chunks; each chunk is built with column operations (pyarrow), so a
    million features never sit in memory as one document or as Python dicts.
    """
    return geojson_stream([df])


def geojson_stream(frames: Iterable[pd.DataFrame]) -> Iterator[bytes]:
    """One FeatureCollection from frames that arrive one after another (a database cursor's
    batches): the same bytes as one frame of all their rows."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for df in frames:
        for text in _feature_chunks(df):
            if first and text:
                text, first = text[1:], False  # no comma before the first feature
            if text:
                yield text
    yield b"\n]}\n"


def _feature_chunks(df: pd.DataFrame) -> Iterator[bytes]:
    """The features of a frame, each led by ',\\n', CHUNK rows at a time."""
    encoded = encoded_categories(df)

    def build(start: int) -> bytes:
        return _concat(_feature_strings(df.iloc[start:start + CHUNK], encoded))

    # Arrow's kernels release the GIL: two chunks are built at once, yielded in order,
    # and never more than two are held, so memory stays bounded however long the export.
    with ThreadPoolExecutor(max_workers=2) as pool:
        window: deque = deque()
        for start in range(0, len(df), CHUNK):
            window.append(pool.submit(build, start))
            if len(window) == 2:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def _concat(arr: pa.Array) -> bytes:
    """The strings of an array back to back, straight from Arrow's data buffer (one copy)."""
    arr = pa.concat_arrays(arr.chunks) if isinstance(arr, pa.ChunkedArray) else arr
    if len(arr) == 0:
        return b""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1]
    return arr.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col] if col in df else pd.Series([None] * len(df), index=df.index, dtype=object)


def _acled_admin1(codes: pd.Series, names: pd.Series) -> pd.Series:
    """Admin-1 names as ACLED writes them, so that our ACLED importer reads each back to the same
    region: ACLED's bare 'Kyiv' is the oblast, so the city is written 'Kyiv City'."""
    from events.importers.places import region_codes

    pairs = pd.DataFrame({"code": codes.astype(object), "name": names.astype(object)})
    key = pairs["code"].fillna("").astype(str) + "\x1f" + pairs["name"].fillna("").astype(str)
    inv, uniques = pd.factorize(key)
    out = []
    for k in uniques:
        code, name = k.split("\x1f")
        pick = name or None
        if code and name:
            for candidate in (name, f"{name} City", code):
                if region_codes(pd.Series([candidate]), pd.Series([code[:2]]), "acled")[0] == code:
                    pick = candidate
                    break
        out.append(pick)
    return pd.Series(np.asarray(out + [None], dtype=object)[inv], index=codes.index)


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
        "admin1": _text(df, "admin1_source").astype(object).where(is_acled, _acled_admin1(df["admin1_code"], df["admin1"])),
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
        # an imported dataset's rows carry no state: they are published, i.e. approved
        "review": _text(df, "review").astype(object).fillna("approved"),
        **{c: (_text(df, c) if c != "control_date" else
               (df[c].dt.strftime("%Y-%m-%d") if c in df else _text(df, c))) for c in CONTROL_COLUMNS},
    }, columns=list(ACLED_COLUMNS + OUR_COLUMNS + CONTROL_COLUMNS))
    # The source's own other columns, back: every one the frame has, empty or not in these rows, so
    # that every chunk of one export has the same columns as its header (a column empty in the first
    # 50,000 rows once vanished from the header while later rows still carried it).
    for col in [c for c in df.columns if c.startswith(EXTRA_PREFIX)]:
        name = col[len(EXTRA_PREFIX):]
        out["source_" + name if name in out.columns else name] = df[col]
    return out


# OWASP's CSV injection triggers: a spreadsheet runs a cell that starts with one of these
# as a formula (=HYPERLINK(...), +cmd|..., @SUM(...)), fullwidth forms included.
_FORMULA_START = r"^[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]"
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
CSV_LINE_END = "\r\n"  # RFC 4180; with it the writer also quotes a field holding a bare CR


def _safe_text(s: pd.Series, raw: bool) -> pd.Series:
    """NUL bytes out (no reader wants them); unless raw, a formula-like cell gets a leading
    apostrophe, the OWASP way, so a spreadsheet shows it as text instead of running it."""
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return s
    text = s.astype("str")
    notna = text.notna()
    text = text.str.replace("\x00", "", regex=False)
    if not raw:
        risky = text.str.contains(_FORMULA_START, regex=True).fillna(False) & \
            ~text.str.fullmatch(_PLAIN_NUMBER).fillna(False)
        if risky.any():
            text = text.where(~risky, "'" + text)
    return text.where(notna, None)


def csv_chunks(df: pd.DataFrame, raw: bool = False) -> Iterator[bytes]:
    """ACLED's columns then ours, RFC 4180 quoting; formula cells neutralised unless raw."""
    return csv_stream([df], raw)


def csv_stream(frames: Iterable[pd.DataFrame], raw: bool = False) -> Iterator[bytes]:
    """One CSV from frames that arrive one after another: the same bytes as one frame."""
    header = True
    for df in frames:
        for start in range(0, len(df), 50_000):
            buf = io.StringIO()
            frame = acled_frame(plain(df.iloc[start:start + 50_000]))
            frame = frame.apply(lambda col: _safe_text(col, raw)) if len(frame) else frame
            frame.to_csv(buf, index=False, header=header, lineterminator=CSV_LINE_END)
            header = False
            yield buf.getvalue().encode("utf-8")
    if header:  # no rows at all: the header alone
        yield (",".join(ACLED_COLUMNS + OUR_COLUMNS + CONTROL_COLUMNS) + CSV_LINE_END).encode()


def chunks(df: pd.DataFrame, fmt: str, *, raw: bool = False) -> Iterator[bytes]:
    """The export as a stream of UTF-8 byte chunks. raw: CSV cells exactly as stored (for machines)."""
    return stream([df], fmt, raw=raw)


def export_columns(fmt: str) -> list[str] | None:
    """The columns an export reads (None: all of them, CSV gives back every column a dataset had),
    so a database sends no more than that."""
    return [*PROPERTIES, "source_outlets"] if fmt == "geojson" else None


def stream(frames: Iterable[pd.DataFrame], fmt: str, *, raw: bool = False, control=None,
           stats: dict | None = None) -> Iterator[bytes]:
    """The export of rows arriving as several frames (in order). control: adds the control
    columns to a frame (Storage.with_control); without it they are empty. stats, when given,
    holds the number of rows written ("rows") once the stream has been read."""
    if stats is not None:
        frames = _counted(frames, stats)
    if control is not None:
        frames = (control(df) for df in frames)
    if fmt == "geojson":
        return geojson_stream(frames)
    if fmt == "csv":
        return csv_stream(frames, raw)
    raise ValueError(f"unknown export format {fmt!r}; one of {FORMATS}")


def _counted(frames: Iterable[pd.DataFrame], stats: dict) -> Iterator[pd.DataFrame]:
    stats["rows"] = 0
    for df in frames:
        stats["rows"] += len(df)
        yield df


def export_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """The whole export in memory: for the app's download buttons (filtered sets)."""
    return b"".join(chunks(df, fmt))
