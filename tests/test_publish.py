"""`python -m events publish` (issue 29, first part): the filtered, approved events as a static site,
served by a plain web server on 127.0.0.1 and opened in a real browser with every outside request
blocked; its events.geojson is the export's bytes; sources whose terms forbid republishing are refused."""
from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_CATALOG, run_cli
from tests.test_browser import CHROMIUM, Page, free_port  # noqa: F401


@pytest.fixture
def site(tmp_path):
    """The seed's Donetsk events published, served by http.server on a free local port."""
    out = tmp_path / "site"
    got = run_cli("-m", "events", "--catalog", str(SEED_CATALOG), "--data", str(tmp_path / "none"), "publish",
                  "--out", str(out), "--region", "UA-14", "--title", "Donetsk <front>")
    assert got.returncode == 0, got.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_published_site_is_the_map_of_the_filter_and_loads_nothing_from_outside(site, browser, tmp_path):
    out, base = site
    export = run_cli("-m", "events", "--catalog", str(SEED_CATALOG), "--data", str(tmp_path / "none"), "export",
                     "--format", "geojson", "--out", "-", "--region", "UA-14", binary=True)
    assert (out / "events.geojson").read_bytes() == export.stdout  # the read API: export's own bytes
    import gzip

    assert gzip.decompress((out / "events.geojson.gz").read_bytes()) == export.stdout  # and the same, gzipped
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["events"] == 4 and manifest["filter"] == {"region": ["UA-14"]}
    assert manifest["datasets"][0]["dataset"] == "curated" and "GeoNames (CC BY 4.0)" in " ".join(manifest["attribution"])
    with Page(browser, width=1440, height=900) as p:
        p.page.goto(base + "/index.html")
        p.page.wait_for_function("() => window.conflictEvents && window.conflictEvents.count === 4", timeout=20_000)
        assert p.page.title() == "Donetsk <front>"
        assert p.page.locator(".ce-area-tool").count() == 0 and p.page.locator(".ce-measure-tool").count() == 1
        p.page.wait_for_function("() => window.conflictBase && window.conflictBase.countries", timeout=20_000)
        # a link to one event opens its popup, and the site has no Edit link (no dashboard behind it)
        p.page.goto(base + "/index.html?event=pokrovsk-casualties-2025-01-10")
        p.page.wait_for_selector(".leaflet-popup-content .ce-title", timeout=20_000)
        text = p.page.inner_text(".leaflet-popup-content")
        assert "Pokrovsk" in text and "Edit" not in text
        assert p.blocked == []


def test_rows_whose_source_forbids_republishing_are_refused_by_name(tmp_path):
    from benchmarks.synth import synthetic_events
    from events.export import acled_frame

    data = tmp_path / "data"
    csv = tmp_path / "acled.csv"
    acled_frame(synthetic_events(50, seed=2)).to_csv(csv, index=False)
    assert run_cli("-m", "events", "--data", str(data), "import", "--format", "acled", str(csv),
                   "--dataset", "acled").returncode == 0
    args = ("-m", "events", "--catalog", str(SEED_CATALOG), "--data", str(data), "publish", "--out")
    refused = run_cli(*args, str(tmp_path / "site"))
    assert refused.returncode == 1 and "acled" in refused.stderr and "may not be republished" in refused.stderr
    assert not (tmp_path / "site").exists()
    kept = run_cli(*args, str(tmp_path / "site2"), "--dataset", "curated")
    assert kept.returncode == 0, kept.stderr
    assert json.loads(Path(tmp_path / "site2" / "manifest.json").read_text())["events"] == 8


def test_the_sites_filters_run_in_the_browser_with_the_dashboards_url_keys(tmp_path, browser):
    """A link with the dashboard's keys opens the same events on the site as the store gives for it,
    and changing a filter on the site writes those keys back."""
    from urllib.parse import parse_qs, quote, urlparse

    import polyline

    from events.filters import from_query
    from events.storage import open_storage

    out = tmp_path / "all"
    got = run_cli("-m", "events", "--catalog", str(SEED_CATALOG), "--data", str(tmp_path / "none"), "publish",
                  "--out", str(out))
    assert got.returncode == 0, got.stderr
    store = open_storage(None, SEED_CATALOG, tmp_path / "none")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def want(query: str) -> list[str]:
        f, notices = from_query(parse_qs(query))
        assert not notices
        return sorted(store.select(f, ["id"])["id"].astype(str))

    try:
        with Page(browser, width=1440, height=900) as p:
            base = f"http://127.0.0.1:{server.server_address[1]}/index.html"
            for query in ("claim=claimed", "from=2025-01-10&to=2025-01-11", "type=Battles&q=kurakhove",
                          "region=Donetsk+Oblast", "region=RU&claim=reported", "region=UA-14&region=Tambov",
                          "area=47.8,37.0,48.6,38.2", "area=" + quote(polyline.encode(
                              [(47.9, 36.9), (48.4, 37.0), (48.35, 37.5), (47.85, 37.4)], 5)) + "&claim=claimed",
                          "type=Air/drone strike"):
                p.page.goto(f"{base}?{query}")
                p.page.wait_for_function("() => window.conflictEvents && window.conflictEvents.filter", timeout=20_000)
                assert sorted(p.page.evaluate("() => window.conflictEvents.ids")) == want(query), query
            p.page.select_option(".ce-filters select[name=claim]", "reported")
            url = urlparse(p.page.url).query
            assert parse_qs(url)["claim"] == ["reported"] and parse_qs(url)["type"] == ["Air/drone strike"]
            assert sorted(p.page.evaluate("() => window.conflictEvents.ids")) == want(url)
            p.page.select_option(".ce-filters select[name=region]", "Zaporizhzhia Oblast")
            url = urlparse(p.page.url).query
            assert parse_qs(url)["region"] == ["Zaporizhzhia Oblast"]
            assert sorted(p.page.evaluate("() => window.conflictEvents.ids")) == want(url) != []
            # the timeline: its bars count the events the other filters keep; a drag across its right
            # half chooses those dates, in the URL and on the map
            p.page.goto(base)
            p.page.wait_for_function("() => window.conflictEvents && window.conflictEvents.filter", timeout=20_000)
            bars = p.page.evaluate("() => Array.from(document.querySelectorAll('.ce-timeline rect.ce-bar'))"
                                   ".map(r => +r.getAttribute('data-n'))")
            assert sum(bars) == len(want("")) and len(bars) > 1
            box = p.page.locator(".ce-timeline svg").bounding_box()
            p.page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + 20)
            p.page.mouse.down()
            p.page.mouse.move(box["x"] + box["width"] - 2, box["y"] + 20)
            p.page.mouse.up()
            p.page.wait_for_function("() => new URLSearchParams(location.search).get('to')", timeout=5_000)
            url = urlparse(p.page.url).query
            assert parse_qs(url).get("from") and parse_qs(url).get("to"), (url, box)
            shown = sorted(p.page.evaluate("() => window.conflictEvents.ids"))
            assert shown == want(url) and 0 < len(shown) < len(want(""))
            # what the reader sees, downloaded: the same ids as `events export` for the same keys
            p.page.goto(f"{base}?region=Donetsk+Oblast&from=2025-01-06")
            p.page.wait_for_function("() => window.conflictEvents && window.conflictEvents.filter", timeout=20_000)
            cli = run_cli("-m", "events", "--catalog", str(SEED_CATALOG), "--data", str(tmp_path / "none"), "export",
                          "--format", "geojson", "--out", "-", "--region", "Donetsk Oblast", "--from", "2025-01-06",
                          binary=True)
            expected = sorted(f["properties"]["id"] for f in json.loads(cli.stdout)["features"])
            with p.page.expect_download() as got_geojson:
                p.page.click(".ce-downloads button[data-fmt=geojson]")
            features = json.loads(Path(got_geojson.value.path()).read_text())["features"]
            assert sorted(f["properties"]["id"] for f in features) == expected and len(expected) >= 2
            with p.page.expect_download() as got_csv:
                p.page.click(".ce-downloads button[data-fmt=csv]")
            import csv as csvlib

            rows = list(csvlib.DictReader(Path(got_csv.value.path()).open(newline="", encoding="utf-8")))
            assert sorted(r["id"] for r in rows) == expected
            assert all(not (r.get("title") or "").startswith(("=", "+", "@")) for r in rows)
            assert p.blocked == []
    finally:
        server.shutdown()
        server.server_close()


def test_licences_travel_from_import_to_the_published_page(tmp_path):
    """UCDP's CC BY 4.0 is recorded at import; a table whose licence nobody stated is refused until
    the operator states it or says they have permission, and the manifest says which; the page
    credits every source it shows, its text escaped."""
    from tests.test_import_truth import write_csv

    data = tmp_path / "data"
    real = ROOT.parent / "shared" / "data" / "real" / "ucdp_ged251_ukraine_2022_2024_sample2000_21col.csv"
    rows = [["t1", "2025-01-06", "Battles", "47.99", "37.29"], ["t2", "2025-01-07", "Battles", "48.28", "37.18"]]
    table = write_csv(tmp_path / "t.csv", ["id", "date", "type", "lat", "lon"], rows)
    base = ("-m", "events", "--catalog", str(SEED_CATALOG), "--data", str(data))
    assert run_cli(*base, "import", "--format", "csv", str(table), "--dataset", "mine", "--map", "id=id",
                   "--map", "date=date", "--map", "event_type=type", "--map", "lat=lat", "--map", "lon=lon").returncode == 0
    assert json.loads((data / "mine" / "manifest.json").read_text())["licence"]["licence"] == "not stated"
    refused = run_cli(*base, "publish", "--out", str(tmp_path / "a"), "--dataset", "mine")
    assert refused.returncode == 1 and "mine: not stated" in refused.stderr and "--i-have-permission" in refused.stderr
    allowed = run_cli(*base, "publish", "--out", str(tmp_path / "b"), "--dataset", "mine", "--i-have-permission", "mine")
    assert allowed.returncode == 0, allowed.stderr
    said = json.loads((tmp_path / "b" / "manifest.json").read_text())["datasets"]
    assert said[0]["dataset"] == "mine" and "permission" in said[0]["permission"]
    # stated at import, hostile text and all: credited on the page, inert
    assert run_cli(*base, "import", "--format", "csv", str(table), "--dataset", "mine", "--replace", "--map", "id=id",
                   "--map", "date=date", "--map", "event_type=type", "--map", "lat=lat", "--map", "lon=lon",
                   "--licence", "CC BY 4.0", "--attribution", "<img src=x onerror=alert(1)> Lab",
                   "--redistributable").returncode == 0
    ok = run_cli(*base, "publish", "--out", str(tmp_path / "c"), "--dataset", "mine", "--dataset", "curated")
    assert ok.returncode == 0, ok.stderr
    page = (tmp_path / "c" / "index.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt; Lab (CC BY 4.0)" in page and "<img src=x" not in page
    if real.exists():
        assert run_cli(*base, "import", "--format", "ucdp", str(real), "--dataset", "ged").returncode == 0
        lic = json.loads((data / "ged" / "manifest.json").read_text())["licence"]
        assert (lic["licence"], lic["redistributable"]) == ("CC BY 4.0", True) and "UCDP" in lic["attribution"]
        run_cli(*base, "publish", "--out", str(tmp_path / "d"), "--dataset", "ged", "--dataset", "curated")
        credits = (tmp_path / "d" / "index.html").read_text()
        assert "Uppsala Conflict Data Program" in credits and "CC BY 4.0" in credits


def test_a_site_beyond_the_drawing_limit_fetches_only_the_tiles_of_its_view(tmp_path, browser):
    """Over MAX_FEATURES events the site opens on the grid, fetching no event tile; a view where
    its tiles hold few enough events fetches just those tiles and draws every event inside the view
    (the same ids as the store gives for the view's bounds), with popups; the view comes from the
    link's `view=`."""
    from benchmarks.synth import synthetic_events
    from dashboard.mapview import MAX_FEATURES
    from events.export import acled_frame
    from events.filters import make_filter
    from events.storage import open_storage

    data = tmp_path / "data"
    csv = tmp_path / "synth.csv"
    acled_frame(synthetic_events(MAX_FEATURES + 200, seed=5, places=150)).to_csv(csv, index=False)
    assert run_cli("-m", "events", "--data", str(data), "import", "--format", "acled", str(csv), "--dataset", "synth",
                   "--redistributable", "--licence", "synthetic, ours").returncode == 0
    out = tmp_path / "site"
    got = run_cli("-m", "events", "--catalog", str(SEED_CATALOG), "--data", str(data), "publish", "--out", str(out))
    assert got.returncode == 0, got.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["files"]["tiles"] == "tiles/index.json"
    index = json.loads((out / "tiles" / "index.json").read_text())
    tiles = index["events"]["counts"]
    assert sum(len(json.loads((out / "tiles" / f"{k}.json").read_text())["id"]) for k in tiles) \
        == sum(tiles.values()) == manifest["events"] > MAX_FEATURES  # every event in exactly one tile
    cells = [json.loads((out / "tiles" / "cells" / f"{k}.json").read_text()) for k in index["cells"]["tiles"]]
    assert sum(sum(c["n"]) for c in cells) == manifest["events"]  # and in exactly one cell
    store = open_storage(None, SEED_CATALOG, data)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    try:
        with Page(browser, width=1200, height=800) as p:
            p.page.goto(base)
            p.page.wait_for_function("() => window.conflictEvents && window.conflictEvents.aggregated", timeout=20_000)
            assert p.page.evaluate("() => window.conflictTiles.fetched.length") == 0
            # Kotovsk (a seed event, far from the synthetic front): few events around it
            p.page.goto(base + "?view=52.59,41.50,10&event=kotovsk-drone-impacts-2025-01-11")
            p.page.wait_for_function("() => window.conflictTiles.mode === 'events'", timeout=20_000)
            p.page.wait_for_selector(".leaflet-popup-content .ce-title", timeout=20_000)
            assert "Kotovsk" in p.page.inner_text(".leaflet-popup-content")
            south, west, north, east = p.page.evaluate(
                "() => { const b = window.conflictEvents.cluster._map.getBounds();"
                " return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }")
            fetched = p.page.evaluate("() => window.conflictTiles.fetched")
            assert 0 < len(fetched) < len(tiles) and all(k in tiles for k in fetched)
            shown = set(p.page.evaluate("() => window.conflictEvents.ids"))
            inside = set(store.select(make_filter(), ["id"], bounds=(south, west, north, east))["id"].astype(str))
            assert inside and inside <= shown  # every event of the view, and no more than its tiles hold
            assert len(shown) == sum(tiles[k] for k in fetched)
            # zoomed out over the busy synthetic front: the small cells of the view's cell tiles
            p.page.goto(base + "?view=48.28,37.18,8")
            p.page.wait_for_function("() => window.conflictTiles.mode === 'cells'", timeout=20_000)
            fetched = p.page.evaluate("() => window.conflictTiles.fetched")
            assert fetched and all(k.startswith("cells/") for k in fetched)
            assert p.page.evaluate("() => window.conflictEvents.cellSum") == sum(
                sum(json.loads((out / "tiles" / f"{k}.json").read_text())["n"]) for k in fetched)
            assert p.blocked == []
            _filters_on_a_tiled_site(p.page, base, out, store, tiles)
    finally:
        server.shutdown()
        server.server_close()


def _filters_on_a_tiled_site(page, base, out, store, tiles) -> None:
    """A tiled site's filters by the URL, against the store: the drawn events are the store's for
    the filter among the fetched tiles' events; cells (of the view, or of the whole site) count
    the store's events of the filter in them, placed by the cell rule (tile_xy of a cell's
    centre), not by the cubes; the timeline's bars and the count line add up to the store's count."""
    import numpy as np

    from events.aggregate import ASPECT
    from events.filters import make_filter
    from events.tiles import CELL_DEG, CELL_ZOOM, tile_xy

    f = make_filter(types=["Battles"])
    battles = store.select(f, ["id", "lat", "lon"])
    wanted = set(battles["id"].astype(str))
    assert 0 < len(wanted) < store.count(make_filter())
    page.goto(base + "?view=52.59,41.50,10&type=Battles")
    page.wait_for_function("() => window.conflictTiles.mode === 'events'", timeout=20_000)
    page.wait_for_function("() => window.ceFilter && window.ceFilter.active", timeout=20_000)
    fetched = [k for k in page.evaluate("() => window.conflictTiles.fetched") if not k.endswith(".f")]
    in_tiles = {i for k in fetched for i in json.loads((out / "tiles" / f"{k}.json").read_text())["id"]}
    shown = set(page.evaluate("() => window.conflictEvents.ids"))
    assert shown == in_tiles & wanted and len(shown) < len(in_tiles)
    # "download what is shown": the export's own features of the drawn events, in the export's order
    exported = [f for f in json.loads(b"".join(store.export(f, "geojson")))["features"] if f["properties"]["id"] in shown]
    with page.expect_download() as got:
        page.click(".ce-downloads button[data-fmt=geojson]")
    assert json.loads(Path(got.value.path()).read_text())["features"] == exported
    # zoomed out over the front, cells: the store's battles whose cell lies in the fetched cell tiles
    page.goto(base + "?view=48.28,37.18,8&type=Battles")
    page.wait_for_function("() => window.conflictTiles.mode === 'cells' && window.ceFilter", timeout=20_000)
    page.wait_for_function("() => window.conflictEvents.aggregated", timeout=20_000)
    fetched = {k.removeprefix("cells/") for k in page.evaluate("() => window.conflictTiles.fetched")
               if not k.endswith(".cube")}
    lat, lon = battles["lat"].to_numpy(np.float64), battles["lon"].to_numpy(np.float64)
    south, west = np.floor(lat / CELL_DEG) * CELL_DEG, np.floor(lon / (CELL_DEG / ASPECT)) * (CELL_DEG / ASPECT)
    tx, ty = tile_xy(south + CELL_DEG / 2, west + CELL_DEG / ASPECT / 2, CELL_ZOOM)
    expected = sum(f"{x}/{y}" in fetched for x, y in zip(tx.tolist(), ty.tolist()))
    assert 0 < expected < len(battles)
    assert page.evaluate("() => window.conflictEvents.cellSum") == expected
    # the whole site: its opening cells counted again from grid.json, the timeline, the count line
    page.goto(base + "?type=Battles")
    page.wait_for_function("() => window.conflictTiles.fetched.indexOf('grid') >= 0", timeout=20_000)
    page.wait_for_function(f"() => window.conflictEvents.cellSum === {len(battles)}", timeout=20_000)
    assert not [k for k in page.evaluate("() => window.conflictTiles.fetched") if k != "grid"]  # no tile
    page.click(".ce-downloads button[data-fmt=csv]")  # no events drawn: nothing to download, and it says so
    assert "zoom in" in page.inner_text(".ce-download-note")
    bars = page.evaluate("() => Array.from(document.querySelectorAll('.ce-timeline rect')).map(r => +r.dataset.n)")
    assert sum(bars) == len(battles) and len(bars) <= 60
    assert f"{len(battles):,} of {store.count(make_filter()):,} events" in page.inner_text(".ce-filter-count")
    assert sum(tiles.values()) == store.count(make_filter())


def test_a_site_of_the_catalogue_and_real_ucdp_rows_filters_clicks_and_exports_like_the_cli(tmp_path, browser):
    """The catalogue, a hostile record among it, and a real UCDP extract, published and served: a
    link's region and dates show the store's events for them; a real click on a marker opens its
    popup; hostile text anywhere (title, claimant, notes, the page's own title) stays text; the
    download is `events export` of the same filter."""
    import shutil as sh

    from tests.test_browser import HOSTILE_ID
    from tests.conftest import record, write_record

    real = ROOT.parent / "shared" / "data" / "real" / "ucdp_ged251_ukraine_2022_2024_sample2000_21col.csv"
    if not real.exists():
        pytest.skip(f"no UCDP extract at {real}")
    catalog, data = tmp_path / "catalog", tmp_path / "data"
    sh.copytree(SEED_CATALOG, catalog)
    write_record(catalog, record(
        id=HOSTILE_ID, title="<img src=x onerror=\"window.__pwned=1;alert(1)\">",
        notes="${alert(1)} `backtick` \\ <b>bold?</b> </script><script>window.__pwned=2</script>",
        location={"name": "Pokrovsk", "country": "UA", "admin1": "Donetsk Oblast"},
        claim={"status": "disputed", "by": "<svg onload=alert(4)>"}))
    base_args = ("-m", "events", "--catalog", str(catalog), "--data", str(data))
    assert run_cli(*base_args, "import", "--format", "ucdp", str(real), "--dataset", "ged").returncode == 0
    out = tmp_path / "site"
    got = run_cli(*base_args, "publish", "--out", str(out), "--title", "<script>window.__pwned=3</script> map")
    assert got.returncode == 0, got.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    keys = ("--region", "Donetsk Oblast", "--from", "2024-06-01", "--to", "2025-01-31")
    cli = run_cli(*base_args, "export", "--format", "geojson", "--out", "-", *keys, binary=True)
    expected = sorted(f["properties"]["id"] for f in json.loads(cli.stdout)["features"])
    assert HOSTILE_ID in expected and any(i.startswith("ucdp-") for i in expected), expected[:5]
    try:
        with Page(browser, width=1440, height=900) as p:
            p.page.goto(site + "?region=Donetsk+Oblast&from=2024-06-01&to=2025-01-31")
            p.page.wait_for_function("() => window.conflictEvents && window.conflictEvents.filter", timeout=30_000)
            assert sorted(p.page.evaluate("() => window.conflictEvents.ids")) == expected
            assert p.page.title() == "<script>window.__pwned=3</script> map"
            # a real click on the hostile record's marker, once it stands alone on the map
            box = p.page.evaluate("""(id) => new Promise((done) => {
                const ce = window.conflictEvents, m = ce.byId[id];
                ce.cluster.zoomToShowLayer(m, () => setTimeout(() => {
                    const r = m._icon.getBoundingClientRect(); done([r.x + r.width / 2, r.y + r.height / 2]); }, 500));
            })""", HOSTILE_ID)
            p.page.mouse.click(*box)
            p.page.wait_for_selector(".leaflet-popup-content .ce-title", timeout=15_000)
            p.page.click(".leaflet-popup-content details.ce-more summary")
            text = p.page.inner_text(".leaflet-popup-content")
            assert '<img src=x onerror="window.__pwned=1;alert(1)">' in text and "<svg onload=alert(4)>" in text
            assert "</script><script>window.__pwned=2</script>" in text
            assert p.page.evaluate("() => document.querySelectorAll('.leaflet-popup-content img, "
                                   ".leaflet-popup-content svg, .leaflet-popup-content script').length") == 0
            with p.page.expect_download() as got_geojson:
                p.page.click(".ce-downloads button[data-fmt=geojson]")
            features = json.loads(Path(got_geojson.value.path()).read_text())["features"]
            assert sorted(f["properties"]["id"] for f in features) == expected
            p.page.wait_for_timeout(300)
            assert p.dialogs == [] and p.page.evaluate("() => window.__pwned") is None
            assert p.blocked == []
    finally:
        server.shutdown()
        server.server_close()


def test_a_tiled_sites_cubes_count_each_event_once_under_its_own_codes():
    """The codes a tiled site's filters read (events/tiles.py facets) name each event's own month,
    type, sub-type, claim, dataset and regions; the cube of all events counts each once, so any
    filter's count from it is the rows' own count for that filter."""
    import pandas as pd

    from benchmarks.synth import synthetic_events
    from dashboard.style import CLAIM_ORDER, TYPE_ORDER
    from events.records import load_catalog
    from events.columns import plain
    from events.tiles import cube, facets

    rows = plain(pd.concat([synthetic_events(3000, seed=3), load_catalog(SEED_CATALOG, write_cache=False).events],
                           ignore_index=True))
    tables, codes, per_event, keys = facets(rows)
    kinds = [tables["kinds"][k] for k in codes["k"]]
    assert [TYPE_ORDER[t] for t, _ in kinds] == rows["event_type"].tolist()
    assert [s for _, s in kinds] == rows["sub_event_type"].fillna("").tolist()
    assert [CLAIM_ORDER[c] for c in codes["c"]] == rows["claim_status"].tolist()
    assert [tables["datasets"][d] for d in codes["d"]] == rows["dataset"].tolist()
    assert [tables["months"][m] for m in codes["m"]] == rows["date"].dt.strftime("%Y-%m").tolist()
    assert [tables["regionSets"][r] for r in codes["r"]] == per_event
    assert {keys[k]["label"] for k in tables["regionSets"][codes["r"][0]]}  # entries of the region table
    c = cube(codes)
    assert sum(c["n"]) == len(rows)
    claimed = {i for i, name in enumerate(CLAIM_ORDER) if name == "claimed"}
    assert sum(n for n, k in zip(c["n"], c["c"]) if k in claimed) == int((rows["claim_status"] == "claimed").sum()) > 0


def test_a_publish_that_fails_half_way_leaves_the_sites_files_as_they_were(tmp_path, monkeypatch):
    """events.geojson, its gzip, the page and the manifest are written through temporary files and
    the tiles into a folder swapped in whole at the end: a publish whose export breaks off (a full
    disk, a dead database) leaves the last site as it was, tiles and all."""
    import dashboard.mapview
    from events.errors import OutputError
    from events.filters import make_filter
    from events.publish import publish
    from events.storage import open_storage

    def files(folder: Path) -> dict:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
                if p.is_file() and "static" not in p.parts}

    store = open_storage(catalog=SEED_CATALOG, data=tmp_path / "none")
    out = tmp_path / "site"
    with monkeypatch.context() as m:
        m.setattr(dashboard.mapview, "MAX_FEATURES", 3)  # the seed's 8 events as a tiled site
        publish(store, make_filter(), out)
    before = files(out)
    assert "tiles/index.json" in before and "events.geojson" in before and "manifest.json" in before
    real_export = store.export

    def breaks_off(f, fmt, **kw):  # the first chunk goes out, then the disk is full
        yield next(iter(real_export(f, fmt, **kw)))
        raise OutputError("cannot write: No space left on device")

    store.export = breaks_off
    with pytest.raises(OutputError):
        publish(store, make_filter(regions=("UA-14",)), out)
    assert files(out) == before
    store.export = real_export
    publish(store, make_filter(regions=("UA-14",)), out)  # now small enough to draw: the tiles go
    assert not (out / "tiles").exists() and json.loads((out / "manifest.json").read_text())["events"] == 4
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
