"""The area filter (issue 30): a box or drawn shapes, one Term from the URL to the CLI to both
stores' queries (tests/test_postgis.py runs the same filters against PostGIS)."""
from __future__ import annotations

import json

import numpy as np
import polyline
import pytest

from events.errors import FilterError
from events.filters import from_query, make_filter, mask, to_query
from events.records import load_catalog
from tests.conftest import SEED_CATALOG, run_cli

DONBAS = [(47.0, 36.5), (49.3, 37.0), (48.0, 39.5)]  # a triangle over Pokrovsk, Kurakhove, Shevchenko
KURSK = [(51.0, 34.5), (52.0, 34.5), (52.0, 36.5), (51.0, 36.5)]


@pytest.fixture(scope="module")
def seed():
    return load_catalog(SEED_CATALOG, write_cache=False).events


def shown(df, **spec) -> set[str]:
    return set(df["id"][mask(df, make_filter(review=["all"], **spec))])


def test_a_box_keeps_the_events_inside_it_and_its_edges(seed):
    assert shown(seed, area="47.9,37.1,48.3,37.3") == {
        "kurakhove-russian-capture-claim-2025-01-06", "kurakhove-area-fighting-2025-01-11",
        "pokrovsk-casualties-2025-01-10", "shevchenko-russian-capture-claim-2025-01-11"}
    # an event exactly on the box's edge is inside, as PostGIS's && says
    assert shown(seed, area="48.28014,37.17706,48.3,37.2") == {"pokrovsk-casualties-2025-01-10"}


def test_shapes_keep_the_union_of_their_insides(seed):
    donbas = polyline.encode(DONBAS, 5)
    kursk = polyline.encode(KURSK, 5)
    in_donbas = shown(seed, area=donbas)
    assert "pokrovsk-casualties-2025-01-10" in in_donbas and not any(i.startswith("kursk") for i in in_donbas)
    assert "prymorske-drone-strike-car-2025-01-11" not in in_donbas  # inside the triangle's box, not the triangle
    both = shown(seed, area=f"{donbas};{kursk}")
    assert both == in_donbas | {i for i in seed["id"] if i.startswith("kursk")}


def test_the_url_carries_the_area_and_a_bad_one_is_named_and_dropped():
    f, notices = from_query({"area": ["47.9,37.1,48.3,37.3"], "type": ["Battles"]})
    assert f.area == "47.9,37.1,48.3,37.3" and not notices
    assert from_query(to_query(f))[0] == f
    shape = polyline.encode(DONBAS, 5) + ";" + polyline.encode(KURSK, 5)
    assert from_query(to_query(make_filter(area=shape)))[0].area == shape
    for bad, why in (("48,37,47,38", "above north"), ("48,37,95,38", "outside"), ("a,b,c,d", "not a number"),
                     ("!!", "neither a box")):
        f, notices = from_query({"area": [bad], "type": ["Battles"]})
        assert f.area is None and f.types == ("Battles",)
        assert len(notices) == 1 and notices[0].startswith("Ignored URL parameter area:") and why in notices[0], notices
    with pytest.raises(FilterError, match="three distinct points"):
        make_filter(area=polyline.encode([(48.0, 37.0), (48.1, 37.1)], 5))


def test_a_large_store_is_filtered_with_column_work_only():
    from benchmarks.synth import synthetic_events

    df = synthetic_events(200_000, seed=3)
    box = shown(df, area="47,36,49,39")
    lat, lon = df["lat"].to_numpy(), df["lon"].to_numpy()
    want = set(df["id"][(lat >= 47) & (lat <= 49) & (lon >= 36) & (lon <= 39)])
    assert box == want and len(box) > 1000
    shape = shown(df, area=polyline.encode(DONBAS, 5))
    assert 0 < len(shape) < len(box | shape)


def test_the_cli_takes_a_box_or_the_polygons_of_a_geojson_file(tmp_path):
    args = ("-m", "events", "list", "--catalog", str(SEED_CATALOG), "--format", "json", "--review", "all")
    by_box = run_cli(*args, "--bbox", "47.9,37.1,48.3,37.3")
    assert by_box.returncode == 0, by_box.stderr
    assert {e["id"] for e in json.loads(by_box.stdout)} == shown_seed(area="47.9,37.1,48.3,37.3")
    ring = [[lon, lat] for lat, lon in DONBAS + DONBAS[:1]]
    kursk = [[lon, lat] for lat, lon in KURSK + KURSK[:1]]
    file = tmp_path / "area.geojson"
    file.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [[kursk]]}}]}))
    within = run_cli(*args, "--within", str(file))
    assert within.returncode == 0, within.stderr
    assert {e["id"] for e in json.loads(within.stdout)} == shown_seed(
        area=polyline.encode(DONBAS, 5) + ";" + polyline.encode(KURSK, 5))
    holed = tmp_path / "holed.geojson"
    holed.write_text(json.dumps({"type": "Polygon", "coordinates": [ring, [[37.2, 48.0], [37.3, 48.0], [37.3, 48.1],
                                                                          [37.2, 48.0]]]}))
    out = run_cli(*args, "--within", str(holed))
    assert out.returncode == 2 and str(holed) in out.stderr and "holes" in out.stderr and "Traceback" not in out.stderr
    out = run_cli(*args, "--within", str(tmp_path / "missing.geojson"))
    assert out.returncode == 2 and "missing.geojson" in out.stderr and "Traceback" not in out.stderr
    both = run_cli(*args, "--bbox", "47,36,49,39", "--within", str(file))
    assert both.returncode == 2 and "not allowed with" in both.stderr


def shown_seed(**spec) -> set[str]:
    return shown(load_catalog(SEED_CATALOG, write_cache=False).events, **spec)


def test_the_sidebar_draws_the_area_term_from_its_declaration():
    from events.filters import TERMS

    widgets = [t.widget for t in TERMS if t.widget]
    assert len({w.key for w in widgets}) == len(widgets)  # one session key each
    assert any(w.key == "f_area" and w.kind == "text" for w in widgets)
    assert np.all([w.kind in ("date", "many", "text", "one", "toggle") for w in widgets])


def test_the_view_state_beside_the_filter_round_trips_and_names_bad_values():
    import datetime as dt

    from dashboard.urlstate import ViewState

    state = ViewState(event="kotovsk-drone-impacts-2025-01-11", unc=True, tiles=True, control="deepstate",
                      control_date=dt.date(2025, 1, 6), changes=True)
    query = state.to_query()
    assert query == {"event": "kotovsk-drone-impacts-2025-01-11", "unc": "1", "tiles": "1", "control": "deepstate",
                     "control_date": "2025-01-06", "changes": "1"}
    assert ViewState.from_query(query) == (state, [])
    assert ViewState().to_query() == {}
    assert ViewState(control_date=dt.date(2025, 1, 6), changes=True).to_query() == {}  # no control map, no date
    got, notices = ViewState.from_query({"view": ["91,30,5"], "control_date": ["2025-13-01"], "unc": ["yes"]})
    assert got == ViewState(unc=True)
    assert [n.split(":")[0] for n in notices] == ["Ignored URL parameter view", "Ignored URL parameter control_date"]
    assert ViewState.from_query({"view": ["48.28,37.18,10"]})[0].view == ([48.28, 37.18], 10)
