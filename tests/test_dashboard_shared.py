"""Work shared across sessions, downloads built only on request, and a server that keeps to itself."""
from __future__ import annotations

import threading
import tomllib

from dashboard.shared import ByteBudgetCache
from tests.conftest import ROOT
from tests.test_app import run_app


def test_rendering_a_view_builds_no_download(monkeypatch, seed_catalog):
    import events.export as export

    calls = []
    real = export.export_bytes
    monkeypatch.setattr(export, "export_bytes", lambda *a, **k: calls.append(a) or real(*a, **k))
    run_app(monkeypatch, seed_catalog)
    run_app(monkeypatch, seed_catalog, region="UA-14")
    assert calls == []  # eager building was 169 MB + 60 MB per 200,000-event view, per session


def test_sessions_on_the_same_view_share_its_work(monkeypatch, seed_catalog):
    import dashboard.shared as shared

    from events.storage.embedded import EmbeddedStorage

    calls = []
    real = EmbeddedStorage.summary
    monkeypatch.setattr(EmbeddedStorage, "summary", lambda self, f: calls.append(f) or real(self, f))
    for _ in range(3):
        run_app(monkeypatch, seed_catalog, claim="claimed")
    assert len(calls) == 1
    run_app(monkeypatch, seed_catalog, claim="reported")
    assert len(calls) == 2


def test_the_table_is_newest_first_across_sources(monkeypatch, seed_catalog):
    at = run_app(monkeypatch, seed_catalog)
    dates = list(at.dataframe[0].value["date"])
    assert dates == sorted(dates, reverse=True) and len(dates) == 8


def test_download_cache_is_bounded_by_bytes_and_builds_once():
    cache = ByteBudgetCache(1000)
    built = []

    def make(n):
        return lambda: built.append(n) or b"x" * n

    for i in range(10):
        cache.get(("k", i), make(200))
    assert cache.size <= 1000 and len(built) == 10
    cache.get(("k", 9), make(200))  # the newest is still there
    assert len(built) == 10
    cache.get(("big",), make(900))  # over a quarter of the budget: served, not kept
    assert cache.size <= 1000 and cache.get(("big",), make(900)) and built.count(900) == 2
    gate = threading.Barrier(4)
    slow = []

    def fetch():
        gate.wait()
        cache.get(("same",), lambda: slow.append(1) or b"y" * 10)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert slow == [1]


def test_server_defaults_keep_to_this_machine_and_hide_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] == "none"
    assert "--server.address $(HOST)" in (ROOT / "Makefile").read_text()
