"""Rows of events as a terminal table that fits the window, or as CSV or JSON for machines.

Column work, not a Python loop per cell: the cells are made with pandas' string methods, so a
listing of a large dataset costs what printing it costs."""
from __future__ import annotations

import io
import json

import pandas as pd

ELLIPSIS = "…"
MIN_WIDTH = 5  # a squeezed column keeps this many characters (the ellipsis included)
DATE_WIDTH = 10  # columns this narrow (a date, a code, a count) are never squeezed


def cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as text; missing values (None, NaN, NaT, <NA>) as empty text, never 'None'."""
    out = {}
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            text = s.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(s) and s.dropna().eq(s.dropna().round()).all():
            text = s.astype("Int64").astype("string")  # whole numbers read as such
        else:
            text = s.astype("string")
        out[c] = text.where(s.notna(), "").fillna("")
    return pd.DataFrame(out, index=frame.index)


def widths(table: pd.DataFrame, limit: int | None) -> dict[str, int]:
    """Each column's width: its widest cell or header; when the line would pass limit, one cap for
    all columns, the largest that fits, so that only the widest give way (never below MIN_WIDTH)."""
    w = {c: max(len(str(c)), int(table[c].str.len().max() or 0)) for c in table.columns}
    if limit is None:
        return w
    budget = limit - 2 * (len(w) - 1)  # two spaces between columns
    floor = {c: v if v <= DATE_WIDTH else MIN_WIDTH for c, v in w.items()}  # a date or a code stays whole
    cap = max(w.values(), default=0)
    while cap > MIN_WIDTH and sum(max(floor[c], min(v, cap)) for c, v in w.items()) > budget:
        cap -= 1
    return {c: max(floor[c], min(v, cap)) for c, v in w.items()}


def render(frame: pd.DataFrame, limit: int | None) -> str:
    """A left-aligned table no wider than limit (None: as wide as it needs): cells longer than their
    column end in an ellipsis; on a terminal too narrow for that, the rightmost columns are left out."""
    table = cells(frame)
    w = widths(table, limit)
    while limit is not None and len(w) > 1 and sum(w.values()) + 2 * (len(w) - 1) > limit:
        table = table.iloc[:, :-1]  # a terminal too narrow even for squeezed cells: the last columns go
        w = widths(table, limit)
    cols = []
    for c in table.columns:
        s = pd.concat([pd.Series([str(c)], dtype="string"), table[c]], ignore_index=True)
        long = s.str.len() > w[c]
        s = s.where(~long, s.str.slice(0, w[c] - 1) + ELLIPSIS)
        cols.append(s.str.pad(w[c], side="right"))
    lines = cols[0]
    for s in cols[1:]:
        lines = lines + "  " + s
    return "\n".join(lines.str.rstrip())


def as_csv(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    cells(frame).to_csv(buf, index=False)
    return buf.getvalue()


def as_json(frame: pd.DataFrame) -> str:
    """One object per event; missing values are null."""
    text = frame.copy()
    for c in text.columns:
        if pd.api.types.is_datetime64_any_dtype(text[c]):
            text[c] = text[c].dt.strftime("%Y-%m-%d")
    return json.dumps(json.loads(text.to_json(orient="records", force_ascii=False)), ensure_ascii=False, indent=1)
