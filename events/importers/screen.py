"""The checks every import runs on its rows, each rejecting with a reason only rows that
passed every earlier check."""
from __future__ import annotations

import numpy as np
import pandas as pd

from events.importers.clean import check_coordinates, reasons, replaced_bytes, to_number
from events.importers.csvsource import CsvBatch
from events.importers.results import Rejects


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
    def for_batch(cls, batch: "CsvBatch", encoding: str, id_column: str | None, rejects: Rejects | None = None,
                  malformed: pd.DataFrame | None = None) -> "Screen":
        """The checks every import starts with, on one batch: rows the reader could not split (they
        come with the first batch), bytes that were not UTF-8, over-long rows, and an empty id."""
        df = batch.frame
        ids = df[id_column].str.strip() if id_column else pd.Series([""] * len(df), index=df.index)
        screen = cls(batch.line, ids, rejects)
        if malformed is not None and len(malformed):
            m = malformed
            screen.rejects.add(np.ones(len(m), dtype=bool), m["line"].to_numpy(np.int64),
                               m["id"] if "id" in m else pd.Series([""] * len(m)), m["reason"].to_numpy(object))
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
