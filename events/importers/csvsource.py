"""Reading CSV for the importers: encoding detection, streaming in batches with each
record's line number in the file, and the rows the reader cannot split, found and named."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from events.arrowtext import data, has_newline, offsets
from events.errors import ImportFileError
from events.streams import read_ahead


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
    has_real_utf8 = not utf8_sequences.isascii()  # any character above 127, checked in C
    if not has_real_utf8:
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", errors="replace"), "utf-8 (invalid bytes replaced; those rows rejected)"


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
                if any(has_newline(chunk) for chunk in col.chunks):
                    newlines += pc.count_substring(col, "\n").to_numpy().astype(np.int64, copy=False)
        frame = table.to_pandas()
        frame.index = pd.RangeIndex(start, start + n)
        return CsvBatch(frame, lines.next(start, newlines), row_bytes, start)


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
