"""st_folium with the base map rendered once per process, not once per page run.

streamlit-folium renders the whole folium map on every call: for our offline base
map (1 MB of boundaries) that is ~1 s of Jinja templates, JSON and a walk over every
boundary vertex for its bounds, per session and per rerun; twenty analysts opening
the page at once paid it twenty times while the server stopped answering. Here
the base map's strings (script, header, html, assets, bounds) are computed once
per process and shared; each run renders only its small events layer, against an
empty map that carries the base map's id. The component call itself is
streamlit-folium's own (pinned in requirements.txt), with the same arguments
st_folium gives it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import folium
import streamlit as st
import streamlit_folium as sf
from streamlit import runtime


@dataclass(frozen=True)
class RenderedMap:
    script: str
    header: str
    html: str
    map_id: str  # folium's full id of the base map (the layer's JS refers to it)
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: tuple
    zoom: int | None


def render_once(m: folium.Map) -> RenderedMap:
    """What st_folium computes from a map, computed once."""
    m.get_root().render()
    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    css: list[str] = []
    js: list[str] = []

    def walk(el):
        if isinstance(el, folium.elements.JSCSSMixin):
            yield el
        for child in getattr(el, "_children", {}).values():
            yield from walk(child)

    for el in walk(m):
        css.extend(href for _, href in getattr(el, "default_css", []))
        js.extend(src for _, src in getattr(el, "default_js", []))
    return RenderedMap(script, header, html, sf.get_full_id(m), tuple(dict.fromkeys(css)),
                       tuple(dict.fromkeys(js)), tuple(map(tuple, m.get_bounds())), m.options.get("zoom"))


@st.cache_resource(show_spinner=False, max_entries=4)
def base(online_tiles: bool) -> RenderedMap:
    """The offline base map (and the variant with online tiles), rendered once per process."""
    from dashboard.mapview import base_map

    return render_once(base_map(online_tiles=online_tiles))


def layer_script(fg: folium.FeatureGroup, rendered: RenderedMap) -> str:
    """The events layer's JS, rendered against an empty map that has the base map's id."""
    host = folium.Map(tiles=None)
    host._id = rendered.map_id.rsplit("_", 1)[-1]
    return sf._get_feature_group_string(fg, map=host, idx=0)


@st.cache_resource(show_spinner=False, max_entries=32)
def layer_js(key: tuple, _kind: str, _payload: dict, _rendered: RenderedMap, _control: dict | None = None,
             open_id: str | None = None, show_all: bool = False) -> str:
    """The events layer's JS for one (store, filter, view bounds, base map, control map, open popup)
    key (and the uncertainty toggle), shared by sessions."""
    from dashboard.mapview import group_of

    return layer_script(group_of(_kind, _payload, _control, open_id, show_all), _rendered)


@functools.lru_cache(maxsize=8)
def _hash_key(script: str, key: str) -> str:
    return sf.generate_js_hash(script, key, False)  # a regex over the 1 MB script: once, not per run


def ensure_registered() -> None:
    """streamlit-folium registers its component with the server only when it is first imported
    inside a page run. `make run`'s launcher warms the store and the base map in a thread of its
    own as the server starts, outside any page run: when that thread imports it first, the
    component is never registered, the browser gets a 404 for it and the map stays blank.
    Registering it here, inside the run, whenever it is missing, holds whatever imported it first."""
    if not runtime.exists():
        return
    registry = runtime.get_instance().component_registry
    component = sf._component_func
    if registry.get_component(component.name) is None:
        registry.register_component(component)


DRAWN = "_ce_drawn"  # session flag: this session's browser has drawn a map


def show(rendered: RenderedMap, layer: str, *, key: str, height: int, center, zoom: int,
         returned_objects: list[str]):
    """st_folium(base map, feature_group_to_add=..., ...) with the base map and the layer pre-rendered."""
    ensure_registered()
    (south, west), (north, east) = rendered.bounds
    bounds = {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}
    defaults = {k: v for k, v in {"bounds": bounds, "zoom": rendered.zoom}.items() if k in returned_objects}
    hash_key = _hash_key(rendered.script, key)

    def on_change():
        st.session_state[key] = st.session_state.get(hash_key, {})

    value = sf._component_func(
        script=rendered.script, header=rendered.header, html=rendered.html, id=rendered.map_id, key=hash_key,
        height=height, width=None, returned_objects=returned_objects, default=defaults, zoom=zoom,
        center=center, feature_group=layer, return_on_hover=False, layer_control=None,
        pixelated=False, css_links=list(rendered.css_links), js_links=list(rendered.js_links),
        on_change=on_change, wrap_longitude=False)
    if isinstance(value, dict) and (value.get("ce_drawn") or value != defaults):
        # The browser drew the map: it said so, or sent a value of its own (a value the component
        # sent after ours may have replaced it). The page's later parts follow from now on.
        st.session_state[DRAWN] = True
    return value
