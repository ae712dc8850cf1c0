"""The embedded store: the YAML catalogue plus the GeoParquet datasets, held in memory as one
table. `make run` needs nothing else. Filters are column masks (events/filters.py).

Curated records are edited as their YAML files: a record's version is a hash of its file's
bytes, so a hand edit on disk counts as a change too, and a save against an older version is
refused. Each change is appended to `.history/ID.jsonl` inside the catalogue (hidden: the
catalogue reader skips it).

The catalogue's reader (pydantic), the export writers, the YAML library and the snapshot archive
(shapely) are imported inside the methods that use them, on purpose: `import`, `datasets` and
`territory` open this store and need none of them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from events import safe_yaml
from events.aggregate import aggregate, per_day, type_codes
from events.atomic import write_bytes_atomic
from events.datasets import batches, frames, import_file, list_datasets, remove_dataset, unreadable
from events.errors import DatasetError, NotFound, Problem, StaleVersion, StorageError
from events.filters import Filter, key, mask, needs
from events.locks import FileLock
from events.paths import catalog_dir, data_dir
from events.query import take
from events.storage.base import (Actor, Change, Storage, Stored, StoreFacts, Summary, as_actor, check_review,
                                 review_after_edit, validate_record)
from events.streams import read_ahead
from events.vocab import CLAIMED_OR_DISPUTED, CURATED

VIEWS_KEPT = 32
TRASH = ".trash"  # retracted record files, as they were
HISTORY = ".history"


def padded_extent(lat: np.ndarray, lon: np.ndarray, unc_km: np.ndarray) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) of points with their uncertainty (capped at 300 km)."""
    if len(lat) == 0:
        return None
    pad = np.clip(np.nan_to_num(unc_km, nan=0.0), 0, 300) / 111.0
    south, north = float(np.min(lat - pad)), float(np.max(lat + pad))
    west = float(np.min(lon - pad / np.cos(np.radians(lat))))
    east = float(np.max(lon + pad / np.cos(np.radians(lat))))
    return south, west, north, east


def in_bounds(lat: np.ndarray, lon: np.ndarray, bounds) -> np.ndarray:
    south, west, north, east = bounds
    return (lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)


def summarise(sub: pd.DataFrame) -> Summary:
    """The view's numbers from its rows' columns."""
    fat = sub["fatalities"].astype("Float64").fillna(0).to_numpy(np.float64)
    claimed = sub["claim_status"].isin(CLAIMED_OR_DISPUTED).to_numpy(bool)
    inj = sub["injured"].astype("Float64").fillna(0).to_numpy(np.float64)
    ext = padded_extent(sub["lat"].to_numpy(np.float64), sub["lon"].to_numpy(np.float64),
                        sub["uncertainty_km"].to_numpy(np.float64))
    return Summary(len(sub), int(fat[~claimed].sum()), int(fat[claimed].sum()), int(inj.sum()), int(claimed.sum()), ext)


def _version(raw: bytes) -> str:
    return hashlib.sha1(raw).hexdigest()[:12]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class EmbeddedStorage(Storage):
    kind = "embedded"

    def __init__(self, catalog: str | os.PathLike | None = None, data: str | os.PathLike | None = None, *,
                 write_cache: bool = True) -> None:
        self.catalog = catalog_dir(catalog)
        self.data = data_dir(data)
        self._write_cache = write_cache
        self._loaded = None
        self._cat = None  # the catalogue alone, for a streamed export
        self._load_lock = threading.Lock()
        self._views: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._views_lock = threading.Lock()

    @classmethod
    def of_frame(cls, events: pd.DataFrame) -> EmbeddedStorage:
        """A store over a table already in memory (our columns): for benchmarks and tests that
        draw or query a frame through the same route as the page's."""
        from events.records import Catalog
        from events.territory.snapshots import Archive

        store = cls(write_cache=False)
        store._loaded = Catalog(events=events)
        store._archive = Archive(root=Path(os.devnull) / "none")  # no control snapshots
        return store

    # --- bulk data ---------------------------------------------------------------------------
    def import_dataset(self, fmt, path, name, *, replace=False, **options) -> dict:
        manifest = import_file(fmt, path, name, self.data, replace=replace, **options)
        self.reload()
        return {**manifest, "rejects_path": str(data_dir(self.data) / name / manifest["rejects_file"]),
                "stored_at": str(data_dir(self.data) / name)}

    def remove_dataset(self, name: str) -> dict:
        manifest = remove_dataset(name, self.data)
        self.reload()
        return manifest

    def rejects(self, name: str) -> bytes:
        try:
            return (data_dir(self.data) / name / "rejects.csv").read_bytes()
        except OSError:
            raise DatasetError(f"no dataset {name!r} in {data_dir(self.data)} ('python -m events datasets' "
                               "lists them)") from None

    def manifests(self) -> list[dict]:
        return list_datasets(self.data)

    def import_snapshots(self, paths, source, **options):
        from events.territory.snapshots import import_snapshots

        return import_snapshots(paths, source, self.data, **options)

    # --- the table -------------------------------------------------------------------------
    @property
    def loaded(self):
        """The store read once (catalogue + datasets); reload() after a change."""
        if self._loaded is None:
            with self._load_lock:
                if self._loaded is None:
                    from events.storage.files import load_store

                    self._loaded = load_store(self.catalog, self.data, write_cache=self._write_cache)
        return self._loaded

    @property
    def table(self) -> pd.DataFrame:
        return self.loaded.events

    def reload(self) -> None:
        with self._load_lock:
            self._loaded = None
            self._cat = None
        with self._views_lock:
            self._views.clear()

    def fingerprint(self) -> str:
        from events.storage.files import fingerprint

        return fingerprint(self.catalog, self.data)

    def problems(self) -> list[Problem]:
        """The invalid record files and unreadable datasets. Before the table is loaded (the command
        line), a look that reads no rows: the catalogue, and each dataset's schema."""
        if self._loaded is not None:
            return list(self._loaded.problems)

        out = list(self._catalogue().problems)
        for m in list_datasets(self.data):
            path = self.data / m["dataset"] / "events.parquet"
            try:
                pq.read_schema(path)
            except (OSError, pa.ArrowException) as exc:
                out.append(unreadable(path, exc))
        return out

    def positions(self, f: Filter) -> np.ndarray:
        """Row positions that pass f, in table order; the last VIEWS_KEPT filters are remembered."""
        f = self.resolve(f)
        k = key(f)
        with self._views_lock:
            hit = self._views.get(k)
            if hit is not None:
                self._views.move_to_end(k)
                return hit
        rows = np.flatnonzero(mask(self.table, f)).astype(np.int64)
        with self._views_lock:
            self._views[k] = rows
            while len(self._views) > VIEWS_KEPT:
                self._views.popitem(last=False)
        return rows

    def _rows(self, f: Filter, bounds=None) -> np.ndarray:
        rows = self.positions(f)
        if bounds is not None:
            df = self.table
            rows = rows[in_bounds(df["lat"].to_numpy()[rows], df["lon"].to_numpy()[rows], bounds)]
        return rows

    # --- reading -------------------------------------------------------------------------
    def facts(self) -> StoreFacts:
        df = self.table
        dates = df["date"]
        return StoreFacts(dates.min().date() if len(df) else None, dates.max().date() if len(df) else None,
                          tuple(self.distinct("country") + self.distinct("admin1")), tuple(self.datasets()), len(df))

    def datasets(self) -> list[str]:
        return [CURATED, *(m["dataset"] for m in list_datasets(self.data))]

    def select(self, f: Filter, columns=None, *, newest=None, bounds=None) -> pd.DataFrame:
        df = self.table
        rows = self._rows(f, bounds)
        if newest is not None:
            dates = df["date"].to_numpy("datetime64[ns]")[rows].astype(np.int64)
            top = np.argpartition(-dates, newest - 1)[:newest] if len(rows) > newest else np.arange(len(rows))
            order = top[np.lexsort((df["id"].to_numpy(object)[rows[top]].astype(str), -dates[top]))]
            rows = rows[order]
        elif len(rows) == len(df) and columns is None:
            return df
        return take(df, rows, columns).reset_index(drop=True)

    def count(self, f: Filter, bounds=None) -> int:
        return len(self._rows(f, bounds))

    def summary(self, f: Filter) -> Summary:
        return summarise(take(self.table, self.positions(f),
                              ["fatalities", "claim_status", "injured", "lat", "lon", "uncertainty_km"]))

    def distinct(self, column: str, f: Filter | None = None) -> list[str]:
        s = self.table[column]
        if f is not None:
            s = take(self.table, self.positions(f), [column])[column]
        if isinstance(s.dtype, pd.CategoricalDtype):
            used = np.unique(s.cat.codes.to_numpy())
            return sorted(str(s.cat.categories[c]) for c in used if c >= 0)
        return sorted(str(x) for x in s.dropna().unique())

    def grid(self, f: Filter, max_cells: int, bounds=None) -> dict:
        return aggregate(take(self.table, self._rows(f, bounds), ["lat", "lon", "event_type", "claim_status"]),
                         max_cells)

    def per_day(self, f: Filter) -> pd.DataFrame:
        sub = take(self.table, self.positions(f), ["date", "end_date", "event_type"])
        return per_day(sub["date"].to_numpy("datetime64[ns]"), type_codes(sub["event_type"]),
                       ends=sub["end_date"].to_numpy("datetime64[ns]"))

    def export(self, f: Filter, fmt: str, *, raw: bool = False, stats: dict | None = None) -> Iterator[bytes]:
        from events.export import stream

        if self._loaded is None and not f.check and not self.archive.sources():
            # Not loaded yet (the command line): stream from the files batch by batch, reading the
            # next while the last is written, instead of loading every row first.
            batches = self._streamed_arrow(f) if fmt == "geojson" else self._streamed(f)
            return stream(read_ahead(batches, depth=1), fmt, raw=raw, links=self.with_links, stats=stats)
        rows = self.positions(f)
        df = self.table if len(rows) == len(self.table) else take(self.table, rows)
        return stream([df], fmt, raw=raw, control=self.with_control, links=self.with_links, stats=stats)

    def _curated_links(self) -> pd.DataFrame:
        """Without loading the datasets: the links are all stated by curated records."""
        if self._loaded is None:
            head = self._catalogue().events
            return head[["id", "related"]] if "related" in head else head[["id"]]
        return super()._curated_links()

    def _catalogue(self):
        """The curated catalogue alone (and the datasets' problems a cheap look finds): what a
        streamed export needs before it reads the datasets batch by batch."""
        if self._loaded is not None:
            return self._loaded
        with self._load_lock:
            if self._cat is None:
                from events.records import load_catalog

                self._cat = load_catalog(self.catalog, write_cache=self._write_cache)
            return self._cat

    def _streamed(self, f: Filter) -> Iterator[pd.DataFrame]:
        for df in frames(self.data, self._catalogue().events):
            keep = mask(df, f)
            if keep.any():
                yield df if keep.all() else df[keep]

    def _streamed_arrow(self, f: Filter) -> Iterator[pd.DataFrame | pa.Table]:
        """The curated records (a frame), then each dataset batch as Arrow with only the columns
        a feature and the filter read: the filter's mask is computed on those few columns."""
        from events.features import COLUMNS

        head = self._catalogue().events
        if len(head):
            keep = mask(head, f)
            if keep.any():
                yield head if keep.all() else head[keep]
        needed = needs(f)
        for table in batches(self.data, list(dict.fromkeys(COLUMNS + needed))):
            keep = mask(table.select([c for c in needed if c in table.column_names]).to_pandas(), f)
            if keep.all():
                yield table
            elif keep.any():
                yield table.filter(pa.array(keep))

    # --- curated events ----------------------------------------------------------------------
    def _path(self, event_id: str) -> Path:
        from events.schema import SLUG

        if not re.match(SLUG, event_id or "") or len(event_id) > 120:
            raise NotFound(f"{event_id!r} is not an event id (lowercase slug)")
        for suffix in (".yaml", ".yml"):
            p = self.catalog / f"{event_id}{suffix}"
            if p.exists():
                return p
        return self.catalog / f"{event_id}.yaml"

    def _read(self, path: Path) -> tuple[bytes, dict]:
        from events.records import read_regular

        raw = read_regular(path)
        data = safe_yaml.load(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise StorageError(f"{path}: not a record (a mapping of fields)")
        return raw, data

    def get(self, event_id: str) -> Stored:
        path = self._path(event_id)
        if not path.exists():
            raise NotFound(f"no curated event {event_id!r} in {self.catalog}")
        raw, data = self._read(path)
        last = self._last_change(event_id)
        return Stored(event_id, data, _version(raw), str(data.get("review", "approved")),
                      author=self._author(event_id), updated_by=last.who if last else None,
                      updated_at=last.at if last else None)

    def _lock(self) -> FileLock:
        """Writers of one catalogue queue up: each waits for the one before it."""
        return FileLock(self.catalog / ".catalog.lock", wait=None)

    def _write(self, event_id: str, record: dict, *, expected: str | None, user: Actor, action: str,
               note: str = "") -> Stored:
        """Validate, check the version, write atomically and append to the history, under the lock."""
        event = validate_record(record, event_id)
        text = dump_record(event)
        with self._lock():
            path = self._path(event_id)
            before = None
            current = None
            if path.exists():
                raw, before = self._read(path)
                current = _version(raw)
            if current != expected:
                last = self._last_change(event_id)
                self._append(Change(event_id, _now(), user.name, "refused", expected, None, record,
                                    f"{action} against version {expected}, current is {current}", user.via))
                if current is None:
                    raise StaleVersion(f"{event_id}: no longer exists (retracted or renamed) since you opened it")
                if expected is None:
                    raise StaleVersion(f"{event_id}: already exists; open it and edit it instead")
                who = last.who if last and last.version == current else "someone (the file was edited on disk)"
                at = last.at if last and last.version == current else dt.datetime.fromtimestamp(
                    path.stat().st_mtime, dt.timezone.utc).isoformat(timespec="seconds")
                raise StaleVersion(f"{event_id}: changed by {who} at {at} since you opened it; nothing was "
                                   "saved: reopen it and apply your change again")
            write_bytes_atomic(path, text.encode("utf-8"))
            version = _version(text.encode("utf-8"))
            after = safe_yaml.load(text)
            self._append(Change(event_id, _now(), user.name, action, version, before, after, note, user.via))
        self.reload()
        return self.get(event_id)

    def save(self, record: dict, *, version: str | None, user: str | Actor) -> Stored:
        event_id = str(record.get("id", ""))
        current = self.get(event_id) if version is not None and self._path(event_id).exists() else None
        record = dict(record, review=review_after_edit(current))  # review moves only through review()
        return self._write(event_id, record, expected=version, user=as_actor(user),
                           action="create" if version is None else "edit")

    def review(self, event_id: str, state: str, *, version: str, user: str | Actor, note: str = "") -> Stored:
        user = as_actor(user)
        current = self.get(event_id)
        check_review(current, state, user.name)
        record = dict(current.record, review=state)
        return self._write(event_id, record, expected=version, user=user, action=f"review:{state}", note=note)

    def retract(self, event_id: str, *, version: str, user: str | Actor, note: str = "") -> None:
        user = as_actor(user)
        with self._lock():
            path = self._path(event_id)
            if not path.exists():
                raise NotFound(f"no curated event {event_id!r}")
            raw, before = self._read(path)
            if _version(raw) != version:
                self._append(Change(event_id, _now(), user.name, "refused", version, None, None,
                                    f"retract against version {version}, current is {_version(raw)}", user.via))
                last = self._last_change(event_id)
                raise StaleVersion(f"{event_id}: changed by {last.who if last else 'someone'} at "
                                   f"{last.at if last else '?'} since you opened it; not retracted")

            trash = self.catalog / TRASH
            trash.mkdir(exist_ok=True)  # the file itself, kept: a retraction never loses a record
            write_bytes_atomic(trash / f"{event_id}.{_now().replace(':', '')}.yaml", raw)
            path.unlink()
            self._append(Change(event_id, _now(), user.name, "retract", None, before, None, note, user.via))
        self.reload()

    def history(self, event_id: str) -> list[Change]:
        path = self.catalog / HISTORY / f"{event_id}.jsonl"
        out = []
        try:
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        out.append(Change(**json.loads(line)))
                    except (ValueError, TypeError):
                        continue
        except FileNotFoundError:
            pass
        return out

    def _last_change(self, event_id: str) -> Change | None:
        done = [c for c in self.history(event_id) if c.action != "refused"]
        return done[-1] if done else None

    def _author(self, event_id: str) -> str | None:
        content = [c for c in self.history(event_id) if c.action in ("create", "edit", "push")]
        return content[-1].who if content else None

    def _append(self, change: Change) -> None:
        folder = self.catalog / HISTORY
        folder.mkdir(exist_ok=True)
        line = json.dumps(change.__dict__, ensure_ascii=False, default=str) + "\n"
        fd = os.open(folder / f"{change.event_id}.jsonl", os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def dump_record(event) -> str:
    """A record as YAML, fields in the schema's order, defaults left out (review: approved included
    only when not the default)."""
    data = event.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data = {"id": event.id, **{k: v for k, v in data.items() if k != "id"}}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
