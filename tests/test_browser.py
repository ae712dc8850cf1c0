"""End to end in a real headless Chromium against the app on a free local port.

Every request to anything but 127.0.0.1 is blocked, as on a machine with no
internet: the map must still draw, from our own assets.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import _CONTEXTS, CHROMIUM, ROOT, free_port, record, run_cli, write_record  # noqa: F401

ARTIFACTS = ROOT / "artifacts"
HOSTILE_ID = "hostile-record"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (make test installs it)")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    from tests.conftest import SEED_CATALOG

    dest = tmp_path_factory.mktemp("e2e") / "catalog"
    shutil.copytree(SEED_CATALOG, dest)
    write_record(dest, record(
        id=HOSTILE_ID, title="<img src=x onerror=\"window.__pwned=1;alert(1)\">",
        summary="`${alert(2)}` and </script><script>alert(3)</script>",
        notes="${alert(1)} `backtick` \\ <b>bold?</b>",
        location={"name": "Pokrovsk", "country": "UA", "admin1": "Donetsk Oblast"},
        claim={"status": "disputed", "by": "<svg onload=alert(4)>"}))
    return dest


def start_app(catalog: Path, data: Path, script: str | Path = "app.py", launcher: bool = False,
              env: dict | None = None):
    """The dashboard on a free port (launcher: as `make run` starts it, python -m dashboard.serve,
    which loads the store in the background). Its output goes to a log file, not to a pipe nobody
    reads: a full pipe blocks the server mid-request and the page waits forever."""
    import tempfile

    port = free_port()
    env = {**os.environ, "EVENTS_CATALOG": str(catalog), "EVENTS_DATA": str(data), **(env or {})}
    log = tempfile.NamedTemporaryFile(prefix="dashboard-", suffix=".log", delete=False)
    command = ["-m", "dashboard.serve"] if launcher else ["-m", "streamlit", "run", str(script)]
    proc = subprocess.Popen(
        [sys.executable, *command, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log.name
    log.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(base + "/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        stop_app(proc)
        pytest.fail("the dashboard did not start: " + Path(proc.log_path).read_text(errors="replace")[-2000:])
    return proc, base


def stop_app(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    log = getattr(proc, "log_path", None)
    if log:
        Path(log).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def server(catalog, tmp_path_factory):
    proc, base = start_app(catalog, tmp_path_factory.mktemp("empty-data"))
    yield base
    stop_app(proc)


@pytest.fixture(scope="module")
def big_server(catalog, tmp_path_factory):
    """The seed catalogue plus 50,000 synthetic events in a dataset."""
    from benchmarks.synth import synthetic_events
    from events.datasets import write_dataset

    data = tmp_path_factory.mktemp("data")
    (data / "synthetic").mkdir()
    write_dataset(synthetic_events(50_000, seed=3), data / "synthetic")
    (data / "synthetic" / "manifest.json").write_text(json.dumps({"dataset": "synthetic", "format": "test",
                                                                  "imported": 50_000, "rejected": 0}))
    proc, base = start_app(catalog, data)
    yield base
    stop_app(proc)


class Page:
    """A page with the outside world blocked (the browser fixture's dead proxy), every request that
    tried to leave the host and every dialog recorded. Pages of one module with the same device and
    headers share a browser context, so its HTTP cache: each test still gets a page of its own."""

    def __init__(self, browser, height: int = 1000, width: int = 1400, mobile: bool = False,
                 headers: dict | None = None):
        contexts = _CONTEXTS.setdefault(browser, {})
        key = (mobile, tuple(sorted((headers or {}).items())))
        if key not in contexts:
            contexts[key] = browser.new_context(accept_downloads=True, is_mobile=mobile, has_touch=mobile,
                                                extra_http_headers=headers)
        self.page = contexts[key].new_page()
        self.page.set_viewport_size({"width": width, "height": height})
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", self._request)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _request(self, request) -> None:
        u = request.url
        if not u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
            self.blocked.append(u)

    def map_frame(self, timeout_s: float = 60):
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            for f in self.page.frames:
                if "st_folium" in f.url:
                    try:
                        if f.evaluate("() => !!window.conflictEvents"):
                            return f
                    except Exception:  # frame navigating
                        pass
            self.page.wait_for_timeout(100)
        raise AssertionError("the map never drew its event layer")

    def wait_count(self, expected: int, timeout_s: float = 30) -> list[str]:
        deadline = time.time() + timeout_s
        ids = None
        while time.time() < deadline:
            f = self.map_frame()
            try:
                ids = f.evaluate("() => window.conflictEvents.ids")
            except PlaywrightError:  # the map redrew between finding its frame and reading it
                continue
            if len(ids) == expected:
                return ids
            self.page.wait_for_timeout(250)
        raise AssertionError(f"map shows {len(ids or [])} events, expected {expected}")

    def draw_area(self, north_west: list[float], south_east: list[float]) -> None:
        """Press the map's area tool and drag a box between two places, as a user does."""
        frame_box = self.page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
        f = self.map_frame()
        corners = f.evaluate("""lls => lls.map(ll => {
            const pt = window.map.latLngToContainerPoint(ll); return [pt.x, pt.y]; })""", [north_west, south_east])
        (x0, y0), (x1, y1) = [(frame_box["x"] + x, frame_box["y"] + y) for x, y in corners]
        f.click(".ce-area-tool")
        self.page.mouse.move(x0, y0)
        self.page.mouse.down()
        self.page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
        self.page.mouse.move(x1, y1, steps=4)
        self.page.mouse.up()

    def measure(self, places: list[list[float]]) -> dict:
        """Press the map's measure tool and click the places (lat, lon) as a user does; what the
        tool measured (window.conflictMeasure: km and the ends)."""
        f = self.map_frame()
        box = self.page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
        points = f.evaluate("""lls => lls.map(ll => {
            const pt = window.map.latLngToContainerPoint(ll); return [pt.x, pt.y]; })""", places)
        f.click(".ce-measure-tool")
        for x, y in points:
            self.page.mouse.click(box["x"] + x, box["y"] + y)
            self.page.wait_for_timeout(150)
        return f.evaluate("() => window.conflictMeasure")

    def open_popup(self, event_id: str, timeout_ms: int = 15000) -> str:
        """Open one event's popup through the layer's own opener and return its text. The promise
        carries its own deadline: Playwright's evaluate has none, and a callback that never comes
        must fail this test, not hang the run."""
        return self.map_frame().evaluate("""([id, ms]) => new Promise((done, fail) => {
            setTimeout(() => fail(new Error('the popup of ' + id + ' never opened')), ms);
            const ok = window.conflictEvents.open(id, () => setTimeout(() => {
                const c = document.querySelector('.leaflet-popup-content');
                c ? done(c.innerText) : fail(new Error('no popup content for ' + id));
            }, 300));
            if (!ok) fail(new Error('no marker for ' + id));
        })""", [event_id, timeout_ms])

    def legend_text(self, legend: str, expect: str, timeout_ms: int = 15000) -> str:
        """A legend's text (legend: its class, e.g. 'ce-grid-legend') once it holds expect, unfolded
        first when folded: the fifth-of-the-map rule may fold it again while the frame is still sizing
        itself on a busy machine (a folded legend's innerText is its title alone), so this looks more
        than once."""
        waited, text = 0, ""
        while waited < timeout_ms:
            f = self.map_frame()
            try:
                if f.evaluate(f"() => document.querySelector('.{legend}').classList.contains('ce-folded')"):
                    f.click(f".{legend} .ce-legend-toggle", timeout=2000)
                text = f.evaluate(f"() => document.querySelector('.{legend}').innerText")
            except PlaywrightError:  # the map redrew under us: look again
                text = ""
            if expect in text:
                return text
            self.page.wait_for_timeout(250)
            waited += 250
        return text

    def set_view(self, center: list[float], zoom: int):
        """Move the map at once (no animation) and return its frame."""
        f = self.map_frame()
        f.evaluate("([c, z]) => { window.map.setView(c, z, {animate: false}); return 1; }", [center, zoom])
        return f

    def pick_table_row(self, row: int) -> None:
        """Select the events table's row (0 = the first) by its row marker; the grid is a canvas."""
        grid = self.page.locator('[data-testid="stDataFrame"]')
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        self.page.mouse.click(box["x"] + 14, box["y"] + 35 * (row + 1) + 17)  # header and rows ~35 px

    def close(self):
        """Close the page, and forget what Streamlit keeps in the origin's storage (the sidebar's
        width and state): the next test's page starts as a new visitor's, with only the cache shared."""
        try:
            self.page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
        except PlaywrightError:  # the page is gone or never loaded an origin
            pass
        self.page.context.clear_cookies()
        self.page.close()

    def __enter__(self) -> "Page":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def test_map_draws_every_event_offline_and_screenshot(server, browser):
    with Page(browser, height=2100) as p:  # tall, so the screenshot holds map, timeline, table and downloads
        p.page.goto(server + "/")
        ids = p.wait_count(9)
        assert HOSTILE_ID in ids
        f = p.map_frame()
        # the base layer draws without any tile server: boundaries are SVG/canvas paths
        assert f.evaluate("() => document.querySelectorAll('.leaflet-container').length") == 1
        assert f.evaluate("() => document.querySelectorAll('path.leaflet-interactive, canvas').length") > 0
        assert p.page.get_by_text("Events shown", exact=True).is_visible()
        p.page.wait_for_timeout(1500)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "dashboard.png"
        p.page.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot: {shot}")
        assert p.blocked == [], f"the page tried to reach the internet: {p.blocked[:5]}"


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)])
def test_the_date_boxes_show_the_whole_date(server, browser, size):
    """From and To read in full (year, month and day inside the box) at the default sidebar width
    and on a phone (its sidebar opened)."""
    width, height = size
    with Page(browser, width=width, height=height, mobile=width < 500) as p:
        p.page.goto(server + "/?from=2025-01-06&to=2025-01-11")
        p.map_frame()
        if width < 500:
            p.page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button'
                           ).first.click()
        for label, want in (("From", ("2025", "01", "06")), ("To", ("2025", "01", "11"))):
            p.page.get_by_role("group", name=label).first.wait_for(timeout=20_000)
            for part, value in zip(("year", "month", "day"), want):
                spin = p.page.get_by_role("spinbutton", name=f"{part}, {label}").first
                assert spin.inner_text() == value
                # inside every box on the way up that clips what overflows it, once the sidebar has
                # finished sliding open (a phone's sidebar animates in)
                deadline = time.time() + 5
                while (clipped := spin.evaluate(CLIPPED)) and time.time() < deadline:
                    p.page.wait_for_timeout(250)
                assert not clipped, f"{label}'s {part} is cut off at {width}x{height}"


CLIPPED = """s => { const r = s.getBoundingClientRect();
                    for (let e = s.parentElement; e && e.dataset.testid !== 'stDateInput'; e = e.parentElement) {
                      if (getComputedStyle(e).overflowX === 'visible') continue;
                      const b = e.getBoundingClientRect();
                      if (r.left < b.left - 1 || r.right > b.right + 1) return true; }
                    return false; }"""


def test_url_filters_change_the_count_and_the_markers(server, browser):
    with Page(browser) as p:
        p.page.goto(server + "/?region=RU&claim=claimed")
        ids = p.wait_count(2)
        assert sorted(ids) == ["kursk-north-korean-soldiers-captured-2025-01-09",
                               "kursk-north-korean-soldiers-captured-died-2024-12"]
        p.page.goto(server + "/?region=Donetska%20oblast&type=Battles")
        ids = p.wait_count(3)
        assert all(i.startswith(("kurakhove", "shevchenko")) for i in ids)


def test_geojson_download_is_valid_and_matches_the_filter(server, browser, catalog, tmp_path):
    import pyogrio

    with Page(browser) as p:
        p.page.goto(server + "/?region=UA-14&claim=claimed")
        p.wait_count(3)
        with p.page.expect_download(timeout=30_000) as dl:
            p.page.get_by_role("button", name="Download GeoJSON").click()
        path = tmp_path / "download.geojson"
        dl.value.save_as(path)
        gdf = pyogrio.read_dataframe(path)
        assert sorted(gdf["id"]) == ["kurakhove-area-fighting-2025-01-11",
                                     "kurakhove-russian-capture-claim-2025-01-06",
                                     "shevchenko-russian-capture-claim-2025-01-11"]
        cli = run_cli("-m", "events", "export", "--format", "geojson", "--out", "-", "--region", "UA-14",
                      "--claim", "claimed", env={"EVENTS_CATALOG": str(catalog)})
        assert path.read_bytes() == cli.stdout.encode()
        assert json.loads(path.read_text())["type"] == "FeatureCollection"


def test_hostile_record_runs_no_script_and_shows_its_text(server, browser):
    with Page(browser) as p:
        p.page.goto(server + "/?q=backtick")
        p.wait_count(1)
        f = p.map_frame()
        p.open_popup(HOSTILE_ID)
        f.click(".leaflet-popup-content details.ce-more summary")  # notes are behind the popup's fold
        text = f.inner_text(".leaflet-popup-content")
        assert '<img src=x onerror="window.__pwned=1;alert(1)">' in text
        assert "${alert(1)} `backtick` \\ <b>bold?</b>" in text
        assert "<svg onload=alert(4)>" in text
        assert f.evaluate("() => document.querySelectorAll('.leaflet-popup-content img, .leaflet-popup-content svg, "
                          ".leaflet-popup-content script').length") == 0
        p.page.wait_for_timeout(500)
        assert p.dialogs == []
        assert f.evaluate("() => window.__pwned") is None
        assert p.page.evaluate("() => window.__pwned") is None
        # the title also reaches the table and the page, as text
        assert p.page.get_by_text("Events shown", exact=True).is_visible()


def test_many_events_draw_as_bounded_aggregates_and_filtering_down_shows_events(big_server, browser):
    with Page(browser) as p:
        p.page.goto(big_server + "/")
        f = p.map_frame(timeout_s=90)
        state = f.evaluate("() => ({agg: window.conflictEvents.aggregated, count: window.conflictEvents.count, "
                           "sum: window.conflictEvents.cellSum, cells: window.conflictEvents.cells})")
        assert state["agg"] and state["count"] == 50_009 and state["sum"] == 50_009
        assert 0 < state["cells"] <= 4000
        assert p.page.get_by_text("50,009 events, shown as", exact=False).first.is_visible()
        legend = p.legend_text("ce-grid-legend", "events per cell")
        assert "events per cell" in legend and "claimed or disputed" in legend and "50,009 filtered events" in legend
        assert "hatched" in legend
        hatch = f.evaluate("() => [window.conflictEvents.hatchedCells, window.conflictEvents.hatchLines]")
        assert 0 < hatch[0] <= state["cells"] and hatch[0] <= hatch[1] <= 4 * hatch[0], hatch  # claims kept per cell
        # no marker shapes in the legend of a grid (once the map has settled: a busy run draws late)
        f.wait_for_selector(".ce-markers-legend", state="hidden", timeout=10_000)
        ARTIFACTS.mkdir(exist_ok=True)
        p.page.screenshot(path=str(ARTIFACTS / "dashboard-aggregated.png"))
        print(f"\nscreenshot: {ARTIFACTS / 'dashboard-aggregated.png'}")
        # zoom in on Zaporizhzhia: the map reports its view, and the events in it are drawn one by one
        f.evaluate("() => { window.map.setView([47.64, 35.29], 11); }")
        deadline = time.time() + 45
        while time.time() < deadline:
            f = p.map_frame()
            state = f.evaluate("() => ({agg: window.conflictEvents.aggregated, n: window.conflictEvents.count})")
            if not state["agg"]:
                break
            p.page.wait_for_timeout(300)
        assert not state["agg"] and 0 < state["n"] <= 5000, state
        assert p.map_frame().evaluate("() => document.querySelector('.ce-grid-legend')") is None
        f = p.map_frame()  # the marker shapes are back in the legend (folded or not, by the fifth-of-the-map rule)
        assert "ce-grid-mode" not in f.evaluate("() => document.querySelector('.leaflet-container').className")
        if f.evaluate("() => document.querySelector('.ce-base-legend').classList.contains('ce-folded')"):
            f.click(".ce-base-legend .ce-legend-toggle")
        assert f.is_visible(".ce-markers-legend")
        assert p.page.get_by_text("In the map view:", exact=False).first.is_visible()
        p.page.goto(big_server + "/?dataset=curated")
        ids = p.wait_count(9)
        assert HOSTILE_ID in ids
        assert p.blocked == []


def test_url_text_is_shown_literally_never_as_a_link_or_image(server, browser):
    from urllib.parse import quote

    url = (server + "/?region=" + quote("[login](https://evil.example/phish)") + "&type="
           + quote("![x](http://evil.example/p.png)") + "&q=" + quote("<img src=x onerror=alert(1)>"))
    with Page(browser) as p:
        p.page.goto(url)
        p.map_frame()
        p.page.wait_for_timeout(1000)
        body = p.page.inner_text("body")
        assert "[login](https://evil.example/phish)" in body and "![x](http://evil.example/p.png)" in body
        links = p.page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.href)")
        images = p.page.evaluate("() => [...document.querySelectorAll('img')].map(i => i.src)")
        assert not [h for h in links if "evil.example" in h], links
        assert not [s for s in images if "evil.example" in s], images
        assert not [u for u in p.blocked if "evil.example" in u], p.blocked
        assert p.dialogs == []


def test_the_launcher_loads_the_store_before_the_first_visitor(catalog, tmp_path):
    """`make run` starts python -m dashboard.serve: the store is loaded in the background as the
    server starts, so the first page finds it in the shared cache (the page says nothing about
    loading and the first run is as quick as a later one)."""
    import asyncio

    from benchmarks.bench_load import one_session

    port = free_port()
    env = {**os.environ, "EVENTS_CATALOG": str(catalog), "EVENTS_DATA": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.serve", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        import threading

        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(l.decode(errors="replace") for l in proc.stdout),
                         daemon=True).start()
        deadline = time.time() + 90
        while time.time() < deadline:  # before anyone has opened the page
            if any(l.startswith("event store loaded in the background: 9 events") for l in list(lines)):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the store was not loaded at start-up: " + "".join(lines)[-2000:])
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:  # Playwright's loop may be running in this thread
            first = pool.submit(lambda: asyncio.run(one_session(port))).result()
            second = pool.submit(lambda: asyncio.run(one_session(port))).result()
        assert first < max(3 * second, 1.0), (first, second)
    finally:
        stop_app(proc)


def test_a_link_to_one_event_opens_its_popup_with_links_and_show_all_goes_back(server, browser):
    event = "kurakhove-russian-capture-claim-2025-01-06"
    with Page(browser) as p:
        p.page.goto(server + "/?event=" + event)
        assert p.wait_count(1) == [event]
        f = p.map_frame()
        f.wait_for_selector(".leaflet-popup-content a.ce-link", timeout=20_000)
        assert "Kurakhove" in f.inner_text(".leaflet-popup-content")
        assert f.get_attribute(".leaflet-popup-content a.ce-link", "href") == f"{server}/?event={event}"
        assert f.get_attribute(".leaflet-popup-content a.ce-edit", "href") == f"{server}/add?edit={event}"
        f.click(".leaflet-popup-content a.ce-copy")  # the clipboard, or the link shown to copy by hand
        f.wait_for_function("() => { const b = document.querySelector('.ce-linkbox'), a = document.querySelector('.ce-copy');"
                            " return (b && b.value) || (a && a.textContent === 'Copied'); }", timeout=10_000)
        box = f.query_selector(".ce-linkbox")
        assert box is None or box.input_value() == f"{server}/?event={event}"
        assert p.page.get_by_text(f"Showing one event: {event}").is_visible()
        p.page.get_by_role("button", name="Show all events").click()
        p.wait_count(9)
        assert "event=" not in p.page.url
        p.page.goto(f"{server}/add?edit={event}")  # where the popup's Edit link leads: the event in the form
        p.page.get_by_text(re.compile(r"^Version \S+ · review")).wait_for(timeout=20_000)  # the form is drawn
        from playwright.sync_api import expect

        expect(p.page.get_by_role("textbox", name="Id (file name)").last).to_have_value(event, timeout=20_000)
        p.page.goto(server + "/?event=no-such-event")
        p.page.get_by_text("No event with id 'no-such-event'").wait_for(timeout=20_000)
        assert p.blocked == []


def test_selecting_a_table_row_opens_that_event_on_the_map(server, browser, catalog):
    from events.filters import Filter
    from events.storage import open_storage

    newest = open_storage(catalog=catalog).select(Filter(), ["id", "title"], newest=2)
    with Page(browser, height=1800) as p:
        p.page.goto(server + "/")
        p.wait_count(9)
        assert p.map_frame().query_selector(".leaflet-popup-content") is None
        row = 1  # the second newest: rows are newest first, across the catalogue and datasets
        p.pick_table_row(row)
        f = p.map_frame()
        f.wait_for_selector(".leaflet-popup-content", timeout=20_000)
        assert f.inner_text(".leaflet-popup-content .ce-title") == newest["title"].iloc[row]
        assert f.get_attribute(".leaflet-popup-content a.ce-link", "href").endswith("?event=" + newest["id"].iloc[row])


def test_the_map_draws_first_and_the_timeline_and_table_follow_it(server, browser):
    with Page(browser) as p:
        p.page.goto(server + "/")
        drawn = table = chart = None
        deadline = time.time() + 60
        while time.time() < deadline and not (table and chart):
            now = time.time()
            if drawn is None and any("st_folium" in f.url and f.evaluate("() => !!window.conflictEvents")
                                     for f in p.page.frames):
                drawn = now
            if table is None and p.page.query_selector('[data-testid="stDataFrame"]'):
                table = now
            if chart is None and p.page.query_selector('[data-testid="stVegaLiteChart"]'):
                chart = now
            p.page.wait_for_timeout(10)
        assert drawn and table and chart, (drawn, table, chart)
        assert table >= drawn and chart >= drawn
        p.page.get_by_text("follow once the map is drawn").wait_for(state="detached", timeout=10_000)


def test_uncertainty_shapes_show_on_demand_and_clusters_say_what_they_hold(big_server, browser):
    with Page(browser) as p:
        p.page.goto(big_server + "/?region=UA-59")
        f = p.map_frame(timeout_s=90)
        state = f.evaluate("() => ({agg: window.conflictEvents.aggregated, n: window.conflictEvents.count, "
                           "all: window.conflictEvents.uncertaintyAll, unc: window.conflictEvents.uncertain, "
                           "drawn: window.conflictEvents.uncertaintyShapes()})")
        assert not state["agg"] and state["unc"] > 40, state
        assert not state["all"] and state["drawn"] == 0, state  # no mass of circles until asked
        uncertain = f.evaluate("() => window.conflictEvents.shapeIds[0]")
        p.open_popup(uncertain)
        assert f.evaluate("() => window.conflictEvents.uncertaintyShapes()") == 1  # the opened event's own
        rings = f.evaluate("""() => Array.from(document.querySelectorAll('.ce-cluster')).map(c => ({
            label: c.querySelector('.ce-cl-ring').getAttribute('aria-label'),
            ring: c.querySelector('.ce-cl-ring').style.background, claims: c.classList.contains('ce-cl-claims')}))""")
        assert rings, "no clusters drawn"
        import re

        for r in rings:
            m = re.match(r"(\d+) events: (.+)", r["label"])
            assert m, r
            parts = re.findall(r"(\d+) (Battles|Explosions/Remote violence|Violence against civilians|Protests|Riots|"
                               r"Strategic developments)", m.group(2))
            assert sum(int(n) for n, _ in parts) == int(m.group(1)), r  # the ring's shares add up
            assert "conic-gradient" in r["ring"]
            assert r["claims"] == bool(re.search(r"; (\d+) claimed, (\d+) disputed", r["label"])), r
        assert any(r["claims"] for r in rings) and any(len(re.findall(r"\d+ [A-Z]", r["label"])) > 1 for r in rings)
        p.page.goto(big_server + "/?region=UA-59&unc=1")
        f = p.map_frame(timeout_s=90)
        p.page.wait_for_timeout(500)
        state = f.evaluate("() => ({all: window.conflictEvents.uncertaintyAll, drawn: window.conflictEvents.uncertaintyShapes()})")
        assert state["all"] and state["drawn"] > 40, state


def test_place_labels_thin_by_zoom_and_only_the_view_travels(server, browser):
    front = ["Pokrovsk", "Kurakhove", "Sontsivka", "Shevchenko", "Myrnohrad", "Velyka Novosilka"]
    with Page(browser) as p:
        p.page.goto(server + "/?region=UA-14")
        p.wait_count(5)  # the four Donetsk seed events and the hostile record in Pokrovsk
        f = p.map_frame()

        def labels_at(center, zoom):
            p.set_view(center, zoom)
            deadline = time.time() + 20
            while time.time() < deadline:
                got = f.evaluate("() => window.conflictLabels")
                if got and got["zoom"] == zoom:
                    return got["names"]
                p.page.wait_for_timeout(200)
            raise AssertionError(f"no labels drawn at zoom {zoom}")

        country = labels_at([49.0, 34.0], 5)
        assert "Kyiv" in country and not set(front) & set(country)  # villages wait for their zoom
        local = labels_at([48.05, 37.05], 10)
        assert set(front) <= set(local), sorted(set(front) - set(local))  # all six lie in this view
        boxes = f.evaluate("""() => Array.from(document.querySelectorAll('.ce-label')).map(e => {
            const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.textContent]; })""")
        assert len(boxes) == len(local) <= 350
        for i, a in enumerate(boxes):  # thinned on screen: no two labels overlap
            for b in boxes[i + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
        sent = f.evaluate("""() => performance.getEntriesByType('resource')
            .filter(e => e.name.includes('/generated/labels-')).map(e => e.encodedBodySize)""")
        assert 0 < len(sent) <= 12 and sum(sent) < 600_000, sent  # a few cells, never the whole gazetteer
        ARTIFACTS.mkdir(exist_ok=True)
        f.locator(".leaflet-container").screenshot(path=str(ARTIFACTS / "dashboard-donetsk-zoom10.png"))
        labels_at([48.2, 35.6], 8)  # Dnipro and Zaporizhzhia: the river, its reservoirs, the Samara
        water = f.evaluate("""() => { const b = window.map.getBounds(), kinds = {};
            window.conflictBase.water.getLayers().filter(l => b.intersects(l.getBounds()))
                .forEach(l => { kinds[l.feature.properties.kind] = (kinds[l.feature.properties.kind] || 0) + 1; });
            return kinds; }""")
        assert water.get("river", 0) >= 1 and water.get("lake", 0) >= 1, water
        f.locator(".leaflet-container").screenshot(path=str(ARTIFACTS / "dashboard-zaporizhzhia-water.png"))
        assert p.blocked == []


def test_phone_layout_map_on_first_screen_legend_folded_popup_fits(server, browser):
    event = "kotovsk-drone-impacts-2025-01-11"
    with Page(browser, width=390, height=844, mobile=True) as p:
        page = p.page
        page.goto(f"{server}/?event={event}")
        page.get_by_text(f"Showing one event: {event}").wait_for(timeout=30_000)
        frame = p.map_frame()
        frame.wait_for_selector(".leaflet-popup-content a.ce-link", timeout=20_000)
        iframe = page.locator("iframe").first.bounding_box()
        assert iframe["y"] < 844 - 250, iframe  # the map is on the first screen, not below the fold
        tops = [round(b["y"]) for b in (m.bounding_box() for m in page.locator('[data-testid="stMetric"]').all())]
        assert len(tops) == 4 and len(set(tops)) == 1, tops  # metrics on one line
        assert frame.evaluate("() => document.querySelector('.ce-legend').classList.contains('ce-folded')")
        inside = frame.evaluate("""() => {
            const m = document.querySelector('.leaflet-container').getBoundingClientRect(),
                  p = document.querySelector('.leaflet-popup').getBoundingClientRect();
            return p.left >= m.left && p.right <= m.right && p.top >= m.top && p.bottom <= m.bottom; }""")
        assert inside, "the popup spills out of the map"
        frame.click(".ce-legend-toggle")
        assert not frame.evaluate("() => document.querySelector('.ce-legend').classList.contains('ce-folded')")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"))
        assert p.blocked == []


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_legend_covers_at_most_a_fifth_of_the_map_and_never_an_open_popup(server, browser, size):
    event = "kursk-north-korean-soldiers-captured-2025-01-09"
    legend = """() => {
        const m = document.querySelector('.leaflet-container').getBoundingClientRect(),
              l = document.querySelector('.ce-base-legend').getBoundingClientRect(),
              p = document.querySelector('.leaflet-popup'), q = p && p.getBoundingClientRect();
        return {share: l.width * l.height / (m.width * m.height),
                folded: document.querySelector('.ce-base-legend').classList.contains('ce-folded'),
                overlap: !!q && !(q.right <= l.left || l.right <= q.left || q.bottom <= l.top || l.bottom <= q.top)}; }"""
    with Page(browser, width=size[0], height=size[1], mobile=size[0] < 600) as p:
        p.page.goto(f"{server}/?event={event}")
        frame = p.map_frame()
        frame.wait_for_selector(".leaflet-popup-content", timeout=20_000)
        p.page.wait_for_timeout(600)  # the legend measures itself once the frame has its size
        with_popup = frame.evaluate(legend)
        assert with_popup["folded"] or not with_popup["overlap"], with_popup  # the popup is never under it
        ARTIFACTS.mkdir(exist_ok=True)
        p.page.screenshot(path=str(ARTIFACTS / f"dashboard-legend-popup-{size[0]}.png"))
        frame.click(".leaflet-popup-close-button")
        p.page.wait_for_timeout(300)
        closed = frame.evaluate(legend)
        assert closed["share"] <= 0.2, closed  # open only where it fits in a fifth of the map, folded elsewhere
        if closed["folded"]:
            frame.click(".ce-legend-toggle")
            assert not frame.evaluate(legend)["folded"]
        p.page.screenshot(path=str(ARTIFACTS / f"dashboard-legend-{size[0]}.png"))


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_map_is_the_page_it_starts_near_the_top_and_fills_the_window(server, browser, size):
    """Issue 30: at 1440x900 the map starts within the window's top fifth and reaches to within a tenth
    of its foot (the numbers on one line above it); on a phone it takes the screen's width and most of
    its height, all of it on the first screen. The map inside the frame fills the frame."""
    width, height = size
    with Page(browser, width=width, height=height, mobile=width < 600) as p:
        p.page.goto(server + "/")
        p.wait_count(9)
        p.page.wait_for_timeout(500)
        frame_box = p.page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
        inner = p.map_frame().evaluate("() => [document.querySelector('.leaflet-container').offsetHeight, "
                                       "window.innerHeight]")
        metrics = [b["y"] for b in (p.page.locator('.st-key-ce-metrics [data-testid="stMetric"]').nth(k)
                                    .bounding_box() for k in range(4))]
        ARTIFACTS.mkdir(exist_ok=True)
        p.page.screenshot(path=str(ARTIFACTS / f"dashboard-first-screen-{width}.png"))
    assert inner[0] == inner[1] == round(frame_box["height"]), (inner, frame_box)  # the map fills its frame
    assert max(metrics) - min(metrics) < 2, metrics  # the four numbers on one line
    if width > 600:
        assert frame_box["y"] <= height / 5, frame_box
        assert 0.9 * height <= frame_box["y"] + frame_box["height"] <= height + 1, frame_box  # near the window's foot
    else:
        assert frame_box["width"] >= width - 40 and frame_box["y"] + frame_box["height"] <= height + 1, frame_box
        assert frame_box["height"] >= 0.7 * height, frame_box


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_a_marker_opens_on_its_first_click_and_nothing_moves_under_the_pointer(server, browser, size):
    """Issue 30: one click (a tap on a phone) on a marker opens its popup, and neither the page nor the
    map's frame scrolls between press and release."""
    width, height = size
    scrolled = "() => Array.from(document.querySelectorAll('*')).map(e => e.scrollTop).reduce((a, b) => a + b, 0)"
    with Page(browser, width=width, height=height, mobile=width < 600) as p:
        p.page.goto(server + "/")
        p.wait_count(9)
        p.page.wait_for_timeout(800)
        frame = p.map_frame()
        # the marker lowest in the window: where focusing it would scroll anything that can scroll
        boxes = [b for b in (frame.locator(".leaflet-marker-icon.ce-icon").nth(k).bounding_box()
                             for k in range(frame.locator(".leaflet-marker-icon.ce-icon").count())) if b]
        box = max((b for b in boxes if b["y"] + b["height"] <= height), key=lambda b: b["y"])
        before = (p.page.evaluate(scrolled), frame.evaluate(scrolled))
        if width < 600:
            p.page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        else:
            p.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        frame.wait_for_selector(".leaflet-popup-content", timeout=3000)  # the first click, no second try
        assert (p.page.evaluate(scrolled), frame.evaluate(scrolled)) == before


LEGEND_SHARE = """sel => {
    const m = document.querySelector('.leaflet-container').getBoundingClientRect(),
          d = document.querySelector(sel), l = d.getBoundingClientRect();
    return {share: l.width * l.height / (m.width * m.height), folded: d.classList.contains('ce-folded')}; }"""


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_grid_legend_follows_the_same_fold_rule(big_server, browser, size):
    """Issue 30: the grid's legend, like the base one, covers at most a fifth of the map (folded where
    it would cover more) and its button opens it."""
    with Page(browser, width=size[0], height=size[1], mobile=size[0] < 600) as p:
        p.page.goto(big_server + "/")
        frame = p.map_frame(timeout_s=90)
        frame.wait_for_selector(".ce-grid-legend", timeout=30_000)
        p.page.wait_for_timeout(600)  # it measures itself once the frame has its size
        got = frame.evaluate(LEGEND_SHARE, ".ce-grid-legend")
        assert got["share"] <= 0.2, got
        if got["folded"]:
            frame.click(".ce-grid-legend .ce-legend-toggle")
            opened = frame.evaluate(LEGEND_SHARE, ".ce-grid-legend")
            assert not opened["folded"] and opened["share"] > got["share"], opened
        assert size[0] > 600 or got["folded"]  # on a phone it would cover more than a fifth: folded


def test_popups_show_their_essentials_whole_and_keep_quotes_behind_a_fold(server, browser):
    """Issue 30: at 1440x900 every seed event's popup shows title, date, place, toll, claim and claimant
    and its first source with no line cut and no inner scroll; the quotes open from a fold; the
    marker's tooltip stays away while its popup is open."""
    from events.records import load_catalog
    from tests.conftest import SEED_CATALOG

    ids = load_catalog(SEED_CATALOG, write_cache=False).events["id"].astype(str).tolist()
    whole = """() => { const c = document.querySelector('.ce-popup');
        return {inner: c.scrollHeight - c.clientHeight, fold: !!c.querySelector('details.ce-more'),
                open: !!c.querySelector('details.ce-more[open]')}; }"""
    with Page(browser, width=1440, height=900) as p:
        p.page.goto(server + "/")
        p.wait_count(9)
        f = p.map_frame()
        for event_id in ids:
            text = p.open_popup(event_id)
            got = f.evaluate(whole)
            assert got["inner"] <= 1, (event_id, got)  # as tall as its content: nothing scrolls inside
            for line in ("Date:", "Place:", "Fatalities:", "Claim:", "Source:"):
                assert line in text, (event_id, line, text)
            assert got["fold"] and not got["open"] and "Sources and quotes" not in text, (event_id, text)
        f.click("details.ce-more summary")
        assert f.evaluate(whole)["open"] and "Sources and quotes" in f.inner_text(".leaflet-popup-content")
        hover = """id => { const m = window.conflictEvents.byId[id];
            m.fire('mouseover', {latlng: m.getLatLng()});
            const n = document.querySelectorAll('.leaflet-tooltip').length;
            m.fire('mouseout', {latlng: m.getLatLng()}); return n; }"""
        assert f.evaluate(hover, ids[-1]) == 0  # the pointer on the marker of the open popup: no tooltip
        f.click(".leaflet-popup-close-button")
        assert f.evaluate(hover, ids[-1]) == 1  # closed, the marker has its tooltip again


def test_a_box_drawn_on_the_map_becomes_the_area_filter_in_the_url(server, browser):
    """Issue 30: the map's area tool turns one drag into a box; the page filters to it (area= in the URL,
    the same filter as --bbox), and the map shows only the events inside."""
    from urllib.parse import parse_qs, urlparse

    with Page(browser, width=1440, height=900) as p:
        p.page.goto(server + "/")
        p.wait_count(9)
        f = p.map_frame()
        p.draw_area([48.45, 36.95], [47.85, 37.45])
        ids = p.wait_count(5)  # the two Kurakhove events, Pokrovsk, Shevchenko and the test's own at Pokrovsk
        assert not any(i.startswith(("kursk", "kotovsk", "prymorske")) for i in ids), ids
        deadline = time.time() + 10
        while "area=" not in p.page.url and time.time() < deadline:
            p.page.wait_for_timeout(200)
        area = parse_qs(urlparse(p.page.url).query)["area"][0]
        south, west, north, east = map(float, area.split(","))
        assert south < 47.98 < 48.28 < north and west < 37.18 < 37.28 < east, area  # the box as drawn, about
        assert f.evaluate("() => window.map.dragging.enabled()")  # one box, then the map drags again


def test_two_clicks_after_the_measure_button_give_the_distance_between_them(server, browser):
    """Issue 30: the measuring tool: two clicks, a line labelled with its length, within 0.5 % of the
    geodesic (geopy) between the two places clicked; the button again clears it."""
    from geopy.distance import geodesic

    with Page(browser, width=1440, height=900) as p:
        p.page.goto(server + "/")
        p.wait_count(9)
        got = p.measure([[50.45, 30.52], [49.99, 36.23]])  # Kyiv, Kharkiv
        f = p.map_frame()
        assert got and got["km"] == pytest.approx(geodesic(*got["ends"]).km, rel=0.005), got
        assert 380 < got["km"] < 440, got  # Kyiv to Kharkiv, give or take the clicks' pixels
        label = f.inner_text(".ce-measure")
        assert label.endswith(" km") and abs(int(label.split()[0].replace(",", "")) - got["km"]) < 1, label
        f.click(".ce-measure-tool")
        p.page.wait_for_timeout(400)  # Leaflet fades a tooltip out for 200 ms before removing it
        assert f.evaluate("() => [window.conflictMeasure, document.querySelectorAll('.ce-measure').length]") == \
            [None, 0]


def test_brushing_the_timeline_sets_from_and_to_and_the_map_follows(server, browser, catalog):
    from urllib.parse import parse_qs, urlparse

    from events.filters import make_filter
    from events.storage import open_storage

    with Page(browser, height=1400) as p:
        p.page.goto(server + "/")
        p.wait_count(9)
        chart = p.page.locator('[data-testid="stVegaLiteChart"]').first
        chart.scroll_into_view_if_needed()
        p.page.wait_for_timeout(1000)
        box = chart.bounding_box()
        y = box["y"] + box["height"] * 0.55  # inside the plot, under the legend
        p.page.mouse.move(box["x"] + box["width"] * 0.70, y)
        p.page.mouse.down()
        p.page.mouse.move(box["x"] + box["width"] * 0.82, y, steps=8)
        p.page.mouse.up()
        p.page.wait_for_url(lambda u: "from=" in u and "to=" in u, timeout=20_000)
        q = parse_qs(urlparse(p.page.url).query)
        want = open_storage(catalog=catalog).select(make_filter(date_from=q["from"][0], date_to=q["to"][0]), ["id"])
        assert 0 < len(want) < 9, (q, list(want["id"]))
        assert sorted(p.wait_count(len(want))) == sorted(want["id"].astype(str))
        assert "2025" in chart.inner_text() or chart.locator("text", has_text="2025").count() > 0  # years on the axis


def test_online_basemap_says_so_when_its_tiles_fail_and_its_state_is_in_the_url(server, browser):
    with Page(browser) as p:
        p.page.goto(server + "/?tiles=1")
        f = p.map_frame()
        f.wait_for_selector(".ce-tile-failure", timeout=20_000)
        assert "could not be loaded" in f.inner_text(".ce-tile-failure")
        assert p.blocked and all("127.0.0.1" not in u for u in p.blocked)  # the tile requests, refused
        assert "tiles=1" in p.page.url
        assert f.evaluate("() => document.querySelectorAll('path.leaflet-interactive, canvas').length") > 0
    with Page(browser) as p:
        p.page.goto(server + "/")
        p.map_frame()
        p.page.wait_for_timeout(1000)
        assert p.blocked == [] and "tiles" not in p.page.url  # offline by default: no request leaves


def test_a_row_picked_on_a_grid_view_opens_that_event_alone_and_show_all_returns(big_server, browser):
    with Page(browser, height=1800) as p:
        p.page.goto(big_server + "/")
        f = p.map_frame(timeout_s=90)
        assert f.evaluate("() => window.conflictEvents.aggregated")
        p.pick_table_row(0)  # the newest event
        p.page.wait_for_url(lambda u: "event=" in u, timeout=30_000)
        picked = p.page.url.split("event=", 1)[1].split("&")[0]
        assert p.wait_count(1) == [picked]
        p.map_frame().wait_for_selector(".leaflet-popup-content", timeout=20_000)
        p.page.get_by_role("button", name="Show all events").click()
        p.page.wait_for_url(lambda u: "event=" not in u, timeout=30_000)
        p.page.wait_for_timeout(2000)
        assert "event=" not in p.page.url  # the picked row does not send us back
        assert p.map_frame().evaluate("() => window.conflictEvents.aggregated")


def test_moving_the_map_writes_its_view_into_the_url_and_that_link_reopens_it(server, browser):
    from urllib.parse import parse_qs, urlparse

    with Page(browser) as p:
        p.page.goto(server + "/?region=UA-14")
        p.wait_count(5)
        p.set_view([47.9, 37.3], 11)
        def at_view(u: str) -> bool:  # within a pixel: the frame may settle its height by one after the move
            got = parse_qs(urlparse(u).query).get("view", [""])[0].split(",")
            return (len(got) == 3 and got[2] == "11" and abs(float(got[0]) - 47.9) < 0.001
                    and abs(float(got[1]) - 37.3) < 0.001)

        p.page.wait_for_url(at_view, timeout=30_000)  # generous: the suite shares two cores with a database and servers
        link = p.page.url
        assert parse_qs(urlparse(link).query)["region"] == ["UA-14"]  # the filter stays beside the view
        p.page.get_by_text("Show unreviewed events too").click()  # a rerun that rewrites the URL
        p.page.wait_for_url(lambda u: "review=" in u, timeout=20_000)
        p.page.wait_for_timeout(2000)
        z, c = p.map_frame().evaluate("() => [window.map.getZoom(), window.map.getCenter()]")
        lat, lon, zoom = parse_qs(urlparse(p.page.url).query)["view"][0].split(",")
        assert (int(zoom), round(float(lat), 2), round(float(lon), 2)) == (z, round(c["lat"], 2), round(c["lng"], 2))
    with Page(browser) as p:
        p.page.goto(link)
        p.wait_count(5)
        f = p.map_frame()
        deadline = time.time() + 15
        while time.time() < deadline:
            z, c = f.evaluate("() => [window.map.getZoom(), window.map.getCenter()]")
            if z == 11:
                break
            p.page.wait_for_timeout(250)
        assert z == 11 and abs(c["lat"] - 47.9) < 0.01 and abs(c["lng"] - 37.3) < 0.01, (z, c)
    with Page(browser) as p:  # a view that is no view: named, ignored, the map fits the events
        p.page.goto(server + "/?view=north,37,99")
        p.wait_count(9)
        p.page.get_by_text("Ignored URL parameter view").wait_for(timeout=20_000)
        assert p.map_frame().evaluate("() => window.map.getZoom()") <= 8


def test_a_related_event_opens_from_the_popup_and_shows_the_link_back(server, browser):
    held, capture = "kurakhove-area-fighting-2025-01-11", "kurakhove-russian-capture-claim-2025-01-06"
    with Page(browser) as p:
        p.page.goto(server + "/")
        p.wait_count(9)
        text = p.open_popup(held)
        assert f"contradicts {capture}" in text, text
        f = p.map_frame()
        link = f.locator(f'.leaflet-popup-content a.ce-rel[data-id="{capture}"]')
        assert link.get_attribute("href").endswith(f"?event={capture}")  # a real link, to copy or open
        link.click()
        f.wait_for_function("t => document.querySelector('.leaflet-popup-content .ce-title') && "
                            "document.querySelector('.leaflet-popup-content .ce-title').innerText.includes(t)",
                            arg="Russia claims the capture of Kurakhove", timeout=15_000)
        back = f.inner_text(".leaflet-popup-content")
        assert f"contradicts {held}" in back, back  # stated once, shown from both ends
        assert p.blocked == []


def test_markers_and_clusters_are_named_and_work_from_the_keyboard(server, browser):
    with Page(browser) as p:
        p.page.goto(server + "/")
        p.wait_count(9)
        f = p.set_view([49.0, 36.0], 6)
        p.page.wait_for_timeout(800)
        f.locator(".leaflet-container").focus()

        def tab_to(css: str, limit: int = 60) -> dict:
            for _ in range(limit):
                p.page.keyboard.press("Tab")
                got = f.evaluate("""css => { const a = document.activeElement;
                    return a && a.matches(css) ? {label: a.getAttribute('aria-label') || a.innerText,
                                                  role: a.getAttribute('role'),
                                                  named: a.querySelector('[aria-label]') ?
                                                         a.querySelector('[aria-label]').getAttribute('aria-label') : null}
                                               : null; }""", css)
                if got:
                    return got
            raise AssertionError(f"Tab never reached {css}")

        cl = tab_to(".leaflet-marker-icon.ce-cluster")
        assert cl["role"] == "button" and " events: " in (cl["named"] or ""), cl  # "3 events: 2 Battles, ..."
        zoom = f.evaluate("() => window.map.getZoom()")
        p.page.keyboard.press("Enter")
        f.wait_for_function("z => window.map.getZoom() > z", arg=zoom, timeout=10_000)  # it opens up
        p.page.wait_for_timeout(800)
        f.locator(".leaflet-container").focus()
        mk = tab_to(".leaflet-marker-icon:not(.ce-cluster)")
        assert mk["role"] == "button" and any(c in mk["label"] for c in ("claimed", "reported", "confirmed",
                                                                          "disputed")), mk
        assert "2025" in mk["label"] or "2024" in mk["label"], mk  # type, place, date, claim, title
        p.page.keyboard.press("Enter")
        f.wait_for_selector(".leaflet-popup-content .ce-title", timeout=10_000)


def test_a_region_level_event_is_drawn_as_its_region_with_a_framed_marker(server, browser):
    with Page(browser) as p:
        p.page.goto(server + "/?region=RU-KRS")
        p.wait_count(2)  # the two Kursk events, known only to the region
        f = p.map_frame()
        classes = f.evaluate("() => Object.values(window.conflictEvents.byId).map(m => m.options.icon.options.className)")
        assert len(classes) == 2 and all("ce-region-pin" in c for c in classes), classes
        p.open_popup("kursk-north-korean-soldiers-captured-2025-01-09")  # out of its cluster, onto the map
        label = f.evaluate("() => window.conflictEvents.byId['kursk-north-korean-soldiers-captured-2025-01-09']"
                           "._icon.getAttribute('aria-label')")
        assert "Kursk" in label and "(the whole region)" in label, label
        assert f.evaluate("() => window.conflictEvents.uncertaintyShapes()") >= 1  # the oblast itself
    with Page(browser) as p:
        p.page.goto(server + "/?region=UA-23")  # Zaporizhzhia: a village, not a region
        p.wait_count(1)
        classes = p.map_frame().evaluate(
            "() => Object.values(window.conflictEvents.byId).map(m => m.options.icon.options.className)")
        assert len(classes) == 1 and "ce-region-pin" not in classes[0], classes


def test_the_map_draws_when_the_launcher_warmed_up_first(catalog, tmp_path, browser):
    """`make run` warms the store and the base map in a thread as the server starts, outside any
    page run; the map component must still reach the browser (it once got a 404: a blank map)."""
    proc, base = start_app(catalog, tmp_path / "data", launcher=True)
    try:
        deadline = time.time() + 90
        while "event store loaded in the background" not in Path(proc.log_path).read_text(errors="replace"):
            assert time.time() < deadline, Path(proc.log_path).read_text(errors="replace")[-2000:]
            time.sleep(0.2)
        for path in ("/", "/add"):
            with Page(browser) as p:
                errors: list[str] = []
                p.page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                p.page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
                p.page.goto(base + path)
                if path == "/":
                    assert len(p.wait_count(9)) == 9
                else:
                    p.page.get_by_text("Add events").first.wait_for(timeout=30_000)
                # (Streamlit itself probes /add/_stcore/... first on a page's own path: not ours)
                assert not [e for e in errors if "component" in e.lower()], errors
    finally:
        stop_app(proc)
