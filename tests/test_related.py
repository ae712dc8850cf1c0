"""Links between events: stated once, shown from both ends, checked, escaped, exported."""
from __future__ import annotations

import pyogrio
import pytest
from pydantic import ValidationError

from dashboard.popup import popup_columns
from events.related import dangling_relations, index
from events.schema import Event
from events.records import load_catalog
from tests.conftest import SEED_CATALOG, record, run_cli, write_record

CAPTURE = "kurakhove-russian-capture-claim-2025-01-06"
HELD = "kurakhove-area-fighting-2025-01-11"


def test_a_link_stated_on_one_record_shows_on_both_and_once_when_stated_on_both(empty_catalog):
    write_record(empty_catalog, record(id="a", related=[{"id": "b", "relation": "contradicts", "note": "who holds it"}]))
    write_record(empty_catalog, record(id="b", related=[{"id": "a", "relation": "contradicts"}]))
    write_record(empty_catalog, record(id="c", related=[{"id": "a", "relation": "same-incident"}]))
    cat = load_catalog(empty_catalog)
    assert cat.problems == []
    links = index(cat.events)
    assert [(x.other, x.relation) for x in links["a"]] == [("b", "contradicts"), ("c", "same-incident")]
    assert [(x.other, x.relation) for x in links["b"]] == [("a", "contradicts")]
    assert [(x.other, x.relation, x.stated_by) for x in links["c"]] == [("a", "same-incident", "c")]


@pytest.mark.parametrize("related, message", [
    ([{"id": "test-event", "relation": "contradicts"}], "this event itself"),
    ([{"id": "x", "relation": "contradicts"}, {"id": "x", "relation": "corroborates"}], "listed twice"),
    ([{"id": "x", "relation": "disagrees"}], "relation"),
    ([{"id": "Not A Slug", "relation": "contradicts"}], "id"),
])
def test_a_bad_link_is_refused_with_its_field(related, message):
    with pytest.raises(ValidationError, match=message):
        Event.model_validate(record(related=related))


def test_a_link_to_no_event_is_named_by_validate_with_file_and_entry(empty_catalog):
    write_record(empty_catalog, record(id="a", related=[{"id": "b", "relation": "corroborates"},
                                                        {"id": "gone", "relation": "contradicts"}]))
    write_record(empty_catalog, record(id="b"))
    problems = dangling_relations(load_catalog(empty_catalog).events)
    assert [(p.field, "'gone'" in p.message) for p in problems] == [("related[1].id", True)]
    assert problems[0].path.endswith("a.yaml")
    assert dangling_relations(load_catalog(empty_catalog).events, known=lambda ids: ids) == []  # in a dataset
    out = run_cli("-m", "events", "validate", "--catalog", str(empty_catalog))
    assert out.returncode == 1 and "a.yaml: related[1].id: no event 'gone'" in out.stdout


def test_the_popup_shows_the_link_escaped(empty_catalog):
    write_record(empty_catalog, record(id="a", related=[{"id": "b", "relation": "same-incident",
                                                         "note": "<img src=x onerror=alert(1)>"}]))
    write_record(empty_catalog, record(id="b"))
    df = load_catalog(empty_catalog).events
    cols = popup_columns(df, links=index(df))
    rel = [cols["dicts"]["rel"][k] if k >= 0 else None for k in cols["cols"]["rel"]]
    by_id = dict(zip(df["id"], rel))
    assert 'same incident as <a class=ce-rel href="#" data-id="b">b</a>' in by_id["a"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in by_id["a"] and "<img" not in by_id["a"]
    assert 'data-id="a"' in by_id["b"]  # the other end shows it too


def test_the_seed_links_the_two_kurakhove_claims_and_exports_carry_it(tmp_path):
    links = index(load_catalog(SEED_CATALOG).events)
    assert [(x.other, x.relation) for x in links[HELD]] == [(CAPTURE, "contradicts")]
    assert [(x.other, x.relation) for x in links[CAPTURE]] == [(HELD, "contradicts")]
    out = tmp_path / "seed.geojson"
    got = run_cli("-m", "events", "export", "--format", "geojson", "--out", str(out), "--catalog", str(SEED_CATALOG))
    assert got.returncode == 0, got.stderr
    df = pyogrio.read_dataframe(out)
    rel = df.set_index("id")["related"]
    assert rel[HELD][0]["id"] == CAPTURE and rel[HELD][0]["relation"] == "contradicts"  # GDAL reads the JSON
