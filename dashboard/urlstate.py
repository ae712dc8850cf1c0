"""Filters in the URL, so a pasted link reproduces the view.

Keys: from, to (YYYY-MM-DD), type, region, claim (repeatable or comma
separated), q. A bad value falls back to its default and yields a notice;
it never raises.
"""
from __future__ import annotations

from collections.abc import Mapping

from events.errors import FilterError
from events.query import Filter, make_filter, parse_date
from events.vocab import CLAIM_STATUSES, EVENT_TYPES, SUB_EVENT_TYPES

KEYS = ("from", "to", "type", "region", "claim", "q", "dataset")


def _values(params: Mapping[str, list[str] | str], key: str) -> list[str]:
    raw = params.get(key) or []
    if isinstance(raw, str):
        raw = [raw]
    out = []
    for v in raw:
        out.extend(p.strip() for p in str(v).split(",") if p.strip())
    return out


def parse_query(params: Mapping[str, list[str] | str]) -> tuple[Filter, list[str]]:
    """(filter, notices) from URL parameters; every bad value is dropped with a notice."""
    notices: list[str] = []
    kw: dict = {}
    for key, name in (("from", "date_from"), ("to", "date_to")):
        vals = _values(params, key)
        if vals:
            try:
                kw[name] = parse_date(vals[0], key)
            except FilterError as exc:
                notices.append(f"Ignored URL parameter {key}: {exc}")
    if kw.get("date_from") and kw.get("date_to") and kw["date_to"] < kw["date_from"]:
        notices.append(f"Ignored URL parameters from/to: 'to' {kw['date_to']} is before 'from' {kw['date_from']}")
        kw.pop("date_from"), kw.pop("date_to")
    types = []
    for t in _values(params, "type"):
        (types.append(t) if t in EVENT_TYPES or t in SUB_EVENT_TYPES
         else notices.append(f"Ignored URL parameter type: unknown event type {t!r}"))
    claims = []
    for c in _values(params, "claim"):
        (claims.append(c.lower()) if c.lower() in CLAIM_STATUSES
         else notices.append(f"Ignored URL parameter claim: unknown claim status {c!r}"))
    regions = []
    for r in _values(params, "region"):
        try:
            make_filter(regions=[r])
            regions.append(r)
        except FilterError as exc:
            notices.append(f"Ignored URL parameter region: {str(exc).removeprefix('region: ')}")
    q = " ".join(_values(params, "q"))[:200]
    datasets = _values(params, "dataset")
    f = make_filter(types=types, claims=claims, regions=regions, q=q, datasets=datasets, **kw)
    return f, notices


def to_query(f: Filter) -> dict[str, list[str] | str]:
    """The URL parameters of a filter (empty ones left out)."""
    out: dict[str, list[str] | str] = {}
    if f.date_from:
        out["from"] = f.date_from.isoformat()
    if f.date_to:
        out["to"] = f.date_to.isoformat()
    if f.types:
        out["type"] = list(f.types)
    if f.regions:
        out["region"] = list(f.regions)
    if f.claims:
        out["claim"] = list(f.claims)
    if f.q:
        out["q"] = f.q
    if f.datasets:
        out["dataset"] = list(f.datasets)
    return out
