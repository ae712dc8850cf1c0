"""What every importer shares: reading CSV with line numbers and encoding
detection, collecting rejects (never dropping a row silently), and the common
normalisation steps as column operations.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from events.arrowtext import arrow_text, data, offsets, pandas_text
from events.errors import ImportFileError
from events.streams import read_ahead
from events.vocab import EVENT_TYPES, SUB_EVENT_TYPES


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


MAX_COUNT = 1_000_000  # more deaths or injuries in one event than this is a typo or a total, not an event
MAX_ROW_BYTES = 1_000_000  # one row longer than this is not an event record
FUTURE_DAYS = 1  # an event dated tomorrow in UTC may be today where it happened


class Screen:
    """Rows still in the running, and why the others left: each check rejects only rows
    that passed every earlier check, so a row has one reason and none is counted twice."""

    def __init__(self, line: np.ndarray, ids, rejects: Rejects | None = None) -> None:
        self.line = line
        self.ids = ids
        self.ok = np.ones(len(line), dtype=bool)
        self.rejects = rejects if rejects is not None else Rejects()
        self.extra_read = 0  # rows the reader could not split into fields: rejected before they had any

    @property
    def read(self) -> int:
        return len(self.line) + self.extra_read

    def reject(self, mask: np.ndarray, reason) -> None:
        mask = mask & self.ok
        self.rejects.add(mask, self.line, self.ids, reason)
        self.ok &= ~mask

    @classmethod
    def for_csv(cls, table: "CsvTable", id_column: str | None) -> "Screen":
        """The checks every CSV import starts with: rows the reader could not split, bytes that
        were not UTF-8, over-long rows, and an empty id."""
        return cls.for_batch(CsvBatch(table.frame, table.line, table.row_bytes, 0), table.encoding, id_column,
                             malformed=table.malformed)

    @classmethod
    def for_batch(cls, batch: "CsvBatch", encoding: str, id_column: str | None, rejects: Rejects | None = None,
                  malformed: pd.DataFrame | None = None) -> "Screen":
        """for_csv's checks on one batch of a streamed file; the skipped rows come with the first."""
        df = batch.frame
        ids = df[id_column].str.strip() if id_column else pd.Series([""] * len(df), index=df.index)
        screen = cls(batch.line, ids, rejects)
        if malformed is not None and len(malformed):
            m = malformed
            screen.rejects.add(np.ones(len(m), dtype=bool), m["line"].to_numpy(np.int64),
                               pd.Series([""] * len(m)), m["reason"].to_numpy(object))
            screen.extra_read = len(m)
        if encoding != "utf-8":
            screen.reject(replaced_bytes(df), "encoding: bytes that are not UTF-8")
        screen.reject(batch.row_bytes > MAX_ROW_BYTES, f"row: over {MAX_ROW_BYTES:,} bytes; not an event record")
        if id_column:
            screen.reject((ids == "").to_numpy(bool), f"{id_column}: empty")
        return screen

    def dates(self, start: np.ndarray, start_reason: np.ndarray, end: np.ndarray | None = None,
              end_reason: np.ndarray | None = None, names: tuple[str, str] = ("date", "end_date")) -> None:
        """Unreadable, future, and end-before-start dates, each with the field named."""
        self.reject(np.isnat(start), start_reason)
        if end is not None:
            self.reject(end_reason != "", end_reason)
        limit = np.datetime64(pd.Timestamp.now(tz="UTC").date(), "ns") + np.timedelta64(FUTURE_DAYS, "D")
        self.reject(~np.isnat(start) & (start > limit), f"{names[0]}: in the future")
        if end is not None:
            self.reject(~np.isnat(end) & (end > limit), f"{names[1]}: in the future")
            self.reject(~np.isnat(end) & ~np.isnat(start) & (end < start), f"{names[1]}: before {names[0]}")

    def coordinates(self, lat: np.ndarray, lon: np.ndarray) -> None:
        """Missing, out-of-range and null-island coordinates, each rejected with its reason."""
        reason = check_coordinates(lat, lon)
        self.reject(reason != "", reason)

    def count(self, raw: pd.Series | np.ndarray, name: str, blank_is_zero: bool = False) -> np.ndarray:
        """A whole number >= 0 per row (NaN where blank), rejecting text, fractions, negatives,
        infinities and the implausibly large; a count is never made up from a bad value."""
        if isinstance(raw, pd.Series) and (pd.api.types.is_object_dtype(raw) or pd.api.types.is_string_dtype(raw)):
            text = raw.astype("str").str.strip()
            blank = text.isna() | (text == "")
            values = to_number(text.fillna(""))
        else:
            values = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(np.float64)
            blank = pd.isna(pd.Series(raw)).to_numpy(bool)
            text = pd.Series(raw).astype("str")
        blank = np.asarray(blank, dtype=bool)
        bad = ~blank & (np.isnan(values) | ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
                        | (values > MAX_COUNT))
        self.reject(bad, reasons(f"{name}: ", pd.Series(np.asarray(text, dtype=object)),
                                 f" is not a whole number from 0 to {MAX_COUNT:,}"))
        values = np.where(bad, np.nan, values)
        if blank_is_zero:
            values = np.where(blank, 0.0, values)
        return values

    def positive(self, raw, name: str, upper: float) -> np.ndarray:
        """A number in (0, upper] per row, NaN where blank."""
        values = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(np.float64)
        given = ~pd.isna(pd.Series(raw)).to_numpy(bool) & (pd.Series(raw).astype("str").str.strip() != "").to_numpy(bool)
        bad = given & (np.isnan(values) | ~(values > 0) | ~(values <= upper))
        self.reject(bad, reasons(f"{name}: ", pd.Series(raw), f" is not a number above 0 and at most {upper:g}"))
        return np.where(bad, np.nan, values)


@dataclass
class Imported:
    rows: pd.DataFrame  # our columns (events.columns.COLUMNS subset), one per imported event
    rejects: pd.DataFrame  # line, source_id, reason
    read: int
    encoding: str
    notes: list[str] = field(default_factory=list)

    def batches(self) -> Iterator[pd.DataFrame]:
        yield self.rows

    def consume(self, use):
        return use(self.batches())


class StreamedImport:
    """An import whose rows arrive in batches (a large file is never held whole): rejects, the
    count read and the notes are known once the batches are spent. `rows` gathers them all, for
    callers that want one frame of a small file."""

    def __init__(self, produce, encoding: str, source_columns: list[str], again=None) -> None:
        self._produce = produce  # a function of this object yielding row frames, then calling done()
        self.encoding = encoding
        self.source_columns = source_columns
        self.again = again  # a single-pass read's careful second try (when its batches raise Rescan)
        self._rows: pd.DataFrame | None = None
        self._spent = False
        self._rejects = self._read = self._notes = None

    def done(self, rejects: pd.DataFrame, read: int, notes: list[str]) -> None:
        self._rejects, self._read, self._notes = rejects, read, notes

    def batches(self) -> Iterator[pd.DataFrame]:
        if self._spent:
            raise RuntimeError("the batches of a streamed import are read once")
        self._spent = True
        yield from self._produce(self)

    def consume(self, use):
        """use(batches), once; where a single pass gives up (Rescan), use is called again with the
        careful read's batches, whose counts, notes and encoding this import then reports."""
        try:
            return use(self.batches())
        except Rescan:
            careful = self.again()
            out = use(careful.batches())
            self.encoding = careful.encoding
            self.done(careful._rejects, careful._read, careful._notes)
            return out

    @property
    def rows(self) -> pd.DataFrame:
        if self._rows is None:
            parts = self.consume(list)
            self._rows = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        return self._rows

    def _finished(self):
        if self._read is None:
            _ = self.rows
        return self

    @property
    def rejects(self) -> pd.DataFrame:
        return self._finished()._rejects

    @property
    def read(self) -> int:
        return self._finished()._read

    @property
    def notes(self) -> list[str]:
        return self._finished()._notes


def merge_notes(notes: list[str]) -> list[str]:
    """One note per kind across a streamed file's batches: 'admin1: 12 row(s) ...' and
    'admin1: 3 row(s) ...' with the same words become 'admin1: 15 row(s) ...'. Sorted by field,
    so the notes do not depend on which batch met a kind first."""
    out: dict[tuple[str, str], int | None] = {}
    for note in notes:
        m = _COUNTED.match(note)
        key = (m.group(1), m.group(3)) if m else (note, "")
        if m:
            out[key] = (out.get(key) or 0) + int(m.group(2).replace(",", ""))
        else:
            out.setdefault(key, None)
    return [f"{a}{n:,}{b}" if n is not None else a for (a, b), n in sorted(out.items(), key=lambda kv: kv[0])]


_COUNTED = re.compile(r"^([^:]{1,40}: )([\d,]+)( row\(s\).*)$", re.S)


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


@dataclass
class CsvTable:
    """A CSV file as text columns, each row's first line in the file, and the rows the reader
    could not split into the header's fields (line, reason)."""

    frame: pd.DataFrame
    line: np.ndarray
    encoding: str
    malformed: pd.DataFrame
    columns: list[str]
    row_bytes: np.ndarray  # bytes per row over every field


def _header(data: bytes, path: Path) -> list[str]:
    end = data.find(b"\n")
    first = (data if end < 0 else data[:end]).decode("utf-8", errors="replace").rstrip("\r")
    csv.field_size_limit(1 << 30)
    names = next(csv.reader([first]), [])
    if not names or not any(n.strip() for n in names):
        raise ImportFileError(f"{path}: empty file, no header row")
    seen: dict[str, int] = {}
    for i, n in enumerate(names, start=1):
        if n in seen:
            raise ImportFileError(f"{path}: the header names column {n!r} twice (columns {seen[n]} and {i}); "
                               "rename one")
        seen[n] = i
    if "" in seen:
        raise ImportFileError(f"{path}: column {seen['']} of the header has no name")
    return names


BATCH_ROWS = 100_000  # rows per batch of a streamed import (and per Parquet row group)


@dataclass
class CsvBatch:
    """Consecutive rows of a CSV file: text columns, each row's first line in the file, its bytes."""

    frame: pd.DataFrame
    line: np.ndarray
    row_bytes: np.ndarray
    start: int  # index of the first row among the file's readable rows


class CsvSource:
    """A CSV file read in batches, never whole: `batches` hands every column over BATCH_ROWS rows
    at a time. At a million ACLED rows the text alone is 860 MB in Arrow; a batch of it is 86 MB.
    Read once (`batches(single=True)`) where the file allows it; else `scan` first reads the few
    columns a decision needs across the whole file (the order of slash dates is decided per file)
    and the rows it has to skip, checking the whole file is UTF-8.

    A clean UTF-8 file is parsed by Arrow straight from disk; only a file that is not valid UTF-8
    (or starts with a byte-order mark) is read into memory and decoded first.
    """

    def __init__(self, path: Path, required: tuple[str, ...] = ()) -> None:
        self.path = Path(path)
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(1 << 20)
            size = self.path.stat().st_size
        except OSError as exc:
            raise ImportFileError(f"{self.path}: cannot read: {exc.strerror}") from None
        self.encoding = "utf-8"
        self._data: bytes | None = None  # the decoded bytes, when the file needed decoding
        self._lines = None  # a clean UTF-8 file's line count, found in a thread while the scan runs
        first = head.split(b"\n", 1)[0]
        if not head.startswith(b"\xef\xbb\xbf") and _valid_utf8(first + b"\n" if b"\n" in head else b""):
            lines = None  # read straight from disk; scan() checks the whole file is UTF-8
        else:
            lines = self._decode()
        self.physical_lines = lines
        self.size = size if self._data is None else len(self._data)
        self.columns = _header(self._data if self._data is not None else head, self.path)
        self.block = 1 << 24
        self.rows = 0
        self.malformed = pd.DataFrame({"line": np.zeros(0, np.int64), "span": np.zeros(0, np.int64),
                                       "reason": np.zeros(0, object)})
        missing = [c for c in required if c not in self.columns]
        if missing:
            raise ImportFileError(f"{self.path}: missing column(s) {', '.join(missing)}; is this the right --format?")

    def _decode(self) -> int:
        """Read the file into memory as UTF-8 (decoded when it is not); its line count."""
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"{self.path}: cannot read: {exc.strerror}") from None
        text, self.encoding = decode(raw)
        self._data = raw.removeprefix(b"\xef\xbb\xbf") if text is None else text.encode("utf-8")
        return _physical_lines(self._data)

    def _source(self):
        return io.BytesIO(self._data) if self._data is not None else str(self.path)

    def scan(self, keep: list[str]) -> pd.DataFrame:
        """Pass one: the kept columns of every readable row, and the rows the reader had to skip."""
        bad_rows: list[tuple[int, int, str]] = []
        keep = [c for c in dict.fromkeys(keep) if c in self.columns] or self.columns[:1]
        if self._data is None:  # the whole file's UTF-8 check and line count, in a thread beside the read
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(max_workers=1)
            self._lines = pool.submit(_utf8_lines, self.path)
            pool.shutdown(wait=False)
        try:
            table = _arrow_read(self, bad_rows, include=keep)
        except _NotUtf8:
            table = None
        if self._lines is not None:  # the UTF-8 check ran beside the read: a file that failed it is decoded
            lines, self._lines = self._lines.result(), None
            if lines is None or table is None:
                self.physical_lines = self._decode()
                self.size = len(self._data)
                bad_rows.clear()
                table = _arrow_read(self, bad_rows, include=keep)
            else:
                self.physical_lines = lines
        self.rows = table.num_rows
        if bad_rows:  # only to say on which line each skipped row starts
            data = self._data if self._data is not None else self.path.read_bytes()
            self.malformed = _malformed(data, bad_rows)
        return table.to_pandas()

    @property
    def multiline(self) -> bool:
        """Whether some field holds a line break (then each row's line is counted, not assumed)."""
        return self.physical_lines != 1 + self.rows + int(self.malformed["span"].sum())

    def batches(self, rows: int | None = None, *, single: bool = False) -> Iterator[CsvBatch]:
        """Pass two: every column as text, `rows` (BATCH_ROWS) rows at a time (scan first).

        single: no scan was made, this is the only pass. It holds while every row has the header's
        width and the text is UTF-8 (every block's columns are checked as they are read); anything
        else raises Rescan. Line breaks inside fields are then counted in every batch."""
        rows = rows or BATCH_ROWS
        bad: list = []
        reader = _arrow_open(self, (lambda row: bad.append(row) or "skip") if single else None)
        if single and bad:
            raise Rescan("a row of the wrong width")
        counted = single or self.multiline  # without a scan the file's line count is not known
        lines = _Lines(self.malformed[self.malformed["line"] > 0], counted or len(self.malformed) > 0)

        def blocks() -> Iterator[tuple[pa.RecordBatch, np.ndarray]]:
            """Each block of rows and its rows' sizes, parsed and measured in a thread while the last
            batch is worked on (a single pass checks its text there too)."""
            while True:
                try:
                    block = reader.read_next_batch()
                except StopIteration:
                    return
                except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                    if single:
                        raise Rescan(str(exc).splitlines()[0]) from None
                    raise ImportFileError(f"{self.path}: not a readable CSV: {str(exc).splitlines()[0]}") from None
                if bad:
                    raise Rescan("a row of the wrong width")
                if single and not all(_valid_text(col) for col in block.columns):
                    raise Rescan("text that is not UTF-8")  # the careful read finds the file's encoding
                yield block, _row_sizes(block)

        pending: list[pa.RecordBatch] = []
        sizes: list[np.ndarray] = []
        held = start = 0
        # Blocks of 16 MB hold ~20,000 ACLED rows: six ahead is more than the batch being worked on,
        # so the reader keeps parsing while it is (two ahead left it idle, and the batch then waited
        # 1.5 s of a million rows' import for blocks).
        for block, size in read_ahead(blocks(), depth=6):
            pending.append(block)
            sizes.append(size)
            held += block.num_rows
            while held >= rows:
                table = pa.Table.from_batches(pending, schema=reader.schema)
                chunk, rest = table.slice(0, rows), table.slice(rows)
                every = np.concatenate(sizes)
                pending, sizes, held = rest.to_batches(), [every[rows:]], held - rows
                yield self._batch(chunk, every[:rows], lines, start, counted)
                start += rows
        if held:
            yield self._batch(pa.Table.from_batches(pending, schema=reader.schema), np.concatenate(sizes), lines,
                              start, counted)

    def _batch(self, table: pa.Table, row_bytes: np.ndarray, lines: "_Lines", start: int, counted: bool
               ) -> CsvBatch:
        n = table.num_rows
        newlines = np.zeros(n, dtype=np.int64)
        if counted:  # newlines inside quoted fields push every later record's line down
            for col in table.columns:
                if any(_has_newline(chunk) for chunk in col.chunks):
                    newlines += pc.count_substring(col, "\n").to_numpy().astype(np.int64, copy=False)
        frame = table.to_pandas()
        frame.index = pd.RangeIndex(start, start + n)
        return CsvBatch(frame, lines.next(start, newlines), row_bytes, start)


def _has_newline(chunk: pa.Array) -> bool:
    """Whether a text column's values hold a line break, found by the C library's memchr over its
    data buffer (a single pass checks every column of every batch: numpy compares at a third of
    the speed). Where no C library can be loaded, numpy a megabyte at a time."""
    at = offsets(chunk)
    start, end = (int(at[0]), int(at[-1])) if len(at) else (0, 0)
    buf = chunk.buffers()[2]
    if buf is None or end <= start:
        return False
    if _MEMCHR is not None:
        return bool(_MEMCHR(buf.address + start, 10, end - start))
    text = data(chunk)
    step = 1 << 20
    return any(bool((text[i:i + step] == 10).any()) for i in range(0, len(text), step))


def _load_memchr():
    import ctypes

    try:
        fn = ctypes.CDLL(None).memchr
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_void_p
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    return fn


_MEMCHR = _load_memchr()


class _Lines:
    """Each record's first line in the file, batch after batch: 2 + its index, plus the line
    breaks inside earlier records' fields, plus the lines of the rows skipped before it."""

    def __init__(self, skipped: pd.DataFrame, counted: bool) -> None:
        found = skipped.sort_values("line")
        self.skips = list(zip(found["line"].to_numpy(np.int64), found["span"].to_numpy(np.int64)))
        self.counted = counted
        self.k = 0
        self.before = 0  # lines of the skipped rows placed so far
        self.breaks = 0  # line breaks inside the fields of the records before this batch

    def next(self, start: int, newlines: np.ndarray) -> np.ndarray:
        n = len(newlines)
        line = 2 + start + np.arange(n, dtype=np.int64)
        if not self.counted:
            return line
        line += self.breaks + np.concatenate([[0], np.cumsum(newlines)[:-1]]).astype(np.int64)
        self.breaks += int(newlines.sum())
        plain = line.copy()
        delta = np.zeros(n + 1, dtype=np.int64)
        while self.k < len(self.skips):
            at, span = self.skips[self.k]
            pos = int(np.searchsorted(plain, at - self.before, side="left"))
            if pos == n and n:  # after this batch's records: it moves the next batch's
                break
            delta[pos] += span
            self.before += span
            self.k += 1
        shift = self.before - int(delta.sum())  # skipped rows placed in earlier batches
        return line + shift + np.cumsum(delta[:-1])


def read_csv(path: Path, required: tuple[str, ...] = ()) -> CsvTable:
    """A whole (small) CSV file at once: all columns as text, each row's first line in the file,
    and a reason for each row the reader had to skip (too many or too few fields, an unclosed
    quote). Large tables stream through CsvSource instead."""
    source = CsvSource(path, required)
    source.scan([])
    parts = list(source.batches(rows=max(source.rows, 1)))
    batch = parts[0] if parts else CsvBatch(pd.DataFrame({c: pd.Series([], dtype="str") for c in source.columns}),
                                            np.zeros(0, np.int64), np.zeros(0, np.int64), 0)
    return CsvTable(batch.frame, batch.line, source.encoding, source.malformed[["line", "reason"]], source.columns,
                    batch.row_bytes)


def _utf8_lines(path: Path) -> int | None:
    """Lines in the file (as _physical_lines counts them), or None when it is not valid UTF-8:
    one pass in blocks cut at a line break, so no character is split and nothing is held."""
    count, last, carry = 0, b"", b""
    with open(path, "rb") as fh:
        while True:
            block = fh.read(1 << 24)
            if not block:
                break
            count += block.count(b"\n")
            last = block[-1:]
            block = carry + block
            cut = block.rfind(b"\n") + 1
            carry, block = block[cut:], block[:cut]
            if block and not _valid_utf8(block):
                return None
    if carry and not _valid_utf8(carry):
        return None
    return count + (1 if last and last != b"\n" else 0)


def _valid_utf8(block: bytes) -> bool:
    buf = pa.py_buffer(block)
    arr = pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(np.array([0, len(block)], np.int32)), buf])
    try:
        arr.validate(full=True)
        return True
    except pa.ArrowInvalid:
        return False


def _row_sizes(block: pa.RecordBatch) -> np.ndarray:
    """Each row's bytes over all its fields, from the columns' offsets summed (one difference
    taken, no Arrow kernel)."""
    total = np.zeros(block.num_rows + 1, dtype=np.int64)
    for col in block.columns:
        at = offsets(col)
        total += at
        total -= at[0]
    return np.diff(total)


def _valid_text(chunk: pa.Array) -> bool:
    """Whether every value of a text array is UTF-8, checked at once: the values' bytes as one
    text (Arrow's bulk check, ten times faster than its check of each value), and no value
    starting inside a character (which a check of the joined bytes alone would let pass)."""
    at = offsets(chunk).astype(np.int64)
    text = data(chunk)
    if not len(text):
        return True
    starts = (at[:-1] - at[0])[np.diff(at) > 0]
    return _valid_utf8(text) and not ((text[starts] & 0xC0) == 0x80).any()


def _physical_lines(data: bytes) -> int:
    """Lines in the decoded file (a last line without a line break counts): equal to header +
    records when no field holds a line break, the usual case. A file read from disk is counted
    by _utf8_lines as it is checked."""
    return data.count(b"\n") + (1 if data[-1:] and data[-1:] != b"\n" else 0)


def _csv_options(source: CsvSource, handler, include: list[str] | None = None, check_utf8: bool = True):
    """Arrow's reader options for a source: every column as text, quoted newlines allowed, rows of
    the wrong width handed to handler. check_utf8=False: the caller checks the text itself
    (_valid_text), as Arrow's check of each value is a third of a million-row file's parsing."""
    names = include or source.columns
    return dict(read_options=pacsv.ReadOptions(use_threads=True, block_size=source.block),
                parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=handler),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                     include_columns=include or [], check_utf8=check_utf8,
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))


def _arrow_read(source: CsvSource, bad_rows: list, include: list[str] | None = None) -> pa.Table:
    """Arrow's multi-threaded CSV reader over the whole file (the included columns); a row longer
    than a block gets a bigger block, which the source keeps for its second pass."""
    def skip(row) -> str:  # Arrow calls this for a row whose field count differs from the header's
        bad_rows.append((row.expected_columns, row.actual_columns, row.text))
        return "skip"

    while True:
        try:
            return pacsv.read_csv(source._source(), **_csv_options(source, skip, include))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            msg = str(exc)
            if "straddling" in msg and source.block < source.size + 1 and source.block < (1 << 30):
                source.block = min(max(source.block * 4, source.size + 1), 1 << 30)  # a row longer than a block
                bad_rows.clear()
                continue
            if ("UTF8" in msg or "UTF-8" in msg) and source._data is None:
                raise _NotUtf8() from None
            raise ImportFileError(f"{source.path}: not a readable CSV: {msg.splitlines()[0]}") from None


class _NotUtf8(Exception):
    pass


class Rescan(Exception):
    """A single-pass read met what only a whole-file first pass settles (a row of the wrong width,
    text that is not UTF-8, a batch that changes the date order the first one decided): the
    import starts again reading the whole file first. Internal: never reaches a user."""


def _arrow_open(source: CsvSource, handler=None):
    """Arrow's streaming reader over every column (the skipped rows were counted by the scan;
    without one, handler is told of each, and what the reader cannot read raises Rescan)."""
    try:
        return pacsv.open_csv(source._source(), **_csv_options(source, handler or (lambda row: "skip"),
                                                               check_utf8=handler is None))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        if handler is not None:
            raise Rescan(str(exc).splitlines()[0]) from None
        raise ImportFileError(f"{source.path}: not a readable CSV: {str(exc).splitlines()[0]}") from None


def _malformed(data: bytes, bad_rows: list[tuple[int, int, str]]) -> pd.DataFrame:
    """Where each skipped row starts (its line) and why, found by its text in the file."""
    lines, spans, why = [], [], []
    cursor = 0
    for expected, actual, text in bad_rows:
        needle = text.encode("utf-8")
        at = data.find(needle, cursor)
        if at < 0:
            at = data.find(needle)
        line = data.count(b"\n", 0, at) + 1 if at >= 0 else -1
        cursor = at + len(needle) if at >= 0 else cursor
        span = text.count("\n") + 1
        reason = f"row: {actual} field(s) where the header has {expected}"
        if text.count('"') % 2:
            reason += "; an unclosed quote? (it swallows what follows it)"
        lines.append(line)
        spans.append(span)
        why.append(reason)
    return pd.DataFrame({"line": np.asarray(lines, dtype=np.int64), "span": np.asarray(spans, dtype=np.int64),
                         "reason": np.asarray(why, dtype=object)})


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


def duplicated(ids: pd.Series) -> np.ndarray:
    """Second and later occurrences of an id."""
    return ids.duplicated(keep="first").to_numpy(bool)


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
