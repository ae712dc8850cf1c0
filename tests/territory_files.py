"""Control snapshots drawn for the tests (no DeepStateMap or ISW polygons may be committed):
boxes around the seed's Donetsk front, in the three layouts the importer reads.

  2025-01-03  DeepStateMap API JSON: occupied east of Kurakhove, Kurakhove itself grey
              (contested), plus a territories.* layer and a point that must be skipped
  2025-01-08  archive file named by date: one MultiPolygon, occupied now covers Kurakhove
  2025-01-20  GeoJSON with date and status properties (ISW-style): Shevchenko grey, not occupied
"""
from __future__ import annotations

import json
from pathlib import Path

KURAKHOVE = (37.28069, 47.9847)
SHEVCHENKO = (37.185847, 48.048255)


def box(x0, y0, x1, y1, z: bool = False) -> list:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return [[[*p, 0] for p in ring]] if z else [ring]


def deepstate_json(day: str = "2025-01-03T20:15:00Z") -> dict:
    return {"id": 1735935300, "datetime": day, "map": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Окупована територія /// Occupied /// geoJSON.status.occupied"},
         "geometry": {"type": "Polygon", "coordinates": box(37.35, 47.6, 38.5, 48.5, z=True)}},
        {"type": "Feature", "properties": {"name": "Статус невідомий /// Unknown status\xa0/// geoJSON.status.unknown\n"},
         "geometry": {"type": "Polygon", "coordinates": box(37.25, 47.9, 37.35, 48.1, z=True)}},
        {"type": "Feature", "properties": {"name": "ОРДЛО /// ORDLO /// geoJSON.territories.ordlo"},
         "geometry": {"type": "Polygon", "coordinates": box(38.0, 47.8, 39.0, 48.4, z=True)}},
        {"type": "Feature", "properties": {"name": "Unit /// 3rd brigade"},
         "geometry": {"type": "Point", "coordinates": [37.5, 48.0, 0]}},
    ]}}


def archive_geojson() -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "MultiPolygon", "coordinates": [box(37.25, 47.6, 38.5, 48.5), box(33.0, 44.5, 36.0, 45.5)]}}]}


def isw_geojson() -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"date": "2025-01-20", "status": "Assessed Russian-controlled"},
         "geometry": {"type": "Polygon", "coordinates": box(37.25, 47.6, 38.5, 48.5)}},
        {"type": "Feature", "properties": {"date": "2025-01-20", "status": "Grey zone"},
         "geometry": {"type": "Polygon", "coordinates": box(37.15, 48.0, 37.25, 48.1)}},
    ]}


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = [(folder / "history-2025-01-03.json", deepstate_json()),
             (folder / "deepstatemap_data_20250108.geojson", archive_geojson()),
             (folder / "isw-control.geojson", isw_geojson())]
    for path, data in files:
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return [p for p, _ in files]
