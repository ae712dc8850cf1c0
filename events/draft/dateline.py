"""The article's own date line ("January 11, 2025", "11 Jan 2025 14:05", "2025-01-11",
"Published 11.01.2025"), read from its first lines: the publication date a curator would
otherwise type, so that a report curated a week late keeps its real date."""
from __future__ import annotations

import datetime as dt
import re

_MONTHS = {m: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for m in names}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_PATTERNS = [
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.I), ("m", "d", "y")),
    (re.compile(rf"\b(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})\b", re.I), ("d", "m", "y")),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)"), ("y", "m", "d")),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), ("d", "m", "y")),
]
HEAD_LINES = 6  # a date line sits above or just under the headline, not in the body


def find_dateline(text: str, *, today: dt.date | None = None) -> tuple[dt.date, str] | None:
    """(date, the line it was read from) of the first date in the article's first lines, or None.
    A date after today is not a publication date."""
    today = today or dt.date.today()
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()][:HEAD_LINES]
    for line in lines:
        for pattern, order in _PATTERNS:
            m = pattern.search(line)
            if not m or (len(line) > 80 and m.start() > 40):  # a date deep in a body sentence is an event's
                continue
            parts = dict(zip(order, m.groups()))
            month = parts["m"]
            month = _MONTHS.get(month.lower().rstrip(".")) if not month.isdigit() else int(month)
            try:
                day = dt.date(int(parts["y"]), int(month or 0), int(parts["d"]))
            except ValueError:
                continue
            if day <= today:
                return day, line[:200]
    return None
