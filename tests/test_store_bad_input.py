"""Every kind of bad input: one clear problem naming file and field; the rest still loads."""
from __future__ import annotations

import datetime as dt

import pytest

from events.records import load_catalog
from tests.conftest import record, run_cli, write_record


def problems_of(directory, filename):
    cat = load_catalog(directory)
    return cat, [p for p in cat.problems if p.path.endswith(filename)]


def test_a_valid_record_loads_with_derived_fields(empty_catalog):
    write_record(empty_catalog, record())
    cat = load_catalog(empty_catalog)
    assert cat.problems == []
    row = cat.events.iloc[0]
    assert row["admin1_code"] == "UA-14" and row["geo_precision"] == 1
    assert row["geocoded_by"] == "geonames:704422"


@pytest.mark.parametrize(
    "changes, field, fragment",
    [
        ({"title": None}, "title", "Field required"),
        ({"fatalities": "many"}, "fatalities", "integer"),
        ({"location": {"name": "Pokrovsk", "country": "UA", "coordinates": {"lat": 148.2, "lon": 37.1}}},
         "location.coordinates.lat", "less than or equal to 90"),
        ({"location": {"name": "Pokrovsk", "country": "UA", "coordinates": {"lat": 48.2, "lon": 237.1}}},
         "location.coordinates.lon", "less than or equal to 180"),
        ({"event_type": "Alien invasion"}, "event_type", "unknown event type"),
        ({"sub_event_type": "Peaceful protest"}, "sub_event_type", "not a sub-type of"),
        ({"date": "last Tuesday"}, "date", "date"),
        ({"end_date": "2025-01-01"}, "end_date", "before date"),
        ({"date": (dt.date.today() + dt.timedelta(days=30)).isoformat()}, "date", "in the future"),
        ({"sources": [{"outlet": "X", "url": "javascript:alert(1)", "published": "2025-01-11", "quote": "q"}]},
         "sources.0.url", "not an http(s) address"),
        ({"sources": [{"outlet": "X", "url": "ftp://example.org/x", "published": "2025-01-11", "quote": "q"}]},
         "sources.0.url", "not an http(s) address"),
        ({"claim": {"status": "rumoured", "by": "someone"}}, "claim.status", "Input should be"),
        ({"id": "Not A Slug"}, "id", "pattern"),
        ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
    ],
)
def test_bad_field_is_named_and_other_records_still_load(empty_catalog, changes, field, fragment):
    write_record(empty_catalog, record(id="good-one"))
    rec = record(**{"id": "bad-one", **changes})
    write_record(empty_catalog, rec, name="bad-one")
    cat, probs = problems_of(empty_catalog, "bad-one.yaml")
    assert probs, cat.problems
    assert any(p.field == field and fragment in p.message for p in probs), [str(p) for p in probs]
    assert list(cat.events["id"]) == ["good-one"]


def test_malformed_yaml_names_the_line(empty_catalog):
    write_record(empty_catalog, record(id="good-one"))
    (empty_catalog / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n  date: 2025-01-01\n")
    cat, probs = problems_of(empty_catalog, "broken.yaml")
    assert probs[0].field == "(yaml)" and "line" in probs[0].message
    assert len(cat.events) == 1


def test_not_utf8_empty_and_oversized_files(empty_catalog):
    write_record(empty_catalog, record(id="good-one"))
    (empty_catalog / "latin1.yaml").write_bytes("id: latin1\ntitle: Caf\xe9\n".encode("latin-1"))
    (empty_catalog / "empty.yaml").write_text("   \n")
    (empty_catalog / "huge.yaml").write_text("notes: " + "x" * 1_100_000 + "\n")
    cat = load_catalog(empty_catalog)
    by_file = {p.path.rsplit("/", 1)[-1]: p for p in cat.problems}
    assert "not UTF-8" in by_file["latin1.yaml"].message
    assert "empty" in by_file["empty.yaml"].message
    assert "over the 1 MB limit" in by_file["huge.yaml"].message
    assert list(cat.events["id"]) == ["good-one"]


def test_id_must_equal_file_stem(empty_catalog):
    write_record(empty_catalog, record(id="some-id"), name="other-name")
    _, probs = problems_of(empty_catalog, "other-name.yaml")
    assert probs[0].field == "id" and "differs from the file name" in probs[0].message


def test_duplicate_id_is_reported_in_both_files(empty_catalog):
    write_record(empty_catalog, record(id="twin"))
    (empty_catalog / "twin.yml").write_text((empty_catalog / "twin.yaml").read_text())
    cat = load_catalog(empty_catalog)
    assert sorted(p.path.rsplit("/", 1)[-1] for p in cat.problems if "duplicate id" in p.message) == [
        "twin.yaml", "twin.yml"]
    assert cat.events.empty


def test_manual_pin_with_swapped_lat_lon_is_outside_its_country(empty_catalog):
    loc = {"name": "Pokrovsk", "country": "UA", "admin1": "Donetsk", "coordinates": {"lat": 37.177, "lon": 48.280}}
    write_record(empty_catalog, record(id="swapped", location=loc))
    _, probs = problems_of(empty_catalog, "swapped.yaml")
    assert probs[0].field == "location.coordinates" and "swapped" in probs[0].message


def test_manual_pin_outside_its_stated_oblast(empty_catalog):
    loc = {"name": "Pokrovsk", "country": "UA", "admin1": "Kharkiv Oblast", "coordinates": {"lat": 48.28, "lon": 37.18}}
    write_record(empty_catalog, record(id="wrong-oblast", location=loc))
    _, probs = problems_of(empty_catalog, "wrong-oblast.yaml")
    assert probs[0].field == "location.coordinates" and "UA-14" in probs[0].message


def test_ambiguous_and_unknown_places_are_problems_not_crashes(empty_catalog):
    write_record(empty_catalog, record(id="amb", location={"name": "Shevchenko", "country": "UA", "admin1": "Donetsk"}))
    write_record(empty_catalog, record(id="unk", location={"name": "Nowhereville", "country": "UA"}))
    write_record(empty_catalog, record(id="reg", location={"name": "Pokrovsk", "country": "UA", "admin1": "Narnia"}))
    cat = load_catalog(empty_catalog)
    msgs = {p.path.rsplit("/", 1)[-1]: p for p in cat.problems}
    assert msgs["amb.yaml"].field == "location.name" and "ambiguous" in msgs["amb.yaml"].message
    assert msgs["unk.yaml"].field == "location.name" and "no place called" in msgs["unk.yaml"].message
    assert msgs["reg.yaml"].field == "location.admin1" and "Narnia" in msgs["reg.yaml"].message


def test_validate_cli_reports_every_problem_of_every_file_then_a_count(empty_catalog):
    write_record(empty_catalog, record(id="good-one"))
    write_record(empty_catalog, record(id="bad-a", title=None, fatalities="x"))
    write_record(empty_catalog, record(id="bad-b", event_type="Nope"))
    res = run_cli("-m", "events", "validate", "--catalog", str(empty_catalog))
    assert res.returncode == 1
    lines = res.stdout.strip().splitlines()
    assert any(l.endswith("bad-a.yaml: title: Field required") for l in lines)
    assert any("bad-a.yaml: fatalities:" in l for l in lines)
    assert any("bad-b.yaml: event_type: unknown event type" in l for l in lines)
    assert lines[-1] == "3 files, 1 valid, 3 problem(s) in 2 file(s)"
    assert "Traceback" not in res.stderr


def test_validate_honours_the_environment_variable(empty_catalog):
    write_record(empty_catalog, record(id="good-one"))
    res = run_cli("-m", "events", "validate", env={"EVENTS_CATALOG": str(empty_catalog)})
    assert res.returncode == 0 and res.stdout.startswith("1 files, 1 valid")
