"""Events per day by type, for the timeline chart (a column operation)."""
from __future__ import annotations

import pandas as pd

from dashboard.style import TYPE_ORDER, TYPE_STYLE


def per_day_by_type(df: pd.DataFrame) -> pd.DataFrame:
    """Rows: days (no gaps), columns: event types present; values: counts."""
    from events.aggregate import per_day, type_codes

    if df.empty:
        return pd.DataFrame()
    return per_day(df["date"].to_numpy("datetime64[ns]"), type_codes(df["event_type"]))


def colours(columns) -> list[str]:
    return [TYPE_STYLE[c]["color"] for c in columns]
