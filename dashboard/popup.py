"""Popup and tooltip HTML for events: every curated string escaped, only http(s) links."""
from __future__ import annotations

import pandas as pd

from dashboard.safe import text, url
from events.vocab import CLAIM_MEANING

GEO_PRECISION = {1: "exact place", 2: "approximate (near)", 3: "region-level"}
DATE_PRECISION = {"day": "exact day", "week": "within a week", "month": "within a month"}


def _fmt_date(d) -> str:
    return "" if d is None or pd.isna(d) else pd.Timestamp(d).strftime("%Y-%m-%d")


def _count(v) -> str:
    return "unknown" if v is None or pd.isna(v) else str(int(v))


def popup_html(ev: dict, max_quote: int | None = None) -> str:
    """One event's popup; ev is a row of the events table as a dict."""
    start, end = _fmt_date(ev.get("date")), _fmt_date(ev.get("end_date"))
    when = start if not end or end == start else f"{start} – {end}"
    prec = ev.get("geo_precision")
    place = text(ev.get("location_name"))
    if ev.get("location_near"):
        place += f" <span class=ce-muted>({text(ev['location_near'])})</span>"
    where = ", ".join(text(x) for x in (ev.get("admin1"), ev.get("country")) if x)
    unc = ev.get("uncertainty_km")
    status = str(ev.get("claim_status") or "")
    parts = [
        f'<div class="ce-popup"><div class="ce-title">{text(ev.get("title"))}</div>',
        f'<div><b>Date:</b> {text(when)} <span class=ce-muted>({text(DATE_PRECISION.get(ev.get("date_precision"), ev.get("date_precision")))})</span></div>',
        f'<div><b>Type:</b> {text(ev.get("event_type"))} — {text(ev.get("sub_event_type"))}</div>',
        f'<div><b>Place:</b> {place}{", " + where if where else ""}</div>',
        f'<div class=ce-muted>Location precision: {text(GEO_PRECISION.get(int(prec) if prec is not None and not pd.isna(prec) else 0, "unknown"))}'
        + (f", ± {float(unc):g} km" if unc is not None and not pd.isna(unc) else "") + "</div>",
        f'<div><b>Fatalities:</b> {_count(ev.get("fatalities"))} · <b>Injured:</b> {_count(ev.get("injured"))}</div>',
        f'<div><b>Claim:</b> <span class="ce-claim ce-{text(status)}">{text(status)}</span> by {text(ev.get("claimed_by"))}'
        f' <span class=ce-muted>({text(CLAIM_MEANING.get(status, ""))})</span></div>',
    ]
    flags = ev.get("geo_flags")
    if flags is not None and len(flags):
        parts.append('<div class=ce-flag>⚠ ' + "<br>⚠ ".join(text(f) for f in flags) + "</div>")
    if ev.get("contested_name"):
        parts.append(f'<div class=ce-muted>Region also called: {text(ev["contested_name"])}</div>')
    sources = ev.get("sources")
    if sources is not None and len(sources):
        parts.append("<div><b>Sources:</b><ul class=ce-sources>")
        for s in sources:
            quote = str(s.get("quote") or "")
            if max_quote and len(quote) > max_quote:
                quote = quote[:max_quote].rstrip() + "…"
            href = url(s.get("url"))
            name = f"{text(s.get('outlet'))}, {text(s.get('published'))}"
            label = f'<a href="{href}" target="_blank" rel="noopener noreferrer nofollow">{name}</a>' if href else name
            parts.append(f"<li>{label}<blockquote>{text(quote)}</blockquote></li>")
        parts.append("</ul></div>")
    if ev.get("notes"):
        parts.append(f'<div class=ce-notes><b>Notes:</b> {text(ev["notes"])}</div>')
    parts.append("</div>")
    return "".join(parts)


def tooltip_text(ev: dict) -> str:
    return text(f"{_fmt_date(ev.get('date'))} · {ev.get('title')} ({ev.get('claim_status')})")
