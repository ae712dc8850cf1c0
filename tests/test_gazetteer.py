"""The traps: namesakes, renamed towns, scripts and spellings; never a silent pick."""
from __future__ import annotations

import csv
import json

import pytest
from geopy.distance import geodesic

from geodata.errors import AmbiguousPlace, PlaceNotFound
from geodata.gazetteer import GazetteerGeocoder
from geodata.locate import locate
from geodata.regions import CODES_CSV, resolve_region
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def gc():
    return GazetteerGeocoder()


def test_kotovsk_without_a_region_is_ambiguous_across_three_countries(gc):
    with pytest.raises(AmbiguousPlace) as exc:
        gc.geocode("Kotovsk")
    countries = sorted(c.country for c in exc.value.candidates)
    assert countries == ["MD", "RU", "UA"]


@pytest.mark.parametrize("kwargs, source, country", [
    ({"admin1": "Tambov"}, "geonames:543605", "RU"),
    ({"admin1": "Тамбовская область"}, "geonames:543605", "RU"),
    ({"country": "RU"}, "geonames:543605", "RU"),
    ({"country": "UA"}, "geonames:704679", "UA"),  # Podilsk, Kotovsk until 2016
    ({"country": "MD"}, "geonames:617993", "MD"),  # Hîncești
])
def test_kotovsk_with_its_region_or_country(gc, kwargs, source, country):
    loc = gc.geocode("Kotovsk", **kwargs)
    assert loc.raw["source"] == source and loc.raw["country"] == country


@pytest.mark.parametrize("admin1, admin2, source, lat", [
    ("Zaporizhzhia Oblast", None, "geonames:696278", 47.6449),  # the only one in its oblast
    ("Donetsk", "Kalmiuskyi raion", "geonames:696279", 47.31476),  # two in Donetsk Oblast
    ("Kherson Oblast", "Henicheskyi raion", "geonames:705220", 46.2638),  # four in Kherson Oblast
])
def test_each_prymorske_by_its_oblast_and_where_it_repeats_by_its_raion(gc, admin1, admin2, source, lat):
    loc = gc.geocode("Prymorske", country="UA", admin1=admin1, admin2=admin2)
    assert loc.raw["source"] == source and loc.latitude == pytest.approx(lat, abs=1e-3)
    if admin2 is None:
        return
    with pytest.raises(AmbiguousPlace) as exc:  # without the raion: refused, every namesake listed with its raion
        gc.geocode("Prymorske", country="UA", admin1=admin1)
    assert source in {c.source for c in exc.value.candidates}
    assert all(c.admin2 for c in exc.value.candidates) and "Raion" in str(exc.value)


def test_a_big_city_that_once_bore_the_name_does_not_outweigh_the_town_that_bears_it_now(gc):
    """Oleksandrivsk is a town in Luhansk Oblast today, and Zaporizhzhia's name until 1921: the
    city is 100 times larger, and picking it by size put the town 313 km off, silently."""
    with pytest.raises(AmbiguousPlace) as exc:
        gc.geocode("Oleksandrivsk", country="UA")
    assert {c.admin1_code for c in exc.value.candidates} >= {"UA-09", "UA-23"}
    loc = gc.geocode("Oleksandrivsk", country="UA", admin1="Luhansk")
    assert loc.raw["admin1_code"] == "UA-09"
    assert geodesic((loc.latitude, loc.longitude), (48.587, 39.184)).km < 3  # UCDP's point for the town


def test_the_prymorske_of_odesa_oblast_stay_ambiguous(gc):
    with pytest.raises(AmbiguousPlace) as exc:
        gc.geocode("Prymorske", country="UA", admin1="Odesa Oblast")
    assert len(exc.value.candidates) >= 2


def test_shevchenko_in_donetsk_oblast_is_ambiguous_with_every_candidate_listed(gc):
    with pytest.raises(AmbiguousPlace) as exc:
        gc.geocode("Shevchenko", country="UA", admin1="Donetsk Oblast")
    assert {c.source for c in exc.value.candidates} >= {"geonames:694167", "geonames:707625"}
    assert all(c.admin1_code == "UA-14" for c in exc.value.candidates)
    assert "geonames:694167" in str(exc.value)


@pytest.mark.parametrize("name", ["Krasnoarmiisk", "Krasnoarmeysk", "Красноармейск", "Красноармійськ"])
def test_pokrovsk_by_its_old_name(gc, name):
    loc = gc.geocode(name, country="UA")
    assert loc.raw["source"] == "geonames:704422" and loc.raw["name"] == "Pokrovsk"


@pytest.mark.parametrize("name", ["Kurakhove", "Kurakhovo", "Курахове", "Курахово", "KURAKHOVE", "kurahove"])
def test_kurakhove_in_any_script_or_spelling(gc, name):
    assert gc.geocode(name).raw["source"] == "geonames:695357"


@pytest.mark.parametrize("name", ["Pokrovs'k", "Pokrovs’k", "Покровськ", "Покровск", "pokrovsk"])
def test_apostrophes_case_and_cyrillic_for_pokrovsk(gc, name):
    assert gc.geocode(name, country="UA", admin1="Donetsk Oblast").raw["source"] == "geonames:704422"


def test_unknown_place_and_wrong_oblast_say_where_the_name_does_exist(gc):
    with pytest.raises(PlaceNotFound):
        gc.geocode("Qwertyuiopville")
    with pytest.raises(PlaceNotFound, match="elsewhere: .*Kotovsk"):
        gc.geocode("Kotovsk", country="RU", admin1="Kursk")


def test_dominant_place_is_taken_and_says_how_many_it_passed_over(gc):
    loc = gc.geocode("Moscow")
    assert loc.raw["source"] == "geonames:524901" and loc.raw["other_candidates"] >= 1


def test_is_a_real_geopy_geocoder_usable_with_rate_limiter_and_geopandas(gc):
    import geopandas.tools
    from geopy.extra.rate_limiter import RateLimiter

    limited = RateLimiter(gc.geocode, min_delay_seconds=0)
    assert limited("Kurakhove").raw["admin1_code"] == "UA-14"
    gdf = geopandas.tools.geocode(["Kurakhove", "Pokrovsk, Donetsk"], provider=GazetteerGeocoder)
    assert gdf.geometry.iloc[0].y == pytest.approx(47.9847)
    all_three = gc.geocode("Kotovsk", exactly_one=False)
    assert len(all_three) == 3


def test_relative_place_is_the_geodesic_point_at_distance_and_bearing(gc):
    loc = locate({"name": "Shevchenko", "country": "UA", "admin1": "Donetsk",
                  "near": {"place": "Kurakhove", "distance_km": 10, "bearing": "NW"}}, gc)
    kurakhove = (47.9847, 37.28069)
    assert geodesic(kurakhove, (loc.lat, loc.lon)).km == pytest.approx(10, abs=0.001)
    from geodata.locate import _initial_bearing

    assert _initial_bearing(kurakhove, (loc.lat, loc.lon)) == pytest.approx(315, abs=0.2)
    assert loc.geo_precision == 2
    # 'about' 10 km in a 45-degree sector: several km, not a pin
    assert 4 < loc.uncertainty_km < 10
    # the village itself (geonames:707627) lies 4 km from the wording's point: they agree
    assert not loc.flags


def test_relative_place_whose_name_the_gazetteer_confirms_is_not_flagged(gc):
    kur = gc.geocode("Kurakhove")
    pok = gc.geocode("Pokrovsk", country="UA")
    d = geodesic((kur.latitude, kur.longitude), (pok.latitude, pok.longitude)).km
    loc = locate({"name": "Pokrovsk", "country": "UA",
                  "near": {"place": "Kurakhove", "distance_km": round(d), "bearing": "NNW"}}, gc)
    assert loc.flags == []


def test_region_level_place_is_inside_its_polygon_with_an_uncertainty_covering_it(gc):
    import shapely

    from geodata.boundaries import region_geometry

    loc = locate({"name": "the Kursk region", "country": "RU"}, gc)
    assert loc.geo_precision == 3 and loc.admin1_code == "RU-KRS"
    geom = region_geometry("RU-KRS")
    assert geom.contains(shapely.Point(loc.lon, loc.lat))
    far = max(geodesic((loc.lat, loc.lon), (y, x)).km for x, y in shapely.get_coordinates(geom)[::50])
    assert loc.uncertainty_km >= far


def test_gazetteer_point_outside_its_stated_oblast_is_flagged():
    from geodata.locate import LocationMismatch

    with pytest.raises(LocationMismatch, match="not in the stated admin1"):
        locate({"name": "x", "country": "UA", "admin1": "Kharkiv", "coordinates": {"lat": 47.98, "lon": 37.28}})


def test_every_spelling_in_the_code_table_resolves_to_its_iso_code():
    rows = list(csv.DictReader(CODES_CSV.open(encoding="utf-8")))
    names_en = {r["name_en"] for r in rows}
    checked = 0
    for r in rows:
        code = r["iso_3166_2"]
        spellings = [code, r["gn_a1_code"], r["name_en"], r["iso_3166_2_name"]]
        spellings += [r["gn_a1_name"]] if r["gn_a1_name"] not in names_en else []
        for alias in r["aliases"].split(";"):
            alias = alias.split("(")[0].strip()
            if alias and alias not in names_en:
                spellings.append(alias)
        for s in spellings:
            assert resolve_region(s).region.code == code, s
            checked += 1
    assert checked > 400


def test_contested_names_map_to_the_ukrainian_code_and_say_so():
    m = resolve_region("Donetsk People's Republic")
    assert m.region.code == "UA-14" and m.contested_name == "Donetsk People's Republic"
    assert resolve_region("Республика Крым").region.code == "UA-43"
    assert resolve_region("LNR").region.code == "UA-09"


def test_cli_exit_codes_and_json():
    ok = run_cli("-m", "geodata", "geocode", "Kotovsk", "--admin1", "Tambov", "--all")
    assert ok.returncode == 0
    out = json.loads(ok.stdout)
    assert out["source"] == "geonames:543605" and out["admin1_code"] == "RU-TAM"
    assert {"name", "lat", "lon", "country", "admin1", "geo_precision", "uncertainty_km", "candidates"} <= set(out)
    amb = run_cli("-m", "geodata", "geocode", "Kotovsk")
    assert amb.returncode == 3 and len(json.loads(amb.stdout)["candidates"]) == 3
    unk = run_cli("-m", "geodata", "geocode", "Qwertyuiopville")
    assert unk.returncode == 2 and "no place called" in unk.stderr and "Traceback" not in unk.stderr
    near = run_cli("-m", "geodata", "geocode", "Shevchenko", "--country", "UA", "--near", "Kurakhove",
                   "--distance-km", "10", "--bearing", "NW")
    assert near.returncode == 0 and json.loads(near.stdout)["geo_precision"] == 2
    reg = run_cli("-m", "geodata", "region", "Donetska oblast")
    assert json.loads(reg.stdout)["code"] == "UA-14"
