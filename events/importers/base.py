"""What every importer shares: reading CSV with line numbers and encoding
detection, collecting rejects (never dropping a row silently), and the common
normalisation steps as column operations.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from events.errors import EventsError
from events.vocab import EVENT_TYPES, SUB_EVENT_TYPES


class ImportError_(EventsError):
    """The file as a whole cannot be imported (not found, not a CSV of that format)."""


@dataclass
class Rejects:
    """Rows that could not be imported, with their line number and reason."""

    lines: list[np.ndarray] = field(default_factory=list)
    ids: list[np.ndarray] = field(default_factory=list)
    reasons: list[np.ndarray] = field(default_factory=list)

    def add(self, mask: np.ndarray, line: np.ndarray, ids, reason) -> None:
        """reason: a string, an array per row, or a function of the rejected rows'
        positions giving their reasons (so nothing is formatted for rows that pass)."""
        if not mask.any():
            return
        where = np.flatnonzero(mask)
        self.lines.append(line[where])
        self.ids.append(np.asarray(pd.Series(ids).iloc[where], dtype=object))
        if callable(reason):
            r = np.asarray(reason(where), dtype=object)
        elif isinstance(reason, str):
            r = np.full(len(where), reason, dtype=object)
        else:
            r = np.asarray(reason, dtype=object)[where]
        self.reasons.append(r)

    def frame(self) -> pd.DataFrame:
        if not self.lines:
            return pd.DataFrame({"line": pd.Series([], dtype="int64"), "source_id": [], "reason": []})
        return pd.DataFrame({"line": np.concatenate(self.lines), "source_id": np.concatenate(self.ids),
                             "reason": np.concatenate(self.reasons)}).sort_values("line", kind="stable")

    def __len__(self) -> int:
        return int(sum(len(x) for x in self.lines))


class Screen:
    """Rows still in the running, and why the others left: each check rejects only rows
    that passed every earlier check, so a row has one reason and none is counted twice."""

    def __init__(self, line: np.ndarray, ids) -> None:
        self.line = line
        self.ids = ids
        self.ok = np.ones(len(line), dtype=bool)
        self.rejects = Rejects()

    def reject(self, mask: np.ndarray, reason) -> None:
        mask = mask & self.ok
        self.rejects.add(mask, self.line, self.ids, reason)
        self.ok &= ~mask

    @classmethod
    def for_csv(cls, df: pd.DataFrame, line: np.ndarray, encoding: str, id_column: str) -> "Screen":
        """The checks every CSV import starts with: bytes that were not UTF-8, and an empty id."""
        ids = df[id_column].str.strip()
        screen = cls(line, ids)
        if encoding != "utf-8":
            screen.reject(replaced_bytes(df), "encoding: bytes that are not UTF-8")
        screen.reject((ids == "").to_numpy(bool), f"{id_column}: empty")
        return screen


@dataclass
class Imported:
    rows: pd.DataFrame  # our columns (events.store.COLUMNS subset), one per imported event
    rejects: pd.DataFrame  # line, source_id, reason
    read: int
    encoding: str
    notes: list[str] = field(default_factory=list)


def decode(raw: bytes) -> tuple[str | None, str]:
    """Text and the encoding used: UTF-8 (None: the bytes are valid as they are; bad bytes
    become U+FFFD, so those rows are rejected), or Windows-1252 when the file has no valid
    multi-byte UTF-8 at all (an Excel export) and decodes cleanly so."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:  # validate without building a Python string of the whole file
        pc.cast(pa.array([raw], type=pa.binary()), pa.string())
        return None, "utf-8"
    except pa.ArrowInvalid:
        pass
    utf8_sequences = raw.decode("utf-8", errors="ignore")
    has_real_utf8 = any(ord(c) > 127 for c in utf8_sequences)
    if not has_real_utf8:
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", errors="replace"), "utf-8 (invalid bytes replaced; those rows rejected)"


def read_csv(path: Path, required: tuple[str, ...]) -> tuple[pd.DataFrame, np.ndarray, str]:
    """All columns as text, and each row's first line number in the file."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ImportError_(f"{path}: cannot read: {exc.strerror}") from None
    text, encoding = decode(raw)
    data = raw.removeprefix(b"\xef\xbb\xbf") if text is None else text.encode("utf-8")
    end = data.find(b"\n")
    first = (data if end < 0 else data[:end]).decode("utf-8").rstrip("\r")
    names = next(csv.reader([first]), [])
    if not names:
        raise ImportError_(f"{path}: empty file, no header row")
    try:  # Arrow's multi-threaded reader; every column as text, quoted newlines allowed
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ImportError_(f"{path}: not a readable CSV: {str(exc).splitlines()[0]}") from None
    del raw, data, text  # the file's bytes are no longer needed: keep the peak down
    df = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    pa.default_memory_pool().release_unused()
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ImportError_(f"{path}: missing column(s) {', '.join(missing)}; is this the right --format?")
    # Line of each record = 2 + index + newlines inside earlier records' quoted fields.
    newlines = np.zeros(len(df), dtype=np.int64)
    for col in df.columns:
        s = df[col]
        if s.str.contains("\n", regex=False).any():
            newlines += s.str.count("\n").to_numpy(np.int64)
    line = 2 + np.arange(len(df), dtype=np.int64) + np.concatenate([[0], np.cumsum(newlines)[:-1]])
    return df, line, encoding


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
    zero = (lat == 0) & (lon == 0)
    reason[zero] = "latitude/longitude: 0,0 (no location)"
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


def duplicated(ids: pd.Series) -> np.ndarray:
    """Second and later occurrences of an id."""
    return ids.duplicated(keep="first").to_numpy(bool)


def resolve_admin1(names: pd.Series, countries: pd.Series, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ISO 3166-2 code, canonical name): the name through geodata's region table
    (once per distinct name), else the point's admin-1 polygon."""
    from geodata.boundaries import assign_admin1
    from geodata.errors import UnknownRegion
    from geodata.regions import regions, resolve_region

    n_codes, n_uniq = pd.factorize(names.fillna("").astype(str))
    c_codes, c_uniq = pd.factorize(countries.fillna("").astype(str))
    codes, pair_uniq = pd.factorize(n_codes.astype(np.int64) * (len(c_uniq) + 1) + c_codes)
    uniques = [(n_uniq[k // (len(c_uniq) + 1)], c_uniq[k % (len(c_uniq) + 1)] if len(c_uniq) else "")
               for k in pair_uniq]
    table = []
    for name, cc in uniques:
        try:
            table.append(resolve_region(name, cc or None).region.code if name else None)
        except UnknownRegion:
            table.append(None)
    code = np.asarray(table, dtype=object)[codes] if len(table) else np.full(len(names), None, dtype=object)
    missing = pd.isna(code)
    if missing.any():
        geo_code, _ = assign_admin1(lon[missing], lat[missing])
        code[missing] = geo_code
    by_code = regions().by_code
    return code, map_values(pd.Series(code), {k: v.name for k, v in by_code.items()})


def category(s: pd.Series) -> pd.Series:
    """A text column as a categorical, empty text as missing: a million repeated actor or
    place names cost a small integer each instead of a string each."""
    c = s.astype("category")
    return c.cat.remove_categories([""]) if "" in c.cat.categories else c


def map_values(s: pd.Series, mapping: dict, default=None) -> np.ndarray:
    """s.map(mapping) through its distinct values: one dict lookup per value, not per row."""
    codes, uniques = pd.factorize(s)
    looked = np.array([mapping.get(u, default) for u in uniques] + [default], dtype=object)
    return looked[codes]  # code -1 (missing) takes the trailing default
