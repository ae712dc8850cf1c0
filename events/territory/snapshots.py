"""Control snapshots stored beside the datasets, and found again by date.

Layout under the data directory ($EVENTS_DATA, default ./data):
  _territory/<source>/snapshots.parquet  GeoParquet: one row per date and status (the areas of
                                         that status merged), the source's labels kept; one row
                                         group per date, so one snapshot is read alone
  _territory/<source>/manifest.json      files read (hash, format, capture time), dates, rejects
  _territory/<source>/rejects.csv        every refused feature: file, feature, reason
The leading underscore keeps the folder out of the dataset names. A re-import of a date
replaces that date; other dates stay. Writes are atomic (a new file renamed over the old).
"""
from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import json
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from events.errors import TerritoryError
from events.locks import FileLock
from events.territory.formats import STATUSES, Read, read_file

FOLDER = "_territory"
SOURCE_NAME = r"[a-z0-9][a-z0-9_-]{0,63}"
SCHEMA = pa.schema([("date", pa.date32()), ("status", pa.string()), ("label", pa.string()),
                    ("area_km2", pa.float64()), ("geometry", pa.binary())])


def territory_dir(data: str | os.PathLike | None = None) -> Path:
    from events.datasets import data_dir

    return data_dir(data) / FOLDER


def check_source_name(source: str) -> str:
    if not re.fullmatch(SOURCE_NAME, source or ""):
        raise TerritoryError(f"--source {source!r}: a source name is lowercase letters, digits, '-' and '_' "
                             "(e.g. deepstate, isw)")
    return source


def _area_km2(geom) -> float:
    from pyproj import Geod

    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(geom)
    return round(abs(area) / 1e6, 1)


def _merge(parts: list) -> object:
    """One valid (multi)polygon from a status's parts: a plain collection when the parts do not
    overlap (cheap), a union when they do (a point in an overlap must count as inside)."""
    polys = [p for g in parts for p in shapely.get_parts(g)]
    collected = shapely.multipolygons(polys)
    return collected if shapely.is_valid(collected) else shapely.make_valid(shapely.union_all(polys))


@dataclass
class ImportResult:
    source: str
    files: int
    dates: list[str]
    replaced: list[str]
    features: int
    skipped: int
    rejected: int
    path: Path


def _lock(folder: Path) -> FileLock:
    """One import of a source at a time: a second is refused at once."""
    return FileLock(folder / ".lock", wait=0, busy=lambda holder: TerritoryError(
        f"{folder}: another import of this source is running; try again when it has finished"))


def import_snapshots(paths: list[str | os.PathLike], source: str, data: str | os.PathLike | None = None, *,
                     fmt: str = "auto", status: str | None = None,
                     status_map: dict[str, str] | None = None) -> ImportResult:
    """Read snapshot files and store them under the source. A file that cannot be read at all
    (no date, not JSON) stops the import before anything is written: fix or leave it out.
    Two files of one date: the later capture (or the later file) wins, and the manifest says so."""
    check_source_name(source)
    if not paths:
        raise TerritoryError("no snapshot files given")
    reads: list[Read] = [read_file(p, fmt=fmt, status=status, status_map=status_map) for p in paths]
    by_date: dict[dt.date, tuple[tuple, list]] = {}
    superseded = []
    for order, r in enumerate(reads):
        for d in sorted({p.date for p in r.pieces}):
            rank = (r.captured or "", order)
            pieces = [p for p in r.pieces if p.date == d]
            if d in by_date:
                if by_date[d][0] > rank:
                    superseded.append(f"{d}: {r.path}")
                    continue
                superseded.append(f"{d}: {by_date[d][1][0][1]}")
            by_date[d] = (rank, [(p, r.path) for p in pieces])
    rows = []
    for d, (_, pieces) in by_date.items():
        for st in STATUSES:
            mine = [p for p, _ in pieces if p.status == st]
            if not mine:
                continue
            geom = _merge([p.geometry for p in mine])
            labels = "; ".join(sorted({p.label for p in mine}))
            rows.append((d, st, labels, _area_km2(geom), shapely.to_wkb(geom)))
    folder = territory_dir(data) / source
    folder.mkdir(parents=True, exist_ok=True)
    with _lock(folder):
        new = pa.table(list(zip(*rows)) if rows else [[] for _ in SCHEMA], schema=SCHEMA)
        target = folder / "snapshots.parquet"
        old_dates: list[str] = []
        if target.exists():
            old = pq.read_table(target, schema=SCHEMA)
            keep = ~np.isin(old["date"].to_numpy(zero_copy_only=False), np.array(list(by_date), dtype="datetime64[D]"))
            old_dates = sorted({str(d) for d in old["date"].to_pylist()})
            new = pa.concat_tables([old.filter(pa.array(keep)), new])
        new = new.sort_by([("date", "ascending"), ("status", "ascending")])
        _write(new, target, source)
        manifest = _manifest(folder, source, reads, new, superseded)
        _write_rejects(folder, reads, manifest)
    dates = sorted(str(d) for d in by_date)
    return ImportResult(source, len(reads), dates, sorted(set(dates) & set(old_dates)),
                        sum(len(r.pieces) for r in reads), sum(r.skipped for r in reads),
                        sum(len(r.rejects) for r in reads), folder)


def _write(table: pa.Table, target: Path, source: str) -> None:
    """One row group per date, the dates and their row groups in the file's own metadata, so a
    reader finds a snapshot from the footer alone; written beside and renamed over the old file."""
    dates = table["date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    starts = np.flatnonzero(np.r_[True, dates[1:] != dates[:-1]]) if len(dates) else np.array([], dtype=int)
    ends = np.r_[starts[1:], len(dates)]
    index = {str(dates[s]): i for i, s in enumerate(starts)}
    bounds = shapely.total_bounds(shapely.from_wkb(table["geometry"].to_numpy(zero_copy_only=False))) \
        if len(table) else []
    geo = {"version": "1.1.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Polygon", "MultiPolygon"],
                                    **({"bbox": [float(b) for b in bounds]} if len(table) else {})}}}
    meta = {b"geo": json.dumps(geo).encode(), b"territory": json.dumps({"source": source, "dates": index}).encode()}
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with pq.ParquetWriter(tmp, table.schema.with_metadata(meta)) as w:
            for s, e in zip(starts, ends):
                w.write_table(table.slice(int(s), int(e - s)).replace_schema_metadata(meta))
            if not len(starts):
                w.write_table(table.replace_schema_metadata(meta))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _manifest(folder: Path, source: str, reads: list[Read], table: pa.Table, superseded: list[str]) -> dict:
    from events.atomic import write_bytes_atomic
    from events.datasets import _sha256

    path = folder / "manifest.json"
    try:
        before = json.loads(path.read_text())
    except (OSError, ValueError):
        before = {}
    files = {f["path"]: f for f in before.get("files", [])}
    for r in reads:
        files[r.path] = {"path": r.path, "sha256": _sha256(Path(r.path)), "format": r.fmt, "captured": r.captured,
                         "dates": sorted({str(p.date) for p in r.pieces}), "features": len(r.pieces),
                         "skipped": r.skipped, "rejected": len(r.rejects)}
    dates = sorted({str(d) for d in table["date"].to_pylist()})
    m = {"source": source, "imported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
         "snapshots": len(dates), "first": dates[0] if dates else None, "last": dates[-1] if dates else None,
         "rows": table.num_rows, "files": sorted(files.values(), key=lambda f: f["path"]),
         "superseded": superseded, "rejected": sum(f["rejected"] for f in files.values())}
    write_bytes_atomic(path, (json.dumps(m, indent=1, ensure_ascii=False) + "\n").encode())
    return m


def _write_rejects(folder: Path, reads: list[Read], manifest: dict) -> None:
    from events.atomic import write_bytes_atomic

    path = folder / "rejects.csv"
    kept = []
    fresh = {r.path for r in reads}
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            kept = [row for row in csv.DictReader(fh) if row.get("file") not in fresh]
    except OSError:
        pass
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["file", "feature", "reason"], lineterminator="\n")
    w.writeheader()
    w.writerows(kept)
    for r in reads:
        for feature, reason in r.rejects:
            w.writerow({"file": r.path, "feature": feature, "reason": reason})
    write_bytes_atomic(path, buf.getvalue().encode("utf-8"))


@dataclass(frozen=True)
class Snapshot:
    """One source's areas on one date: status -> (labels, geometry, km²)."""

    source: str
    date: dt.date
    areas: dict

    def geometry(self, status: str):
        return self.areas[status][1] if status in self.areas else None


class Archive:
    """The stored snapshots of every source. Snapshots are read one row group at a time and the
    last few kept (prepared for point tests), so a lookup by date does not read the archive."""

    KEPT = 48

    def __init__(self, data: str | os.PathLike | None = None, *, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else territory_dir(data)
        self._files: dict[str, tuple[float, pq.ParquetFile, list[dt.date], list[int]]] = {}
        self._cache: OrderedDict[tuple, Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def sources(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if re.fullmatch(SOURCE_NAME, p.name) and (p / "snapshots.parquet").is_file())

    def fingerprint(self) -> str:
        parts = []
        for s in self.sources():
            st = (self.root / s / "snapshots.parquet").stat()
            parts.append(f"{s}:{st.st_mtime_ns}:{st.st_size}")
        return "|".join(parts)

    def _file(self, source: str):
        path = self.root / source / "snapshots.parquet"
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            raise TerritoryError(f"no snapshots of source {source!r} (import them with "
                                 "'python -m events territory import')") from None
        with self._lock:
            hit = self._files.get(source)
            if hit and hit[0] == mtime:
                return hit
            pf = pq.ParquetFile(path)
            index = json.loads(pf.schema_arrow.metadata[b"territory"])["dates"]
            pairs = sorted((dt.date.fromisoformat(d), g) for d, g in index.items())
            hit = (mtime, pf, [d for d, _ in pairs], [g for _, g in pairs])
            self._files[source] = hit
            return hit

    def dates(self, source: str) -> list[dt.date]:
        return list(self._file(source)[2])

    def manifest(self, source: str) -> dict:
        try:
            return json.loads((self.root / source / "manifest.json").read_text())
        except (OSError, ValueError):
            return {}

    def snapshot(self, source: str, day: dt.date) -> Snapshot:
        mtime, pf, dates, groups = self._file(source)
        k = (source, mtime, day)
        with self._lock:
            hit = self._cache.get(k)
            if hit is not None:
                self._cache.move_to_end(k)
                return hit
        i = bisect.bisect_left(dates, day)
        if i == len(dates) or dates[i] != day:
            raise TerritoryError(f"{source}: no snapshot dated {day}")
        t = pf.read_row_group(groups[i])
        geoms = shapely.from_wkb(t["geometry"].to_numpy(zero_copy_only=False))
        areas = {}
        for st, label, km2, g in zip(t["status"].to_pylist(), t["label"].to_pylist(), t["area_km2"].to_pylist(), geoms):
            shapely.prepare(g)
            areas[st] = (label, g, km2)
        snap = Snapshot(source, day, areas)
        with self._lock:
            self._cache[k] = snap
            while len(self._cache) > self.KEPT:
                self._cache.popitem(last=False)
        return snap

    def as_of(self, source: str, day: dt.date) -> Snapshot | None:
        """The latest snapshot on or before the day (None before the first)."""
        dates = self._file(source)[2]
        i = bisect.bisect_right(dates, day) - 1
        return self.snapshot(source, dates[i]) if i >= 0 else None


def parse_status_map(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or ():
        label, sep, status = str(item).rpartition("=")
        if not sep or not label.strip():
            raise TerritoryError(f"--status-map {item!r}: write LABEL=STATUS, e.g. 'Grey zone=contested'")
        out[label.strip()] = status.strip().lower()
    return out


