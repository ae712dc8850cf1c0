"""What an import gives back: the rows kept (whole, or batch by batch), and every row
rejected with its line and reason, never one dropped silently."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from events.importers.csvsource import Rescan


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
