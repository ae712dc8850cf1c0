"""'Near X' without a distance: the named place only if the gazetteer has it near X; a namesake far
away is never taken for it (a real report's village near Kupiansk once landed on a town 126 km off)."""
from __future__ import annotations

from geopy.distance import geodesic

from events.records import load_catalog
from geodata.locate import NEAR_RADIUS_KM, locate
from tests.conftest import record, write_record

KUPIANSK = (49.71003, 37.61581)


def test_a_namesake_far_from_the_reference_is_not_the_place():
    # Krasnohrad is a real town of Kharkiv Oblast, ~170 km from Kupiansk: a village "near Kupiansk"
    # that the gazetteer lacks must not land there.
    loc = {"name": "Krasnohrad", "country": "UA", "admin1": "Kharkiv Oblast", "near": {"place": "Kupiansk"}}
    out = locate(loc)
    assert geodesic((out.lat, out.lon), KUPIANSK).km < 1
    assert out.geo_precision == 2 and out.uncertainty_km == NEAR_RADIUS_KM
    assert out.flags and out.flags[0].startswith("name-not-near-reference") and "km from Kupyansk" in out.flags[0]
    assert out.admin1_code == "UA-63"


def test_the_namesake_inside_the_radius_is_preferred_and_the_far_ones_flagged():
    loc = {"name": "Petropavlivka", "country": "UA", "near": {"place": "Kupiansk"}}
    out = locate(loc)
    assert geodesic((out.lat, out.lon), KUPIANSK).km <= NEAR_RADIUS_KM
    assert out.geo_precision == 1 and "from the reference" in out.geocoded_by
    assert any(f.startswith("far-namesakes-ignored") for f in out.flags)


def test_a_name_missing_from_the_gazetteer_sits_in_the_reference_area():
    out = locate({"name": "Zzyzxivka", "country": "UA", "near": {"place": "Kupiansk", "bearing": "N"}})
    assert geodesic((out.lat, out.lon), KUPIANSK).km < 1 and out.geo_precision == 2
    assert out.flags[0].startswith("name-not-in-gazetteer")


def test_a_record_may_say_near_without_distance_or_bearing(empty_catalog):
    loc = {"name": "Krasnohrad", "country": "UA", "admin1": "Kharkiv Oblast", "near": {"place": "Kupiansk"}}
    write_record(empty_catalog, record(id="near-kupiansk", location=loc))
    cat = load_catalog(empty_catalog)
    assert cat.problems == []
    row = cat.events.iloc[0]
    assert row["location_near"] == "near Kupiansk" and row["geo_precision"] == 2
    assert any(f.startswith("name-not-near-reference") for f in row["geo_flags"])


def test_the_geocode_command_takes_near_alone_and_refuses_half_an_offset():
    import json

    from tests.conftest import run_cli

    got = run_cli("-m", "geodata", "geocode", "Shevchenko", "--country", "UA", "--near", "Pokrovsk")
    assert got.returncode == 0, got.stderr
    out = json.loads(got.stdout)
    assert out["admin1_code"] == "UA-14" and abs(out["lat"] - 48.28) < 0.2, out  # the one by Pokrovsk
    half = run_cli("-m", "geodata", "geocode", "Shevchenko", "--near", "Pokrovsk", "--bearing", "N")
    assert half.returncode == 2 and "--distance-km and --bearing together" in half.stderr
