"""The page's URL beside the filter, so a pasted link reproduces the view.

The filter reads and writes its own keys (events/filters.py: from_query, to_query); ViewState
is the rest of what the page keeps there. A bad value falls back to its default and yields a
notice; it never raises.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

_YES = ("1", "true", "yes")


def _one(params, k: str) -> str:
    raw = params.get(k)
    if isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else ""
    return str(raw or "").strip()


@dataclass(frozen=True)
class ViewState:
    """What the page shows beside the filter: one event's link (event=ID), the map's centre and
    zoom (view=LAT,LON,ZOOM, written by the map itself), every uncertainty shape drawn (unc=1),
    the online basemap (tiles=1), and the control map (control=SOURCE, control_date=YYYY-MM-DD,
    changes=1)."""

    event: str | None = None
    view: tuple[list[float], int] | None = None
    unc: bool = False
    tiles: bool = False
    control: str = ""
    control_date: dt.date | None = None
    changes: bool = False

    KEYS = ("event", "view", "unc", "tiles", "control", "control_date", "changes")

    @classmethod
    def from_query(cls, params) -> tuple[ViewState, list[str]]:
        """(state, notices) from URL parameters (a mapping of key to a value or a list of them)."""
        from dashboard.mapview import parse_view

        notices: list[str] = []
        view = None
        if _one(params, "view"):
            view, notice = parse_view(_one(params, "view"))
            if notice:
                notices.append(notice)
        control_date = None
        if _one(params, "control_date"):
            try:
                control_date = dt.date.fromisoformat(_one(params, "control_date"))
            except ValueError:
                notices.append(f"Ignored URL parameter control_date: {_one(params, 'control_date')!r} is not a date "
                               "(use YYYY-MM-DD)")
        return cls(event=_one(params, "event")[:200] or None, view=view, unc=_one(params, "unc") in _YES,
                   tiles=_one(params, "tiles") in _YES, control=_one(params, "control"), control_date=control_date,
                   changes=_one(params, "changes") in _YES), notices

    def to_query(self) -> dict[str, str]:
        """The URL parameters of this state, defaults left out; view= too, when set (the map
        rewrites it as it moves)."""
        out = {"event": self.event or "", "view": ",".join(map(str, [*self.view[0], self.view[1]])) if self.view else "",
               "unc": "1" if self.unc else "", "tiles": "1" if self.tiles else "", "control": self.control,
               "control_date": self.control_date.isoformat() if self.control_date and self.control else "",
               "changes": "1" if self.changes and self.control else ""}
        return {k: v for k, v in out.items() if v}
