"""What every importer shares: reading CSV with line numbers and encoding
detection, collecting rejects (never dropping a row silently), and the common
normalisation steps as column operations.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

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

    def add(self, mask: np.ndarray, line: np.ndarray, ids: np.ndarray, reason: str | np.ndarray) -> None:
        if mask.any():
            self.lines.append(line[mask])
            self.ids.append(np.asarray(ids, dtype=object)[mask])
            r = np.asarray(reason, dtype=object)
            self.reasons.append(r[mask] if r.ndim else np.full(int(mask.sum()), reason, dtype=object))

    def frame(self) -> pd.DataFrame:
        if not self.lines:
            return pd.DataFrame({"line": pd.Series([], dtype="int64"), "source_id": [], "reason": []})
        return pd.DataFrame({"line": np.concatenate(self.lines), "source_id": np.concatenate(self.ids),
                             "reason": np.concatenate(self.reasons)}).sort_values("line", kind="stable")

    def __len__(self) -> int:
        return int(sum(len(x) for x in self.lines))


@dataclass
class Imported:
    rows: pd.DataFrame  # our columns (events.store.COLUMNS subset), one per imported event
    rejects: pd.DataFrame  # line, source_id, reason
    read: int
    encoding: str
    notes: list[str] = field(default_factory=list)


def decode(raw: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-8 (bad bytes kept as U+FFFD, so those rows are
    rejected), or Windows-1252 when the file has no valid multi-byte UTF-8 at all
    (an Excel export) and decodes cleanly so."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
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
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportError_(f"{path}: not a readable CSV: {str(exc).splitlines()[0]}") from None
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
    return pd.to_numeric(s.str.strip(), errors="coerce").to_numpy(np.float64)


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
    known = np.isin(et, list(EVENT_TYPES))
    reason[~known] = "event_type: unknown " + pd.Series(et[~known]).astype(str).map(repr).to_numpy(object)
    owner = pd.Series(st).map(SUB_EVENT_TYPES).to_numpy(object)
    bad_pair = known & (owner != et)
    reason[bad_pair] = ("sub_event_type: " + pd.Series(st[bad_pair]).astype(str).map(repr)
                        + " is not a sub-type of " + pd.Series(et[bad_pair]).astype(str).map(repr)).to_numpy(object)
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

    pairs = pd.DataFrame({"n": names.fillna("").astype(str), "c": countries.fillna("").astype(str)})
    codes, uniques = pd.factorize(pairs["n"] + "\x00" + pairs["c"])
    table = []
    for u in uniques:
        name, cc = u.split("\x00")
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
    name = np.array([by_code[c].name if c in by_code else None for c in code], dtype=object) \
        if len(code) < 1000 else pd.Series(code).map({k: v.name for k, v in by_code.items()}).to_numpy(object)
    return code, name
