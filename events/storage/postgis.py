"""PostgreSQL + PostGIS behind the storage interface, for a team sharing one store.

Filters become SQL (events/filters.py Term.sql) over indexed columns; the map's grid and
the timeline are grouped in the database; rows travel as CSV through COPY both ways and
are parsed by Arrow column-wise (no Python object per event), so an export streams from
the server in batches. Curated edits use optimistic locking on a version number, and
every change (refused attempts included) lands in the append-only event_history.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from pgpq import ArrowToPostgresBinaryEncoder
from psycopg import sql as psql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from events import safe_yaml
from events.aggregate import aggregate_points, per_day, type_codes
from events.atomic import write_bytes_atomic
from events.columns import (ALL_COLUMNS, CATEGORY_COLUMNS, DATE_COLUMNS, EXTRA_PREFIX, FLOAT_COLUMNS, INT_COLUMNS,
                            LIST_COLUMNS, conform)
from events.datasets import data_dir, import_file, list_datasets, load_tables, to_frame
from events.errors import DatasetError, NotFound, Problem, StaleVersion, StorageError, StoreUnavailable
from events.export import export_columns, stream
from events.filters import Filter, where
from events.records import event_row, load_catalog, locate_event
from events.schema import Event
from events.storage.base import (Actor, Change, Storage, Stored, StoreFacts, Summary, as_actor, check_review,
                                 review_after_edit, validate_record)
from events.storage.embedded import dump_record
from events.streams import read_ahead
from events.territory.snapshots import Archive, check_source_name, import_snapshots, territory_dir
from events.vocab import CLAIMED_OR_DISPUTED, CURATED
from geodata.gazetteer import GazetteerGeocoder

BATCH_BYTES = 1 << 26  # Arrow reads the COPY stream in blocks of this size
PUSH_ROWS = 100_000
ANALYZED = ("id, seq, date, end_date, event_type, sub_event_type, review, claim_status, country, admin1_code, "
            "lon, lat, geom, fatalities, injured, uncertainty_km")
EXTRA = re.compile(r"^x_[A-Za-z0-9_ .\-()/]{1,50}$")
# The embedded store's order: curated (by date, then id), then each dataset by name, in source order.
# Read as two queries one after the other, so the big one walks events_dataset_order_idx and
# nothing is sorted.
CURATED_ORDER = 'date, id COLLATE "C"'
DATASET_ORDER = 'dataset COLLATE "C", seq'
# The claimed-or-disputed statuses as an SQL list (constants of ours, not user input).
_CLAIMS_SQL = ", ".join(f"'{c}'" for c in CLAIMED_OR_DISPUTED)


def _options(dsn: str) -> str:
    """The connection's server options: the URL's own, and JIT off (compiling costs 100-400 ms
    per query, and ours are short scans)."""
    return ((conninfo_to_dict(dsn).get("options") or "") + " -c jit=off").strip()


FAST_WAIT_S = 2.0  # how long the store's version waits for a pooled connection before asking the server
CONNECT_TIMEOUT_S = 5  # a server that does not answer in this time is down, for the page and the CLI alike
IMPORT_LOCK, SNAPSHOT_LOCK = 815241, 815242  # advisory lock classes: one import of a dataset / source at a time
ARCHIVE_CHECK_S = 2.0  # how often the local copy of the snapshots asks whether the database's changed


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _connect(dsn: str):
    try:
        return psycopg.connect(dsn, autocommit=False, connect_timeout=CONNECT_TIMEOUT_S, options=_options(dsn))
    except psycopg.OperationalError as exc:  # unreachable, refused, shutting down
        raise StoreUnavailable(f"cannot connect to the database: {_first_line(exc)}") from None
    except psycopg.ProgrammingError as exc:  # a malformed URL
        raise StorageError(f"cannot connect to the database: {_first_line(exc)}") from None


def _partition_stem(dataset: str) -> str:
    """The name a dataset's partitions start with (migration 0006 names them the same way): a hash,
    since a dataset's name may be anything a folder name may be."""
    return "events_" + hashlib.md5(dataset.encode("utf-8")).hexdigest()[:12]


def reachable(dsn: str) -> bool:
    """Whether the server answers now (the dashboard's probe while it waits for the database)."""
    try:
        _connect(dsn).close()
        return True
    except StorageError:
        return False


# SQLSTATEs that mean the connection, not the statement, failed: class 08 (connection exception),
# admin / crash shutdown, the server still starting. A statement error keeps its own exception.
_GONE_STATES = ("57P01", "57P02", "57P03")


def _lost(exc: BaseException) -> bool:
    if isinstance(exc, (PoolTimeout, PoolClosed)):
        return True
    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = getattr(exc, "sqlstate", None)
    return state is None or state.startswith("08") or state in _GONE_STATES


@contextmanager
def _unavailable_on_loss():
    """A lost connection, anywhere in a read or a write, becomes StoreUnavailable (one clear
    message; the transaction it was in is rolled back by the server)."""
    try:
        yield
    except Exception as exc:
        if _lost(exc):
            raise StoreUnavailable(f"the database is not reachable: {_first_line(exc)}") from None
        raise


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every migration shipped, in order."""
    out = []
    for entry in sorted(resources.files("events.storage").joinpath("migrations").iterdir(), key=lambda p: p.name):
        m = re.match(r"^(\d{4})_(.+)\.sql$", entry.name)
        if m:
            out.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    return out


def migrate(dsn: str) -> list[str]:
    """Create or bring the schema up to date; returns the migrations applied. Each migration is
    one transaction; an advisory lock keeps two migrating processes apart."""
    applied = []
    with _connect(dsn) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(815240)")
            cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
                        " applied_at timestamptz NOT NULL DEFAULT now())")
            cur.execute("SELECT version FROM schema_migrations")
            done = {r[0] for r in cur.fetchall()}
            for version, name, sql in migrations():
                if version in done:
                    continue
                cur.execute(sql)
                cur.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
                applied.append(f"{version:04d}_{name}")
        conn.commit()
    return applied


class _CopyReader(io.RawIOBase):
    """A file-like view of a COPY ... TO STDOUT stream, for Arrow's streaming CSV reader."""

    def __init__(self, copy) -> None:
        self._it = iter(copy)
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        """Fill b from as many rows as fit (libpq hands COPY data over one row at a time, so a
        read of one row per call would cost a Python round trip per row)."""
        view = memoryview(b).cast("B")
        size, pos = len(view), 0
        while pos < size:
            if not self._buf:
                try:
                    self._buf = next(self._it)
                except StopIteration:
                    break
            n = min(size - pos, len(self._buf))
            view[pos:pos + n] = self._buf[:n]
            self._buf = self._buf[n:]
            pos += n
        return pos


class PostgisStorage(Storage):
    kind = "postgis"

    def __init__(self, dsn: str, *, read_dsn: str | None = None, pool_size: int | None = None) -> None:
        """Connections come from a pool (EVENTS_DB_POOL, default 8): the dashboard's sessions run
        in threads, and a connection streaming one user's export cannot answer another's count."""
        self.dsn = dsn
        with _connect(dsn) as conn:  # the plain connection first: its failure message is the clear one
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT max(version) FROM schema_migrations")
                    have = cur.fetchone()[0]
            except Exception:  # noqa: BLE001 - any failure here means: no schema yet
                have = None
        want = max(v for v, _, _ in migrations())
        if have is None or have < want:
            raise StorageError(f"the database schema is at version {have or 'none'}, this version needs {want}: "
                               "run `python -m events db init` first")
        size = pool_size or int(os.environ.get("EVENTS_DB_POOL", "8") or 8)
        # check: a connection is tried before it is lent, so the first query after the server
        # restarted does not fail on a connection the restart broke. timeout: how long a request
        # waits for a free connection (busy exports) before the store counts as unavailable.
        def pool(url: str, name: str) -> ConnectionPool:
            return ConnectionPool(url, min_size=1, max_size=max(size, 1), open=True,
                                  timeout=float(os.environ.get("EVENTS_DB_WAIT", "15") or 15),
                                  check=ConnectionPool.check_connection,
                                  kwargs={"autocommit": True, "options": _options(url),
                                          "connect_timeout": CONNECT_TIMEOUT_S}, name=name)

        self.pool = pool(dsn, "events")
        # Reads (the map, counts, exports) may go to a streaming replica; writes, and the reads a
        # write depends on (a record's version, its history), always go to the primary.
        self.read_dsn = read_dsn if read_dsn and read_dsn != dsn else None
        if self.read_dsn:
            _connect(self.read_dsn).close()  # unreachable replica: the clear message, now
        self.read_pool = pool(self.read_dsn, "events-read") if self.read_dsn else self.pool

    @contextmanager
    def _cursor(self, timeout: float | None = None, *, primary: bool = False):
        """A cursor for reading: from the replica when there is one, unless primary."""
        pool = self.pool if primary else self.read_pool
        with _unavailable_on_loss(), pool.connection(timeout=timeout) as conn, conn.cursor() as cur:
            yield cur

    @contextmanager
    def _transaction(self):
        with _unavailable_on_loss(), self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield cur

    def close(self) -> None:
        self.pool.close()
        if self.read_pool is not self.pool:
            self.read_pool.close()

    def lag(self) -> dict | None:
        """None without a replica; else how far the replica the reads come from is behind the
        primary: store versions on both (every write bumps it), and seconds since the replica last
        replayed a change. behind is True while the primary holds changes the replica lacks."""
        if not self.read_dsn:
            return None
        with self._cursor(primary=True) as cur:
            cur.execute("SELECT n FROM store_version")
            primary = cur.fetchone()[0]
        with self._cursor() as cur:
            cur.execute("SELECT n, extract(epoch FROM now() - pg_last_xact_replay_timestamp()) FROM store_version")
            replica, seconds = cur.fetchone()
        return {"primary": int(primary), "replica": int(replica), "behind": int(replica) < int(primary),
                "seconds": None if seconds is None else float(seconds)}

    # --- columns ----------------------------------------------------------------------------
    def columns(self) -> list[str]:
        """Our table's columns (ALL_COLUMNS) plus the x_* columns datasets brought."""
        with self._cursor() as cur:
            cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'events' "
                        "AND table_schema = current_schema() AND column_name LIKE 'x\\_%%' ORDER BY ordinal_position")
            extras = [r[0] for r in cur.fetchall()]
        return ALL_COLUMNS + extras

    # --- reading ------------------------------------------------------------------------------
    def fingerprint(self) -> str:
        """Asked first by every page run and by every open page's watcher, so it finds out fast when
        the server is gone: a short wait for a connection, and if none came, whether the server
        answers at all (busy pool: wait as usual) or not (StoreUnavailable at once)."""
        try:
            with self._cursor(timeout=FAST_WAIT_S) as cur:
                cur.execute("SELECT n FROM store_version")
                return f"postgis:{cur.fetchone()[0]}"
        except StoreUnavailable:
            _connect(self.read_dsn or self.dsn).close()  # the server's own reason when it is down; when it answers, the
            # pool was only busy: wait for a connection as every other read does
        with self._cursor() as cur:
            cur.execute("SELECT n FROM store_version")
            return f"postgis:{cur.fetchone()[0]}"

    def problems(self) -> list[Problem]:
        return []

    def _where(self, f: Filter, bounds=None) -> tuple[str, list]:
        clause, params = where(self.resolve(f))
        if bounds is not None:
            south, west, north, east = bounds
            clause += " AND geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
            params = params + [west, south, east, north]
        return clause, params

    def _scalar(self, sql: str, params=(), *, primary: bool = False):
        with self._cursor(primary=primary) as cur:
            cur.execute(sql, params)
            return cur.fetchone()

    def count(self, f: Filter, bounds=None) -> int:
        clause, params = self._where(f, bounds)
        return int(self._scalar(f"SELECT count(*) FROM events WHERE {clause}", params)[0])

    def summary(self, f: Filter) -> Summary:
        clause, params = self._where(f)
        pad = "(least(coalesce(uncertainty_km, 0), 300) / 111.0)"
        row = self._scalar(
            "SELECT count(*),"
            f" coalesce(sum(fatalities) FILTER (WHERE claim_status NOT IN ({_CLAIMS_SQL})), 0),"
            f" coalesce(sum(fatalities) FILTER (WHERE claim_status IN ({_CLAIMS_SQL})), 0),"
            f" coalesce(sum(injured), 0), count(*) FILTER (WHERE claim_status IN ({_CLAIMS_SQL})),"
            f" min(lat - {pad}), min(lon - {pad} / cos(radians(lat))), max(lat + {pad}),"
            f" max(lon + {pad} / cos(radians(lat)))"
            f" FROM events WHERE {clause}", params)
        extent = None if row[0] == 0 else tuple(float(x) for x in row[5:9])
        return Summary(int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]), extent)

    def facts(self) -> StoreFacts:
        first, last, total = self._scalar("SELECT min(date), max(date), count(*) FROM events")
        return StoreFacts(first, last, tuple(self.distinct("country") + self.distinct("admin1")),
                          tuple(self.datasets()), int(total))

    def datasets(self) -> list[str]:
        with self._cursor() as cur:
            cur.execute("SELECT name FROM datasets ORDER BY name COLLATE \"C\"")
            return [CURATED, *(r[0] for r in cur.fetchall() if r[0] != CURATED)]

    def distinct(self, column: str, f: Filter | None = None) -> list[str]:
        if column not in self.columns():
            raise StorageError(f"no column {column!r}")
        clause, params = self._where(f) if f is not None else ("TRUE", [])
        with self._cursor() as cur:
            cur.execute(f'SELECT v FROM (SELECT DISTINCT "{column}"::text AS v FROM events WHERE {clause} '
                        f'AND "{column}" IS NOT NULL) d ORDER BY v COLLATE "C"', params)
            return [r[0] for r in cur.fetchall()]

    def _copy_batches(self, sql: str, params, column_types: dict) -> Iterator[pa.RecordBatch]:
        """Rows of a query, streamed through COPY and read by Arrow in batches. The connection is
        held until the last batch is read (or the caller stops)."""
        with self._cursor() as cur:
            query = psql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true)").format(
                psql.SQL(psycopg.ClientCursor(cur.connection).mogrify(sql, params)))
            with cur.copy(query) as copy:
                reader = pacsv.open_csv(
                    io.BufferedReader(_CopyReader(copy), buffer_size=1 << 20),
                    read_options=pacsv.ReadOptions(block_size=BATCH_BYTES, use_threads=True),
                    parse_options=pacsv.ParseOptions(newlines_in_values=True),
                    convert_options=pacsv.ConvertOptions(column_types=column_types, strings_can_be_null=True,
                                                         quoted_strings_can_be_null=False))
                yield from reader

    def _copy_table(self, sql: str, params, column_types: dict) -> pa.Table:
        batches = list(self._copy_batches(sql, params, column_types))
        if not batches:
            return pa.table({c: pa.array([], t) for c, t in column_types.items()})
        return pa.Table.from_batches(batches)

    def _copy_frames(self, sql: str, params, columns: list[str]) -> Iterator[pd.DataFrame]:
        """Rows of a query as our frames (all text on the wire; typed by _frame)."""
        for batch in self._copy_batches(sql, params, {c: pa.string() for c in columns}):
            yield _frame(pa.Table.from_batches([batch]), columns)

    def _parts(self, f: Filter, columns: list[str] | None, *, newest=None, bounds=None) -> tuple[list, list[str]]:
        """(sql, params) of the queries whose rows, one after the other, are the selection in the
        embedded store's order; and the columns they give."""
        cols = self.columns() if columns is None else list(columns)
        clause, params = self._where(f, bounds)
        select = ", ".join(f'"{c}"' for c in cols)
        if newest is not None:
            return [(f"SELECT {select} FROM events WHERE {clause} ORDER BY date DESC, id COLLATE \"C\" "
                     f"LIMIT {int(newest)}", params)], cols
        return [(f"SELECT {select} FROM events WHERE dataset = 'curated' AND {clause} ORDER BY {CURATED_ORDER}",
                 params),
                (f"SELECT {select} FROM events WHERE dataset <> 'curated' AND {clause} ORDER BY {DATASET_ORDER}",
                 params)], cols

    def _frames(self, parts: list, cols: list[str]) -> Iterator[pd.DataFrame]:
        """The parts' rows as frames, read ahead in a thread: the server keeps sending and Arrow
        keeps parsing while the caller encodes the previous frame (two cores, both busy)."""
        def produce() -> Iterator[pd.DataFrame]:
            for sql, params in parts:
                yield from self._copy_frames(sql, params, cols)

        return read_ahead(produce(), depth=2)

    def select(self, f: Filter, columns=None, *, newest=None, bounds=None) -> pd.DataFrame:
        parts, cols = self._parts(f, columns, newest=newest, bounds=bounds)
        frames = list(self._frames(parts, cols))
        if not frames:
            return _frame(pa.table({c: pa.array([], pa.string()) for c in cols}), cols)
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def export(self, f: Filter, fmt: str, *, raw: bool = False, stats: dict | None = None) -> Iterator[bytes]:
        wanted = export_columns(fmt)
        parts, cols = self._parts(f, None if wanted is None else [c for c in wanted if c in self.columns()])
        return stream(self._frames(parts, cols), fmt, raw=raw, control=self.with_control, links=self.with_links,
                      stats=stats)

    def grid(self, f: Filter, max_cells: int, bounds=None) -> dict:
        clause, params = self._where(f, bounds)
        t = self._copy_table(f"SELECT lat, lon, event_type, count(*) AS n, count(*) FILTER (WHERE claim_status IN "
                             f"({_CLAIMS_SQL})) AS c FROM events WHERE {clause} GROUP BY 1, 2, 3",
                             params, {"lat": pa.float64(), "lon": pa.float64(), "event_type": pa.string(),
                                      "n": pa.int64(), "c": pa.int64()})
        codes = type_codes(pd.Series(t.column("event_type").to_numpy(zero_copy_only=False)))
        return aggregate_points(t.column("lat").to_numpy(), t.column("lon").to_numpy(), codes,
                                t.column("n").to_numpy(), max_cells, t.column("c").to_numpy())

    def per_day(self, f: Filter) -> pd.DataFrame:
        clause, params = self._where(f)
        with self._cursor() as cur:
            cur.execute(f"SELECT date, end_date, event_type, count(*) FROM events WHERE {clause} GROUP BY 1, 2, 3",
                        params)
            rows = cur.fetchall()
        return per_day(np.array([r[0] for r in rows], dtype="datetime64[D]"),
                       type_codes(pd.Series([r[2] for r in rows], dtype=object)),
                       np.array([r[3] for r in rows], dtype=np.int64),
                       ends=np.array([r[1] if r[1] is not None else np.datetime64("NaT") for r in rows],
                                     dtype="datetime64[D]"))

    # --- loading ---------------------------------------------------------------------------------
    def push(self, catalog=None, data=None, *, user: str | Actor) -> dict:
        """The YAML catalogue and every imported dataset into the database, in one transaction:
        datasets are replaced whole; curated records are inserted or, when changed, updated with a
        new version (and a history line). Records in the database that the folder lacks stay."""
        cat = load_catalog(catalog)
        texts, records = {}, {}
        for rid, path in zip(cat.events["id"].astype(str), cat.events["path"].astype(str)):
            texts[rid] = open(path, encoding="utf-8").read()
            records[rid] = safe_yaml.load(texts[rid])
        out = {"curated": 0, "curated_changed": 0, "datasets": {}, "unchanged": [],
               "problems": [str(p) for p in cat.problems]}
        with self._transaction() as cur:
            cur.execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
            self._drop_unattached(cur)
            if len(cat.events):
                out["curated"] = len(cat.events)
                out["curated_changed"] = self._upsert_curated(cur, cat.events, records, texts,
                                                                 as_actor(user))
            manifests = {m["dataset"]: m for m in list_datasets(data)}
            cur.execute("SELECT name, manifest FROM datasets")
            pushed = dict(cur.fetchall())
            # The same import as last pushed: left be, and not even read.
            out["unchanged"] = [n for n, m in manifests.items() if pushed.get(n) == json.loads(json.dumps(m))]
            out["datasets"] = self._put_datasets(cur, data, {n: m for n, m in manifests.items()
                                                             if n not in out["unchanged"]})
            self._put_snapshots(cur, data)
        return out

    def _put_datasets(self, cur, data, manifests: dict[str, dict]) -> dict[str, int]:
        """The datasets named, from their files under data, each into a new partition swapped in for
        its old one, with its manifest and rejects; in the caller's transaction."""
        loaded, counts = [], {}
        for table in load_tables(data, names=set(manifests)):
            name = _dataset_of(table)
            if name is None or name not in manifests:
                continue
            frame = to_frame([table])
            del table
            loaded.append((name, self._load_partition(cur, name, frame)))
            rejects = data_dir(data) / name / manifests[name].get("rejects_file", "rejects.csv")
            cur.execute("INSERT INTO datasets (name, manifest, rejects) VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE "
                        "SET manifest = excluded.manifest, rejects = excluded.rejects, pushed_at = now()",
                        (name, json.dumps(manifests[name]), rejects.read_bytes() if rejects.is_file() else None))
            counts[name] = len(frame)
            del frame
        for name, table in loaded:  # the swap: the only moment readers wait, and only for it
            self._swap_partition(cur, name, table)
        if loaded:
            cur.execute("UPDATE store_version SET n = n + 1")  # COPY into a lone table fires no trigger
        return counts

    # --- bulk data through the store ----------------------------------------------------------
    def import_dataset(self, fmt, path, name, *, replace=False, **options) -> dict:
        """Read and check the file exactly as the embedded store does (into a scratch folder), then
        load it as the dataset's new partition in one transaction. One import of a dataset at a
        time, across every machine that writes to this database (an advisory lock)."""
        with self._cursor(primary=True) as guard:
            guard.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", (IMPORT_LOCK, name))
            if not guard.fetchone()[0]:
                raise DatasetError(f"dataset {name!r} is being imported by another command; try again when it "
                                   "has finished")
            try:
                guard.execute("SELECT (manifest->>'imported')::bigint FROM datasets WHERE name = %s", (name,))
                row = guard.fetchone()
                with tempfile.TemporaryDirectory(prefix="events-import-") as tmp:
                    manifest = import_file(fmt, path, name, Path(tmp), replace=replace,
                                           current=int(row[0]) if row and row[0] is not None else None, **options)
                    with self._transaction() as cur:
                        cur.execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
                        self._drop_unattached(cur)
                        self._put_datasets(cur, tmp, {name: json.loads((data_dir(tmp) / name / "manifest.json")
                                                                       .read_text())})
            finally:
                guard.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (IMPORT_LOCK, name))
        return {**manifest, "rejects_path": None, "stored_at": "the database"}

    def remove_dataset(self, name: str) -> dict:
        with self._transaction() as cur:
            cur.execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
            cur.execute("DELETE FROM datasets WHERE name = %s RETURNING manifest", (name,))
            row = cur.fetchone()
            if row is None:
                raise DatasetError(f"no dataset {name!r} in the database ('python -m events datasets' lists them)")
            cur.execute("SELECT c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid "
                        "WHERE h.inhparent = 'events'::regclass AND pg_get_expr(c.relpartbound, c.oid) = "
                        "format('FOR VALUES IN (%%L)', %s::text)", (name,))
            for (part,) in cur.fetchall():
                cur.execute(psql.SQL("ALTER TABLE events DETACH PARTITION {}").format(psql.Identifier(part)))
                cur.execute(psql.SQL("DROP TABLE {}").format(psql.Identifier(part)))
            cur.execute("UPDATE store_version SET n = n + 1")
        return row[0]

    def manifests(self) -> list[dict]:
        with self._cursor() as cur:
            cur.execute("SELECT manifest FROM datasets ORDER BY name")
            return [r[0] for r in cur.fetchall()]

    def rejects(self, name: str) -> bytes:
        with self._cursor() as cur:
            cur.execute("SELECT rejects FROM datasets WHERE name = %s", (name,))
            row = cur.fetchone()
        if row is None:
            raise DatasetError(f"no dataset {name!r} in the database ('python -m events datasets' lists them)")
        return bytes(row[0] or b"line,source_id,reason\n")

    def import_snapshots(self, paths, source, **options):
        """Snapshot files merged into the source's stored ones exactly as the embedded store merges
        them (in a scratch folder that starts as a copy of the source), then stored back in one row."""
        check_source_name(source)
        with self._transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (SNAPSHOT_LOCK, source))
            with tempfile.TemporaryDirectory(prefix="events-snapshots-") as tmp:
                folder = territory_dir(tmp) / source
                cur.execute("SELECT parquet, manifest FROM snapshots WHERE source = %s", (source,))
                row = cur.fetchone()
                if row:
                    folder.mkdir(parents=True)
                    (folder / "snapshots.parquet").write_bytes(bytes(row[0]))
                    (folder / "manifest.json").write_text(json.dumps(row[1]))
                result = import_snapshots(paths, source, tmp, **options)
                self._put_snapshots(cur, tmp, only=source)
        self._archive_checked = 0.0
        return result

    def _put_snapshots(self, cur, data, only: str | None = None) -> list[str]:
        """The snapshot sources under data (or the one named) into the snapshots table, each whose
        file differs from the stored one; returns those stored."""
        local = Archive(data)
        stored = []
        for source in local.sources():
            if only is not None and source != only:
                continue
            folder = local.root / source
            parquet = (folder / "snapshots.parquet").read_bytes()
            sha = hashlib.sha256(parquet).hexdigest()
            cur.execute("SELECT sha256 FROM snapshots WHERE source = %s", (source,))
            row = cur.fetchone()
            if row and row[0] == sha:
                continue
            rejects = folder / "rejects.csv"
            cur.execute("INSERT INTO snapshots (source, manifest, parquet, rejects, sha256) VALUES (%s, %s, %s, %s, %s) "
                        "ON CONFLICT (source) DO UPDATE SET manifest = excluded.manifest, parquet = excluded.parquet, "
                        "rejects = excluded.rejects, sha256 = excluded.sha256, imported_at = now()",
                        (source, json.dumps(local.manifest(source)), parquet,
                         rejects.read_bytes() if rejects.is_file() else None, sha))
            stored.append(source)
        return stored

    @property
    def archive(self):
        """The control snapshots held in the database, read from a local copy of each source's file
        that is fetched again only when its hash changes (looked at every ARCHIVE_CHECK_S at most)."""
        if getattr(self, "_archive", None) is None:
            self._archive_dir = tempfile.TemporaryDirectory(prefix="events-snapshots-")
            self._archive = Archive(root=self._archive_dir.name)
            self._archive_checked = 0.0
            self._archive_shas: dict[str, str] = {}
        if time.monotonic() - self._archive_checked >= ARCHIVE_CHECK_S:
            self._sync_archive()
            self._archive_checked = time.monotonic()
        return self._archive

    def _sync_archive(self) -> None:
        root = Path(self._archive_dir.name)
        with self._cursor() as cur:
            cur.execute("SELECT source, sha256 FROM snapshots")
            want = dict(cur.fetchall())
            for source in set(self._archive_shas) - set(want):
                shutil.rmtree(root / source, ignore_errors=True)
                self._archive_shas.pop(source)
            for source, sha in want.items():
                if self._archive_shas.get(source) == sha:
                    continue
                cur.execute("SELECT parquet, manifest FROM snapshots WHERE source = %s", (source,))
                parquet, manifest = cur.fetchone()
                folder = root / source
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / f".snapshots-{sha[:12]}.parquet"
                tmp.write_bytes(bytes(parquet))
                (folder / "manifest.json").write_text(json.dumps(manifest))
                os.replace(tmp, folder / "snapshots.parquet")  # the Archive sees a new file (its mtime)
                self._archive_shas[source] = sha

    def _load_partition(self, cur, name: str, frame: pd.DataFrame) -> str:
        """A dataset's rows into a new table of their own, with the partitioned table's indexes built on
        it alone: COPY ... FREEZE into a table created in its transaction writes each row once,
        already frozen and all-visible (no VACUUM afterwards), and maintains no index while it loads.
        A large dataset is loaded by `push_streams()` connections at once, each its share of the rows
        into a table of its own (its COPY, its indexes), committed unattached under a `load_` name,
        then made the range partitions (by seq) of the dataset's partition in the caller's
        transaction: the server's work for one dataset runs on as many cores (measured: see
        benchmarks/bench_postgis.py). A push that dies after its streams committed leaves `load_`
        tables that hold no store data; the next push drops them (`_drop_unattached`)."""
        extras = [c for c in frame.columns if c.startswith(EXTRA_PREFIX)]
        cur.execute("SELECT txid_current()")
        table = f"{_partition_stem(name)}_{cur.fetchone()[0]}"
        indexes = _index_bodies(cur)
        streams = push_streams(len(frame))
        if streams == 1:
            self._ensure_extras(cur, extras)  # on the parent first: the new table copies its columns
            _fill_table(cur, table, name, frame, 0, len(frame), indexes, extras)
            return table
        cuts = np.linspace(0, len(frame), streams + 1).astype(np.int64).tolist()
        parts = [(f"load_{table.removeprefix('events_')}_p{k}", cuts[k], cuts[k + 1]) for k in range(streams)]

        def load(part: tuple[str, int, int]) -> None:
            with _unavailable_on_loss(), _connect(self.dsn) as conn, conn.cursor() as leaf:
                leaf.execute("SET max_parallel_maintenance_workers = 0")  # the streams are the parallelism
                _fill_table(leaf, part[0], name, frame, part[1], part[2], indexes, extras)
                conn.commit()

        with ThreadPoolExecutor(streams, thread_name_prefix="push-stream") as pool:
            for done in [pool.submit(load, part) for part in parts]:
                done.result()  # the first failure, once every stream has ended
        self._ensure_extras(cur, extras)
        ident = psql.Identifier(table)
        cur.execute(psql.SQL("CREATE TABLE {} (LIKE events INCLUDING DEFAULTS INCLUDING GENERATED "
                             "INCLUDING CONSTRAINTS) PARTITION BY RANGE (seq)").format(ident))
        for k, (leaf, lo, hi) in enumerate(parts):  # their CHECKs spare ATTACH a scan; indexes are adopted
            cur.execute(psql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})").format(
                ident, psql.Identifier(leaf), psql.Literal(lo), psql.Literal(hi)))
            cur.execute(psql.SQL("ALTER TABLE {} RENAME TO {}").format(psql.Identifier(leaf),
                                                                      psql.Identifier(f"{table}_p{k}")))
        return table

    def _drop_unattached(self, cur) -> None:
        """Tables a push's streams committed before the push itself failed (see _load_partition)."""
        cur.execute("SELECT c.relname FROM pg_class c WHERE c.relname ~ '^load_[0-9a-f]{12}_[0-9]+_p[0-9]+$' "
                    "AND c.relkind = 'r' AND NOT c.relispartition "
                    "AND c.relnamespace = current_schema()::regnamespace")
        for (orphan,) in cur.fetchall():
            cur.execute(psql.SQL("DROP TABLE {}").format(psql.Identifier(orphan)))

    def _swap_partition(self, cur, name: str, table: str) -> None:
        """The new table in, the dataset's old partition out and dropped; no other partition is touched."""
        cur.execute("SELECT c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid "
                    "WHERE h.inhparent = 'events'::regclass AND pg_get_expr(c.relpartbound, c.oid) = "
                    "format('FOR VALUES IN (%%L)', %s::text)", (name,))
        old = [r[0] for r in cur.fetchall()]
        for o in old:
            cur.execute(psql.SQL("ALTER TABLE events DETACH PARTITION {}").format(psql.Identifier(o)))
            cur.execute(psql.SQL("DROP TABLE {}").format(psql.Identifier(o)))
        cur.execute(psql.SQL("ALTER TABLE events ATTACH PARTITION {} FOR VALUES IN ({})").format(
            psql.Identifier(table), psql.Literal(name)))

    def _ensure_extras(self, cur, names: Iterable[str]) -> None:
        names = list(names)
        for c in names:
            if not EXTRA.match(c):
                raise StorageError(f"column {c!r}: not a name a dataset column may have")
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = 'events'")
        have = {r[0] for r in cur.fetchall()}
        for c in names:  # only what is missing: ALTER TABLE waits for every reader, even when it adds nothing
            if c not in have:
                cur.execute(psql.SQL("ALTER TABLE events ADD COLUMN IF NOT EXISTS {} text").format(psql.Identifier(c)))

    def _copy_in(self, cur, table: str, frame: pd.DataFrame, *, seq: np.ndarray, extra_cols=(),
                 freeze: bool = False) -> None:
        """Rows of our frame into a table through COPY, the table's extra columns added first."""
        self._ensure_extras(cur, [c for c in frame.columns if c.startswith(EXTRA_PREFIX)])
        _copy_rows(cur, table, frame, seq=seq, extra_cols=extra_cols, freeze=freeze)

    def _upsert_curated(self, cur, frame: pd.DataFrame, records: dict, texts: dict, user: Actor) -> int:
        _incoming(cur)
        frame = frame.assign(_record=[json.dumps(records.get(i)) for i in frame["id"]],
                             _text=[texts.get(i) for i in frame["id"]])
        self._copy_in_incoming(cur, frame)
        cols = [c for c in ALL_COLUMNS]
        sets = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c != "id")
        cur.execute("INSERT INTO event_history (event_id, who, via, action, version, before, after) "
                    "SELECT i.id, %s, %s, CASE WHEN e.id IS NULL THEN 'create' ELSE 'push' END, "
                    "coalesce(e.version + 1, 1), e.record, i.record::jsonb FROM incoming i LEFT JOIN events e "
                    "ON e.dataset = 'curated' AND e.id = i.id "
                    "WHERE e.id IS NULL OR e.record IS DISTINCT FROM i.record::jsonb", (user.name, user.via))
        changed = cur.rowcount
        cur.execute(f"INSERT INTO events_curated (seq, {', '.join(chr(34) + c + chr(34) for c in cols)}, record, source_text, "
                    f"author, updated_by) SELECT 0, {', '.join('i.' + chr(34) + c + chr(34) for c in cols)}, i.record::jsonb, "
                    f"i.source_text, %s, %s FROM incoming i ON CONFLICT (id) DO UPDATE SET {sets}, "
                    "record = excluded.record, source_text = excluded.source_text, version = events_curated.version + 1, "
                    "author = excluded.author, updated_by = excluded.updated_by, updated_at = now() "
                    "WHERE events_curated.record IS DISTINCT FROM excluded.record", (user.name, user.name))
        return changed

    def _copy_in_incoming(self, cur, frame: pd.DataFrame) -> None:
        """Curated rows (with their record and YAML text) into the temporary `incoming` table."""
        frame = frame.rename(columns={"_record": "record", "_text": "source_text"})
        self._copy_in(cur, "incoming", frame, seq=np.zeros(len(frame), dtype=np.int64),
                      extra_cols=("record", "source_text"))

    def pull(self, out_dir) -> int:
        """The curated events as YAML files in out_dir: a record unchanged since it was pushed comes
        back as the very text that was pushed; one edited in the database is written afresh."""
        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise StorageError(f"{out}: not a folder")
        out.mkdir(parents=True, exist_ok=True)
        n = 0
        with self._cursor() as cur:
            cur.execute("SELECT id, record, source_text FROM events WHERE dataset = 'curated' ORDER BY id")
            for event_id, record, text in cur:
                if text is None or _same_record(text, record):
                    body = text if text is not None else dump_record(Event.model_validate(record))
                else:
                    body = dump_record(Event.model_validate(record))
                write_bytes_atomic(out / f"{event_id}.yaml", body.encode("utf-8"))
                n += 1
        return n

    # --- curated events ---------------------------------------------------------------------------
    def get(self, event_id: str) -> Stored:
        row = self._scalar("SELECT record, version, review, author, updated_by, updated_at FROM events "
                           "WHERE id = %s AND dataset = 'curated'", (event_id,), primary=True)
        if row is None:
            raise NotFound(f"no curated event {event_id!r}")
        record, version, review, author, by, at = row
        return Stored(event_id, record, str(version), review, author, by, at.isoformat(timespec="seconds"))

    def _refuse(self, event_id: str, user: Actor, action: str, version, record=None) -> None:
        with self._transaction() as cur:
            cur.execute("INSERT INTO event_history (event_id, who, via, action, version, after, note) "
                        "VALUES (%s, %s, %s, 'refused', %s, %s, %s)",
                        (event_id, user.name, user.via, _int(version),
                         json.dumps(record) if record is not None else None, f"{action} against version {version}"))

    def _stale(self, event_id: str, user: Actor, action: str, version, record=None) -> StaleVersion:
        self._refuse(event_id, user, action, version, record)
        row = self._scalar("SELECT updated_by, updated_at, version FROM events WHERE id = %s", (event_id,),
                           primary=True)
        if row is None:
            return StaleVersion(f"{event_id}: no longer exists (retracted) since you opened it; nothing was saved")
        return StaleVersion(f"{event_id}: changed by {row[0] or 'someone'} at {row[1].isoformat(timespec='seconds')} "
                            f"since you opened it (your version {version}, now {row[2]}); nothing was saved: reopen "
                            "it and apply your change again")

    def save(self, record: dict, *, version: str | None, user: str | Actor) -> Stored:
        user = as_actor(user)
        event_id = str(record.get("id", ""))
        current = None
        if version is not None:
            try:
                current = self.get(event_id)
            except NotFound:
                raise self._stale(event_id, user, "edit", version, record) from None
        event = validate_record(dict(record, review=review_after_edit(current)), event_id)

        derived, problem, h = locate_event(event, GazetteerGeocoder())
        if problem is not None:
            raise StorageError(f"{event_id}: {problem.field}: {problem.message}")
        row = event_row(event, f"postgis:{event_id}", {**derived, "id": event.id, "location_hash": h})

        frame = conform(pd.DataFrame([row]))
        stored = json.loads(json.dumps(event.model_dump(mode="json", exclude_none=True, exclude_defaults=True)))
        stored = {"id": event.id, **{k: v for k, v in stored.items() if k != "id"}}
        if event.review != "approved":
            stored["review"] = event.review
        frame = frame.assign(_record=[json.dumps(stored)], _text=[None])
        try:
            self._write_row(frame, event_id, version, user, stored, current)
        except _Rollback:
            if version is None:
                self._refuse(event_id, user, "create", version, stored)
                raise StaleVersion(f"{event_id}: already exists; open it and edit it instead") from None
            raise self._stale(event_id, user, "edit", version, stored) from None
        return self.get(event_id)

    def _write_row(self, frame, event_id, version, user, stored, current) -> None:
        with self._transaction() as cur:
            _incoming(cur)
            self._copy_in_incoming(cur, frame)
            cols = ", ".join(f'"{c}"' for c in ALL_COLUMNS)
            if version is None:
                cur.execute(f"INSERT INTO events_curated (seq, {cols}, record, author, updated_by) SELECT 0, {cols}, "
                            "record::jsonb, %s, %s FROM incoming ON CONFLICT (id) DO NOTHING", (user.name, user.name))
                if cur.rowcount == 0:
                    raise _Rollback()
                cur.execute("INSERT INTO event_history (event_id, who, via, action, version, after) "
                            "VALUES (%s, %s, %s, 'create', 1, %s)", (event_id, user.name, user.via, json.dumps(stored)))
            else:
                sets = ", ".join(f'"{c}" = i."{c}"' for c in ALL_COLUMNS if c != "id")
                cur.execute(f"UPDATE events e SET {sets}, record = i.record::jsonb, source_text = NULL, "
                            "version = e.version + 1, author = %s, updated_by = %s, updated_at = now() "
                            "FROM incoming i WHERE e.dataset = 'curated' AND e.id = i.id AND e.version = %s RETURNING e.version",
                            (user.name, user.name, _int(version)))
                got = cur.fetchone()
                if got is None:
                    raise _Rollback()
                cur.execute("INSERT INTO event_history (event_id, who, via, action, version, before, after) "
                            "VALUES (%s, %s, %s, 'edit', %s, %s, %s)",
                            (event_id, user.name, user.via, got[0], json.dumps(current.record), json.dumps(stored)))

    def review(self, event_id: str, state: str, *, version: str, user: str | Actor, note: str = "") -> Stored:
        user = as_actor(user)
        current = self.get(event_id)
        check_review(current, state, user.name)
        record = dict(current.record)
        record.pop("review", None)
        if state != "approved":
            record["review"] = state
        with self._transaction() as cur:
            cur.execute("UPDATE events SET review = %s, record = %s, source_text = NULL, version = version + 1, "
                        "updated_by = %s, updated_at = now() WHERE id = %s AND version = %s RETURNING version",
                        (state, json.dumps(record), user.name, event_id, _int(version)))
            got = cur.fetchone()
            if got is not None:
                cur.execute("INSERT INTO event_history (event_id, who, via, action, version, before, after, note) "
                            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                            (event_id, user.name, user.via, f"review:{state}", got[0], json.dumps(current.record),
                             json.dumps(record), note))
        if got is None:
            raise self._stale(event_id, user, f"review:{state}", version)
        return self.get(event_id)

    def retract(self, event_id: str, *, version: str, user: str | Actor, note: str = "") -> None:
        user = as_actor(user)
        with self._transaction() as cur:
            cur.execute("DELETE FROM events WHERE id = %s AND dataset = 'curated' AND version = %s "
                        "RETURNING record, version", (event_id, _int(version)))
            got = cur.fetchone()
            if got is not None:
                cur.execute("INSERT INTO event_history (event_id, who, via, action, version, before, note) "
                            "VALUES (%s, %s, %s, 'retract', %s, %s, %s)",
                            (event_id, user.name, user.via, got[1], json.dumps(got[0]), note))
        if got is None:
            raise self._stale(event_id, user, "retract", version)

    def history(self, event_id: str) -> list[Change]:
        with self._cursor(primary=True) as cur:
            cur.execute("SELECT at, who, action, version, before, after, note, via FROM event_history "
                        "WHERE event_id = %s ORDER BY seq", (event_id,))
            return [Change(event_id, at.isoformat(timespec="seconds"), who, action,
                           None if v is None else str(v), before, after, note, via)
                    for at, who, action, v, before, after, note, via in cur.fetchall()]


class _Rollback(Exception):
    pass


def push_streams(rows: int) -> int:
    """How many connections load a dataset of this many rows at once: EVENTS_PUSH_STREAMS (default
    2: this machine's cores; the server's cores are what count), and only for datasets of at least
    EVENTS_PUSH_STREAM_ROWS rows (default 200,000: below that one connection is as fast)."""
    streams = max(1, int(os.environ.get("EVENTS_PUSH_STREAMS", "2") or 2))
    least = int(os.environ.get("EVENTS_PUSH_STREAM_ROWS", "200000") or 200000)
    return min(streams, max(1, rows // max(1, least // 2))) if rows >= least else 1


def _index_bodies(cur) -> list[tuple[str, str, str]]:
    """The partitioned table's indexes as (name, "UNIQUE " or "", what follows "ON table"), for a
    new table to carry the same ones, which ATTACH then adopts instead of building."""
    cur.execute("SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c "
                "ON c.oid = i.indexrelid WHERE i.indrelid = 'events'::regclass ORDER BY c.relname")
    return [(index, "UNIQUE " if definition.startswith("CREATE UNIQUE") else "",
             re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ ", "", definition))
            for index, definition in cur.fetchall()]


def _fill_table(cur, table: str, dataset: str, frame: pd.DataFrame, lo: int, hi: int,
                indexes: list[tuple[str, str, str]], extras: list[str]) -> None:
    """A new table of rows lo..hi of a dataset's frame (seq lo..hi), in cur's transaction: created
    like events (plus any extra column events does not have yet, for a connection that cannot see
    the caller's), loaded by COPY FREEZE, checked (dataset, seq range: ATTACH then trusts the
    checks instead of scanning under its lock), indexed like events, analysed."""
    ident = psql.Identifier(table)
    cur.execute(psql.SQL("CREATE TABLE {} (LIKE events INCLUDING DEFAULTS INCLUDING GENERATED "
                         "INCLUDING CONSTRAINTS)").format(ident))
    cur.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                (table,))
    have = {r[0] for r in cur.fetchall()}
    for c in extras:
        if c not in have:
            cur.execute(psql.SQL("ALTER TABLE {} ADD COLUMN {} text").format(ident, psql.Identifier(c)))
    _copy_rows(cur, table, frame.iloc[lo:hi], seq=np.arange(lo, hi, dtype=np.int64), freeze=True)
    cur.execute(psql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK (dataset = {}), ADD CONSTRAINT {} CHECK "
                         "(seq >= {} AND seq < {})").format(
        ident, psql.Identifier(f"{table}_dataset"[:63]), psql.Literal(dataset),
        psql.Identifier(f"{table}_seq"[:63]), psql.Literal(lo), psql.Literal(hi)))
    for index, unique, body in indexes:
        cur.execute(psql.SQL("CREATE {}INDEX {} ON {} ").format(
            psql.SQL(unique), psql.Identifier(f"{table}_{index.removeprefix('events_')}"[:63]), ident) + psql.SQL(body))
    # Statistics for the columns reads filter, group and sort on; the long texts (notes, sources)
    # would double the time and guide no plan.
    cur.execute(psql.SQL("ANALYZE {} ({})").format(ident, psql.SQL(ANALYZED)))


def _copy_rows(cur, table: str, frame: pd.DataFrame, *, seq: np.ndarray, extra_cols=(), freeze: bool = False) -> None:
    """Rows of our frame into a table that has their columns, through a binary COPY."""
    extras = [c for c in frame.columns if c.startswith(EXTRA_PREFIX)]
    cols = ALL_COLUMNS + extras + list(extra_cols)
    stmt = psql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT binary" + (", FREEZE" if freeze else "") + ")").format(
        psql.Identifier(table), psql.SQL(", ").join(psql.Identifier(c) for c in ["seq", *cols]))
    # A slice at a time (memory stays bounded), the next one built in a thread while the
    # server parses this one.
    slices = (_rows_of(frame.iloc[start:start + PUSH_ROWS], ALL_COLUMNS + extras, seq[start:start + PUSH_ROWS],
                       frame.iloc[start:start + PUSH_ROWS][list(extra_cols)] if extra_cols else None)
              for start in range(0, len(frame), PUSH_ROWS))
    with cur.copy(stmt) as copy:
        for data in read_ahead(_binary_copy(slices), depth=2):
            copy.write(data)


def _incoming(cur) -> None:
    """The temporary table curated rows are copied into before they are merged: the events columns
    without the generated point, the record as text (cast to jsonb where it is merged)."""
    cur.execute("CREATE TEMP TABLE incoming (LIKE events INCLUDING DEFAULTS) ON COMMIT DROP")
    cur.execute("ALTER TABLE incoming DROP COLUMN geom, ALTER COLUMN record TYPE text")


def _int(version) -> int:
    try:
        return int(version)
    except (TypeError, ValueError):
        raise StaleVersion(f"version {version!r} is not a version of this store") from None


def _same_record(text: str, record) -> bool:
    try:
        return safe_yaml.load(text) == record
    except Exception:  # noqa: BLE001
        return False


def _dataset_of(t: pa.Table) -> str | None:
    col = t.column("dataset")
    first = col[0].as_py() if len(col) else None
    return first


def _json_column(values: pd.Series) -> pa.Array:
    """Lists (tags, actors, sources, related, geo_flags) as JSON text; only the rows that have one are encoded."""
    arr = values.to_numpy(object)
    out = np.full(len(arr), None, dtype=object)
    has = np.flatnonzero(pd.notna(arr)) if len(arr) else np.zeros(0, dtype=np.int64)
    for i in has:
        v = arr[i]
        if isinstance(v, np.ndarray):
            v = v.tolist()
        if isinstance(v, (list, tuple)):
            out[i] = json.dumps(list(v), ensure_ascii=False)
    return pa.array(out, type=pa.string())


def _rows_of(frame: pd.DataFrame, columns: list[str], seq: np.ndarray, tail: pd.DataFrame | None = None) -> pa.Table:
    """Our frame as the table's own column types, in COPY's column order: seq first, then columns,
    then tail's columns (text). Lists become JSON text (the json columns' binary form is their text)."""
    arrays, names = [pa.array(seq, type=pa.int64())], ["seq"]
    for c in columns:
        s = frame[c] if c in frame else pd.Series([None] * len(frame), dtype=object)
        if c in LIST_COLUMNS:
            a = _json_column(s).cast(pa.string())
        elif c in DATE_COLUMNS:
            a = pa.array(pd.to_datetime(s).to_numpy("datetime64[ns]"), type=pa.timestamp("ns"),
                         from_pandas=True).cast(pa.date32())
        elif c in INT_COLUMNS:
            a = pa.array(pd.array(s, dtype="Int64"), type=pa.int64()).cast(pa.int32())  # integer, not bigint
        elif c in FLOAT_COLUMNS:
            a = pa.array(s.to_numpy(np.float64), type=pa.float64(), from_pandas=True)
        else:
            a = _text_array(s)
        arrays.append(a)
        names.append(c)
    if tail is not None:
        for c in tail.columns:
            arrays.append(pa.array(tail[c].to_numpy(object), type=pa.string(), from_pandas=True))
            names.append(c)
    return pa.Table.from_arrays(arrays, names=names)


def _text_array(s: pd.Series) -> pa.Array:
    """A text column as Arrow strings without a Python object per row: a category column through
    its dictionary (its codes index its labels), an Arrow-backed one as its own buffers. Measured
    at a million rows: 0.4 s for the frame's thirty text columns, against 4.0 s through astype(str)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        labels = pa.array(s.cat.categories.astype("str"), type=pa.string(), from_pandas=True)
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), labels).dictionary_decode()
    if isinstance(s.array, pd.arrays.ArrowStringArray):
        return pa.chunked_array(s.array._pa_array).combine_chunks().cast(pa.string())
    return pa.array(s.astype("str"), type=pa.string(), from_pandas=True)


def _binary_copy(tables: Iterator[pa.Table]) -> Iterator[bytes]:
    """Tables of the same schema as one COPY ... (FORMAT binary) stream. Binary, because the server
    parses it a third faster than CSV (measured: a million rows into a bare table, 5.0 s against 7.9 s)
    and the bytes are made by pgpq from Arrow's buffers, with no text formatting on our side."""
    encoder = None
    for table in tables:
        if encoder is None:
            encoder = ArrowToPostgresBinaryEncoder(table.schema)
            yield encoder.write_header()
        for batch in table.to_batches():
            yield encoder.write_batch(batch)
    if encoder is not None:
        yield encoder.finish()


def _frame(table: pa.Table, columns: list[str]) -> pd.DataFrame:
    """A batch of COPY output (all text) in our columns and types, as the embedded store has them."""
    out = {}
    for c in columns:
        col = table.column(c)
        if c in DATE_COLUMNS:
            out[c] = pd.Series(col.cast(pa.date32()).cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False))
        elif c in INT_COLUMNS:
            out[c] = pd.Series(col.cast(pa.int64()).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
        elif c in FLOAT_COLUMNS:
            out[c] = pd.Series(col.cast(pa.float64()).to_numpy(zero_copy_only=False))
        elif c in LIST_COLUMNS:
            values = col.to_numpy(zero_copy_only=False)
            parsed = np.full(len(values), None, dtype=object)
            for i in np.flatnonzero(pd.notna(values)):
                parsed[i] = json.loads(values[i])
            out[c] = pd.Series(parsed, dtype=object)
        elif c in CATEGORY_COLUMNS:
            out[c] = pd.Series(col.dictionary_encode().to_pandas())
        else:
            out[c] = pd.Series(col.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get))
    df = pd.DataFrame(out)
    known = [c for c in columns if not c.startswith(EXTRA_PREFIX)]

    if set(ALL_COLUMNS) <= set(columns):
        extras = [c for c in columns if c.startswith(EXTRA_PREFIX)]
        full = conform(df[known])
        for c in extras:
            full[c] = df[c].array
        return full
    return df
