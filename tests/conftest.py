"""Fixtures that build real data: catalogues of real YAML files in temporary folders."""
from __future__ import annotations

import copy
import os
import shutil
import socket
import subprocess
import sys
import weakref
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SEED_CATALOG = ROOT / "events" / "catalog"

VALID = {
    "id": "test-event",
    "title": "A test event in Pokrovsk",
    "summary": "Something happened.",
    "date": "2025-01-10",
    "date_precision": "day",
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Shelling/artillery/missile attack",
    "actors": ["Military Forces of Russia", "Civilians (Ukraine)"],
    "location": {"name": "Pokrovsk", "country": "UA", "admin1": "Donetsk Oblast"},
    "fatalities": 1,
    "injured": None,
    "claim": {"status": "reported", "by": "Regional governor"},
    "sources": [{"outlet": "Test Outlet", "url": "https://example.org/a", "published": "2025-01-11",
                 "quote": "One person was killed in Pokrovsk."}],
}


def record(**changes) -> dict:
    """A valid record with some fields changed (None deletes a top-level field)."""
    rec = copy.deepcopy(VALID)
    for k, v in changes.items():
        if v is None and k in rec:
            del rec[k]
        else:
            rec[k] = v
    return rec


def write_record(directory: Path, rec: dict, name: str | None = None) -> Path:
    path = directory / f"{name or rec['id']}.yaml"
    path.write_text(yaml.safe_dump(rec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def no_bulk_datasets(tmp_path_factory, monkeypatch):
    """Tests see only the data they build: an empty EVENTS_DATA unless a test sets one."""
    monkeypatch.setenv("EVENTS_DATA", str(tmp_path_factory.mktemp("no-datasets")))


@pytest.fixture
def seed_catalog(tmp_path: Path) -> Path:
    """A copy of the seed catalogue (so tests may break it)."""
    dest = tmp_path / "catalog"
    shutil.copytree(SEED_CATALOG, dest)
    return dest


@pytest.fixture
def empty_catalog(tmp_path: Path) -> Path:
    dest = tmp_path / "catalog"
    dest.mkdir()
    return dest


def run_cli(*args: str, env: dict | None = None, cwd: Path = ROOT, binary: bool = False,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """The command line as a user runs it, its output piped (so no terminal width, whatever the
    runner's environment says: pytest-xdist's workers carry a COLUMNS); binary=True keeps stdout's
    bytes (CRLF and all)."""
    import os

    full_env = {**{k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}, **(env or {})}
    return subprocess.run([sys.executable, *args], capture_output=True, text=not binary, cwd=cwd, env=full_env,
                          timeout=timeout)


@pytest.fixture(scope="session")
def pg_cluster():
    """A real PostgreSQL + PostGIS on a free local port for the whole run, with a template
    database that already holds the schema; stopped and deleted at the end."""
    from tests.pgcluster import Cluster, available

    why = available()
    if why:
        pytest.skip(why)
    cluster = Cluster().start()
    try:
        cluster.sql("CREATE DATABASE events_template")
        from events.storage.postgis import migrate

        migrate(cluster.url("events_template"))
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster, request):
    """A fresh database cloned from the template, for one test."""
    import re as _re

    name = "t_" + _re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40] + f"_{id(request) % 100000}"
    pg_cluster.sql(f"CREATE DATABASE {name} TEMPLATE events_template")
    yield pg_cluster.url(name)
    pg_cluster.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
_CONTEXTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # browser -> {(mobile, headers): context}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test process, for every browser test (pages are the tests' own:
    tests/test_browser.py Page)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Nothing leaves the host: every request but to 127.0.0.1 goes through a proxy port where
        # nothing listens, and fails. (Not page.route: routing turns the HTTP cache off, and every
        # page would load and compile Streamlit's bundle afresh, about 0.7 s a page.)
        b = p.chromium.launch(executable_path=CHROMIUM, proxy={"server": f"http://127.0.0.1:{free_port()}",
                                                                "bypass": "127.0.0.1"}, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        _CONTEXTS.pop(b, None)
        b.close()
