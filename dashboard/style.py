"""How events look: a shape and a colour per event type, a line style per claim status."""
from __future__ import annotations

from events.vocab import CLAIM_STATUSES, EVENT_TYPES

TYPE_ORDER = list(EVENT_TYPES)
# Colour-blind-safe (Okabe-Ito) colours, and a distinct shape each, so neither alone carries meaning.
TYPE_STYLE = {
    "Battles": {"color": "#D55E00", "shape": "diamond"},
    "Explosions/Remote violence": {"color": "#E69F00", "shape": "triangle"},
    "Violence against civilians": {"color": "#CC79A7", "shape": "circle"},
    "Protests": {"color": "#0072B2", "shape": "square"},
    "Riots": {"color": "#56B4E9", "shape": "cross"},
    "Strategic developments": {"color": "#009E73", "shape": "hexagon"},
}
# SVG path of each shape in a 20x20 box.
SHAPE_PATH = {
    "diamond": "M10 1 L19 10 L10 19 L1 10 Z",
    "triangle": "M10 1.5 L19 18 L1 18 Z",
    "circle": "M10 1.5 A8.5 8.5 0 1 0 10.01 1.5 Z",
    "square": "M2.5 2.5 H17.5 V17.5 H2.5 Z",
    "cross": "M7 1.5 H13 V7 H18.5 V13 H13 V18.5 H7 V13 H1.5 V7 H7 Z",
    "hexagon": "M5.5 2 H14.5 L19 10 L14.5 18 H5.5 L1 10 Z",
}
CLAIM_ORDER = list(CLAIM_STATUSES)
# Four statuses, four looks, each readable without colour: confirmed is solid with a dark rim;
# reported (one outlet, not yet confirmed) is half-filled; claimed (one side, unverified) is hollow;
# disputed (the other side contradicts it) is hollow and dashed.
CLAIM_STYLE = {
    "confirmed": {"fill": 1.0, "rim": "#1b1b1b", "dash": "", "label": "confirmed (solid, dark rim)"},
    "reported": {"fill": 0.45, "rim": "", "dash": "", "label": "reported (half-filled)"},
    "claimed": {"fill": 0.0, "rim": "", "dash": "", "label": "claimed by one side (hollow)"},
    "disputed": {"fill": 0.0, "rim": "", "dash": "3 2", "label": "disputed (hollow, dashed)"},
}


def icon_svg(event_type: str, claim: str, size: int = 18) -> str:
    """The same drawing as EventLayer's icon() in the browser (the legend uses this one)."""
    st = TYPE_STYLE[event_type]
    cs = CLAIM_STYLE[claim]
    fill = st["color"] if cs["fill"] else "#ffffff"
    dash = f' stroke-dasharray="{cs["dash"]}"' if cs["dash"] else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 20 20" aria-hidden="true">'
            f'<path d="{SHAPE_PATH[st["shape"]]}" fill="{fill}" fill-opacity="{cs["fill"] or 1}" '
            f'stroke="{cs["rim"] or st["color"]}" stroke-width="2.2"{dash}/></svg>')
