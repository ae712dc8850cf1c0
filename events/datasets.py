"""Bulk datasets beside the curated catalogue: GeoParquet files with a manifest.

Layout under the data directory ($EVENTS_DATA, default ./data):
  <name>/events.parquet   GeoParquet with a bbox covering column, row groups of 100,000
  <name>/manifest.json    source file and hash, import time, counts read/imported/rejected
  <name>/rejects.csv      every rejected row: line, source id, reason
<name> is a symbolic link to a hidden version folder (.<name>.v<time>): a re-import builds
the new version beside the old and swaps the link in one rename, so a crash mid-import
leaves the previous version readable and a reader never finds the dataset missing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from events.licences import at_import
from events.arrowtext import pandas_text, repeated_text
from events.columns import ALL_COLUMNS, CATEGORY_COLUMNS, EXTRA_PREFIX, conform, plain
from events.errors import DatasetError, EventsError, LockBusy, Problem, StorageError
from events.importers import importer
from events.locks import FileLock
from events.paths import data_dir  # noqa: F401  (re-exported: where the datasets are)
from events.vocab import CURATED, DATASET_NAME
from events.wording import counted

NAME = re.compile(DATASET_NAME)
CURATED_ONLY = ("tags", "actors", "sources", "related", "path", "review")
# A re-import that would keep less than this share of the current version's rows is refused
# unless --replace says so: an empty or truncated file must not wipe a good dataset.
REPLACE_SHARE = 0.5
LOCK_WAIT_S = 3.0  # how long a second import waits for the dataset before it is refused
STORED = [c for c in ALL_COLUMNS if c not in CURATED_ONLY]
ROW_GROUP = 100_000


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Written:
    """What a dataset file holds, counted as it was written."""

    rows: int = 0
    flagged: int = 0
    extras: list[str] = field(default_factory=list)


def write_dataset(rows: pd.DataFrame | Iterable[pd.DataFrame], target: Path) -> Written:
    """rows in our columns (plus x_* columns kept from the source), one frame or batch after
    batch -> GeoParquet at target/events.parquet, a row group per batch of up to ROW_GROUP rows.

    Written with Arrow alone: the point geometries are WKB built column-wise and the bbox
    covering column is the coordinates themselves, so no shapely object per event is made.
    A batch is turned into Arrow and written in a thread while the next one is made, then let
    go: a million imported rows are never held at once, and the importer's thread (the slowest
    stage of an import) does not also convert them.
    """
    batches = [rows] if isinstance(rows, pd.DataFrame) else rows
    out = Written()
    state: dict = {"writer": None, "schema": None}
    extent = [np.inf, np.inf, -np.inf, -np.inf]

    def write(batch: pd.DataFrame) -> None:
        table, flagged = _arrow_rows(batch)
        if state["writer"] is None:
            state["schema"] = schema = _stable_schema(table.schema)
            out.extras = [c[len(EXTRA_PREFIX):] for c in table.column_names if c.startswith(EXTRA_PREFIX)]
            # Dictionary pages only where values repeat (types, places, actors): trying them on
            # a million distinct notes costs a hash per row for nothing.
            repeated = [f.name for f in schema if pa.types.is_dictionary(f.type)]
            state["writer"] = pq.ParquetWriter(target / "events.parquet", schema, use_dictionary=repeated or False)
        if table.schema != state["schema"]:
            table = _to_schema(table, state["schema"], target)
        out.rows += len(table)
        out.flagged += flagged
        state["writer"].write_table(table, row_group_size=ROW_GROUP)

    pending = None
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            for batch in batches:
                if len(batch):
                    lon, lat = batch["lon"].to_numpy(np.float64), batch["lat"].to_numpy(np.float64)
                    extent = [min(extent[0], lon.min()), min(extent[1], lat.min()),
                              max(extent[2], lon.max()), max(extent[3], lat.max())]
                if pending is not None:
                    pending.result()
                pending = pool.submit(write, batch)
                del batch
            if pending is not None:
                pending.result()
        writer = state["writer"]
        if writer is None:  # no batch at all: an empty file of our columns
            table, _ = _arrow_rows(pd.DataFrame({"lat": np.zeros(0), "lon": np.zeros(0)}))
            writer = state["writer"] = pq.ParquetWriter(target / "events.parquet", table.schema)
            writer.write_table(table)
        if out.rows:
            writer.add_key_value_metadata({"geo": json.dumps(_geo_metadata(extent))})
    finally:
        if state["writer"] is not None:
            state["writer"].close()
    return out


def _arrow_rows(rows: pd.DataFrame) -> tuple[pa.Table, int]:
    """A frame of our rows as the Arrow table stored (and how many carry geo flags)."""
    extras = [c for c in rows.columns if c.startswith(EXTRA_PREFIX)]
    df = conform(rows)[STORED].reset_index(drop=True)  # source order: re-sorting a million rows costs more than it saves
    for c in extras:
        df[c] = rows[c].array
    flags = _flags(rows)
    df["geo_flags"] = flags
    table = pa.Table.from_pandas(df, preserve_index=False)
    del df
    lon = rows["lon"].to_numpy(np.float64)
    lat = rows["lat"].to_numpy(np.float64)
    table = table.append_column("geometry", _wkb_points(lon, lat))
    table = table.append_column("bbox", pa.StructArray.from_arrays(
        [pa.array(lon), pa.array(lat), pa.array(lon), pa.array(lat)], names=["xmin", "ymin", "xmax", "ymax"]))
    meta = dict(table.schema.metadata or {})
    meta[b"geo"] = json.dumps(_geo_metadata(None)).encode()
    return table.replace_schema_metadata(meta), int(pd.Series(flags).notna().sum())


def _stable_schema(schema: pa.Schema) -> pa.Schema:
    """The first batch's schema, made to hold every later batch: dictionary indices of one width
    (a batch with more distinct places needs wider ones) and the list type of geo flags."""
    fields = []
    for f in schema:
        if pa.types.is_dictionary(f.type):
            f = f.with_type(pa.dictionary(pa.int32(), f.type.value_type))
        elif f.name == "geo_flags":
            f = f.with_type(pa.list_(pa.string()))
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)


def _to_schema(table: pa.Table, schema: pa.Schema, target: Path) -> pa.Table:
    if table.column_names != schema.names:
        raise EventsError(f"internal: {target}: a batch's columns differ from the first batch's")
    return table.cast(schema)


def _wkb_points(lon: np.ndarray, lat: np.ndarray) -> pa.Array:
    """Little-endian WKB points (21 bytes each) for whole arrays."""
    n = len(lon)
    rec = np.empty(n, dtype=np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")]))
    rec["order"], rec["type"], rec["x"], rec["y"] = 1, 1, lon, lat
    offsets = np.arange(0, 21 * (n + 1), 21, dtype=np.int32)
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(rec.tobytes())])


def _geo_metadata(extent: list[float] | None) -> dict:
    """GeoParquet 1.1 metadata; extent (xmin, ymin, xmax, ymax) once every batch is written."""
    bbox = [float(v) for v in extent] if extent is not None else []
    from pyproj import CRS  # deferred on purpose: ~70 ms, and only writing a dataset needs it

    column = {"encoding": "WKB", "geometry_types": ["Point"], "crs": CRS("EPSG:4326").to_json_dict(),
              "covering": {"bbox": {k: ["bbox", k] for k in ("xmin", "ymin", "xmax", "ymax")}}}
    if bbox:
        column["bbox"] = bbox
    return {"version": "1.1.0", "primary_column": "geometry", "columns": {"geometry": column}}


def _flags(rows: pd.DataFrame) -> np.ndarray:
    if "geo_flags" not in rows:
        return np.full(len(rows), None, dtype=object)
    out = np.full(len(rows), None, dtype=object)  # filled one by one: equal-length lists must not become 2-D
    values = rows["geo_flags"].to_numpy(object)
    for i in np.flatnonzero(pd.notna(values)):
        v = values[i]
        if isinstance(v, (list, tuple, np.ndarray)) and len(v):
            out[i] = list(v)
    return out


def _current_count(root: Path, name: str) -> int | None:
    try:
        return int(json.loads((root / name / "manifest.json").read_text())["imported"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


_HERE = object()  # import_file's `current`: count the dataset already under root


def import_file(fmt: str, path: str | os.PathLike, name: str, root: Path | None = None, *,
                replace: bool = False, current=_HERE, licence: dict | None = None, **options) -> dict:
    """Import, then swap the new version in atomically; returns the manifest.

    options go to the format's reader (date_format, columns, type_map, mapping_file); licence: what
    the operator states of the source's licence (events.licences.at_import's keywords). One
    import of a dataset at a time (a lock file beside it); a file that would shrink the
    dataset below REPLACE_SHARE of its rows is refused unless replace. current: the events the
    dataset holds now, when they are held elsewhere than under root (the team store's table).
    """
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise EventsError(f"dataset name {name!r}: use lowercase letters, digits, '-' or '_'")
    if name == CURATED:
        raise EventsError("dataset name 'curated' is the hand-curated catalogue's")
    root = data_dir(root)
    path = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    with _lock(root, name):
        t0 = time.perf_counter()
        # The file's hash for the manifest, computed in a thread while the file is parsed (hashlib
        # lets go of the GIL): half a second of a million-row import, no longer waited for.

        with ThreadPoolExecutor(max_workers=1) as pool:
            digest = pool.submit(_sha256, path)
            result = importer(fmt)(path, name, **options)
            if current is _HERE:
                current = _current_count(root, name)
            tmp = root / f".{name}.importing-{os.getpid()}"

            def write(batches) -> Written:  # into an empty folder (again, if the single pass gave up)
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir()
                return write_dataset(batches, tmp)

            try:
                # Rows are written batch by batch as the file is read: the new version is built
                # beside the old, and only swapped in once every check below has passed.
                written = result.consume(write)
                source_sha256 = digest.result()
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        try:
            if result.read != written.rows + len(result.rejects):
                raise EventsError(f"internal: {path}: rows read ({result.read}) != imported ({written.rows}) "
                                  f"+ rejected ({len(result.rejects)}); nothing was replaced")
            if written.rows == 0 and result.read > 0:
                raise DatasetError(_nothing_kept(path, name, result.read, result.rejects, current))
            if current and not replace and written.rows < REPLACE_SHARE * current:
                raise DatasetError(
                    f"{path}: would replace dataset {name!r} ({current:,} events) with {written.rows:,} "
                    f"({result.read:,} rows read, {len(result.rejects):,} rejected); nothing was replaced. "
                    f"Pass --replace if that is meant")
            result.rejects.to_csv(tmp / "rejects.csv", index=False)
            manifest = {
                "dataset": name, "format": fmt, "source_file": str(path.resolve()), "source_sha256": source_sha256,
                "source_encoding": result.encoding,
                "source_columns": result.source_columns,
                "extra_columns": written.extras,
                "options": {k: v for k, v in options.items() if v},
                "imported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "rows_read": result.read, "imported": written.rows, "rejected": len(result.rejects),
                "flagged": written.flagged, "replaced": current,
                "rejects_file": "rejects.csv", "notes": result.notes,
                "licence": at_import(fmt, **(licence or {})),
                "seconds": round(time.perf_counter() - t0, 3),
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
            _swap_in(root, name, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return manifest


def remove_dataset(name: str, root: Path | None = None) -> dict:
    """Take an imported dataset out of the store. Refused while another command holds it; the
    name goes in one rename (a reader finds the dataset whole or not at all), its files after.
    Returns the manifest it had, so the caller can say what went."""
    root = data_dir(root)
    if not NAME.fullmatch(name or ""):
        raise DatasetError(f"{name!r}: not a dataset name")
    final = root / name
    with _lock(root, name):
        if not (final.exists() or final.is_symlink()):
            raise DatasetError(f"no dataset {name!r} in {root} ('python -m events datasets' lists them)")
        try:
            manifest = json.loads((final / "manifest.json").read_text())
        except (OSError, ValueError):
            manifest = {"dataset": name, "imported": None}
        gone = root / f".{name}.removed-{os.getpid()}"
        os.replace(final, gone)
        for old in [gone, *root.glob(f".{name}.v*")]:
            if old.is_symlink():
                old.unlink()
            else:
                shutil.rmtree(old, ignore_errors=True)
    return manifest


def _nothing_kept(path: Path, name: str, read: int, rejects: pd.DataFrame, current: int) -> str:
    """Why an import that kept no row changed nothing, with the commonest reasons to act on."""
    reasons = rejects["reason"].astype(str).value_counts().head(3) if len(rejects) else pd.Series(dtype=int)
    why = "; ".join(f"{reason} ({counted(int(n), 'row')}, first on line {int(rejects.loc[rejects['reason'].astype(str) == reason, 'line'].min())})"
                    for reason, n in reasons.items())
    kept = f"dataset {name!r} keeps its {counted(current, 'event')}" if current else f"no dataset {name!r} was made"
    return f"{path}: none of its {counted(read, 'row')} could be imported ({why}); {kept}"


def _swap_in(root: Path, name: str, built: Path) -> None:
    """Make the built folder the dataset in one atomic step: NAME is a symbolic link to a hidden
    version folder, and a new link replaces it with rename(2), so a reader always finds NAME,
    old or new, never a gap. Older versions are removed afterwards (a reader holding one of
    their files open keeps reading it)."""
    final = root / name
    version = root / f".{name}.v{time.time_ns()}"
    os.replace(built, version)
    if final.exists() and not final.is_symlink():  # a dataset from before versions: moved aside once
        os.replace(final, root / f".{name}.v0")
        os.symlink(f".{name}.v0", final)
    link = root / f".{name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(version.name, link)
    os.replace(link, final)
    for old in root.glob(f".{name}.v*"):
        if old.name != version.name:
            shutil.rmtree(old, ignore_errors=True)


def _lock(root: Path, name: str) -> FileLock:
    """An exclusive lock on one dataset's name: a second import of it is refused (after a reader's
    recovery check has had its moment), with who holds it, rather than racing to be the last
    writer."""
    return FileLock(root / f".{name}.lock", wait=LOCK_WAIT_S, busy=lambda holder: DatasetError(
        f"dataset {name!r} is being imported by {holder}; try again when it has finished"))


def _recover(root: Path) -> None:
    """A crash between the two renames leaves .<name>.old-*: put it back. Only when no import
    of that dataset is running (its lock is free): mid-swap, the old version is meant to be there."""
    for old in root.glob(".*.old-*"):
        name = old.name[1:].rsplit(".old-", 1)[0]
        try:
            with FileLock(root / f".{name}.lock", wait=0):
                if old.exists() and not (root / name).exists():
                    os.replace(old, root / name)
        except (OSError, LockBusy):
            continue  # an import is swapping it right now
    for tmp in root.glob(".*.importing-*"):
        try:
            if time.time() - tmp.stat().st_mtime > 3600:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            continue


def _mid_swap(root: Path) -> bool:
    """A re-import is between its two renames: the old version is aside and the new not yet in."""
    return any(not (root / old.name[1:].rsplit(".old-", 1)[0]).exists() for old in root.glob(".*.old-*"))


def list_datasets(root: Path | None = None) -> list[dict]:
    root = data_dir(root)
    if not root.is_dir():
        return []
    _recover(root)
    for attempt in range(100):  # a swap takes microseconds; a reader waits for it, never sees a gap
        if not _mid_swap(root):
            break
        time.sleep(0.01)
        _recover(root)
    out = []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            out.append(json.loads((d / "manifest.json").read_text()))
        except (OSError, ValueError):
            continue  # not a dataset (or a damaged one): skipped
    return out


def read_columns(names: list[str]) -> tuple[list[str], list[str]]:
    """(columns to read, those read dictionary-encoded) of a dataset file with these columns."""
    cols = [c for c in STORED if c in names] + [c for c in names if c.startswith(EXTRA_PREFIX)]
    return cols, [c for c in CATEGORY_COLUMNS if c in cols]


def unreadable(path: Path, exc: Exception):
    """The problem a damaged dataset file is named by (it is skipped, never raised)."""
    return Problem(str(path), "(dataset)", f"unreadable, not shown: {str(exc)[:200]}")


def load_tables(root: Path | None = None, problems: list | None = None,
                names: Iterable[str] | None = None) -> list[pa.Table]:
    """Every dataset as an Arrow table (low-cardinality columns dictionary-encoded).

    A dataset being swapped by a concurrent import is read again once the swap is done;
    a damaged one is skipped and named in problems (when given), never raised. With names, only
    those datasets are read.
    """
    root = data_dir(root)
    wanted = set(names) if names is not None else None
    for attempt in range(50):
        tables = []
        try:
            for m in list_datasets(root):
                if wanted is not None and m["dataset"] not in wanted:
                    continue
                path = root / m["dataset"] / "events.parquet"
                try:
                    cols, dictionary = read_columns(pq.read_schema(path).names)
                    tables.append(pq.read_table(path, columns=cols, read_dictionary=dictionary))
                except FileNotFoundError:
                    raise
                except (OSError, pa.ArrowException) as exc:
                    if problems is not None:
                        problems.append(unreadable(path, exc))
            return tables
        except FileNotFoundError:  # between the two renames of a re-import: a moment later it is there
            time.sleep(0.02 * (attempt + 1))
    raise EventsError(f"{root}: datasets kept changing while being read; try again")


def _unify(tables: list[pa.Table]) -> list[pa.Table]:
    """The same columns and types in every table (datasets of other vintages or layouts differ)."""
    schema = pa.unify_schemas([t.schema for t in tables], promote_options="permissive")
    out = []
    for t in tables:
        cols = [t.column(f.name) if f.name in t.schema.names else pa.nulls(len(t), f.type) for f in schema]
        out.append(pa.Table.from_arrays(cols, schema=schema) if t.schema != schema
                   else t)
    return out


def to_frame(tables: list[pa.Table], head: pd.DataFrame | None = None) -> pd.DataFrame:
    """Arrow tables (and an optional small frame of ours first, e.g. the curated records)
    as one frame in our columns, converted once: no full copy of a million rows."""
    if head is not None and len(head):
        cur = pa.Table.from_pandas(plain(head)[STORED], preserve_index=False)
        schema = tables[0].schema
        fields = [pa.field(c, pa.list_(pa.string())) if c == "geo_flags" else
                  schema.field(c) if c in schema.names else cur.schema.field(c) for c in cur.schema.names]
        tables = [cur.cast(pa.schema(fields))] + tables
    if not tables:
        return pd.DataFrame(columns=ALL_COLUMNS)
    tables = _unify(tables) if len(tables) > 1 else tables
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    del tables
    df = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    n_head = len(head) if head is not None else 0
    for col in CURATED_ONLY:
        if col in ("path", "review"):  # text: the curated records' own, then the datasets' (imports are published)
            given = pa.array([None if pd.isna(v) else str(v) for v in head[col]] if n_head else [],
                             type=pa.large_string())
            rest = repeated_text("approved" if col == "review" else None, len(df) - n_head)  # made by Arrow
            df[col] = pd.Series(pandas_text(pa.concat_arrays([given, rest])), index=df.index)
            continue
        values = np.full(len(df), None, dtype=object)
        if n_head:
            values[:n_head] = head[col].to_numpy(object)
        df[col] = pd.Series(values, index=df.index, dtype=object)  # lists for curated records: no inference
    if "geo_flags" not in df:
        df["geo_flags"] = None
    flags = df["geo_flags"].to_numpy(object)
    has = np.flatnonzero(pd.notna(flags))
    if len(has):  # Arrow lists come back as arrays: lists, like the curated records'
        flags = flags.copy()
        flags[has] = [list(v) for v in flags[has]]
        df["geo_flags"] = flags
    extras = [c for c in df.columns if c.startswith(EXTRA_PREFIX)]
    return df[ALL_COLUMNS + extras]


def batches(root: Path | None, columns: list[str] | None = None, batch_rows: int = 100_000) -> Iterator[pa.Table]:
    """Every dataset's rows as Arrow tables of at most batch_rows, in source order, with the
    columns asked for that each file has (None: all of ours and its x_* columns). Nothing is
    converted to pandas: a GeoJSON export of a million rows reads 27 of 50 columns, as Arrow."""
    root = data_dir(root)
    wanted = set(columns or ())
    for m in list_datasets(root):
        path = root / m["dataset"] / "events.parquet"
        try:
            cols, dictionary = read_columns(pq.read_schema(path).names)
            if columns is not None:
                cols = [c for c in cols if c in wanted]
            source = pq.ParquetFile(path, read_dictionary=dictionary)
            for batch in source.iter_batches(batch_size=batch_rows, columns=cols):
                yield pa.Table.from_batches([batch])
        except (OSError, pa.ArrowException) as exc:
            raise StorageError(f"{path}: unreadable ({str(exc)[:200]}); re-import that dataset") from None


def frames(root: Path | None, head: pd.DataFrame | None = None, batch_rows: int = 100_000) -> Iterator[pd.DataFrame]:
    """The merged table as frames, in its order (head, e.g. the curated records, then every dataset
    in source order), read batch by batch: an export streams from the files while the next batch
    is read, instead of loading a million rows first. Each frame has our columns and every x_*
    column any dataset has, as load_store's one frame would."""
    root = data_dir(root)
    paths = [root / m["dataset"] / "events.parquet" for m in list_datasets(root)]
    try:
        extras = list(dict.fromkeys(c for p in paths for c in pq.read_schema(p).names if c.startswith(EXTRA_PREFIX)))
    except (OSError, pa.ArrowException) as exc:
        raise StorageError(f"a dataset under {root} cannot be read ({str(exc)[:200]}); "
                           "run 'python -m events validate' or re-import it") from None

    def whole(df: pd.DataFrame) -> pd.DataFrame:
        for c in extras:
            if c not in df:
                df[c] = None
        return df[ALL_COLUMNS + extras]

    if head is not None and len(head):
        yield whole(head.copy())
    for table in batches(root, batch_rows=batch_rows):
        yield whole(to_frame([table]))


def load_datasets(root: Path | None = None) -> pd.DataFrame:
    """Every dataset as one frame in our columns (no geometry objects: lat/lon columns)."""
    return to_frame(load_tables(root))
