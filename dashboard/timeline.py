"""Events per day by type, for the timeline chart (a column operation)."""
from __future__ import annotations

import pandas as pd

from dashboard.style import TYPE_ORDER, TYPE_STYLE


def per_day_by_type(df: pd.DataFrame) -> pd.DataFrame:
    """Rows: days (no gaps), columns: event types present; values: counts."""
    if df.empty:
        return pd.DataFrame()
    counts = pd.crosstab(df["date"].dt.normalize(), df["event_type"])
    full = pd.date_range(counts.index.min(), counts.index.max(), freq="D")
    counts = counts.reindex(full, fill_value=0)
    counts.index.name = "date"
    return counts[[t for t in TYPE_ORDER if t in counts.columns]]


def colours(columns) -> list[str]:
    return [TYPE_STYLE[c]["color"] for c in columns]
