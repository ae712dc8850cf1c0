"""Events per day by type, for the timeline chart (a column operation)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.style import TYPE_ORDER, TYPE_STYLE


def per_day_by_type(df: pd.DataFrame) -> pd.DataFrame:
    """Rows: days (no gaps), columns: event types present; values: counts."""
    if df.empty:
        return pd.DataFrame()
    days = df["date"].to_numpy("datetime64[D]")
    first = days.min()
    offset = (days - first).astype(np.int64)
    from dashboard.mapview import type_codes

    t = type_codes(df["event_type"])
    ndays = int(offset.max()) + 1
    grid = np.bincount(offset * len(TYPE_ORDER) + t, minlength=ndays * len(TYPE_ORDER)).reshape(ndays, -1)
    index = pd.DatetimeIndex(first + np.arange(ndays).astype("timedelta64[D]"), name="date")
    counts = pd.DataFrame(grid, index=index, columns=TYPE_ORDER)
    if ndays > 400:  # years of data: weekly bars read better than thousands of days
        counts = counts.resample("W-MON", label="left", closed="left").sum()
    return counts[[c for c in TYPE_ORDER if counts[c].any()]]


def colours(columns) -> list[str]:
    return [TYPE_STYLE[c]["color"] for c in columns]
