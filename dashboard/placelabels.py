"""Place names for the offline map, as small static files the browser fetches per view.

The gazetteer holds 235,000 places; sending them all would make every page heavy, and a few
hundred cities leave the front blank at the zoom analysts work at. So the names are cut into
tiles by zoom tier (a file of the largest cities for the world view, cells of towns for the
region view, cells of every place for the local view), written once per gazetteer version,
and the map fetches only the cells in view (PlaceLabels in dashboard/layers.py), then thins
them on screen by population so labels never overlap.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from dashboard.safe import text

# (tier, cell size in degrees or 0 for one file, smallest population kept)
TIERS = (("top", 0, 200_000), ("towns", 5, 10_000), ("all", 2, 0))
# The tier each zoom reads, and the smallest place shown at that zoom (the screen thins further).
ZOOM_TIER = {z: ("top" if z <= 5 else "towns" if z <= 7 else "all") for z in range(0, 20)}
ZOOM_MIN_POP = {0: 1_000_000, 1: 1_000_000, 2: 1_000_000, 3: 700_000, 4: 500_000, 5: 200_000, 6: 50_000,
                7: 10_000, 8: 3_000, 9: 1_000}


def _cells(lat: np.ndarray, lon: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    return np.floor(lat / size).astype(int), np.floor(lon / size).astype(int)


def write_tiles(folder: Path) -> dict:
    """Every tier's files under folder; returns the layout the browser needs."""
    from geodata.gazetteer import load_index

    idx = load_index()
    order = np.argsort(-idx.pop, kind="stable")  # largest first: the screen keeps the first that fit
    lat, lon, pop = idx.lat[order], idx.lon[order], idx.pop[order]
    names = [text(idx.name(i)) for i in order]
    for tier, size, min_pop in TIERS:
        keep = np.flatnonzero(pop >= min_pop)
        (folder / tier).mkdir(parents=True, exist_ok=True)
        if not size:
            groups = {"all": keep}
        else:
            cy, cx = _cells(lat[keep], lon[keep], size)
            key = cy * 1000 + cx
            groups = {}
            for k in np.unique(key):
                groups[f"{k // 1000}_{k % 1000}"] = keep[key == k]
        for name, rows in groups.items():
            data = [[names[i], round(float(lat[i]), 4), round(float(lon[i]), 4), int(pop[i])] for i in rows]
            (folder / tier / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                                                      encoding="utf-8")
    return {"tiers": {t: s for t, s, _ in TIERS}, "zoom_tier": ZOOM_TIER, "zoom_min_pop": ZOOM_MIN_POP}


@lru_cache(maxsize=1)
def label_tiles(static_dir: Path, static_url: str) -> dict:
    """The tiles for this gazetteer, written once under static/generated/labels-<hash>/ (a new
    folder appears whole, by rename, so a visitor never reads a half-written one)."""
    from geodata.gazetteer import load_index

    idx = load_index()
    digest = hashlib.blake2b(digest_size=6)
    for a in (idx.lat, idx.lon, idx.pop, idx.name_end):
        digest.update(np.ascontiguousarray(a).tobytes())
    digest.update(idx.names.tobytes())
    digest.update(repr(TIERS).encode())
    name = f"labels-{digest.hexdigest()}"
    parent = static_dir / "generated"
    final = parent / name
    layout_file = final / "layout.json"
    if not layout_file.exists():
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".labels-", dir=parent))
        try:
            layout = write_tiles(tmp)
            (tmp / "layout.json").write_text(json.dumps(layout), encoding="utf-8")
            os.replace(tmp, final)
        except OSError:
            if not layout_file.exists():  # not another process's finished copy: a real failure
                raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    layout = json.loads(layout_file.read_text(encoding="utf-8"))
    return {**layout, "url": f"{static_url}/generated/{name}"}
