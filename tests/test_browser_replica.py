"""Reads from a streaming replica (EVENTS_DB_READ), writes to the primary (EVENTS_DB): a real
primary and a real replica (pg_basebackup -R) on this machine. An edit made on the primary shows on
the open page once the replica has it, and while the replica lags the page says so; the CLI reads
the replica too."""
from __future__ import annotations

import time

import pytest

from tests.conftest import record, run_cli
from tests.test_browser import CHROMIUM, Page, start_app, stop_app  # noqa: F401
from tests.test_postgis_outage import _catalog, _database

pytestmark = [pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no Chromium"),
              pytest.mark.skipif(__import__("tests.pgcluster", fromlist=["available"]).available() is not None,
                                 reason="no PostgreSQL here")]

NEW = "edit-made-on-the-primary"


@pytest.fixture(scope="module")
def primary_and_replica():
    from tests.pgcluster import Cluster

    primary = Cluster().start()
    replica = None
    try:
        url = _database(primary, "events")
        replica = primary.replica()
        yield primary, replica, url, replica.url("events")
    finally:
        if replica is not None:
            replica.stop()
        primary.stop()


def _rows(db: str, read: str | None) -> int:
    env = {"EVENTS_DB": db, **({"EVENTS_DB_READ": read} if read else {})}
    r = run_cli("-m", "events", "export", "--format", "csv", "--out", "-", "--review", "all", env=env)
    assert r.returncode == 0, r.stderr
    return len(r.stdout.strip().splitlines()) - 1


def _replica_has(replica_url: str, n: int, timeout: float = 30) -> None:
    import psycopg

    deadline = time.time() + timeout
    while time.time() < deadline:
        with psycopg.connect(replica_url) as conn:
            if conn.execute("SELECT n FROM store_version").fetchone()[0] >= n:
                return
        time.sleep(0.1)
    raise AssertionError("the replica never caught up")


def test_an_edit_on_the_primary_shows_once_the_replica_has_it_and_the_page_says_when_it_lags(
        primary_and_replica, browser, tmp_path):  # noqa: F811
    import psycopg

    from events.storage.postgis import PostgisStorage

    _, _, url, read = primary_and_replica
    catalog = _catalog(tmp_path)
    assert run_cli("-m", "events", "--db", url, "db", "push",
                   env={"EVENTS_CATALOG": str(catalog), "EVENTS_DATA": str(tmp_path / "none")}).returncode == 0
    with psycopg.connect(url) as conn:
        _replica_has(read, conn.execute("SELECT n FROM store_version").fetchone()[0])
    proc, base = start_app(catalog, tmp_path / "none", launcher=True,
                           env={"EVENTS_DB": url, "EVENTS_DB_READ": read, "EVENTS_DB_WATCH_S": "1"})
    try:
        with Page(browser) as p, psycopg.connect(read, autocommit=True) as standby:
            p.page.goto(base + "/?review=all")
            p.wait_count(8, timeout_s=60)
            standby.execute("SELECT pg_wal_replay_pause()")
            writer = PostgisStorage(url)
            try:
                writer.save(record(id=NEW), version=None, user="alice")
            finally:
                writer.close()
            # The replica has not replayed it: the page says it lags, and shows what the replica holds.
            p.page.get_by_text("reads a replica that is behind the primary").wait_for(timeout=30_000)
            assert NEW not in p.wait_count(8)
            assert _rows(url, read) == 8 and _rows(url, None) == 9  # the CLI reads the replica too
            standby.execute("SELECT pg_wal_replay_resume()")
            resumed = time.time()
            ids = p.wait_count(9, timeout_s=60)  # no click: the open page follows the replica
            print(f"\nthe edit on the page {time.time() - resumed:.1f} s after the replica resumed")
            assert NEW in ids
            p.page.get_by_text("reads a replica that is behind the primary").wait_for(state="detached",
                                                                                     timeout=30_000)
        assert _rows(url, read) == 9
    finally:
        stop_app(proc)
