"""The dashboard on the team store when the database goes away while the page is open: a clear
notice and nothing from before, then the map back by itself once the server returns, with no
restart of the dashboard and no click."""
from __future__ import annotations

import time

import pytest

from tests.conftest import run_cli
from tests.test_browser import CHROMIUM, Page, start_app, stop_app  # noqa: F401
from tests.test_postgis_outage import _catalog, _database, crashable  # noqa: F401

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no Chromium")


def _map_shown(p: Page) -> bool:
    return any("st_folium" in f.url for f in p.page.frames if not f.is_detached())


def test_the_page_says_the_database_is_gone_shows_nothing_stale_and_comes_back_by_itself(
        crashable, browser, tmp_path):  # noqa: F811
    url = _database(crashable, "page_outage")
    catalog = _catalog(tmp_path)
    env = {"EVENTS_CATALOG": str(catalog), "EVENTS_DATA": str(tmp_path / "none")}
    assert run_cli("-m", "events", "--db", url, "db", "push", env=env).returncode == 0
    proc, base = start_app(catalog, tmp_path / "none", launcher=True,
                           env={"EVENTS_DB": url, "EVENTS_DB_WATCH_S": "1"})
    try:
        with Page(browser) as p:
            p.page.goto(base + "/")
            p.wait_count(8, timeout_s=60)
            crashable.pause()
            stopped = time.time()
            notice = p.page.get_by_text("The event database is not reachable")
            notice.wait_for(timeout=30_000)  # no click: the open page notices by itself
            noticed = time.time() - stopped
            p.page.wait_for_function("() => !document.querySelector('iframe[title*=\"st_folium\"]')",
                                     timeout=15_000)
            assert not _map_shown(p), "the map of before is still shown as if it were current"
            assert p.page.locator('[data-testid="stException"]').count() == 0
            crashable.resume()
            started = time.time()
            p.wait_count(8, timeout_s=60)
            back = time.time() - started
            assert notice.count() == 0 and p.page.locator('[data-testid="stException"]').count() == 0
            print(f"\nnoticed the stop after {noticed:.1f} s; map back {back:.1f} s after the server")
            assert back < 20, f"the page took {back:.1f} s to come back"
    finally:
        stop_app(proc)
