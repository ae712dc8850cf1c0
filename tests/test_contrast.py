"""Text on the map and in its notices passes WCAG 2.1 AA contrast (4.5:1 for normal text),
computed from the colours the page actually declares."""
from __future__ import annotations

import re

import pytest

from dashboard import layers, mapview, safe

WHITE = "#ffffff"


def _rgb(hex_: str) -> tuple[float, ...]:
    h = hex_.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))


def luminance(hex_: str) -> float:
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(hex_)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def css_rules() -> list[tuple[str, str, str | None]]:
    """(selector, text colour, own background or None) of each rule of the map's stylesheet."""
    text = BASE_CSS
    out = []
    for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", text):
        fg = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})\b", body)
        if fg:
            bg = re.search(r"background:\s*(#[0-9a-fA-F]{3,6})\b", body)
            out.append((selector.strip(), fg.group(1), bg.group(1) if bg else None))
    return out


def _map_fills() -> dict[str, str]:
    """The colours under a place label: land, sea, lakes (as the base map declares them)."""
    lake = re.search(r'"lake": \{[^}]*"fillColor": "(#[0-9a-f]{6})"', MAPVIEW_SRC).group(1)
    land = re.search(r'"fillColor": "(#[0-9a-f]{6})", "fillOpacity": 1\}', MAPVIEW_SRC).group(1)
    sea = re.search(r"\.leaflet-container \{ background: (#[0-9a-f]{6})", BASE_CSS).group(1)
    return {"land": land, "sea": sea, "lake": lake}


BASE_CSS = (layers.STATIC_DIR / "map" / "map.css").read_text(encoding="utf-8")
MAPVIEW_SRC = open(mapview.__file__, encoding="utf-8").read()


def test_the_stylesheet_declares_text_colours_to_check():
    selectors = {s for s, _, _ in css_rules()}
    assert {".ce-muted", ".ce-confirmed", ".ce-reported", ".ce-label"} <= {x.strip() for s in selectors
                                                                              for x in s.split(",")}


@pytest.mark.parametrize("selector, fg, bg", css_rules())
def test_text_on_the_map_passes_wcag_aa(selector, fg, bg):
    if ".ce-label" in selector:  # place names sit on the map itself
        for where, fill in _map_fills().items():
            assert contrast(fg, fill) >= 4.5, (selector, fg, where, fill, round(contrast(fg, fill), 2))
    else:  # popups, legend, notices: white panels unless the rule sets its own background
        assert contrast(fg, bg or WHITE) >= 4.5, (selector, fg, bg, round(contrast(fg, bg or WHITE), 2))


@pytest.mark.parametrize("kind", ["info", "error"])
def test_notices_pass_wcag_aa(kind):
    html = safe.notice_html("x", kind)
    bg, fg = re.search(r"background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})", html).groups()
    assert contrast(fg, bg) >= 4.5


def test_the_contrast_formula_matches_wcag_reference_values():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the lightest grey that passes on white
