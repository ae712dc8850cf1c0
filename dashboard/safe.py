"""Curated text is untrusted when it reaches HTML.

folium and our own layer put strings inside HTML *and* inside JavaScript
(template literals in folium's popups and tooltips), so escaping HTML alone is
not enough: a backtick or `${...}` would end the literal or run code. Every
curated string goes through text() (HTML-escape, then neutralise ` $ \\ as
entities), and links through url(), which allows only http(s).
"""
from __future__ import annotations

import html
import json
import re

_JS_UNSAFE = {"`": "&#96;", "$": "&#36;", "\\": "&#92;"}
_HTTP = re.compile(r"^https?://[^\s\"'<>`]+$", re.I)


def text(value: object) -> str:
    """Safe in HTML text, HTML attributes and JS template literals alike."""
    if value is None:
        return ""
    out = html.escape(str(value), quote=True)
    for ch, ent in _JS_UNSAFE.items():
        out = out.replace(ch, ent)
    return out


def url(value: object) -> str | None:
    """An http(s) URL made safe for an href, or None (javascript:, data:, ...)."""
    if not value or not _HTTP.match(str(value)):
        return None
    return text(value)


def script_json(obj: object) -> str:
    """JSON that can sit inside a <script> element: no '</script>', no U+2028."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))



def notice_html(value: object, kind: str = "info") -> str:
    """User-supplied text (a URL parameter, a filter value) as a plain-text notice.

    Streamlit's st.info/st.error render Markdown, and its GitHub-flavoured autolinks turn
    any 'https://…' into a link even when every character is escaped; HTML-escaped text in
    an element of ours is text and nothing else."""
    colours = {"info": ("#e8f1fb", "#0b4a8b"), "warning": ("#fff4e5", "#7a4100"), "error": ("#fdecea", "#8a1c12")}
    bg, fg = colours.get(kind, colours["info"])
    return (f'<div role="status" style="background:{bg};color:{fg};padding:0.75rem 1rem;border-radius:0.5rem;'
            f'white-space:pre-wrap;overflow-wrap:anywhere">{html.escape(str(value), quote=True)}</div>')
