"""The "Add events" page end to end in Chromium: paste an article, edit a proposed field, accept,
see the event on the map, reload and still see it; the record is a valid file on disk."""
from __future__ import annotations

import shutil

import pytest
import yaml

from tests.conftest import SEED_CATALOG, run_cli
from tests.test_browser import CHROMIUM, Page, browser, start_app, stop_app  # noqa: F401 - fixture

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no Chromium")

ARTICLE = ("KYIV — A Russian drone hit a bus in the city of Kherson on Friday, killing two people and injuring "
           "five others, the regional governor said. <script>window.__pwned=1</script>")


@pytest.fixture()
def app(tmp_path):
    catalog = tmp_path / "catalog"
    shutil.copytree(SEED_CATALOG, catalog)
    proc, base = start_app(catalog, tmp_path / "data")
    yield base, catalog
    stop_app(proc)


def test_paste_edit_accept_then_the_map_shows_it_after_a_reload(app, browser):  # noqa: F811
    base, catalog = app
    before = {p.name for p in catalog.glob("*.yaml")}
    with Page(browser, height=1400) as p:
        page = p.page
        page.goto(base + "/add")
        page.get_by_role("textbox", name="Article text").fill(ARTICLE)
        page.get_by_role("textbox", name="Outlet").fill("Test Outlet")
        page.get_by_role("button", name="Draft events").click()
        page.get_by_text("1 candidate event(s)").wait_for(timeout=60_000)
        mark = page.locator(".ce-article mark").first
        assert "drone hit a bus" in mark.inner_text()
        title = page.get_by_role("textbox", name="Title").first
        title.fill("Drone strike on a bus in Kherson (edited)")
        title.press("Tab")
        page.wait_for_timeout(800)
        page.get_by_role("button", name="Accept").first.click()
        page.get_by_text("as a draft for review").wait_for(timeout=30_000)
        assert not page.evaluate("() => window.__pwned || false") and not p.dialogs
    new = [c for c in catalog.glob("*.yaml") if c.name not in before]
    assert len(new) == 1
    rec = yaml.safe_load(new[0].read_text(encoding="utf-8"))
    assert rec["title"] == "Drone strike on a bus in Kherson (edited)"
    assert rec["review"] == "draft" and rec["fatalities"] == 2 and rec["injured"] == 5
    assert run_cli("-m", "events", "validate", env={"EVENTS_CATALOG": str(catalog)}).returncode == 0
    event_id = rec["id"]
    with Page(browser) as p:
        p.page.goto(base + "/?review=all")
        ids = p.map_frame().evaluate("() => window.conflictEvents.ids")
        assert event_id in ids
        p.page.reload()
        ids = p.map_frame().evaluate("() => window.conflictEvents.ids")
        assert event_id in ids
        assert not p.blocked
