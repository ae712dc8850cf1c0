"""The "Add events" page end to end in Chromium: paste an article, edit a proposed field, accept,
see the event on the map, reload and still see it; the record is a valid file on disk."""
from __future__ import annotations

import shutil

import pytest
import yaml

from tests.conftest import SEED_CATALOG, run_cli
from tests.test_browser import CHROMIUM, Page, start_app, stop_app  # noqa: F401

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
        caption = page.get_by_text("Clicked on the map:")
        # Clicked again while no caption comes: a first click can still be lost to the page settling
        # (issue 30's first-click item, not this test's subject, which is the pin).
        for attempt in range(3):
            box = frame.locator(".leaflet-container").bounding_box()
            page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)  # off the marker
            try:
                caption.wait_for(timeout=30_000)  # a rerun of the page under a loaded machine
                break
            except Exception:
                if attempt == 2:
                    raise
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


def draft(page, base: str, text: str = ARTICLE, published: str | None = "2025-01-10", goto: bool = True) -> None:
    """The Add events page with an article (ARTICLE: one candidate) drafted."""
    if goto:
        page.goto(base + "/add")
    page.get_by_role("textbox", name="Article text").fill(text)
    page.get_by_role("textbox", name="Outlet").fill("Test Outlet")
    if published:
        set_date(page, "Published (required)", published)
    page.get_by_role("button", name="Draft events").click()
    page.get_by_text("candidate event(s)").wait_for(timeout=60_000)


def set_date(page, label: str, iso: str) -> None:
    """Type a date into Streamlit's date box (year, month and day are spin buttons of their own)."""
    y, m, d = iso.split("-")
    for part, value in (("year", y), ("month", m), ("day", d)):
        spin = page.get_by_role("spinbutton", name=f"{part}, {label}")
        spin.click()
        spin.type(value)


def published_value(page, label: str = "Published (required)") -> str:
    """The date box's value as YYYY-MM-DD ('' when empty)."""
    parts = [page.get_by_role("spinbutton", name=f"{p}, {label}").inner_text() for p in ("year", "month", "day")]
    return "" if any(not x.strip().isdigit() for x in parts) else "-".join(parts)


def test_published_has_no_default_and_the_article_date_line_fills_it(app, browser):  # noqa: F811
    base, catalog = app
    with Page(browser, height=1400) as p:
        page = p.page
        page.goto(base + "/add")
        page.get_by_role("textbox", name="Article text").fill(ARTICLE)
        page.get_by_role("textbox", name="Outlet").fill("Test Outlet")
        assert published_value(page) == ""  # not today
        page.get_by_role("button", name="Draft events").click()
        page.get_by_text("Published: give the date the outlet published the article").wait_for(timeout=30_000)
        assert page.get_by_text("candidate event(s)").count() == 0
        draft(page, base, text="Jan. 10, 2025\n" + ARTICLE, published=None, goto=False)
        page.get_by_text("read from the article's date line").wait_for(timeout=30_000)
        assert published_value(page) == "2025-01-10"
        title = page.locator('[data-testid="stExpander"] summary').first.inner_text()
        assert "2025-01-10" in title, title  # "on Friday": the Friday of the date line


def test_a_likely_duplicate_is_named_before_it_is_added_and_the_curator_chooses(app, browser):  # noqa: F811
    base, catalog = app
    before = {p.name for p in catalog.glob("*.yaml")}
    with Page(browser, height=1600) as p:
        page = p.page
        draft(page, base)
        page.get_by_role("button", name="Accept").first.click()
        page.get_by_text("as a draft for review").wait_for(timeout=30_000)
        first = the_new_record(catalog, before)["id"]
        # The same report drafted again: Accept asks first, naming the record already held.
        page.get_by_role("button", name="Draft events").click()
        page.get_by_text("1 candidate event(s)").wait_for(timeout=60_000)
        page.get_by_role("button", name="Accept").first.click()
        page.get_by_text("This looks like an event already in the catalogue").wait_for(timeout=30_000)
        assert page.get_by_text(first).count() >= 1
        page.get_by_role("button", name="Cancel").click()
        page.get_by_text("This looks like an event already in the catalogue").wait_for(state="detached",
                                                                                     timeout=30_000)
        assert len({p.name for p in catalog.glob("*.yaml")} - before) == 1  # nothing added
        page.get_by_role("button", name="Accept").first.click()
        page.get_by_role("button", name="Open it").click()
        box = page.get_by_role("textbox", name="Event id")
        page.wait_for_function("([el, want]) => el.value === want", arg=[box.element_handle(), first],
                               timeout=30_000)
        page.get_by_role("button", name="Save changes").wait_for(timeout=30_000)
        page.get_by_role("button", name="Accept").first.click()
        page.get_by_role("button", name="Add anyway").click()
        page.get_by_text("as a draft for review").wait_for(timeout=30_000)
    assert len({p.name for p in catalog.glob("*.yaml")} - before) == 2


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
