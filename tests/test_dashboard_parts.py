"""The dashboard's pure parts: escaping, popups, map layers, URL state, timeline, exports."""
from __future__ import annotations

import json
import re

import pytest

from dashboard import mapview, safe
from dashboard.popup import popup_columns
from dashboard.timeline import per_day_by_type
from events.filters import from_query as parse_query, to_query
from events.export import export_bytes
from events.query import Filter, apply, make_filter
from events.storage.embedded import EmbeddedStorage
from events.records import load_catalog
from tests.conftest import SEED_CATALOG, run_cli

HOSTILE = {
    "title": "<img src=x onerror=alert(1)>",
    "notes": "${alert(1)} `backtick` \\ </script><script>window.__pwned=1</script>",
    "claimed_by": "<b>x</b>",
    "sources": [{"outlet": "O", "url": "javascript:alert(1)", "published": "2025-01-11", "quote": "`${1+1}`"},
                {"outlet": "P", "url": "https://example.org/a?b=1&c=2", "published": "2025-01-11", "quote": "q"}],
}


@pytest.fixture(scope="module")
def seed():
    return load_catalog(SEED_CATALOG, write_cache=False).events


def test_text_is_safe_for_html_and_js_template_literals():
    out = safe.text("<a href='x'>`${alert(1)}`\\")
    assert "<" not in out and ">" not in out and "'" not in out
    assert "`" not in out and "$" not in out and "\\" not in out
    assert out == "&lt;a href=&#x27;x&#x27;&gt;&#96;&#36;{alert(1)}&#96;&#92;"


@pytest.mark.parametrize("u, ok", [("https://example.org/x", True), ("http://a.b/c?d=1", True),
                                   ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False),
                                   ("data:text/html,<script>", False), ("//evil.example", False), ("", False),
                                   ("https://x.org/\"onmouseover=alert(1)", False)])
def test_only_http_links_survive(u, ok):
    assert (safe.url(u) is not None) == ok


def test_script_json_cannot_close_the_script_element():
    s = safe.script_json({"a": "</script><script>alert(1)</script>", "b": "\u2028"})
    assert "</script" not in s and "\u2028" not in s
    assert json.loads(s)["a"].startswith("</script>")


def _all_strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _all_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _all_strings(v)


def test_popup_data_carries_hostile_text_escaped_and_links_only_http(seed):
    hostile = seed.iloc[[0]].copy()
    for k, v in HOSTILE.items():
        hostile[k] = [v] if not isinstance(v, str) else v
    data = popup_columns(hostile)
    blob = " ".join(_all_strings(data))
    assert "<img" not in blob and "<script" not in blob and "`" not in blob and "${" not in blob
    assert data["title"] == ["&lt;img src=x onerror=alert(1)&gt;"]
    assert "&#36;{alert(1)} &#96;backtick&#96; &#92;" in blob
    hrefs = re.findall(r'href="([^"]*)"', blob)
    assert hrefs == ["https://example.org/a?b=1&amp;c=2"]  # javascript: dropped, text kept
    assert "O, 2025-01-11" in blob


def test_popup_data_has_every_part_an_analyst_needs(seed):
    one = seed[seed["id"] == "prymorske-drone-strike-car-2025-01-11"]
    data = popup_columns(one)
    get = lambda name: data["dicts"][name][data["cols"][name][0]]  # noqa: E731
    assert data["title"] == ["Russian drone hits a civilian car in Prymorske, killing a woman"]
    assert get("when") == "2025-01-10 – 2025-01-11" and get("dp") == "exact day"
    assert get("sub") == "Air/drone strike" and get("place") == "Prymorske"
    assert get("where") == "Zaporizhzhia Oblast, UA" and get("gp") == "exact place"
    assert (data["fat"], data["inj"]) == ([1], [4])
    assert "Ivan Fedorov" in get("by") and "not contested" in get("meaning")
    assert "occupiers attacked Prymorske" in get("src") and 'href="https://www.themoscowtimes.com/' in get("src")
    assert get("notes").startswith("Place:")


def test_popup_data_is_dictionary_encoded(seed):
    data = popup_columns(seed)
    assert len(data["dicts"]["by"]) < len(seed)  # the Russian MoD appears once however many claims it makes
    assert len(data["cols"]["by"]) == len(seed)
    shorter = popup_columns(seed, max_quote=20)
    assert max(len(s) for s in shorter["dicts"]["src"]) < max(len(s) for s in data["dicts"]["src"])


def test_layer_data_has_one_entry_per_event_and_uncertainty_where_approximate(seed):
    data = mapview.layer_data(seed)
    assert len(data["lat"]) == len(data["id"]) == len(data["popup"]["title"]) == len(seed)
    by_id = dict(zip(data["id"], data["u"]))
    assert by_id["shevchenko-russian-capture-claim-2025-01-11"] > 5000  # metres
    assert by_id["prymorske-drone-strike-car-2025-01-11"] == 0
    assert [f["properties"]["iso_3166_2"] for f in data["regions"]["features"]] == ["RU-KRS"]


def test_map_html_loads_nothing_from_the_internet(seed):
    html = mapview.page_html(EmbeddedStorage.of_frame(seed), make_filter(review=["all"]))
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert srcs and all(s.startswith("/app/static/") for s in srcs), srcs
    # every one is a file of ours, the layers' own script and style among them
    files = {s.split("?")[0].removeprefix("/app/static/") for s in srcs}
    assert all((mapview.STATIC_DIR / f).is_file() for f in files), files
    assert {"map/layers.js", "map/map.css"} <= files
    assert "cdn" not in html.lower() and "tile.openstreetmap" not in html


def test_vendored_assets_exist():
    from pathlib import Path

    from dashboard.layers import CLUSTER_CSS, CLUSTER_JS, LEAFLET_CSS, LEAFLET_JS

    root = Path(__file__).resolve().parent.parent
    for _, href in LEAFLET_JS + LEAFLET_CSS + CLUSTER_JS + CLUSTER_CSS:
        assert (root / href.removeprefix("/app/")).is_file(), href


def test_url_state_round_trips():
    f = make_filter(date_from="2025-01-01", date_to="2025-01-31", types=["Battles", "Air/drone strike"],
                    regions=["Donetsk Oblast", "RU"], claims=["claimed"], q="drone")
    back, notices = parse_query(to_query(f))
    assert back == f and notices == []


def test_bad_url_values_fall_back_with_notices():
    f, notices = parse_query({"from": ["yesterday"], "to": ["2025-01-05"], "type": ["Battles,Nonsense"],
                              "region": ["Narnia", "UA-14"], "claim": ["rumoured"], "q": ["x"]})
    assert f == Filter(date_to=f.date_to, types=("Battles",), regions=("UA-14",), q="x")
    assert len(notices) == 4 and any("Narnia" in n for n in notices)
    f2, n2 = parse_query({"from": ["2025-02-01"], "to": ["2025-01-01"]})
    assert f2 == Filter() and "before" in n2[0]


def test_fit_view_contains_every_filtered_event(seed):
    (lat, lon), zoom = mapview.fit_view(seed)
    assert 47 < lat < 53 and 35 < lon < 42 and 4 <= zoom <= 8
    one = apply(seed, Filter(q="prymorske"))
    (lat1, lon1), zoom1 = mapview.fit_view(one)
    assert lat1 == pytest.approx(47.6449, abs=0.2) and zoom1 >= 9
    assert mapview.fit_view(seed.iloc[0:0]) == ([49.0, 34.0], 5)


def test_timeline_counts_per_day_by_type_sum_to_the_filtered_count(seed):
    counts = per_day_by_type(seed)
    assert int(counts.to_numpy().sum()) == len(seed)
    assert counts.loc["2025-01-11", "Battles"] == 2
    assert counts.index.is_monotonic_increasing and len(counts) == (counts.index[-1] - counts.index[0]).days + 1


def test_download_bytes_equal_the_cli_export(seed, tmp_path):
    f = make_filter(regions=["Donetsk"], claims=["claimed"])
    out = tmp_path / "x.geojson"
    run_cli("-m", "events", "export", "--format", "geojson", "--out", str(out), "--region", "Donetsk",
            "--claim", "claimed")
    assert export_bytes(apply(seed, f), "geojson") == out.read_bytes()


def test_many_events_are_aggregated_and_cell_counts_sum_to_the_filtered_count():
    from benchmarks.synth import synthetic_events

    df = synthetic_events(30_000, seed=7)
    f = make_filter(regions=["UA-14", "UA-23"], types=["Explosions/Remote violence"])
    shown = apply(df, f)
    store = EmbeddedStorage.of_frame(df)
    kind, data, description, count = mapview.layer(store, f)
    assert kind == "grid" and count == len(shown) > mapview.MAX_FEATURES
    assert sum(data["n"]) == len(shown) == data["total"]
    assert len(data["n"]) <= mapview.MAX_CELLS
    assert [sum(row) for row in data["types"]] == data["n"]
    assert f"{len(shown):,} events, shown as {len(data['n']):,} grid cells" in description
    html = mapview.page_html(store, f)
    assert "ceMap.aggregateLayer(" in html and "ceMap.eventLayer(" not in html  # cells, not events
    assert len(html.encode()) < 3_000_000


def test_few_events_are_drawn_individually(seed):
    kind, data, description, count = mapview.layer(EmbeddedStorage.of_frame(seed), make_filter(review=["all"]))
    assert kind == "events" and len(data["id"]) == count == 8
    assert description.startswith("8 events, each drawn individually")


def test_week_and_month_events_are_spread_over_their_span_on_the_timeline():
    import numpy as np

    from events.aggregate import per_day

    dates = np.array(["2024-12-01", "2024-12-10", "2024-12-10"], dtype="datetime64[D]")
    ends = np.array(["2024-12-31", "NaT", "2024-12-16"], dtype="datetime64[D]")
    got = per_day(dates, np.array([0, 0, 1]), ends=ends)
    assert len(got) == 31 and got.sum().sum() == pytest.approx(3, abs=0.01)  # nothing lost, nothing doubled
    assert got["Battles"].iloc[0] == pytest.approx(1 / 31, abs=1e-3)  # the month's event, a 31st a day
    assert got["Battles"].loc["2024-12-10"] == pytest.approx(1 + 1 / 31, abs=1e-3)  # plus the day's own
    assert got["Explosions/Remote violence"].loc["2024-12-10":"2024-12-16"].tolist() == [pytest.approx(1 / 7, abs=1e-3)] * 7


@pytest.mark.parametrize("raw, want", [
    ("48.28,37.18,10", ([48.28, 37.18], 10)),
    (" 47.9 , 37.3 , 11 ", ([47.9, 37.3], 11)),
    ("48.28,37.18", None), ("north,37,9", None), ("48,37,99", None), ("91,37,9", None),
    ("48,200,9", None), ("nan,37,9", None), ("48,37,9.5", None), ("", None),
])
def test_a_view_in_the_url_is_read_or_named_as_ignored(raw, want):
    view, notice = mapview.parse_view(raw)
    assert view == want
    assert (notice is None) == (want is not None)
    if notice:
        assert notice.startswith("Ignored URL parameter view")
