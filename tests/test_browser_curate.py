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
        draft(page, base)
        mark = page.locator(".ce-article mark").first
        assert "drone hit a bus" in mark.inner_text()
        title = page.get_by_role("textbox", name="Title").first
        title.fill("Drone strike on a bus in Kherson (edited)")
        title.press("Tab")
        page.wait_for_timeout(800)
        page.get_by_role("button", name="Accept").first.click()
        page.get_by_text("as a draft for review").wait_for(timeout=30_000)
        assert not page.evaluate("() => window.__pwned || false") and not p.dialogs
    rec = the_new_record(catalog, before)
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


def test_a_click_on_the_draft_map_pins_the_draft_and_the_saved_record_keeps_the_pin(app, browser):  # noqa: F811
    base, catalog = app
    before = {p.name for p in catalog.glob("*.yaml")}
    with Page(browser, height=1600) as p:
        page = p.page
        draft(page, base)
        frame = next(f for f in _wait_frames(page) if "st_folium" in f.url)
        frame.wait_for_selector(".leaflet-container", timeout=30_000)
        # The component listens for clicks once its map is set up: a click before that is lost.
        frame.wait_for_function("() => !!(window.map && window.map._loaded && window.__GLOBAL_DATA__)",
                                timeout=30_000)
        box = frame.locator(".leaflet-container").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)  # off the marker
        caption = page.get_by_text("Clicked on the map:")
        caption.wait_for(timeout=60_000)  # a rerun of the page under a loaded machine
        clicked = caption.inner_text().split(":", 1)[1].split("—")[0].strip()
        lat, lon = (float(x) for x in clicked.split(","))
        page.get_by_role("button", name="Pin here (the point clicked on the map)").click()
        pin = page.get_by_role("textbox", name="Manual pin 'lat, lon' (overrides the place lookup)")
        page.wait_for_function("([el, want]) => el.value === want",
                               arg=[pin.element_handle(), f"{lat:.5f}, {lon:.5f}"], timeout=30_000)
        page.get_by_role("button", name="Accept").first.click()
        page.get_by_text("as a draft for review").wait_for(timeout=30_000)
    rec = the_new_record(catalog, before)
    assert rec["location"]["coordinates"] == {"lat": round(lat, 5), "lon": round(lon, 5)}
    assert "near" not in rec["location"]


def draft(page, base: str) -> None:
    """The Add events page with ARTICLE drafted into its one candidate."""
    page.goto(base + "/add")
    page.get_by_role("textbox", name="Article text").fill(ARTICLE)
    page.get_by_role("textbox", name="Outlet").fill("Test Outlet")
    page.get_by_role("button", name="Draft events").click()
    page.get_by_text("1 candidate event(s)").wait_for(timeout=60_000)


def the_new_record(catalog, before: set[str]) -> dict:
    """The one record file that accepting added to the catalogue."""
    new = [c for c in catalog.glob("*.yaml") if c.name not in before]
    assert len(new) == 1
    return yaml.safe_load(new[0].read_text(encoding="utf-8"))


def _wait_frames(page, timeout_ms: int = 30_000):
    waited = 0
    while waited < timeout_ms:
        if any("st_folium" in f.url for f in page.frames):
            return page.frames
        page.wait_for_timeout(250)
        waited += 250
    raise AssertionError("the draft map never appeared")
