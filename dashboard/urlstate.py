"""Filters in the URL, so a pasted link reproduces the view.

The keys and their parsing come from the filter registry (events/filters.py): from, to
(YYYY-MM-DD), type, region, claim, dataset, review (repeatable or comma separated), q.
A bad value falls back to its default and yields a notice; it never raises.
"""
from __future__ import annotations

from events.filters import URL_KEYS as KEYS  # noqa: F401
from events.filters import from_query as parse_query  # noqa: F401
from events.filters import to_query  # noqa: F401
