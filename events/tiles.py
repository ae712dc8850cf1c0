"""A published site's data beyond the drawing limit, as plain files a browser fetches by view.

Two kinds, both under the site's `tiles/` folder, both indexed in the page (TiledEvents' opts):

`tiles/index.json` lists both (a script or QGIS needs no page to find them).

- Event tiles, `tiles/Z/X/Y.json`: each the map layer's own data (dashboard/mapview.layer_data:
  markers and popups) for the events inside one web-map tile. Tiles start at EVENT_ZOOM and a
  tile holding more than LEAF_EVENTS is cut into its four children, down to LEAF_ZOOM (a
  quadtree), so that a view zoomed in on a busy city fetches a few small files, not one huge one.
  The page draws events wherever the leaves of its view hold MAX_FEATURES or fewer.
- Cell tiles, `tiles/cells/X/Y.json` at CELL_ZOOM: the grid (events.aggregate.grid_payload) of
  fixed cells of CELL_DEG degrees (about 4 km), each cell in the tile of its centre, so
  that a view too busy for markers shows cells of a few kilometres instead of the
  whole site's coarse grid.

Beside each, what the page's filters need (static/map/layers.js filterPanel, tiled), fetched only
once a filter is set, gzipped: `Z/X/Y.f.json.gz` the filter fields of an event tile's events
(dashboard/mapview.filter_fields), `cells/X/Y.cube.json.gz` a cube of a cell tile's cells: counts by
month, kind (type and sub-type), claim status, dataset and regions, coded into small tables the
page holds (`facets`), which also holds the cube of the whole site by month (the timeline, the
count). `tiles/grid.json.gz` is the same cube over the opening grid's own cells.

Tiles rather than FlatGeobuf or PMTiles: plain files any server or CDN serves and caches, with
no range requests and no decoder to vendor, and the map's layers draw them as they are.
"""
from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from events.atomic import write_bytes_atomic

EVENT_ZOOM = 10  # about 39 x 26 km at 48° N
LEAF_ZOOM = 14
LEAF_EVENTS = 1500
CELL_ZOOM = 8  # about 1.4 x 0.9 degrees at 48° N: a view at zoom 8 to 10 touches 4 to 24 of them
CELL_DEG = 0.04  # cell height in degrees of latitude (about 4.4 km, 7 px at zoom 8, 29 px at zoom 10)
MAX_TILES_PER_VIEW = 64  # beyond this many event tiles in view, cells (a wide view would fetch hundreds)
MAX_CELL_TILES_PER_VIEW = 40  # beyond, the grid of the whole site (a view at zoom 7 or less)


def tile_xy(lat: np.ndarray, lon: np.ndarray, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Web-map (slippy) tile of each point at zoom z, as static/map/layers.js computes it."""
    n = 2 ** z
    lat = np.radians(np.clip(lat, -85.05, 85.05))
    x = np.clip(np.floor((lon + 180) / 360 * n), 0, n - 1).astype(np.int64)
    y = np.clip(np.floor((1 - np.arcsinh(np.tan(lat)) / np.pi) / 2 * n), 0, n - 1).astype(np.int64)
    return x, y


def leaves(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(z, x, y) of each point's leaf: its EVENT_ZOOM tile, cut into children while it holds more
    than LEAF_EVENTS, down to LEAF_ZOOM (events at one point stay together whatever their number)."""
    z = np.full(len(lat), EVENT_ZOOM, dtype=np.int64)
    x, y = tile_xy(lat, lon, EVENT_ZOOM)
    for level in range(EVENT_ZOOM, LEAF_ZOOM):
        here = np.flatnonzero(z == level)
        _, inv, counts = np.unique(x[here] * 2 ** level + y[here], return_inverse=True, return_counts=True)
        split = here[counts[inv] > LEAF_EVENTS]
        if not len(split):
            break
        z[split] = level + 1
        x[split], y[split] = tile_xy(lat[split], lon[split], level + 1)
    return z, x, y


def facets(rows) -> tuple[dict, pd.DataFrame, list[list[int]], list[dict]]:
    """The site's filter tables (kinds: [type index, sub-type]; claim statuses counted as claims;
    datasets; region sets: region-table entries; months) and each event's codes into them (columns
    m, k, c, d, r), its region entries, and the region table (dashboard/mapview.region_table)."""
    from dashboard.mapview import region_table
    from dashboard.safe import text as safe_text
    from dashboard.style import CLAIM_ORDER
    from events.aggregate import CLAIMS, type_codes

    sub_codes, subs = pd.factorize(rows["sub_event_type"].astype(object).where(rows["sub_event_type"].notna(), ""))
    kind, kind_keys = pd.factorize(sub_codes.astype(np.int64) * 64 + type_codes(rows["event_type"]))
    dataset, datasets = pd.factorize(rows["dataset"].astype(str))
    per_event, region_keys = region_table(rows)
    region, region_sets = pd.factorize(pd.Series([tuple(x) for x in per_event], dtype=object))
    month, months = pd.factorize(rows["date"].to_numpy("datetime64[M]"))
    claim = rows["claim_status"].map({c: i for i, c in enumerate(CLAIM_ORDER)}).fillna(0).astype(np.int64)
    codes = pd.DataFrame({"m": month, "k": kind, "c": claim.to_numpy(), "d": dataset, "r": region})
    tables = {"kinds": [[int(k % 64), safe_text(subs[k // 64])] for k in kind_keys.tolist()],
              "claimed": [i for i, c in enumerate(CLAIM_ORDER) if c in CLAIMS],
              "datasets": [safe_text(d) for d in datasets], "regionSets": [list(r) for r in region_sets],
              "months": np.datetime_as_string(np.asarray(months, dtype="datetime64[M]"), unit="M").tolist()}
    return tables, codes, per_event, region_keys


def cube(codes: pd.DataFrame, cell: np.ndarray | None = None) -> dict[str, list[int]]:
    """Events counted by their codes (and cell, as "i", when given): columns of equal length, n the count."""
    frame = codes if cell is None else codes.assign(i=cell)
    g = frame.groupby(list(frame.columns), sort=True).size()
    out = {name: g.index.get_level_values(name).astype(np.int64).tolist() for name in frame.columns}
    out["n"] = g.astype(np.int64).tolist()
    return out


def write_event_tiles(rows, links: dict, folder: Path, regions: list[list[int]] | None = None,
                      features: Callable[[pd.DataFrame], Iterable[bytes]] | None = None) -> dict[str, int]:
    """One file per leaf under folder (Z/X/Y.json) with the layer data of its rows, in the rows'
    own order, and each row's place among rows ("pos"); their filter fields (regions: each row's
    entries in the site's region table); and, given features (the store's GeoJSON export of some
    rows), Z/X/Y.geojson.gz, what "download what is shown" takes its features from. Returns the
    index the page reads: {"Z/X/Y": events}."""
    from dashboard.mapview import filter_fields, layer_data

    z, x, y = leaves(rows["lat"].to_numpy(np.float64), rows["lon"].to_numpy(np.float64))
    key = (z << 58) | (x << 29) | y
    order = np.argsort(key, kind="stable")
    keys, starts, counts = np.unique(key[order], return_index=True, return_counts=True)
    index = {}
    for k, start, count in zip(keys.tolist(), starts.tolist(), counts.tolist()):
        name = f"{k >> 58}/{(k >> 29) & (2 ** 29 - 1)}/{k & (2 ** 29 - 1)}"
        part = rows.iloc[order[start:start + count]]
        payload = layer_data(part, links)
        payload["cur"] = [False] * count  # no dashboard behind the site: no Edit links
        payload["pos"] = order[start:start + count].tolist()  # a download from several tiles in the export's order
        _write_json(folder / f"{name}.json", payload)
        if features is not None:
            target = folder / f"{name}.geojson.gz"
            write_bytes_atomic(target, gzip.compress(b"".join(bytes(c) for c in features(part)), compresslevel=6,
                                                     mtime=0))
        if regions is not None:  # fetched only once a filter is set: a reader who filters nothing never pays for them
            _write_json(folder / f"{name}.f.json",
                        filter_fields(part, [regions[j] for j in order[start:start + count].tolist()]), gzipped=True)
        index[name] = count
    return index


def write_cell_tiles(rows, folder: Path, codes: pd.DataFrame | None = None) -> tuple[list[str], dict]:
    """The fixed-size grid of the rows, one file per CELL_ZOOM tile (X/Y.json, the cells whose
    centre lies in it: each cell in one file), with the cube of its cells when codes are given
    ("i": the cell's place in the file); returns the tiles written and the cells' size."""
    from events.aggregate import ASPECT, CLAIMS, grid_payload, type_codes

    lat, lon = rows["lat"].to_numpy(np.float64), rows["lon"].to_numpy(np.float64)
    ix, iy = np.floor(lon / (CELL_DEG / ASPECT)).astype(np.int64), np.floor(lat / CELL_DEG).astype(np.int64)
    grid = grid_payload(ix, iy, type_codes(rows["event_type"]), np.ones(len(rows), dtype=np.int64), CELL_DEG,
                        len(rows), rows["claim_status"].isin(CLAIMS).to_numpy(np.int64))
    south, west = np.asarray(grid["south"]), np.asarray(grid["west"])
    tx, ty = tile_xy(south + CELL_DEG / 2, west + CELL_DEG / ASPECT / 2, CELL_ZOOM)
    key = tx * 2 ** CELL_ZOOM + ty
    order = np.argsort(key, kind="stable")
    keys, starts, counts = np.unique(key[order], return_index=True, return_counts=True)
    tile_of = np.empty(len(south), dtype=np.int64)  # per cell: its file, and its place in the file
    place = np.empty(len(south), dtype=np.int64)
    for t, (start, count) in enumerate(zip(starts.tolist(), counts.tolist())):
        tile_of[order[start:start + count]] = t
        place[order[start:start + count]] = np.arange(count)
    cubes = None
    if codes is not None:  # grid_payload orders its cells by the same keys, sorted
        event_key = ix * 1_000_003 + iy
        per_cell = pd.DataFrame(cube(codes, np.searchsorted(np.unique(event_key), event_key)))
        per_cell["t"] = tile_of[per_cell["i"].to_numpy()]
        per_cell["i"] = place[per_cell["i"].to_numpy()]
        cubes = dict(tuple(per_cell.groupby("t", sort=True)))
    written = []
    for t, (k, start, count) in enumerate(zip(keys.tolist(), starts.tolist(), counts.tolist())):
        pick = order[start:start + count]
        part = {name: [grid[name][i] for i in pick] for name in ("south", "west", "n", "t", "types", "cl")}
        name = f"{k // 2 ** CELL_ZOOM}/{k % 2 ** CELL_ZOOM}"
        _write_json(folder / f"{name}.json", part)
        if cubes is not None:  # beside it, fetched only once a filter is set
            mine = cubes[t]
            _write_json(folder / f"{name}.cube.json",
                        {c: mine[c].astype(np.int64).tolist() for c in ("i", "m", "k", "c", "d", "r", "n")}, gzipped=True)
        written.append(name)
    return written, {"dlat": grid["dlat"], "dlon": grid["dlon"], "cell_deg": grid["cell_deg"]}


def write_grid_cube(rows, codes: pd.DataFrame, target: Path, max_cells: int) -> None:
    """The cube over the cells of the site's opening grid (events.aggregate.cells_of, the cells the
    store's grid draws): what the page filters while the whole site is in view."""
    from events.aggregate import ASPECT, cells_of

    cell, ix, iy, inv, keys = cells_of(rows["lat"].to_numpy(np.float64), rows["lon"].to_numpy(np.float64), max_cells)
    first = np.zeros(len(keys), dtype=np.int64)
    first[inv[::-1]] = np.arange(len(inv))[::-1]
    _write_json(target, {"south": np.round(iy[first] * cell, 5).tolist(),
                         "west": np.round(ix[first] * (cell / ASPECT), 5).tolist(),
                         "dlat": round(cell, 6), "dlon": round(cell / ASPECT, 6), "cell_deg": round(cell, 4),
                         "cube": cube(codes, np.asarray(inv, dtype=np.int64))}, gzipped=True)


def _write_json(target: Path, payload: dict, *, gzipped: bool = False) -> None:
    """payload as compact JSON at target, or gzipped at target + ".gz" (the filter files: a static
    server sends them as they are, and the page inflates them itself, DecompressionStream)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if gzipped:
        write_bytes_atomic(target.with_name(target.name + ".gz"), gzip.compress(body, compresslevel=6, mtime=0))
    else:
        write_bytes_atomic(target, body)


def write_tiles(rows, links: dict, folder: Path, max_cells: int,
                features: Callable[[pd.DataFrame], Iterable[bytes]] | None = None) -> dict:
    """Both kinds of tiles of the rows (every column the layer draws, in the export's order) and the
    opening grid's cube under folder; returns what the page needs to find them and filter them
    (dashboard/layers.py TiledEvents' opts, but the grid; regionKeys: FilterPanel's region table)."""
    tables, codes, regions, region_keys = facets(rows)
    counts = write_event_tiles(rows, links, folder, regions, features)
    cells, size = write_cell_tiles(rows, folder / "cells", codes)
    write_grid_cube(rows, codes, folder / "grid.json", max_cells)
    index = {"events": {"pattern": "{z}/{x}/{y}.json", "fields": "{z}/{x}/{y}.f.json.gz",
                        **({"features": "{z}/{x}/{y}.geojson.gz"} if features is not None else {}), "counts": counts},
             "cells": {"pattern": "cells/{x}/{y}.json", "cube": "cells/{x}/{y}.cube.json.gz", "zoom": CELL_ZOOM,
                       "tiles": cells, **size},
             "grid": "grid.json.gz", "facets": tables}
    _write_json(folder / "index.json", index)
    return {"counts": counts, "base": folder.name, "maxTiles": MAX_TILES_PER_VIEW,
            "cells": {"z": CELL_ZOOM, "tiles": cells, **size, "maxTiles": MAX_CELL_TILES_PER_VIEW},
            "facets": {**tables, "monthCube": cube(codes)}, "regionKeys": region_keys}
