"""Events per day by type, for the timeline chart (a column operation)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.style import TYPE_STYLE


def per_day_by_type(df: pd.DataFrame) -> pd.DataFrame:
    """Rows: days (no gaps), columns: event types present; values: counts."""
    from events.aggregate import per_day, type_codes

    if df.empty:
        return pd.DataFrame()
    return per_day(df["date"].to_numpy("datetime64[ns]"), type_codes(df["event_type"]))


def colours(columns) -> list[str]:
    return [TYPE_STYLE[c]["color"] for c in columns]


BRUSH = "brush"
CHART_KEY = "timeline"


def chart(counts: pd.DataFrame):
    """Stacked bars by event type with a date brush: dragging a span sets From/To (view.py reads
    the selection at the start of the next run). Dates on the axis carry the year."""
    import altair as alt

    long = counts.reset_index().melt("date", var_name="type", value_name="events")
    long = long[long["events"] > 0]
    types = list(counts.columns)
    brush = alt.selection_interval(name=BRUSH, encodings=["x"])
    weekly = len(counts) > 1 and (counts.index[1] - counts.index[0]).days == 7
    return (alt.Chart(long, height=200)
            .mark_bar()
            .encode(x=alt.X("date:T", title="week" if weekly else "day",
                            axis=alt.Axis(format="%d %b %Y", labelOverlap=True)),
                    y=alt.Y("sum(events):Q", title="events per week" if weekly else "events per day"),
                    color=alt.Color("type:N", scale=alt.Scale(domain=types, range=colours(types)),
                                    legend=alt.Legend(orient="top", title=None)),
                    tooltip=[alt.Tooltip("date:T", format="%d %b %Y"), "type:N",
                             alt.Tooltip("events:Q", format=".3~f")])
            .add_params(brush))


def brushed(state) -> tuple | None:
    """(first day, last day) of the span brushed on the chart, or None."""
    try:
        span = state["selection"][BRUSH]
    except (KeyError, TypeError):
        return None
    values = next(iter(span.values()), None) if isinstance(span, dict) else None
    if not values or len(values) != 2:
        return None

    def day(v) -> dt.date:
        return (pd.to_datetime(v, unit="ms") if isinstance(v, (int, float)) else pd.to_datetime(v)).date()

    try:
        lo, hi = sorted((day(values[0]), day(values[1])))
    except (ValueError, TypeError, OverflowError):
        return None
    return lo, hi
