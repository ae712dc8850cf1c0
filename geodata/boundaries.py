"""Admin-1 and country polygons (Natural Earth, public domain) and point-in-polygon.

Loaded once per process with geopandas; queried with shapely's STRtree over whole
arrays of points, so assigning regions to a million events is one call.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from geopy.distance import geodesic

from geodata.regions import DATA

ADMIN1_FILE = DATA / "admin1_ua_ru_neighbours.geojson"
COUNTRIES_FILE = DATA / "admin0_ua_ru_neighbours_from_admin1.geojson"
EUROPE_FILE = DATA / "admin0_europe.geojson"


@lru_cache(maxsize=1)
def admin1() -> gpd.GeoDataFrame:
    """Admin-1 units: iso_3166_2, gn_a1_code, name_en, iso_a2, geometry."""
    gdf = gpd.read_file(ADMIN1_FILE, columns=["iso_3166_2", "gn_a1_code", "name_en", "iso_a2",
                                               "ne_label_lat", "ne_label_lon"])
    return gdf


@lru_cache(maxsize=1)
def _tree() -> shapely.STRtree:
    return shapely.STRtree(admin1().geometry.values)


@dataclass(frozen=True)
class RegionShape:
    code: str
    name: str
    country: str
    lat: float  # a point inside the unit (Natural Earth's label point where it is inside)
    lon: float
    radius_km: float  # from that point to the unit's farthest boundary vertex


def assign_admin1(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(admin1 ISO codes, country codes) for arrays of points; None outside coverage."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    pts = shapely.points(lon, lat)
    codes = np.full(len(pts), None, dtype=object)
    ccs = np.full(len(pts), None, dtype=object)
    if len(pts):
        src, dst = _tree().query(pts, predicate="within")
        gdf = admin1()
        # A point on a shared border can fall in two units: keep the first.
        first = np.unique(src, return_index=True)[1]
        src, dst = src[first], dst[first]
        codes[src] = gdf["iso_3166_2"].values[dst]
        ccs[src] = gdf["iso_a2"].values[dst]
    return codes, ccs


def point_region(lat: float, lon: float) -> tuple[str | None, str | None]:
    codes, ccs = assign_admin1(np.array([lon]), np.array([lat]))
    return codes[0], ccs[0]


@lru_cache(maxsize=512)
def region_shape(code: str) -> RegionShape:
    """Where to put a region-level event, and how uncertain that is."""
    gdf = admin1()
    row = gdf[gdf["iso_3166_2"] == code]
    if row.empty:
        raise KeyError(code)
    r = row.iloc[0]
    geom = r.geometry
    label = shapely.points(r["ne_label_lon"], r["ne_label_lat"])
    pt = label if geom.contains(label) else geom.representative_point()
    coords = shapely.get_coordinates(geom.exterior if geom.geom_type == "Polygon" else
                                     shapely.get_exterior_ring(shapely.get_parts(geom)))
    # Farthest vertex by a quick spherical estimate, then its true geodesic distance.
    la1, lo1 = np.radians(pt.y), np.radians(pt.x)
    la2, lo2 = np.radians(coords[:, 1]), np.radians(coords[:, 0])
    hav = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    far = coords[int(np.argmax(hav))]
    radius = geodesic((pt.y, pt.x), (far[1], far[0])).km
    return RegionShape(code, r["name_en"], r["iso_a2"], round(pt.y, 6), round(pt.x, 6), round(radius, 1))


def region_geometry(code: str):
    gdf = admin1()
    row = gdf[gdf["iso_3166_2"] == code]
    return None if row.empty else row.geometry.iloc[0]
