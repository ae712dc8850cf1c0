"""The villages of the front line: held, told apart by raion, 'near' or a point, found by
their former names and other spellings, and never settled by guessing among namesakes."""
from __future__ import annotations

import csv

import pytest
from geopy.distance import geodesic

from geodata.errors import AmbiguousPlace, PlaceNotFound
from geodata.gazetteer import GazetteerGeocoder
from geodata.locate import locate
from geodata.raions import raion_keys, raions


@pytest.fixture(scope="module")
def gc():
    return GazetteerGeocoder()


def test_a_village_of_a_few_hundred_people_is_held_with_its_raion(gc):
    """Pisky (9 people left in the census, fought over since 2014) was not in cities500."""
    p = gc.resolve("Pisky", country="UA", admin1="Donetsk")
    assert p.source == "geonames:9113066" and p.admin2 == "Pokrovsk Raion"
    assert geodesic((p.lat, p.lon), (48.0676, 37.6699)).km < 0.1


def test_a_repeated_village_name_is_refused_with_every_candidate_and_its_raion(gc):
    with pytest.raises(AmbiguousPlace) as exc:
        gc.resolve("Novomykhailivka", country="UA", admin1="Donetsk Oblast")
    cands = exc.value.candidates
    assert len(cands) >= 3 and all(c.admin2 for c in cands)
    assert {c.admin2 for c in cands} >= {"Pokrovsk Raion", "Kalmiuskyi Raion"}
    assert "Pokrovsk Raion" in str(exc.value) and "raion (admin2)" in str(exc.value)


@pytest.mark.parametrize("raion", ["Pokrovsk raion", "Pokrovskyi raion", "Покровський район",
                                   "Marinka raion"])  # the current raion in three spellings, and the former one
def test_the_same_name_settled_by_its_raion_current_or_former(gc, raion):
    p = gc.resolve("Novomykhailivka", country="UA", admin1="Donetsk", admin2=raion)
    assert p.source == "geonames:699458"


def test_a_raion_that_holds_no_such_village_keeps_the_candidates_and_says_so(gc):
    with pytest.raises(AmbiguousPlace) as exc:
        gc.resolve("Novomykhailivka", country="UA", admin1="Donetsk", admin2="Kupiansk raion")
    assert all(c.extra.get("raion_unmatched") == "Kupiansk raion" for c in exc.value.candidates)


def test_the_same_name_settled_by_a_town_it_is_near(gc):
    """The seed's Shevchenko 'about 10 km northwest of Kurakhove' is one of 20 in the oblast."""
    loc = locate({"name": "Shevchenko", "country": "UA", "admin1": "Donetsk", "near": {"place": "Kurakhove"}}, gc)
    assert "geonames:707627" in loc.geocoded_by and loc.geo_precision == 1
    assert geodesic((loc.lat, loc.lon), (48.0192, 37.1519)).km < 0.1


def test_near_finds_a_village_30_km_from_the_town_it_is_named_by(gc):
    """'Lozova near Kupiansk': the village, not the city of Lozova 130 km away, not Kupiansk's area."""
    loc = locate({"name": "Lozova", "country": "UA", "admin1": "Kharkiv", "near": {"place": "Kupiansk"}}, gc)
    assert "geonames:702758" in loc.geocoded_by and loc.uncertainty_km <= 2
    assert any(f.startswith("far-namesakes-ignored") and "702760" in f for f in loc.flags)


def test_a_point_the_source_gives_settles_the_name_and_a_far_one_is_flagged(gc):
    at = {"name": "Shevchenko", "country": "UA", "admin1": "Donetsk", "coordinates": {"lat": 48.0195, "lon": 37.152}}
    loc = locate(at, gc)
    assert (loc.lat, loc.lon) == (48.0195, 37.152) and not loc.flags
    far = locate({**at, "name": "Pisky"}, gc)  # Pisky lies 40 km east of that point
    assert far.flags and far.flags[0].startswith("name-offset-disagreement")


@pytest.mark.parametrize("former, source, date", [
    ("Artemivsk", "geonames:713174", "2016-02-04"),  # Bakhmut
    ("Dzerzhynsk", "geonames:709354", "2016-02-04"),  # Toretsk
    ("Krasnoarmiisk", "geonames:704422", "2016-05-12"),  # Pokrovsk
])
def test_a_former_name_resolves_with_a_note_of_the_renaming(gc, former, source, date):
    loc = locate({"name": former, "country": "UA", "admin1": "Donetsk"}, gc)
    assert loc.geocoded_by.startswith(source)
    assert f"{former} was renamed" in loc.geocoded_by and date in loc.geocoded_by


@pytest.mark.parametrize("spelling, source", [
    ("Kurakhovo", "geonames:695357"),  # the Russian form news agencies still use
    ("Курахово", "geonames:695357"),
    ("Dokuchaevsk", "geonames:709835"),  # -aevsk / -aievsk
    ("Sievierodonetsk", "geonames:691999"),  # ie / e: the 2010 system's spelling of Severodonetsk
])
def test_transliteration_variants_meet(gc, spelling, source):
    admin1 = "Luhansk" if "odonetsk" in spelling else "Donetsk"
    assert gc.resolve(spelling, country="UA", admin1=admin1).source == source


def test_a_russian_spelling_no_alternate_lists_is_read_by_its_consonants_only_inside_the_oblast(gc):
    with pytest.raises(AmbiguousPlace) as exc:  # Trudivske, as UCDP wrote it in 2015; and Trudivskyi
        gc.resolve("Trudovskaya", country="UA", admin1="Donetsk")
    cands = exc.value.candidates
    assert {c.name for c in cands} == {"Trudivske", "Trudivskyi"}
    assert all("same consonants" in c.extra["spelling_variant"] for c in cands)
    # the former raion keeps the one within its reach: UCDP's point for it (47.9439, 37.5478) lies 1 km off
    p = gc.resolve("Trudovskaya", country="UA", admin1="Donetsk", admin2="Marinka raion")
    assert p.name == "Trudivskyi" and geodesic((p.lat, p.lon), (47.9439, 37.5478)).km < 1.5
    with pytest.raises(PlaceNotFound):
        gc.resolve("Trudovskaya", country="UA")  # the loose reading is never made across a country


def test_a_village_is_never_settled_by_size(gc):
    """Lozova the city (54,000) outweighs its namesakes for a bare name; a report's 'village of
    Lozova' never means the city, and its four villages stay four."""
    assert gc.resolve("Lozova", country="UA", admin1="Kharkiv").source == "geonames:702760"
    with pytest.raises(AmbiguousPlace) as exc:
        gc.resolve("Lozova", country="UA", admin1="Kharkiv", kind="village")
    assert "geonames:702760" not in {c.source for c in exc.value.candidates}


def test_a_village_of_known_size_does_not_outweigh_villages_of_unknown_size(gc):
    """GeoNames writes 0 for an unknown population: 1,654 people is not ten times 'unknown'."""
    with pytest.raises(AmbiguousPlace) as exc:
        gc.resolve("Shevchenko", country="UA", admin1="Donetsk", admin2="Pokrovsk raion")
    assert {c.source for c in exc.value.candidates} == {"geonames:694167", "geonames:707625"}


def test_raion_names_meet_across_forms():
    assert "pokrovsk" in raion_keys("Покровського району") | raion_keys("Pokrovskoho raionu")
    assert "bahmut" in raion_keys("Bakhmutskyi raion")
    found = raions().lookup("Kupianskyi raion", "UA.07")
    assert found and not found[0].historical


def test_import_rejects_name_the_candidates_with_their_raions_and_a_raion_column_settles_them(tmp_path):
    from events import datasets

    src = tmp_path / "rows.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "date", "type", "place", "oblast", "raion", "text"])
        w.writerow(["a1", "2024-03-01", "Battles", "Novomykhailivka", "Donetsk", "", "fighting"])
        w.writerow(["a2", "2024-03-02", "Battles", "Novomykhailivka", "Donetsk", "Marinka raion", "fighting"])
    mapping = {"id": "id", "date": "date", "event_type": "type", "location": "place", "admin1": "oblast",
               "admin2": "raion", "notes": "text"}
    m = datasets.import_file("csv", src, "raions", tmp_path / "store", columns=mapping)
    assert m["imported"] == 1 and m["rejected"] == 1
    reason = next((tmp_path / "store").rglob("rejects.csv")).read_text(encoding="utf-8")
    assert "ambiguous" in reason and "Pokrovsk Raion" in reason and "Kalmiuskyi Raion" in reason


def test_a_draft_of_an_ambiguous_village_offers_its_candidates_with_their_raions():
    import datetime as dt

    from events.draft import draft_article

    text = ("Russian forces shelled the village of Novomykhailivka in the Donetsk region on Monday, "
            "the regional governor said. Two people were wounded.")
    drafts = draft_article(text, published=dt.date(2024, 3, 5), outlet="Test Wire")
    offered = [c for d in drafts for c in d.candidates]
    assert offered, "an ambiguous village must come with its candidates"
    assert {c["admin2"] for c in offered} >= {"Pokrovsk Raion", "Kalmiuskyi Raion"}


def test_map_labels_read_every_village_at_local_zoom(tmp_path):
    """The labels come from the same gazetteer: a village of unknown size is in the local tier,
    and zooms 10-12 read that tier with no population floor."""
    import json

    from dashboard.placelabels import ZOOM_MIN_POP, ZOOM_TIER, write_tiles

    write_tiles(tmp_path)
    assert all(ZOOM_TIER[z] == "all" and ZOOM_MIN_POP.get(z, 0) == 0 for z in (10, 11, 12))
    cell = tmp_path / "all" / f"{int(48.0676 // 2)}_{int(37.6699 // 2)}.json"
    names = {row[0] for row in json.loads(cell.read_text(encoding="utf-8"))}
    assert {"Pisky", "Novomykhailivka", "Shevchenko"} <= names


def test_villages_of_russias_border_oblasts_are_held_with_their_district(gc):
    """Sverdlikovo and Plekhovo (Sudzha district, Kursk) were fought over in 2024-2025; cities500
    has neither."""
    p = gc.resolve("Sverdlikovo", country="RU", admin1="Kursk")
    assert p.source.startswith("geonames-postal:RU:") and p.admin2 == "Sudzhanskiy Raion"
    assert geodesic((p.lat, p.lon), (51.2511, 35.1178)).km < 1
    assert gc.resolve("Плехово", country="RU", admin1="Курская область").admin2 == "Sudzhanskiy Raion"


def test_a_postal_point_that_is_a_namesake_elsewhere_is_dropped(tmp_path):
    """GeoNames matches a post office to a toponym by name: Petrovskoye of Kursk district was
    matched to a Petrovskoye in Tula Oblast. Such a point never enters the gazetteer."""
    from geodata.build_settlements import POSTAL_REGIONS, _postal

    rows = [  # country, code, name, region, -, district, -, -, -, lat, lon, accuracy
        ["RU", "305501", "Камыши", "Курская Область", "", "КУРСКИЙ РАЙОН", "", "", "", "51.62", "36.05", "4"],
        ["RU", "305502", "Клюква", "Курская Область", "", "КУРСКИЙ РАЙОН", "", "", "", "51.70", "36.10", "4"],
        ["RU", "305503", "Петровское", "Курская Область", "", "КУРСКИЙ РАЙОН", "", "", "", "53.9375", "36.5311", "4"],
        ["RU", "305504", "Лебяжье", "Курская Область", "", "КУРСКИЙ РАЙОН", "", "", "", "51.68", "36.08", "1"],
    ]
    src = tmp_path / "RU.txt"
    src.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    places, raions = _postal(src, POSTAL_REGIONS)
    assert [p[1] for p in places] == ["Камыши", "Клюква"]  # Tula's Petrovskoye and the estimated point are out
    assert raions[0][4] == "Kurskiy Raion" and raions[0][5] == "Курский район"


def test_a_city_outweighs_the_village_of_its_name_but_not_a_town_that_bore_it(gc):
    """Kyiv the capital over the village of Kyiv (108 people, Mykolaiv Oblast). 'Pervomaisk' alone
    is refused: Pervomaysk of Mykolaiv Oblast bears the name, but Sokolohirsk (36,000, Luhansk
    Oblast) bore it until 2024, and a report of 2015 means that one."""
    kyiv = gc.resolve("Kyiv")
    assert kyiv.source == "geonames:703448" and kyiv.extra["other_candidates"] >= 1
    with pytest.raises(AmbiguousPlace) as exc:
        gc.resolve("Pervomaisk", country="UA")
    assert {"Pervomaysk", "Sokolohirsk"} <= {c.name for c in exc.value.candidates}
    # in Luhansk Oblast three places bore the name; the raion settles it, with the renaming noted
    p = gc.resolve("Pervomaisk", country="UA", admin1="Luhansk", admin2="Alchevskyi raion")
    assert p.name == "Sokolohirsk" and "Pervomaisk" in p.extra["former_name"]
