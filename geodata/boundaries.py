"""Admin-1 and country polygons (Natural Earth, public domain) and point-in-polygon.

Loaded once per process with geopandas; queried with shapely's STRtree over whole
arrays of points, so assigning regions to a million events is one call.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
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


# A point this close outside every admin-1 polygon takes the nearest one: the simplified
# coastlines and river banks (Kherson on the Dnipro, Ochakiv, southern Mykolaiv) cut off real
# places by a few km. Farther out (a ship at sea) it stays without a region.
SNAP_KM = 10.0


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance for whole arrays (geopy's geodesic per pair is ~1,000x slower; at
    these distances the two differ by under 0.5 %)."""
    la1, lo1, la2, lo2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def assign_admin1_detail(lon: np.ndarray, lat: np.ndarray, snap_km: float = SNAP_KM
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(admin1 ISO codes, country codes, km outside the polygon) for arrays of points.

    Inside a polygon the distance is 0; a point within snap_km outside every polygon takes
    the nearest one and its distance; beyond that: None, None, NaN.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    pts = shapely.points(lon, lat)
    codes = np.full(len(pts), None, dtype=object)
    ccs = np.full(len(pts), None, dtype=object)
    dist = np.full(len(pts), np.nan)
    if not len(pts):
        return codes, ccs, dist
    gdf = admin1()
    src, dst = _tree().query(pts, predicate="within")
    # A point on a shared border can fall in two units: keep the first.
    first = np.unique(src, return_index=True)[1]
    src, dst = src[first], dst[first]
    codes[src] = gdf["iso_3166_2"].values[dst]
    ccs[src] = gdf["iso_a2"].values[dst]
    dist[src] = 0.0
    out = np.flatnonzero(np.isnan(dist) & ~np.isnan(lon) & ~np.isnan(lat))
    if len(out) and snap_km > 0:
        deg = snap_km / 111.0 / max(np.cos(np.radians(np.clip(np.abs(lat[out]).max(), 0, 80))), 0.17)
        osrc, odst = _tree().query_nearest(pts[out], max_distance=deg, all_matches=False)
        if len(osrc):
            near = shapely.shortest_line(pts[out][osrc], gdf.geometry.values[odst])
            end = shapely.get_coordinates(shapely.get_point(near, 1))
            km = haversine_km(lat[out][osrc], lon[out][osrc], end[:, 1], end[:, 0])
            ok = km <= snap_km
            rows = out[osrc[ok]]
            codes[rows] = gdf["iso_3166_2"].values[odst[ok]]
            ccs[rows] = gdf["iso_a2"].values[odst[ok]]
            dist[rows] = km[ok]
    return codes, ccs, dist


def assign_admin1(lon: np.ndarray, lat: np.ndarray, snap_km: float = SNAP_KM) -> tuple[np.ndarray, np.ndarray]:
    """(admin1 ISO codes, country codes) for arrays of points; None outside coverage."""
    codes, ccs, _ = assign_admin1_detail(lon, lat, snap_km)
    return codes, ccs


def km_outside(lon: np.ndarray, lat: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """How far each point lies outside the admin-1 unit its code names (0 inside, NaN when the
    code is unknown): to tell a real disagreement from a point on a simplified border."""
    gdf = admin1()
    geom_of = dict(zip(gdf["iso_3166_2"], gdf.geometry.values))
    out = np.full(len(codes), np.nan)
    pts = shapely.points(np.asarray(lon, float), np.asarray(lat, float))
    for code in pd.unique(pd.Series(codes).dropna()):
        rows = np.flatnonzero(codes == code)
        g = geom_of.get(code)
        if g is None:
            continue
        inside = shapely.contains_xy(g, lon[rows], lat[rows])
        out[rows[inside]] = 0.0
        rest = rows[~inside]
        if len(rest):
            end = shapely.get_coordinates(shapely.get_point(shapely.shortest_line(pts[rest], g), 1))
            out[rest] = haversine_km(lat[rest], lon[rest], end[:, 1], end[:, 0])
    return out


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
