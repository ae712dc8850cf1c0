"""Dates as other people's files write them, read without guessing.

ACLED has shipped ISO dates, '15 April 2022', dd/mm/yyyy and dd/mm/yyyy with a
midnight time; a US export writes MM/DD/YYYY; Excel rewrites dates as
'1/24/2023 12:00:00 AM' or as serial day numbers. A slash date is only
meaningful once the file's order is known, so the order is decided once per
file, from the values that cannot be ambiguous (a first part over 12 is a day,
a second part over 12 is a day), and a file that never says is refused with
the option that settles it. Work is done per distinct value, not per row: a
million rows hold a few thousand distinct dates.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from events.arrowtext import held_text
from events.errors import ImportFileError
from events.importers.clean import clean_category

ORDERS = ("iso", "dmy", "mdy", "excel")
DATE_FORMAT_HELP = ("--date-format dmy (day first: 14/08/2020) or --date-format mdy (month first: 08/14/2020); "
                    "--date-format excel for Excel serial day numbers")
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + r"$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})" + _TIME + r"$")
_WORDS = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4})" + _TIME + r"$")
_WORDS_US = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})" + _TIME + r"$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_MONTHS = {m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], start=1)}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_EXCEL_EPOCH = np.datetime64("1899-12-30")


@dataclass
class ParsedDates:
    """One value per row (NaT where unreadable), a reason per unreadable row, and what was decided."""

    values: list[np.ndarray]
    reasons: list[np.ndarray]
    order: str | None  # 'dmy', 'mdy' or None when no numeric slash dates were present
    decision: str
    pairs: frozenset = frozenset()  # the (first, second) parts of the numeric dates seen: the evidence
    serial: bool = False  # some value looked like an Excel serial date

    def rows(self, at: slice) -> "ParsedDates":
        """The same decision, for a slice of the rows (a batch of a file parsed whole)."""
        return ParsedDates([v[at] for v in self.values], [r[at] for r in self.reasons], self.order, self.decision,
                           self.pairs, self.serial)


def _ymd(y: int, m: int, d: int) -> np.datetime64:
    if not 1678 <= y <= 2261:  # outside what a nanosecond timestamp holds, and outside any event
        return np.datetime64("NaT", "ns")
    try:
        return np.datetime64(datetime.date(y, m, d), "ns")  # a tenth of pd.Timestamp's cost per value
    except (ValueError, OverflowError, TypeError):
        return np.datetime64("NaT", "ns")


def _classify(text: str):
    """(kind, parts) of one distinct value; kind in iso, numeric, words, serial, or None."""
    for kind, rx in (("iso", _ISO), ("numeric", _NUMERIC), ("words", _WORDS), ("words_us", _WORDS_US),
                     ("serial", _SERIAL)):
        m = rx.match(text)
        if m:
            return kind, m.groups()
    return None, ()


def decide_order(pairs: list[tuple[int, int]], forced: str | None, where: str,
                 convention: str | None = None) -> tuple[str | None, str]:
    """The file's order of numeric dates from their (first, second) parts, or ImportFileError."""
    if forced in ("dmy", "mdy"):
        return forced, f"{forced} as --date-format says"
    if not pairs:
        return None, "no numeric dates"
    day_first = sum(1 for a, b in pairs if a > 12)
    month_first = sum(1 for a, b in pairs if b > 12)
    if day_first and month_first:
        raise ImportFileError(f"{where}: dates mix day-first ({day_first} distinct values with a first part over 12) "
                           f"and month-first ({month_first} with a second part over 12); one file, one order. "
                           f"Split the file or settle it with {DATE_FORMAT_HELP}")
    if day_first:
        return "dmy", f"day first (dd/mm/yyyy): {day_first} distinct value(s) have a first part over 12"
    if month_first:
        return "mdy", f"month first (mm/dd/yyyy): {month_first} distinct value(s) have a second part over 12"
    if all(a == b for a, b in pairs):
        return "dmy", "every numeric date has day = month, so the order does not matter"
    if convention:
        return convention, (f"{'day' if convention == 'dmy' else 'month'} first by the format's own convention "
                            "(no value in the file decides it)")
    raise ImportFileError(f"{where}: the order of slash dates cannot be decided: no value has a part over 12 "
                       f"(e.g. {pairs[0][0]:02d}/{pairs[0][1]:02d}); state it with {DATE_FORMAT_HELP}")


def check_date_format(date_format: str | None) -> None:
    if date_format not in (None, *ORDERS):
        raise ImportFileError(f"--date-format {date_format!r}: use one of {', '.join(ORDERS)}")


def decide(pairs, serial: bool, date_format: str | None, where: str, convention: str | None) -> tuple[str | None, str]:
    """The order of a file's numeric dates from all of its evidence, and the decision as said in
    the manifest."""
    order, decision = decide_order(sorted(pairs), date_format, where, convention)
    if serial and date_format != "excel":
        decision += "; five-digit numbers are not read as Excel serial dates without --date-format excel"
    return order, decision


def parse_dates(columns: dict[str, pd.Series], *, date_format: str | None = None, where: str = "file",
                years: pd.Series | None = None, convention: str | None = None,
                order: tuple[str | None, str] | None = None) -> ParsedDates:
    """Parse one or more date columns of one file with one decided order.

    columns: name -> text column (start and end dates share the decision). years: the
    file's `year` column, when it has one: a date whose year disagrees is refused.
    convention: the order a format always uses (ACLED writes day first), taken only when no
    value in the file decides it; evidence in the file wins over it. order: (order, decision)
    already decided for the file (a batch after the first); the batch's evidence is returned for
    the caller to check against it.
    """
    check_date_format(date_format)
    factorized = {}
    pairs: set[tuple[int, int]] = set()
    kinds: dict[str, int] = {}
    for name, col in columns.items():
        codes, uniques = _distinct_trimmed(col)
        classes = [_classify(u) for u in uniques]
        factorized[name] = (codes, uniques, classes)
        for kind, parts in classes:
            if kind:
                kinds[kind] = kinds.get(kind, 0) + 1
            if kind == "numeric":
                pairs.add((int(parts[0]), int(parts[1])))
    order, decision = order or decide(pairs, bool(kinds.get("serial")), date_format, where, convention)
    values, reasons = [], []
    for name, (codes, uniques, classes) in factorized.items():
        parsed = np.empty(len(uniques) + 1, dtype="datetime64[ns]")
        why = np.empty(len(uniques) + 1, dtype=object)
        for i, (text, (kind, parts)) in enumerate(zip(uniques, classes)):
            parsed[i], why[i] = _one(text, kind, parts, order, date_format)
        parsed[-1], why[-1] = np.datetime64("NaT"), "missing"
        out = parsed[codes]
        reason = why[codes]
        values.append(out)
        reasons.append(np.array([f"{name}: {r}" if r else "" for r in reason], dtype=object)
                       if (reason != "").any() else np.full(len(out), "", dtype=object))
    if years is not None and len(values):
        y_codes, y_uniq = pd.factorize(years)  # a few distinct years, not a million parses
        y = np.append(pd.to_numeric(pd.Series(y_uniq, dtype=object), errors="coerce").to_numpy(np.float64),
                      np.nan)[y_codes]
        got = pd.DatetimeIndex(values[0]).year.to_numpy(np.float64)
        bad = ~np.isnan(y) & ~np.isnan(got) & (y != got)
        if bad.any():
            first = next(iter(columns))
            reasons[0] = reasons[0].copy()
            for i in np.flatnonzero(bad):
                reasons[0][i] = f"{first}: year {int(got[i])} differs from the year column ({int(y[i])})"
            values[0] = np.where(bad, np.datetime64("NaT"), values[0])
    return ParsedDates(values, reasons, order, decision, frozenset(pairs), bool(kinds.get("serial")))


def _distinct_trimmed(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code into the column's distinct trimmed texts (-1: blank or missing, which
    parses as missing). Arrow text is encoded before it is trimmed: a few hundred distinct
    dates are trimmed, not a hundred thousand values."""
    if held_text(col) is not None:
        cat = clean_category(col)
        return cat.cat.codes.to_numpy(np.int64), cat.cat.categories.to_numpy(object)
    return pd.factorize(col.fillna("").astype(str).str.strip())


def _one(text: str, kind, parts, order, date_format) -> tuple[np.datetime64, str]:
    nat = np.datetime64("NaT", "ns")
    if text == "":
        return nat, "missing"
    if kind == "iso":
        d = _ymd(int(parts[0]), int(parts[1]), int(parts[2]))
    elif kind == "numeric":
        a, b, y = int(parts[0]), int(parts[1]), int(parts[2])
        d = _ymd(y, b, a) if order == "dmy" else _ymd(y, a, b)
    elif kind in ("words", "words_us"):
        day, month, y = (parts[0], parts[1], parts[2]) if kind == "words" else (parts[1], parts[0], parts[2])
        m = _MONTHS.get(month.lower()) or _MONTHS.get(month.lower()[:3])
        d = _ymd(int(y), m, int(day)) if m else nat
    elif kind == "serial" and date_format == "excel":
        days = float(text)
        d = (_EXCEL_EPOCH + np.timedelta64(int(days), "D")).astype("datetime64[ns]") if 1 <= days < 2_958_466 \
            else nat
    else:
        return nat, f"{text[:40]!r} is not a date we read (ISO 2025-01-31, 31 January 2025, 31/01/2025" \
                    + (", an Excel serial with --date-format excel" if kind == "serial" else "") + ")"
    if np.isnat(d):
        year = int(parts[0] if kind == "iso" else parts[2]) if kind in ("iso", "numeric", "words", "words_us") else 0
        if year > 2261:
            return nat, f"{text[:40]!r} is in the future"
        return nat, f"{text[:40]!r} is not a calendar date"
    return d, ""
