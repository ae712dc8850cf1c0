"""The map: a constant offline base map, and the filtered events as one data layer.

The base map (boundaries, labels, legend) is the same on every rerun, so
streamlit-folium keeps its iframe; filtered events travel as a FeatureGroup
through st_folium(feature_group_to_add=...), and the view moves by center/zoom.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import shapely

from dashboard.layers import (CLUSTER_CSS, CLUSTER_JS, LEAFLET_CSS, LEAFLET_JS, MAP_CSS, MAP_JS, AggregateLayer,
                              AreaTool, ControlLayer, EventLayer, FilterPanel, Legend, MeasureTool, PlaceLabels,
                              StaticGeoJson, TileFailureNotice, TiledEvents, ViewInUrl)
from dashboard.popup import SHORT_QUOTE, popup_columns
from dashboard.safe import text as safe_text
from dashboard.style import CLAIM_ORDER, TYPE_ORDER
from events.columns import plain
from events.filters import SEARCHED
from events.territory.control import front_km

# Above this many events, quotes in popups are shortened to keep the page light.
FULL_POPUPS_UP_TO = 2000
# Above this many, the map shows grid cells instead of events, so its HTML stays bounded.
MAX_FEATURES = 5000
MAX_CELLS = 4000
MAX_UNCERTAINTY_SHAPES = 3000
SIMPLIFY_DEG = 0.01  # ~1 km: boundaries stay right at oblast scale and the page stays small


@lru_cache(maxsize=1)
def boundary_layers() -> tuple[dict, dict]:
    """(countries, admin-1) as simplified GeoJSON dicts, computed once per process."""
    import geopandas as gpd

    from geodata.boundaries import EUROPE_FILE, admin1

    a1 = admin1()[["iso_3166_2", "name_en", "iso_a2", "geometry"]].copy()
    # Fine where the war is (west of 45°E), coarse over Siberia, 1e-4° (~10 m) grid.
    tol = np.where(shapely.get_x(shapely.centroid(a1.geometry.values)) < 45, SIMPLIFY_DEG / 2, SIMPLIFY_DEG * 5)
    a1["geometry"] = shapely.set_precision(shapely.simplify(a1.geometry.values, tol, preserve_topology=True), 1e-4)
    countries = gpd.read_file(EUROPE_FILE, columns=["name", "iso_a2"])
    countries["geometry"] = shapely.set_precision(
        shapely.simplify(countries.geometry.values, SIMPLIFY_DEG * 2, preserve_topology=True), 1e-3)
    return (json.loads(countries.to_json(drop_id=True, to_wgs84=False)),
            json.loads(a1.to_json(drop_id=True, to_wgs84=False)))


STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_URL = "/app/static"


def _static_copy(name: str, data: bytes) -> str:
    """The URL of `data` under static/generated/, named by its content's hash (a browser's
    cached copy is never stale), written once, atomically."""
    from events.atomic import write_bytes_atomic

    folder = STATIC_DIR / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"{name}-{hashlib.sha256(data).hexdigest()[:12]}.json"
    if not file.exists():
        write_bytes_atomic(file, data)
    return f"{STATIC_URL}/generated/{file.name}"


@lru_cache(maxsize=1)
def water_url() -> str | None:
    """Rivers and lakes (geodata/water.py) as a static file; None when the file is missing."""
    from geodata.water import WATER_FILE

    try:
        return _static_copy("water", WATER_FILE.read_bytes())
    except OSError:
        return None


@lru_cache(maxsize=1)
def boundary_urls() -> tuple[str, str]:
    """(countries, admin-1) boundary files under static/generated/, named by their content's
    hash, written once."""
    return tuple(_static_copy(name, json.dumps(layer, separators=(",", ":"), ensure_ascii=False).encode())
                 for name, layer in zip(("countries", "admin1"), boundary_layers()))


@lru_cache(maxsize=256)
def region_outline(code: str) -> dict | None:
    _, a1 = boundary_layers()
    for f in a1["features"]:
        if f["properties"]["iso_3166_2"] == code:
            return f
    return None


def _local_assets(m: folium.Map) -> folium.Map:
    """Leaflet, its clustering plugin and our layers' script and style from our own static files,
    on the base map itself: streamlit-folium loads scripts once, when the map first mounts, so a
    layer that needs the plugin later (filtering down from cells to events) must find it already
    there. folium's jQuery/Bootstrap/FontAwesome are not needed."""
    m.default_js = LEAFLET_JS + CLUSTER_JS + MAP_JS
    m.default_css = LEAFLET_CSS + CLUSTER_CSS + MAP_CSS
    return m


def base_map(online_tiles: bool = False, tools: bool = True) -> folium.Map:
    """The constant map: boundaries as the base layer, labels, legend; tiles only if asked; the area
    and measure tools unless not (a published site has no page to send an area to)."""
    m = _local_assets(folium.Map(location=[49.0, 34.0], zoom_start=5, tiles=None, prefer_canvas=True,
                                 control_scale=True))
    # With no tile layer Leaflet has no zoom range, and marker clustering needs one.
    m.options.update({"minZoom": VIEW_ZOOMS[0], "maxZoom": VIEW_ZOOMS[1]})
    countries_url, a1_url = boundary_urls()
    # Each in a pane of its own under the events, so the order holds whichever file arrives first.
    StaticGeoJson(countries_url, {"color": "#8c8c8c", "weight": 1, "fillColor": "#f6f3ec", "fillOpacity": 1},
                  "countries", z_index=250, attribution="Boundaries: Natural Earth · places: GeoNames (CC BY 4.0)"
                  ).add_to(m)
    if water_url():  # rivers and lakes (GSHHG): which bank of the Dnipro, where the reservoirs lie
        StaticGeoJson(water_url(), {"color": "#5b8db8", "weight": 1.2, "opacity": 0.9, "fill": False},
                      "water", z_index=255,
                      style_by_kind={"lake": {"fill": True, "fillColor": "#a9c6de", "fillOpacity": 1, "weight": 0.6}},
                      attribution="Rivers, lakes: GSHHG (LGPL-3.0)").add_to(m)
    StaticGeoJson(a1_url, {"color": "#9a9a9a", "weight": 0.8, "fillOpacity": 0, "dashArray": "2 3"},
                  "admin1", z_index=260, tooltip_fields=("name_en", "iso_3166_2")).add_to(m)
    if online_tiles:  # optional: with no network the map says so and stays readable offline
        tiles = folium.TileLayer("OpenStreetMap", name="OpenStreetMap (online)", attr="© OpenStreetMap contributors",
                                 opacity=0.6).add_to(m)
        TileFailureNotice(tiles).add_to(m)
    from dashboard.placelabels import label_tiles

    PlaceLabels(label_tiles(STATIC_DIR, STATIC_URL)).add_to(m)
    Legend().add_to(m)
    ViewInUrl().add_to(m)
    if tools:
        AreaTool().add_to(m)
    MeasureTool().add_to(m)
    return m


def layer_data(df: pd.DataFrame, links: dict | None = None) -> dict:
    """The compact arrays EventLayer draws: built column-wise, strings escaped."""
    df = plain(df)
    n = len(df)
    if n == 0:
        return {"lat": [], "lon": [], "t": [], "c": [], "id": [], "u": [], "rg": [], "cur": [],
                "popup": {"title": [], "unc": [], "fat": [], "inj": [], "cols": {}, "dicts": {}},
                "regions": {"type": "FeatureCollection", "features": []}}
    prec = df["geo_precision"].to_numpy(dtype="float64", na_value=np.nan)
    unc_m = np.where(prec == 2, df["uncertainty_km"].to_numpy(np.float64) * 1000, 0)
    if (unc_m > 0).sum() > MAX_UNCERTAINTY_SHAPES:
        unc_m[np.flatnonzero(unc_m > 0)[MAX_UNCERTAINTY_SHAPES:]] = 0
    region_level = (prec == 3) & df["admin1_code"].notna().to_numpy()
    codes = df["admin1_code"].astype(object).where(region_level)
    region_codes = [c for c in sorted(set(codes.dropna())) if region_outline(c)]
    regions = [region_outline(c) for c in region_codes]
    rg = codes.map({c: k for k, c in enumerate(region_codes)}).fillna(-1).astype(int)
    return {
        "lat": np.round(df["lat"].to_numpy(np.float64), 6).tolist(),
        "lon": np.round(df["lon"].to_numpy(np.float64), 6).tolist(),
        "t": df["event_type"].map({t: i for i, t in enumerate(TYPE_ORDER)}).astype(int).tolist(),
        "c": df["claim_status"].map({c: i for i, c in enumerate(CLAIM_ORDER)}).astype(int).tolist(),
        "id": [safe_text(x) for x in df["id"]],
        "cur": (df["dataset"] == "curated").tolist(),  # curated events can be opened in the edit form
        "u": np.round(unc_m, 0).astype(int).tolist(),
        "rg": rg.tolist(),  # index of a region-level event's region in "regions", else -1
        "popup": popup_columns(df, None if n <= FULL_POPUPS_UP_TO else SHORT_QUOTE, links),
        "regions": {"type": "FeatureCollection", "features": regions},
    }


def layer(store, f, bounds: tuple | None = None, count: int | None = None,
          links: dict | None = None) -> tuple[str, dict, str, int]:
    """(kind, payload, description, events in view) of the events layer for a filter (and a view's
    bounds), from the store: every event drawn up to MAX_FEATURES, else the store's grid cells (in
    SQL for the database). Plain data, so that it can be cached and shared by sessions
    (dashboard/shared.py) and each session builds its own small folium object around it. links:
    the curated events' related links (events.related.index), for the popups."""
    count = store.count(f) if count is None else count
    if bounds is not None and count > MAX_FEATURES:
        count = store.count(f, bounds)
    else:
        bounds = None
    if count <= MAX_FEATURES:
        return "events", layer_data(layer_rows(store, f, bounds), links), (
            f"{count:,} events, each drawn individually (overlapping ones clustered)."), count
    data = store.grid(f, MAX_CELLS, bounds)
    s = store.summary(f)  # the grid's legend keeps the claims: how many of the filtered events are
    data = {**data, "claimed": s.claimed_or_disputed, "filtered": s.count}
    return "grid", data, (f"{count:,} events, shown as {len(data['n']):,} grid cells of about "
                          f"{data['cell_deg'] * 111:.0f} km; filter down to {MAX_FEATURES:,} or fewer "
                          "to see individual events."), count


def layer_rows(store, f, bounds: tuple | None = None) -> pd.DataFrame:
    """The rows an events layer draws: every column, with what control maps say of each place and
    how far the front is (for its popup) when snapshots are held."""
    sub = store.select(f, None, bounds=bounds)
    if store.archive.sources():
        sub = store.with_control(sub)
        sub["front_km"], sub["front_date"] = front_km(store.archive, sub)
    return sub


def group_of(kind: str, payload: dict, control: dict | None = None, open_id: str | None = None,
             show_all: bool = False) -> folium.FeatureGroup:
    """The events layer, over the control map when one is asked for (dashboard/control.py), with
    one event's popup open when asked (a link to it, a table row), and every uncertainty shape
    drawn when asked (show_all)."""
    fg = folium.FeatureGroup(name="Events")
    ControlLayer(control).add_to(fg)
    (EventLayer(payload, open_id, show_all) if kind == "events" else AggregateLayer(payload)).add_to(fg)
    return fg


def bounds_of(state) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) from st_folium's returned state, rounded so that tiny
    jitter does not count as a move; None before the map has reported a view."""
    try:
        b = state["bounds"]
        vals = (b["_southWest"]["lat"], b["_southWest"]["lng"], b["_northEast"]["lat"], b["_northEast"]["lng"])
    except (KeyError, TypeError):
        return None
    if any(v is None for v in vals):
        return None
    return tuple(round(float(v), 3) for v in vals)


def within(df: pd.DataFrame, bounds: tuple[float, float, float, float]) -> pd.DataFrame:
    """The events inside a map view (column comparisons)."""
    south, west, north, east = bounds
    lat, lon = df["lat"].to_numpy(), df["lon"].to_numpy()
    return df[(lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)]


VIEW_ZOOMS = (3, 14)  # the base map's own zoom range


def parse_view(raw: str) -> tuple[tuple[list[float], int] | None, str | None]:
    """The map view a link carries, `view=LAT,LON,ZOOM` (what the map writes when moved), as
    ((center, zoom), None), or (None, a notice) for a value that is not one; never raises."""
    parts = [p.strip() for p in (raw or "").split(",")]
    try:
        if len(parts) != 3:
            raise ValueError
        lat, lon, zoom = float(parts[0]), float(parts[1]), int(parts[2])
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise ValueError
    except ValueError:
        return None, f"Ignored URL parameter view: {raw[:60]!r} is not LAT,LON,ZOOM (e.g. 48.28,37.18,10)"
    if not (-85 <= lat <= 85 and -180 <= lon <= 180 and VIEW_ZOOMS[0] <= zoom <= VIEW_ZOOMS[1]):
        return None, (f"Ignored URL parameter view: {raw[:60]!r} is off the map (latitude -85..85, "
                      f"longitude -180..180, zoom {VIEW_ZOOMS[0]}..{VIEW_ZOOMS[1]})")
    return ([round(lat, 5), round(lon, 5)], zoom), None


def fit_view(df: pd.DataFrame, width_px: int = 900, height_px: int = 600) -> tuple[list[float], int]:
    """Center and zoom that show every filtered event (and its uncertainty)."""
    from events.storage.embedded import padded_extent

    return fit_extent(padded_extent(df["lat"].to_numpy(np.float64), df["lon"].to_numpy(np.float64),
                                    df["uncertainty_km"].to_numpy(np.float64)), width_px, height_px)


def fit_extent(extent: tuple[float, float, float, float] | None, width_px: int = 900,
               height_px: int = 600) -> tuple[list[float], int]:
    """Center and zoom that show an extent (south, west, north, east); the default view for none."""
    if extent is None:
        return [49.0, 34.0], 5
    south, west, north, east = extent
    center = [(south + north) / 2, (west + east) / 2]

    def merc(y: float) -> float:
        y = max(min(y, 85), -85)
        return math.log(math.tan(math.pi / 4 + math.radians(y) / 2))

    span_x = max(east - west, 0.05) / 360
    span_y = max(merc(north) - merc(south), 0.001) / (2 * math.pi)
    zoom = min(math.log2(width_px / 256 / span_x), math.log2(height_px / 256 / span_y))
    return center, int(max(3, min(12, math.floor(zoom - 0.3))))


def filter_fields(df: pd.DataFrame, regions: list[list[int]] | None = None) -> dict:
    """What a published site's filters test per event: [start, end] dates (ISO), sub-type, dataset,
    and the text the dashboard's search reads (events.filters.SEARCHED), lower case (only compared,
    never put into the page: names are escaped like the layer's, the text is left as it is).
    regions: the events' entries in a region table made for more rows than these (a tiled site's,
    events/tiles.py), given instead of one made here."""
    start = df["date"].dt.strftime("%Y-%m-%d")
    end = df["end_date"].dt.strftime("%Y-%m-%d").fillna("")
    text = pd.Series("", index=df.index, dtype=object)
    for c in SEARCHED:
        if c in df:
            text = text + "\n" + df[c].astype(object).where(df[c].notna(), "").astype(str)
    out = {"dates": [list(p) for p in zip(start, end)], "sub": [safe_text(x) for x in df["sub_event_type"]],
           "datasets": [safe_text(x) for x in df["dataset"]], "text": [x.lower() for x in text]}
    if regions is not None:
        return {**out, "regions": regions}
    regions, keys = region_table(df)
    return {**out, "regions": regions, "regionKeys": keys}


def region_table(df: pd.DataFrame) -> tuple[list[list[int]], list[dict]]:
    """Per event the entries of a small region table it lies in (its country, its admin-1 unit),
    and per entry its label and the spellings a URL's `region=` may give it, normalised as the
    page normalises them (static/map/layers.js regionKey): a code (UA, UA-14), the name (Donetsk
    Oblast, Donetsk), GeoNames' code. The dashboard's own links name a country code or an admin-1
    name, so they open the same events here."""
    from geodata.regions import COUNTRIES, resolve_region

    table: dict[str, int] = {}
    entries: list[dict] = []

    def entry(key: str, label: str, spellings: set[str]) -> int:
        if key not in table:
            table[key] = len(entries)
            entries.append({"label": safe_text(label), "keys": sorted({region_key(s) for s in spellings if s})})
        return table[key]

    pairs = df[["country", "admin1_code"]].astype(object).where(df[["country", "admin1_code"]].notna(), None)
    codes, uniques = pd.factorize(pd.Series(list(zip(pairs["country"], pairs["admin1_code"]))))
    per = []
    for cc, a1 in uniques:
        mine = []
        if cc:
            name = COUNTRIES[cc][0] if cc in COUNTRIES else cc
            mine.append(entry(cc, name, {cc, name}))
        if a1:
            try:
                r = resolve_region(a1).region
                mine.append(entry(a1, r.name, {a1, r.name, r.gn_code, r.name.rsplit(" ", 1)[0]}))
            except Exception:  # noqa: BLE001 - an unknown code is left out of the table, never fatal
                mine.append(entry(a1, a1, {a1}))
        per.append(mine)
    return [per[c] if c >= 0 else [] for c in codes], entries


def region_key(text: str) -> str:
    """A region's spelling reduced as static/map/layers.js reduces a URL's (lower case, no accents or
    apostrophes, no 'oblast'/'region' word, one space between words)."""

    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    t = re.sub(r"['’`]", "", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    return " ".join(w for w in t.split() if w not in ("oblast", "region", "krai", "province", "republic", "of", "the"))


def page_html(store, f, *, published: bool = False, tiles: dict | None = None, links: dict | None = None) -> str:
    """A standalone page of the map of a filter, built by the page's own route (layer, group_of)
    around the base map: for benchmarks, and the published site (events/publish.py: no area tool, no
    Edit links, since no dashboard stands behind it). tiles: a published site's tiles
    (events/tiles.py write_tiles: the event tiles' counts and folder, the cell tiles), drawn by
    view when the filter holds more than MAX_FEATURES. links: store.links(), when the caller
    has them already."""
    links = store.links() if links is None else links
    kind, payload, _, _ = layer(store, f, links=links)
    if published and kind == "events":
        payload = {**payload, "cur": [False] * len(payload["cur"])}
    m = base_map(tools=not published)
    if kind == "grid" and tiles:
        tiles = dict(tiles)
        region_keys = tiles.pop("regionKeys")
        TiledEvents({**tiles, "grid": payload, "limit": MAX_FEATURES}).add_to(m)
        FilterPanel({"tiled": True, "regionKeys": region_keys}).add_to(m)
        return m.get_root().render()
    group_of(kind, payload).add_to(m)
    if published and kind == "events":  # the site's own filters, over the same rows in the same order
        FilterPanel({**filter_fields(store.select(f, None)), "source": "events.geojson"}).add_to(m)
    return m.get_root().render()
