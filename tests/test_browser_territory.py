"""The control map in a real Chromium: the snapshot in force follows the date filter, the
ground that changed hands is drawn on request, and a capture claim's popup gives its check."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SEED_CATALOG
from tests.territory_files import write_all
from tests.test_browser import ARTIFACTS, CHROMIUM, Page, start_app, stop_app  # noqa: F401

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
CLAIM = "kurakhove-russian-capture-claim-2025-01-06"


@pytest.fixture(scope="module")
def control_server(tmp_path_factory):
    from events.territory.snapshots import import_snapshots

    root = tmp_path_factory.mktemp("control")
    catalog = root / "catalog"
    shutil.copytree(SEED_CATALOG, catalog)
    import_snapshots(write_all(root / "src"), "drawn", root / "data")
    proc, base = start_app(catalog, root / "data")
    yield base
    stop_app(proc)


def control(frame) -> dict | None:
    return frame.evaluate("() => window.conflictControl")


def wait_control(p: Page, date: str, timeout_ms: int = 30000) -> dict:
    waited = 0
    while waited < timeout_ms:
        got = control(p.map_frame())
        if got and got["date"] == date:
            return got
        p.page.wait_for_timeout(250)
        waited += 250
    raise AssertionError(f"control map as of {date} never drawn; last: {got}")


def test_control_map_follows_the_date_filter_and_a_claim_popup_gives_its_check(control_server, browser):
    with Page(browser, height=1100) as p:
        p.page.goto(control_server + "/?control=drawn&to=2025-01-10")
        got = wait_control(p, "2025-01-08")
        assert got["source"] == "drawn" and got["areas"] == 1 and got["changes"] == 0
        f = p.map_frame()
        legend = f.evaluate("() => document.querySelector('.ce-control-legend').innerText")
        assert "Control as of 2025-01-08 (drawn)" in legend
        # drawn under the events: its own pane, below the markers' (once Leaflet's stylesheet has applied:
        # on a loaded machine the marker pane's z-index can still read 'auto' a moment after the map draws)
        f.wait_for_function("() => !isNaN(+getComputedStyle(document.querySelector('.leaflet-marker-pane')).zIndex)",
                            timeout=15_000)
        assert f.evaluate("() => +getComputedStyle(document.querySelector('.leaflet-ce-control-pane')).zIndex") < \
            f.evaluate("() => +getComputedStyle(document.querySelector('.leaflet-marker-pane')).zIndex")
        text = p.open_popup(CLAIM)
        assert "corroborated by drawn on 2025-01-08 (2 days after the claim)" in text
        assert "Control at the place: contested (drawn, snapshot of 2025-01-03)" in text
        assert "Front line: 5 km away (drawn, snapshot of 2025-01-03)" in text  # 0.069 deg east, at 48 N
        ARTIFACTS.mkdir(exist_ok=True)
        p.page.screenshot(path=str(ARTIFACTS / "control-map.png"))
        p.page.goto(control_server + "/?control=drawn&to=2025-01-05")
        got = wait_control(p, "2025-01-03")
        assert got["areas"] == 2  # occupied and grey on the earlier snapshot
        p.page.goto(control_server + "/?control=drawn&from=2025-01-04&to=2025-01-10&changes=1")
        got = wait_control(p, "2025-01-08")
        assert got["changes"] == 1
        assert "Changed hands 2025-01-03 → 2025-01-08" in p.legend_text("ce-control-legend", "Changed hands")
        p.page.goto(control_server + "/?to=2025-01-10")
        p.map_frame()
        p.page.wait_for_timeout(1000)
        assert control(p.map_frame()) is None  # off unless asked for
        assert p.blocked == []


def test_the_control_legend_follows_the_same_fold_rule_on_a_phone(control_server, browser):
    """Issue 30: on a phone the control map's legend covers at most a fifth of the map (folded where,
    open, it would cover more), and its button folds and opens it."""
    from tests.test_browser import LEGEND_SHARE

    with Page(browser, width=390, height=844, mobile=True) as p:
        p.page.goto(control_server + "/?control=drawn&to=2025-01-10")
        wait_control(p, "2025-01-08")
        f = p.map_frame()
        p.page.wait_for_timeout(600)
        got = f.evaluate(LEGEND_SHARE, ".ce-control-legend")
        assert got["share"] <= 0.2, got
        f.click(".ce-control-legend .ce-legend-toggle")
        assert f.evaluate(LEGEND_SHARE, ".ce-control-legend")["folded"] != got["folded"]
        if not got["folded"]:
            f.click(".ce-control-legend .ce-legend-toggle")
        assert "Control as of 2025-01-08 (drawn)" in f.evaluate(
            "() => document.querySelector('.ce-control-legend').innerText")


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_an_analysts_walk_through_the_map(control_server, browser, size, tmp_path):
    """Issue 30: the path an analyst takes, at a desk and on a phone, each step on the first try, with a
    screenshot of each (artifacts/walk/) for a person to look at."""
    from urllib.parse import parse_qs, urlparse

    import numpy as np
    import pyogrio
    from geopy.distance import geodesic

    from events.records import load_catalog

    width, height = size
    phone = width < 600
    shots = ARTIFACTS / "walk"
    shots.mkdir(parents=True, exist_ok=True)
    seed = load_catalog(SEED_CATALOG, write_cache=False).events
    frame_css = "iframe[title='streamlit_folium.st_folium']"

    def shot(step: int, name: str) -> None:
        p.page.screenshot(path=str(shots / f"{width}-{step}-{name}.png"))

    def press(x: float, y: float) -> None:
        (p.page.touchscreen.tap if phone else p.page.mouse.click)(x, y)

    def download() -> list[str]:
        with p.page.expect_download(timeout=30_000) as dl:
            p.page.get_by_role("button", name="Download GeoJSON").click()  # once
        path = tmp_path / f"walk-{width}-{len(list(tmp_path.iterdir()))}.geojson"
        dl.value.save_as(path)
        return sorted(pyogrio.read_dataframe(path)["id"])

    with Page(browser, width=width, height=height, mobile=phone) as p:
        # 1. open: the map on the first screen
        p.page.goto(control_server + "/")
        p.wait_count(8)
        f = p.map_frame()
        p.page.wait_for_timeout(600)
        box = p.page.locator(frame_css).bounding_box()
        assert box["y"] + box["height"] <= height + 1
        shot(1, "open")
        # 2. one click on the lowest single marker: its popup, every line whole
        icons = [b for b in (f.locator(".leaflet-marker-icon.ce-icon").nth(k).bounding_box()
                             for k in range(f.locator(".leaflet-marker-icon.ce-icon").count())) if b]
        icon = max((b for b in icons if b["y"] + b["height"] <= height), key=lambda b: b["y"])
        press(icon["x"] + icon["width"] / 2, icon["y"] + icon["height"] / 2)
        f.wait_for_selector(".leaflet-popup-content .ce-title", timeout=3000)
        p.page.wait_for_timeout(900)  # Leaflet fades the popup in and pans it into view
        assert f.evaluate("() => { const c = document.querySelector('.ce-popup'); "
                          "return c.scrollHeight - c.clientHeight; }") <= 1
        assert f.evaluate("""() => { const m = document.querySelector('.leaflet-container').getBoundingClientRect(),
            q = document.querySelector('.leaflet-popup').getBoundingClientRect();
            return q.top >= m.top && q.bottom <= m.bottom && q.left >= m.left - 1 && q.right <= m.right + 1; }""")
        shot(2, "popup")
        # 3. the legend and a popup together: wherever they would meet, the popup is what shows
        on_top = f.evaluate("""() => { const q = document.querySelector('.leaflet-popup-content-wrapper')
            .getBoundingClientRect();
            return Array.from(document.querySelectorAll('.leaflet-control')).every(c => {
                const l = c.getBoundingClientRect();
                const x0 = Math.max(l.left, q.left), x1 = Math.min(l.right, q.right),
                      y0 = Math.max(l.top, q.top), y1 = Math.min(l.bottom, q.bottom);
                if (x0 >= x1 || y0 >= y1) return true;  // apart
                const hit = document.elementFromPoint((x0 + x1) / 2, (y0 + y1) / 2);
                return !!(hit && hit.closest('.leaflet-popup')); }); }""")
        assert on_top
        shot(3, "legend-and-popup")
        f.click(".leaflet-popup-close-button")
        # 4. a cluster from the keyboard: Tab to it, Enter opens it up
        f.locator(".leaflet-container").focus()
        for _ in range(60):
            p.page.keyboard.press("Tab")
            if f.evaluate("() => document.activeElement && document.activeElement.matches('.ce-cluster')"):
                break
        else:
            raise AssertionError("Tab never reached a cluster")
        zoom = f.evaluate("() => window.map.getZoom()")
        p.page.keyboard.press("Enter")
        f.wait_for_function("z => window.map.getZoom() > z", arg=zoom, timeout=10_000)
        shot(4, "cluster-opened")
        # 5. after working in the map, one click on the download gives the file of the events shown
        assert download() == sorted(seed["id"])
        shot(5, "downloaded")
        # 6. measure Kyiv to Kharkiv against geopy
        p.page.locator(frame_css).scroll_into_view_if_needed()  # the download button sits below the map
        f.evaluate("() => { window.map.setView([50.2, 33.4], 6, {animate: false}); }")
        p.page.wait_for_timeout(400)
        got = p.measure([[50.45, 30.52], [49.99, 36.23]])
        assert got["km"] == pytest.approx(geodesic(*got["ends"]).km, rel=0.01), got
        assert abs(got["km"] - geodesic((50.45, 30.52), (49.99, 36.23)).km) < 30, got  # the places clicked
        shot(6, "measured")
        f.click(".ce-measure-tool")
        # 7. a box drawn on the map: exactly the events inside it, on the map and in the export
        f.evaluate("() => { window.map.setView([48.1, 37.2], 8, {animate: false}); }")
        p.page.wait_for_timeout(400)
        p.draw_area([48.45, 36.95], [47.85, 37.45])
        for _ in range(50):
            if "area=" in p.page.url:
                break
            p.page.wait_for_timeout(200)
        south, west, north, east = map(float, parse_qs(urlparse(p.page.url).query)["area"][0].split(","))
        lat, lon = seed["lat"].to_numpy(), seed["lon"].to_numpy()
        inside = sorted(seed["id"][(lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)])
        assert len(inside) == 4, inside  # Kurakhove twice, Pokrovsk, Shevchenko
        assert sorted(p.wait_count(len(inside))) == inside
        p.page.locator(frame_css).scroll_into_view_if_needed()
        p.page.wait_for_timeout(500)
        shot(7, "area")
        assert download() == inside
        # 8. control on, From before the first snapshot: the legend names the first snapshot, never null
        p.page.goto(control_server + "/?control=drawn&from=2024-12-01&to=2025-01-10&changes=1")
        legend = wait_control(p, "2025-01-08")
        text = p.legend_text("ce-control-legend", "2025-01-03")
        p.page.wait_for_timeout(800)  # the place names arrive by tile
        assert legend["changes"] >= 0 and "2025-01-03" in text, text
        assert not any(w in text for w in ("null", "None", "nan", "undefined")), text
        shot(8, "control-from-before-the-first-snapshot")
    assert np.all([(shots / f"{width}-{k}-{n}.png").stat().st_size > 10_000 for k, n in (
        (1, "open"), (2, "popup"), (7, "area"), (8, "control-from-before-the-first-snapshot"))])
