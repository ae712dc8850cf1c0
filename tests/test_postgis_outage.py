"""The team store when its server dies: kill -9 of every PostgreSQL process at several points of a
push and of an edit leaves the database as it was; the CLI says so in one line with exit code 3;
a dump restored into a fresh cluster gives byte-identical exports. A cluster of its own (these
tests kill it), not the session's."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import ROOT, SEED_CATALOG, run_cli

pytestmark = pytest.mark.skipif(__import__("tests.pgcluster", fromlist=["available"]).available() is not None,
                                reason="no PostgreSQL here")


@pytest.fixture(scope="module")
def crashable():
    from tests.pgcluster import Cluster

    cluster = Cluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def big_data(tmp_path_factory):
    """Two versions of a 60,000-row ACLED-like dataset (a push of the second replaces the first): long
    enough a push for each of its phases to be caught (the watch looks every 10 ms). Written as the
    store's own dataset files: importing them is other tests' business."""
    from benchmarks.synth import synthetic_events
    from events.datasets import write_dataset

    root = tmp_path_factory.mktemp("outage")
    out = []
    for seed in (3, 4):
        data = root / f"data{seed}"
        (data / "synthetic").mkdir(parents=True)
        write_dataset(synthetic_events(60_000, seed=seed), data / "synthetic")
        (data / "synthetic" / "manifest.json").write_text(json.dumps({"dataset": "synthetic", "format": "test",
                                                                      "imported": 60_000, "rejected": 0,
                                                                      "source_sha256": f"seed {seed}"}))
        out.append(data)
    return out


def _database(cluster, name: str) -> str:
    cluster.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    cluster.sql(f"CREATE DATABASE {name}")
    url = cluster.url(name)
    assert run_cli("-m", "events", "--db", url, "db", "init").returncode == 0
    return url


def _state(url):
    """Everything a push or an edit may change: rows per dataset with a checksum of their ids and
    dates, the curated records and versions, the history, the datasets table, the store version."""
    import psycopg

    with psycopg.connect(url) as conn:
        return (conn.execute("SELECT dataset, count(*), sum(hashtext(id || coalesce(date::text, ''))) FROM events "
                             "GROUP BY 1 ORDER BY 1").fetchall(),
                conn.execute("SELECT id, version, record::text FROM events WHERE dataset = 'curated' "
                             "ORDER BY id").fetchall(),
                conn.execute("SELECT count(*), max(seq) FROM event_history").fetchone(),
                conn.execute("SELECT name, manifest::text FROM datasets ORDER BY 1").fetchall(),
                conn.execute("SELECT n FROM store_version").fetchone(),
                conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'events'").fetchone(),
                conn.execute("SELECT c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid "
                             "WHERE h.inhparent = 'events'::regclass ORDER BY 1").fetchall(),
                conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'events%%'").fetchone())


def _wait_for(url, condition: str, proc, timeout: float = 120) -> bool:
    import psycopg

    deadline = time.time() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.time() < deadline and proc.poll() is None:
            if conn.execute(f"SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND ({condition})"
                            ).fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


class _Blocker:
    """Another session holding a lock on a table, so that a writer stops at a known statement."""

    def __init__(self, url: str, table: str, mode: str = "EXCLUSIVE"):
        import psycopg

        self.conn = psycopg.connect(url)
        self.conn.execute(f"LOCK TABLE {table} IN {mode} MODE")

    def close(self):
        try:
            self.conn.close()
        except Exception:  # noqa: BLE001 - the server was killed under it
            pass


def _catalog(tmp_path):
    catalog = tmp_path / "catalog"
    shutil.copytree(SEED_CATALOG, catalog)
    return catalog


def _edit_one(catalog) -> None:
    path = catalog / "pokrovsk-casualties-2025-01-10.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Pokrovsk", "Pokrovsk (edited)", 1), encoding="utf-8")


# The points of a push at which the server dies: waiting to write the curated events' history
# (a lock held by another session stops it there), streaming the dataset's rows in, rebuilding
# the indexes after them.
PUSH_POINTS = {
    "curated history": (("event_history", "EXCLUSIVE"),
                        "wait_event_type = 'Lock' AND query LIKE 'INSERT INTO event_history%%'"),
    "dataset COPY into its new partition": (None, "query LIKE 'COPY \"events_%%' OR query LIKE 'COPY \"load_%%'"),
    "index build on the new partition": (None, "query LIKE 'CREATE %%INDEX%%'"),
    # a reader's open transaction holds the table: the swap waits for it
    "partition swap": (("events", "ACCESS SHARE"),
                       "wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE events DETACH%%'"),
}


def test_a_push_killed_with_the_server_at_any_point_leaves_the_database_as_it_was(crashable, big_data, tmp_path):
    url = _database(crashable, "push_crash")
    catalog = _catalog(tmp_path)
    # the dataset loaded by two connections (a large dataset's way): killed at the swap, their
    # committed, unattached tables are left behind, outside the store, for the next push to drop
    env = {"EVENTS_CATALOG": str(catalog), "EVENTS_USER": "alice", "EVENTS_PUSH_STREAM_ROWS": "20000"}
    first = run_cli("-m", "events", "--db", url, "db", "push", env={**env, "EVENTS_DATA": str(big_data[0])})
    assert first.returncode == 0, first.stderr
    _edit_one(catalog)  # the next push changes a curated record and replaces the dataset
    before = _state(url)
    for point, (lock, condition) in PUSH_POINTS.items():
        blocker = _Blocker(url, *lock) if lock else None
        proc = subprocess.Popen([sys.executable, "-m", "events", "--db", url, "db", "push"], cwd=ROOT, text=True,
                                env={**os.environ, **env, "EVENTS_DATA": str(big_data[1])},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            reached = _wait_for(url, condition, proc, timeout=60)
            if not reached:
                proc.kill()
                raise AssertionError(f"the push never reached its {point}: {proc.communicate()[1][-800:]}")
            crashable.kill()
            out, err = proc.communicate(timeout=60)
        finally:
            if blocker:
                blocker.close()
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 3 and "Traceback" not in err, (point, err)
        assert "database" in err and "nothing was changed" in err, (point, err)
        crashable.resume()
        assert _state(url) == before, f"a push killed at its {point} changed the database"
    assert _unattached(url), "no push was killed after its streams had loaded"
    done = run_cli("-m", "events", "--db", url, "db", "push", env={**env, "EVENTS_DATA": str(big_data[1])})
    assert done.returncode == 0, done.stderr
    assert _state(url) != before  # the same push, uninterrupted, does change it
    assert not _unattached(url)  # and drops what killed pushes left


def _unattached(url) -> list[str]:
    import psycopg

    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT relname FROM pg_class WHERE relname LIKE 'load%%' AND relkind = 'r' "
                                           "AND NOT relispartition").fetchall()]


@pytest.mark.parametrize("table", ["events", "event_history"])
def test_an_edit_killed_with_the_server_leaves_the_record_and_its_history_as_they_were(crashable, tmp_path, table):
    url = _database(crashable, f"edit_crash_{table}")
    catalog = _catalog(tmp_path)
    env = {"EVENTS_CATALOG": str(catalog), "EVENTS_USER": "alice", "EVENTS_DATA": str(tmp_path / "none")}
    assert run_cli("-m", "events", "--db", url, "db", "push", env=env).returncode == 0
    eid = "pokrovsk-casualties-2025-01-10"
    got = run_cli("-m", "events", "--db", url, "event", "get", eid)
    version = got.stdout.split("version: ")[1].split()[0]
    _edit_one(catalog)
    before = _state(url)
    blocker = _Blocker(url, table)
    proc = subprocess.Popen([sys.executable, "-m", "events", "--db", url, "event", "save",
                             str(catalog / f"{eid}.yaml"), "--version", version], cwd=ROOT, text=True,
                            env={**os.environ, **env, "EVENTS_USER": "bob"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert _wait_for(url, "wait_event_type = 'Lock' AND query NOT LIKE 'LOCK TABLE%%'", proc), \
            proc.communicate()[1][-800:]
        crashable.kill()
        _, err = proc.communicate(timeout=60)
    finally:
        blocker.close()
    assert proc.returncode == 3 and "Traceback" not in err and "nothing was changed" in err, err
    crashable.resume()
    assert _state(url) == before
    again = run_cli("-m", "events", "--db", url, "event", "save", str(catalog / f"{eid}.yaml"), "--version", version,
                    env={"EVENTS_USER": "bob"})
    assert again.returncode == 0, again.stderr  # the same edit, once the server is back, goes through


def test_the_cli_says_the_database_went_away_in_one_line_and_exits_3(crashable, tmp_path):
    url = _database(crashable, "cli_down")
    crashable.pause()
    try:
        r = run_cli("-m", "events", "--db", url, "list")
    finally:
        crashable.resume()
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "cannot connect to the database" in r.stderr
    assert run_cli("-m", "events", "--db", url, "list").returncode == 0


def test_a_dump_restored_into_a_fresh_cluster_exports_the_same_bytes(crashable, tmp_path):
    """The documented backup: pg_dump -Fc, then pg_restore into a new cluster's empty database."""
    from tests.pgcluster import PG_BIN, Cluster

    url = _database(crashable, "to_dump")
    catalog = _catalog(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    from tests.test_postgis import UCDP as extract

    if extract.exists():
        assert run_cli("-m", "events", "import", "--format", "ucdp", str(extract), "--dataset", "ucdp",
                       env={"EVENTS_DATA": str(data)}).returncode == 0
    env = {"EVENTS_CATALOG": str(catalog), "EVENTS_DATA": str(data), "EVENTS_USER": "alice"}
    assert run_cli("-m", "events", "--db", url, "db", "push", env=env).returncode == 0
    dump = tmp_path / "events.dump"
    subprocess.run([str(PG_BIN / "pg_dump"), "-Fc", "-f", str(dump), "-d", url], check=True, timeout=120)
    fresh = Cluster().start()
    try:
        fresh.sql("CREATE DATABASE events")
        subprocess.run([str(PG_BIN / "pg_restore"), "--no-owner", "-d", fresh.url("events"), str(dump)],
                       check=True, timeout=120)
        for fmt in ("geojson", "csv"):
            a = run_cli("-m", "events", "--db", url, "export", "--format", fmt, "--out", "-", "--review", "all",
                        binary=True)
            b = run_cli("-m", "events", "--db", fresh.url("events"), "export", "--format", fmt, "--out", "-",
                        "--review", "all", binary=True)
            assert a.returncode == 0 and b.returncode == 0, (a.stderr, b.stderr)
            assert len(a.stdout) > 1000 and a.stdout == b.stdout, fmt
        hist = run_cli("-m", "events", "--db", fresh.url("events"), "event", "history",
                       "pokrovsk-casualties-2025-01-10")
        assert "alice" in hist.stdout  # the history came along
    finally:
        fresh.stop()


def test_reads_during_an_outage_fail_clearly_and_the_same_store_recovers_without_a_restart(crashable, tmp_path,
                                                                                              monkeypatch):
    """The dashboard's situation, without the page: one long-lived store object (one pool) across
    a stop and a start of the server. A request waits 3 s for a connection here (EVENTS_DB_WAIT;
    15 by default), so the outage is found out sooner and the test is shorter; nothing else changes."""
    monkeypatch.setenv("EVENTS_DB_WAIT", "3")
    from events.errors import StoreUnavailable
    from events.filters import Filter
    from events.storage.postgis import PostgisStorage

    url = _database(crashable, "recover")
    catalog = _catalog(tmp_path)
    assert run_cli("-m", "events", "--db", url, "db", "push",
                   env={"EVENTS_CATALOG": str(catalog), "EVENTS_DATA": str(tmp_path / "none")}).returncode == 0
    store = PostgisStorage(url)
    try:
        assert store.count(Filter()) == 8
        crashable.pause()
        with pytest.raises(StoreUnavailable):
            store.count(Filter())
        threading.Timer(1.0, crashable.resume).start()
        deadline, back = time.time() + 30, None
        while time.time() < deadline:
            try:
                back = store.count(Filter())
                break
            except StoreUnavailable:
                time.sleep(0.2)
        assert back == 8
    finally:
        store.close()
