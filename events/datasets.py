"""Bulk datasets beside the curated catalogue: GeoParquet files with a manifest.

Layout under the data directory ($EVENTS_DATA, default ./data):
  <name>/events.parquet   GeoParquet with a bbox covering column, row groups of 100,000
  <name>/manifest.json    source file and hash, import time, counts read/imported/rejected
  <name>/rejects.csv      every rejected row: line, source id, reason
A re-import builds the new version beside the old and swaps directories, so a
crash mid-import leaves the previous version readable.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from events.errors import EventsError
from events.vocab import DATASET_NAME
from events.store import ALL_COLUMNS, conform, plain

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data"
NAME = re.compile(DATASET_NAME)
CURATED_ONLY = ("tags", "actors", "sources", "geo_flags", "path")
STORED = [c for c in ALL_COLUMNS if c not in CURATED_ONLY]
ROW_GROUP = 100_000


def data_dir(override: str | os.PathLike | None = None) -> Path:
    if override:
        return Path(override)
    env = os.environ.get("EVENTS_DATA")
    return Path(env) if env else DEFAULT_DATA


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_dataset(rows: pd.DataFrame, target: Path) -> None:
    """rows in our columns -> GeoParquet at target/events.parquet."""
    import geopandas as gpd

    df = conform(rows)[STORED].reset_index(drop=True)  # source order: re-sorting a million rows costs more than it saves
    geom = gpd.points_from_xy(df["lon"].to_numpy(np.float64), df["lat"].to_numpy(np.float64), crs="EPSG:4326")
    gdf = gpd.GeoDataFrame(df, geometry=geom, crs="EPSG:4326")
    gdf.to_parquet(target / "events.parquet", write_covering_bbox=True, row_group_size=ROW_GROUP, index=False)


def import_file(fmt: str, path: str | os.PathLike, name: str, root: Path | None = None) -> dict:
    """Import, then swap the new version in atomically; returns the manifest."""
    from events.importers import importer

    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise EventsError(f"dataset name {name!r}: use lowercase letters, digits, '-' or '_'")
    if name == "curated":
        raise EventsError("dataset name 'curated' is the hand-curated catalogue's")
    root = data_dir(root)
    path = Path(path)
    t0 = time.perf_counter()
    result = importer(fmt)(path, name)
    assert result.read == len(result.rows) + len(result.rejects), "rows read must equal imported + rejected"
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{name}.importing-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        write_dataset(result.rows, tmp)
        result.rejects.to_csv(tmp / "rejects.csv", index=False)
        manifest = {
            "dataset": name, "format": fmt, "source_file": str(path.resolve()), "source_sha256": _sha256(path),
            "source_encoding": result.encoding,
            "imported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "rows_read": result.read, "imported": len(result.rows), "rejected": len(result.rejects),
            "rejects_file": "rejects.csv", "notes": result.notes,
            "seconds": round(time.perf_counter() - t0, 3),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        final = root / name
        old = root / f".{name}.old-{os.getpid()}"
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _recover(root: Path) -> None:
    """A crash between the two renames leaves .<name>.old-*: put it back."""
    for old in root.glob(".*.old-*"):
        name = old.name[1:].rsplit(".old-", 1)[0]
        if not (root / name).exists():
            os.replace(old, root / name)
    for tmp in root.glob(".*.importing-*"):
        if time.time() - tmp.stat().st_mtime > 3600:
            shutil.rmtree(tmp, ignore_errors=True)


def list_datasets(root: Path | None = None) -> list[dict]:
    root = data_dir(root)
    if not root.is_dir():
        return []
    _recover(root)
    out = []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            out.append(json.loads((d / "manifest.json").read_text()))
        except (OSError, ValueError):
            continue  # not a dataset (or a damaged one): skipped
    return out


def load_tables(root: Path | None = None) -> list[pa.Table]:
    """Every dataset as an Arrow table (low-cardinality columns dictionary-encoded)."""
    from events.store import CATEGORY_COLUMNS

    root = data_dir(root)
    return [pq.read_table(root / m["dataset"] / "events.parquet", columns=STORED,
                          read_dictionary=[c for c in CATEGORY_COLUMNS if c in STORED])
            for m in list_datasets(root)]


def to_frame(tables: list[pa.Table], head: pd.DataFrame | None = None) -> pd.DataFrame:
    """Arrow tables (and an optional small frame of ours first, e.g. the curated records)
    as one frame in our columns, converted once: no full copy of a million rows."""
    if head is not None and len(head):
        schema = tables[0].schema
        cur = pa.Table.from_pandas(plain(head)[STORED], preserve_index=False)
        tables = [cur.cast(schema)] + tables
    if not tables:
        return pd.DataFrame(columns=ALL_COLUMNS)
    table = pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
    del tables
    df = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    n_head = len(head) if head is not None else 0
    for col in CURATED_ONLY:
        values = np.full(len(df), None, dtype=object)
        if n_head:
            values[:n_head] = head[col].to_numpy(object)
        df[col] = values
    return df[ALL_COLUMNS]


def load_datasets(root: Path | None = None) -> pd.DataFrame:
    """Every dataset as one frame in our columns (no geometry objects: lat/lon columns)."""
    return to_frame(load_tables(root))
