"""The control map in a real Chromium: the snapshot in force follows the date filter, the
ground that changed hands is drawn on request, and a capture claim's popup gives its check."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SEED_CATALOG
from tests.territory_files import write_all
from tests.test_browser import ARTIFACTS, CHROMIUM, Page, browser, start_app, stop_app  # noqa: F401  (fixture)

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
        assert "Changed hands 2025-01-03 → 2025-01-08" in p.map_frame().evaluate(
            "() => document.querySelector('.ce-control-legend').innerText")
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
