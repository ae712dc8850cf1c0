"""Folium elements of ours: thin Python over our Leaflet JavaScript, static/map/layers.js.

Each element is a MapCall: one call into that file (`ceMap.eventLayer(...)` and so on) with its data
as JSON; the file and its stylesheet, static/map/map.css, are loaded once by the base map
(MAP_JS, MAP_CSS), as folium keeps its templates in files. EventLayer draws every filtered
event from one compact JSON array as clustered shape icons (one Leaflet layer, no folium Marker
per event), with uncertainty drawn as circles (approximate places) and admin-1 outlines
(region-level).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from dashboard.control import STATUS_STYLE
from dashboard.safe import script_json, text
from dashboard.style import CLAIM_ORDER, CLAIM_STYLE, SHAPE_PATH, TYPE_ORDER, TYPE_STYLE, icon_svg

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC = "/app/static/vendor"
LEAFLET_JS = [("leaflet", f"{STATIC}/leaflet-1.9.4/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", f"{STATIC}/leaflet-1.9.4/leaflet.css")]
CLUSTER_JS = [("markerclusterjs", f"{STATIC}/leaflet.markercluster-1.5.3/leaflet.markercluster.js")]
CLUSTER_CSS = [("markerclustercss", f"{STATIC}/leaflet.markercluster-1.5.3/MarkerCluster.css"),
               ("markerclusterdefaultcss", f"{STATIC}/leaflet.markercluster-1.5.3/MarkerCluster.Default.css")]


def own_asset(relative: str) -> str:
    """The URL of one of our static files with its content's hash as the query: a browser's cached
    copy is never stale after an upgrade."""
    data = (STATIC_DIR / relative).read_bytes()
    return f"/app/static/{relative}?v={hashlib.sha256(data).hexdigest()[:12]}"


MAP_JS = [("ce_map_js", own_asset("map/layers.js"))]
MAP_CSS = [("ce_map_css", own_asset("map/map.css"))]


def marker_style() -> dict:
    """What the layers draw with: SVG shapes, per-type and per-claim styles, and their names
    (escaped), in the order the data's type and claim indexes count."""
    return {"shapes": SHAPE_PATH, "types": [TYPE_STYLE[t] for t in TYPE_ORDER],
            "claims": [{"name": c, **CLAIM_STYLE[c]} for c in CLAIM_ORDER],
            "typeNames": [text(t) for t in TYPE_ORDER], "claimNames": [text(c) for c in CLAIM_ORDER]}


# Every event's uncertainty shape is drawn only when at most this many events have one (about what
# stays legible at a front's scale); above it, an event's shape shows on hover and while its popup is open.
UNCERTAINTY_ALL_UP_TO = 40


class MapCall(MacroElement):
    """One call into static/map/layers.js: `ceMap.<function>(map[, group], args)`, the map (or
    layer) it is added to, the group that holds it when `with_group` (null when none), and its
    arguments as JSON (or `raw`, a JavaScript name). Every element of ours is one of these."""

    function = ""
    with_group = False

    _template = Template("""
{% macro script(this, kwargs) %}
ceMap.{{ this.function }}({{ this._parent.get_name() }}{% if this.with_group %}, {{ this._parent._parent.get_name() if this._parent._parent else "null" }}{% endif %}{% if this.args is not none %}, {{ this.args }}{% endif %});
{% endmacro %}
""")

    def __init__(self, args=None, *, raw: str | None = None) -> None:
        super().__init__()
        self._name = type(self).__name__
        self.args = raw if raw is not None else (script_json(args) if args is not None else None)


class EventLayer(JSCSSMixin, MapCall):
    """All events of the filtered set as one clustered layer.

    data: {"lat": [...], "lon": [...], "t": [type index], "c": [claim index],
    "id": [...], "u": [uncertainty circle radius in m, or 0], "popup":
    dashboard.popup.popup_columns(...)}, plus "regions": a GeoJSON
    FeatureCollection of the admin-1 shapes of region-level events. Every
    string is escaped already; popups are assembled in the browser on opening.
    """

    function = "eventLayer"
    with_group = True

    default_js = CLUSTER_JS
    default_css = CLUSTER_CSS

    def __init__(self, data: dict, open_id: str | None = None, show_all: bool = False) -> None:
        super().__init__({
            "data": data,
            "open": text(open_id) if open_id else None,  # ids in data are escaped text too
            "few": int(UNCERTAINTY_ALL_UP_TO), "showAll": bool(show_all), **marker_style()})


class ControlLayer(MapCall):
    """The control snapshot in force on a date (and the ground that changed hands), in a pane
    under the events, with its own legend naming date and source. data None: no control map
    (the legend of an earlier one is taken away)."""

    function = "controlLayer"
    with_group = True

    def __init__(self, data: dict | None) -> None:
        rows = []
        for status, label in (("occupied", "occupied"), ("contested", "contested / grey zone"),
                              ("held", "held (drawn areas; the rest of Ukraine too)")):
            style = STATUS_STYLE[status]
            rows.append(f'<div><span class="ce-swatch" style="background:{style["fill"]};opacity:.8"></span>{label}</div>')
        super().__init__({"data": data, "statusRows": "".join(rows)})


class AggregateLayer(MapCall):
    """Too many events to draw one by one: a grid of cells, each coloured by its most
    frequent type and shaded by its count (log scale), hatched by the share of its events that
    are claimed or disputed (one to four diagonal lines: up to a quarter, half, three quarters,
    all). Clicking a cell zooms in on it.
    data: {"south", "west", "dlat", "dlon", "n", "t" (dominant type index), "types"
    (per-cell counts per type), "cl" (per-cell claimed or disputed)}."""

    function = "aggregateLayer"
    with_group = True

    def __init__(self, data: dict) -> None:
        style = marker_style()
        super().__init__({"data": data, "types": style["types"], "typeNames": style["typeNames"]})


class Legend(MapCall):
    """Shapes and colours per event type, line styles per claim status, uncertainty symbols."""

    function = "legend"

    def __init__(self) -> None:
        rows = ['<div class="ce-markers-legend"><div class="ce-h">Event type</div>']
        for t in TYPE_ORDER:
            rows.append(f"<div>{icon_svg(t, 'confirmed', 14)}{t}</div>")
        rows.append('<div class="ce-h">Claim status</div>')
        for c in CLAIM_ORDER:
            rows.append(f"<div>{icon_svg('Battles', c, 14)}{CLAIM_STYLE[c]['label']}</div>")
        rows.append('<div class="ce-h">Clusters</div><div><span class="ce-cl-demo"></span>ring: share of each '
                    'event type</div><div><span class="ce-cl-demo ce-cl-claims"></span>dashed rim: holds '
                    'claimed or disputed events</div>')
        rows.append('<div class="ce-h">Location uncertainty</div>'
                    '<div><svg width="14" height="14"><circle cx="7" cy="7" r="6" fill="none" stroke="#555" '
                    'stroke-dasharray="3 2"/></svg>approximate place (radius)</div>'
                    '<div><svg width="14" height="14"><rect x="1" y="1" width="12" height="12" fill="#E69F00" '
                    'fill-opacity=".2" stroke="#7a4b00" stroke-dasharray="3 2"/></svg>region-level event: its region; '
                    'the framed marker stands for all of it, not for a town</div>'
                    '</div>')
        super().__init__("".join(rows))


class PlaceLabels(MapCall):
    """Place names from the gazetteer, thinned by zoom: the largest cities at country zoom, towns
    from zoom 6, every place from zoom 8. The browser fetches only the tiles in view
    (dashboard/placelabels.py) and keeps a label only where it does not overlap a larger place's,
    so the map is readable offline at the front's scale and never an unreadable mass."""

    function = "placeLabels"

    def __init__(self, layout: dict) -> None:
        super().__init__(layout)


class TileFailureNotice(MapCall):
    """Says so on the map when the online basemap's tiles fail to load (no internet, a blocked
    host), instead of silently showing nothing; the offline map stays readable under it."""

    function = "tileFailureNotice"

    def __init__(self, tile_layer) -> None:
        super().__init__(raw=tile_layer.get_name())


class StaticGeoJson(MapCall):
    """A GeoJSON layer the browser fetches from our own static files, under the events.

    Inlined, the boundaries made the map's script 1 MB, sent and parsed again for every
    session and rerun; fetched, the browser caches the file and the script stays small.
    """

    function = "staticGeoJson"

    def __init__(self, url: str, style: dict, name: str, z_index: int, tooltip_fields: tuple[str, ...] = (),
                 style_by_kind: dict[str, dict] | None = None, attribution: str = "") -> None:
        super().__init__({"attribution": attribution, "byKind": style_by_kind or {}, "pane": f"ce-{name}",
                                      "zIndex": int(z_index), "url": url, "style": style, "name": name,
                                      "tooltipFields": list(tooltip_fields)})


class ViewInUrl(MapCall):
    """Keeps the map's centre and zoom in the page's URL (`view=LAT,LON,ZOOM`), so a copied link
    reproduces the view and not only the filter. Written after a move (debounced: a drag is one
    write, not sixty) with replaceState (moving the map is not a page for the Back button), and
    written again when the page rewrites its URL: Streamlit sets the URL from the filters on
    every rerun, from its own copy of the query string, which never holds what the map wrote."""

    function = "viewInUrl"

    def __init__(self, delay_ms: int = 500, recheck_ms: int = 1000) -> None:
        super().__init__({"delayMs": int(delay_ms), "recheckMs": int(recheck_ms)})


class AreaTool(MapCall):
    """A button that turns the next drag on the map into a box, sent to the page as the area filter
    (dashboard/view.py takes it from the map's value)."""

    function = "areaTool"


class MeasureTool(MapCall):
    """A button after which two clicks on the map measure the distance between them."""

    function = "measureTool"


class TiledEvents(JSCSSMixin, MapCall):
    """A published site's events beyond MAX_FEATURES (events/tiles.py writes the files): the
    events of the view, fetched as the event tiles that hold it, wherever those hold few enough;
    else, zoomed in, the small fixed cells of the view's cell tiles; else the grid of them all.
    opts: counts {"Z/X/Y": events} (the event tiles), base (their folder), maxTiles, limit (most
    events drawn), cells {z, tiles, dlat, dlon, cell_deg, maxTiles}, grid (AggregateLayer's data)."""

    function = "tiledEvents"

    default_js = CLUSTER_JS
    default_css = CLUSTER_CSS

    def __init__(self, opts: dict) -> None:
        style = marker_style()
        super().__init__({**opts, "gridOpts": {"data": opts.pop("grid"), "types": style["types"],
                                               "typeNames": style["typeNames"]},
                          "eventOpts": {"few": int(UNCERTAINTY_ALL_UP_TO), "showAll": False, **style}})


class FilterPanel(MapCall):
    """A published site's filters, run in the browser (static/map/layers.js filterPanel) over the
    events layer: per event its dates, sub-type, dataset and searchable text (lower case). tiled: a
    site beyond the drawing limit, whose events and cells carry their own fields (TiledEvents)."""

    function = "filterPanel"

    def __init__(self, opts: dict) -> None:
        if opts.get("tiled"):  # no events layer to name them yet: the opening view is the grid
            style = marker_style()
            opts = {**opts, "typeNames": style["typeNames"], "claimNames": style["claimNames"]}
        super().__init__(opts)
