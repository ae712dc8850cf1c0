"""What an event's popup says, as escaped, dictionary-encoded columns.

Python escapes every curated string (dashboard.safe) once per distinct value;
the browser only concatenates the pieces (EventLayer's popup()) when a popup
opens. So 10,000 events do not carry 10,000 copies of the same labels, and no
unescaped text ever reaches the page.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.safe import text, url
from events.territory.control import CHECK_TEXT
from events.vocab import CLAIM_MEANING, NOT_SAME, SEEN_RELATIONS

GEO_PRECISION = {1: "exact place", 2: "approximate (near)", 3: "region-level"}
DATE_PRECISION = {"day": "exact day", "week": "within a week", "month": "within a month"}
SHORT_QUOTE = 200


def _dict_encode(values, escape=text) -> tuple[list[int], list[str]]:
    """(codes, escaped distinct values); -1 for missing."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes.tolist(), [escape(u) for u in uniques]


def _source_label(s) -> str:
    href = url(s.get("url"))
    name = f"{text(s.get('outlet'))}, {text(s.get('published'))}"
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer nofollow">{name}</a>' if href else name


def _sources_html(sources, max_quote: int | None) -> str | None:
    """Every source with its quote, as list items (the popup's fold)."""
    if sources is None or not len(sources):
        return None
    items = []
    for s in sources:
        quote = str(s.get("quote") or "")
        if max_quote and len(quote) > max_quote:
            quote = quote[:max_quote].rstrip() + "…"
        items.append(f"<li>{_source_label(s)}<blockquote>{text(quote)}</blockquote></li>")
    return "".join(items)


def _first_source_html(sources) -> str | None:
    """The first source's outlet and date (linked), and how many more there are: the popup's essentials."""
    if sources is None or not len(sources):
        return None
    more = len(sources) - 1
    return _source_label(sources[0]) + (f" <span class=ce-muted>(+{more} more)</span>" if more else "")


RELATION_TEXT = {"contradicts": "contradicts", "corroborates": "corroborates", "same-incident": "same incident as"}


def _related_html(links) -> str | None:
    """The event's links as list items; the browser turns each into a link that opens the other
    event (in place when it is on the map, else as a page of its own)."""
    links = [x for x in links or () if x.relation != NOT_SAME]  # a declined candidate is review memory only
    if not links:
        return None
    seen = len({x.other for x in links if x.relation in SEEN_RELATIONS})
    items = [f"<li class=ce-seen><b>seen by {seen} other source{'s' if seen != 1 else ''}</b></li>"] if seen else []
    for x in links:
        note = f' <span class=ce-muted>— {text(x.note)}</span>' if x.note else ""
        items.append(f'<li>{text(RELATION_TEXT.get(x.relation, x.relation))} '
                     f'<a class=ce-rel href="#" data-id="{text(x.other)}">{text(x.other)}</a>{note}</li>')
    return "".join(items)


def _flags_html(flags) -> str | None:
    if flags is None or not len(flags):
        return None
    return "⚠ " + "<br>⚠ ".join(text(f) for f in flags)


def control_fields(df: pd.DataFrame) -> dict:
    """What control snapshots say (Storage.with_control's columns), when the frame has them."""
    if "control" not in df:
        return {"ctl": [None] * len(df), "chk": [None] * len(df), "chkn": [None] * len(df), "front": [None] * len(df)}
    day = df["control_date"].dt.strftime("%Y-%m-%d")
    ctl = np.where(df["control_source"].notna(),
                   df["control"].fillna("not mapped").astype(str) + " (" + df["control_source"].fillna("").astype(str)
                   + ", snapshot of " + day.fillna("") + ")", None)
    front = [None] * len(df)
    if "front_km" in df:  # dashboard/mapview.py adds it: km to the front line on the event's date
        km = pd.Series(df["front_km"].to_numpy(np.float64), index=df.index)
        when = pd.to_datetime(df["front_date"]).dt.strftime("%Y-%m-%d")
        said = (km.round().astype("Int64").astype(str) + " km away (" + df["control_source"].fillna("").astype(str)
                + ", snapshot of " + when.fillna("") + ")")
        front = said.where(km.notna(), None)
    return {"ctl": ctl, "chk": df["control_check"].map(CHECK_TEXT), "chkn": df["control_check_note"], "front": front}


def popup_columns(df: pd.DataFrame, max_quote: int | None = None, links: dict | None = None) -> dict:
    """Escaped popup fields for EventLayer: per-event codes into per-field tables. links: the
    events' links from both ends (events.related.index), when any event has one."""
    start = df["date"].dt.strftime("%Y-%m-%d")
    end = df["end_date"].dt.strftime("%Y-%m-%d")
    when = np.where(end.notna() & (end != start), start + " – " + end.fillna(""), start)
    place = df["location_name"].fillna("").astype(str)
    near = df["location_near"]
    where = df["admin1"].fillna("").astype(str).str.cat(df["country"].fillna("").astype(str), sep=", ").str.strip(", ")
    cols, dicts = {}, {}
    raw_fields = {
        "when": when,
        "dp": df["date_precision"].map(DATE_PRECISION).fillna(df["date_precision"]),
        "sub": df["sub_event_type"],
        "place": place,
        "near": near,
        "where": where,
        "gp": df["geo_precision"].map(lambda p: GEO_PRECISION.get(p, "unknown") if pd.notna(p) else "unknown"),
        "by": df["claimed_by"],
        "meaning": df["claim_status"].map(CLAIM_MEANING),
        "cn": df["contested_name"],
        "notes": df["notes"],
        **control_fields(df),
    }
    for name, values in raw_fields.items():
        cols[name], dicts[name] = _dict_encode(values)
    built = {
        "src": [_sources_html(s, max_quote) for s in df["sources"]],
        "src1": [_first_source_html(s) for s in df["sources"]],
        "flags": [_flags_html(f) for f in df["geo_flags"]],
        "rel": ([_related_html(links.get(i)) for i in df["id"].astype(str)] if links else [None] * len(df)),
    }
    for name, values in built.items():  # already escaped piece by piece
        cols[name], dicts[name] = _dict_encode(values, escape=lambda v: v)
    return {
        "title": [text(t) for t in df["title"]],
        "unc": np.round(df["uncertainty_km"].to_numpy(np.float64), 1).tolist(),
        "fat": df["fatalities"].astype("Int64").fillna(-1).astype(int).tolist(),
        "inj": df["injured"].astype("Int64").fillna(-1).astype(int).tolist(),
        "cols": cols,
        "dicts": dicts,
    }
