"""Drafting events from article text: each rule on short texts of our own, and the command line."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from geopy.distance import geodesic

from events.draft import DraftError, draft_article
from tests.conftest import run_cli

SAT = dt.date(2025, 1, 11)  # a Saturday


def drafts(text: str, published: dt.date = SAT, **kw):
    return draft_article(text, published=published, outlet="Test Outlet", **kw)


def one(text: str, published: dt.date = SAT):
    got = drafts(text, published)
    assert len(got) == 1, [d.record for d in got]
    return got[0]


def test_weekday_is_the_latest_one_not_after_publication_and_the_statement_date_is_kept_apart():
    d = one("Regional governor Ivan Fedorov said on Saturday that a Russian drone hit a car in the village of "
            "Prymorske in the Zaporizhzhia region on Thursday, killing a 47-year-old woman.")
    assert d.record["date"] == "2025-01-09"
    assert d.record["date_precision"] == "day"
    assert "Thursday" in d.why["date"]["words"]


def test_last_night_yesterday_and_the_night_of_a_date():
    d = one("Russian drones struck an apartment block in Kharkiv last night, the mayor said.")
    assert (d.record["date"], d.record["end_date"]) == ("2025-01-10", "2025-01-11")
    d = one("A missile hit a warehouse in Odesa yesterday, the regional governor said.")
    assert d.record["date"] == "2025-01-10" and "end_date" not in d.record
    d = one("On the night of 11 November, Shahed drones struck the port of Izmail in the Odesa region, "
            "the governor said.", published=dt.date(2024, 11, 12))
    assert (d.record["date"], d.record["end_date"]) == ("2024-11-10", "2024-11-11")


def test_last_week_is_a_week_span_and_a_month_without_a_day_has_month_precision():
    d = one("Last week Russian artillery shelled the town of Huliaipole in the Zaporizhzhia region, "
            "local officials said.")
    assert d.record["date_precision"] == "week"
    assert (d.record["date"], d.record["end_date"]) == ("2024-12-30", "2025-01-05")
    d = one("In December, Ukrainian drones struck an oil depot in the town of Kotovsk in the Tambov region, "
            "Russian officials said.")
    assert d.record["date_precision"] == "month"
    assert d.record["date"].startswith("2024-12")


@pytest.mark.parametrize("sentence, event_type, sub", [
    ("Russian forces captured the village of Velyka Novosilka in the Donetsk region on Friday, the Russian "
     "Defence Ministry said.", "Battles", "Non-state actor overtakes territory"),
    ("Ukrainian troops recaptured the village of Pishchane in the Kharkiv region on Friday, Ukraine's General "
     "Staff said.", "Battles", "Government regains territory"),
    ("A Russian glide bomb hit a school in Kostiantynivka in the Donetsk region on Friday, the governor said.",
     "Explosions/Remote violence", "Air/drone strike"),
    ("Ukrainian HIMARS struck a command post near Oleshky in the Kherson region on Friday, Ukraine's army said.",
     "Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Air defences shot down 20 drones over the Kursk region on Friday, the Russian Defence Ministry said.",
     "Strategic developments", "Disrupted weapons use"),
])
def test_acled_type_from_what_happened(sentence, event_type, sub):
    d = one(sentence)
    assert (d.record["event_type"], d.record["sub_event_type"]) == (event_type, sub)


def test_casualties_number_words_several_and_unknown_stays_null():
    d = one("At least five people were killed and several others injured when a Russian missile hit the city of "
            "Zaporizhzhia on Friday, the governor said.")
    assert (d.record["fatalities"], d.record["injured"]) == (5, 3)
    d = one("A Russian missile struck the city of Dnipro on Friday, the regional governor said.")
    assert d.record["fatalities"] is None and d.record["injured"] is None


def test_claimed_when_not_verified_disputed_when_the_other_side_contradicts():
    d = one("Russia's Defence Ministry said on Saturday that its forces had captured the village of Velyka "
            "Novosilka in the Donetsk region. Ukraine has not confirmed the loss of Velyka Novosilka.")
    assert d.record["claim"]["status"] == "claimed"
    assert "Defence Ministry" in d.record["claim"]["by"]
    d = one("Russia's Defence Ministry said on Tuesday that its forces had captured the village of Pishchane in "
            "the Kharkiv region. Ukraine's General Staff denied the claim, saying Pishchane remained under "
            "Ukrainian control.")
    assert d.record["claim"]["status"] == "disputed"
    d = one("A Russian drone hit a bus in the city of Kherson on Friday, killing two people, the regional governor "
            "said.")
    assert d.record["claim"]["status"] == "reported"
    assert "governor" in d.record["claim"]["by"]


def test_background_and_running_totals_are_not_candidates():
    assert drafts("Russia launched its full-scale invasion in February 2022 and captured the city of Kherson in "
                  "March 2022.") == []
    assert drafts("More than 1,000 North Korean soldiers have been killed or wounded in the Kursk region, the "
                  "Pentagon said on Friday.") == []
    assert drafts("Russia is moving close to taking the city of Pokrovsk.") == []


def test_two_sentences_about_one_place_and_date_become_one_candidate_with_a_verbatim_quote():
    text = ("A Russian drone hit a car in the village of Prymorske in the Zaporizhzhia region on Friday, killing a "
            "woman, the governor said. The wounded included two men. Two women were also injured.")
    d = one(text)
    assert (d.record["fatalities"], d.record["injured"]) == (1, 4)
    assert d.record["sources"][0]["quote"] == text  # adjacent sentences, verbatim
    assert all(text[a:b] in text for a, b in d.spans)


def test_a_place_the_text_does_not_settle_is_left_ambiguous_with_its_candidates():
    d = one("A Russian drone hit a car in the village of Prymorske on Friday, the police said.")
    assert "lat" not in d.as_json()
    assert len(d.candidates) >= 2
    assert {c["admin1"] for c in d.candidates} >= {"Zaporizhzhia Oblast", "Donetsk Oblast"}


def test_a_village_near_a_town_is_never_placed_on_a_far_namesake():
    from geodata.gazetteer import GazetteerGeocoder

    pokrovsk = GazetteerGeocoder().resolve("Pokrovsk", country="UA", admin1="Donetsk Oblast")
    d = one("Russian forces captured Shevchenko, a village near Pokrovsk in the Donetsk region, the Russian Defence "
            "Ministry said on Friday.")
    j = d.as_json()
    assert "lat" in j
    km = geodesic((pokrovsk.lat, pokrovsk.lon), (j["lat"], j["lon"])).km
    assert km <= 15 + j["uncertainty_km"], km


def test_region_level_mentions_are_region_level():
    d = one("Ukraine said on Saturday that its forces captured two wounded North Korean soldiers in Russia's "
            "Kursk region.")
    j = d.as_json()
    assert j["geo_precision"] == 3 and j["admin1_code"] == "RU-KRS"
    assert (d.record["event_type"], d.record["sub_event_type"]) == ("Battles", "Armed clash")
    assert d.record["injured"] == 2


def test_every_draft_is_a_valid_record_marked_draft():
    from events.schema import Event

    text = ("Russian forces captured the village of Velyka Novosilka in the Donetsk region on Friday, the Russian "
            "Defence Ministry said. A Russian drone hit a car in the city of Kherson on Thursday, killing a man.")
    got = drafts(text, url="https://example.org/a")
    assert len(got) == 2
    for d in got:
        assert d.record["review"] == "draft"
        Event.model_validate(d.record)
        assert set(d.why) >= {"date", "type", "place", "fatalities", "injured", "claim"}


@pytest.mark.parametrize("text, message", [("", "empty"), ("x" * 200_001, "limit"), ("a\x00b", "NUL")])
def test_bad_text_is_refused_with_a_clear_message(text, message):
    with pytest.raises(DraftError, match=message):
        drafts(text)


def test_cli_json_and_yaml_out(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("A Russian glide bomb hit a school in Kostiantynivka in the Donetsk region on Friday, "
                       "killing two people, the governor said.", encoding="utf-8")
    r = run_cli("-m", "events", "draft", str(article), "--published", "2025-01-11", "--outlet", "Test", "--format", "json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got[0]["review"] == "draft" and got[0]["fatalities"] == 2 and "why" in got[0] and "lat" in got[0]
    out = tmp_path / "drafts"
    r = run_cli("-m", "events", "draft", str(article), "--published", "2025-01-11", "--outlet", "Test", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert len(list(out.glob("*.yaml"))) == 1
    r = run_cli("-m", "events", "validate", env={"EVENTS_CATALOG": str(out)})
    assert r.returncode == 0, r.stdout + r.stderr


def test_cli_refuses_a_binary_file_naming_it(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    r = run_cli("-m", "events", "draft", str(bad), "--published", "2025-01-11", "--outlet", "Test")
    assert r.returncode == 1
    assert "bad.txt" in r.stderr and "Traceback" not in r.stderr


def test_article_text_is_escaped_when_highlighted():
    from dashboard.curate import highlighted

    text = "<script>alert(1)</script> A drone hit Kherson."
    a = text.index("A drone")
    out = highlighted(text, [(a, len(text))])
    assert "<script>" not in out and "&lt;script&gt;" in out and "<mark>A drone hit Kherson.</mark>" in out


# --- the kinds of error issue 31 lists, in the words its reports use ---------------------------------------

def _drafts(text: str, published: dt.date):
    return [d.record for d in draft_article("Attacks\n\n" + text, published=published, outlet="Test Wire")]


def test_a_holiday_is_its_day_and_an_opening_date_before_an_attack_dates_the_attack():
    (rec,) = _drafts("On New Year's Eve, a drone hit a house in Kharkiv, injuring two people, Governor Oleh "
                     "Syniehubov said.", dt.date(2025, 1, 2))
    assert (rec["date"], rec.get("end_date")) == ("2024-12-31", None) and rec["injured"] == 2
    (rec,) = _drafts("A Russian missile strike on Kharkiv on Christmas Day injured six people.", dt.date(2024, 12, 26))
    assert rec["date"] == "2024-12-25"


def test_the_day_before_counts_from_the_day_spoken_of_and_makes_an_incident_of_its_own():
    recs = _drafts("On Sunday, a Russian drone attack on Sumy injured 8. The day before, 3 people were killed in "
                   "Sumy.", dt.date(2025, 2, 3))
    assert sorted((r["date"], r["fatalities"], r["injured"]) for r in recs) == [
        ("2025-02-01", 3, None), ("2025-02-02", None, 8)]


def test_a_second_strike_later_that_day_in_the_same_city_is_its_own_incident():
    recs = _drafts("Russian forces struck a supermarket in Kharkiv on Sunday morning, injuring five people, Mayor Ihor "
                   "Terekhov said. Later that day, a missile hit a forest on the city's outskirts, injuring two more "
                   "people, he added.", dt.date(2025, 2, 3))
    assert sorted((r["date"], r["location"]["name"], r["injured"], r["claim"]["by"]) for r in recs) == [
        ("2025-02-02", "Kharkiv", 2, "Mayor Ihor Terekhov"), ("2025-02-02", "Kharkiv", 5, "Mayor Ihor Terekhov")]


def test_a_toll_that_rises_is_the_same_incident():
    recs = _drafts("A Russian drone hit a house in Kharkiv on Sunday, killing two people. Later, the death toll rose "
                   "to three, the mayor said.", dt.date(2025, 2, 3))
    assert len(recs) == 1


def test_two_places_in_one_sentence_with_their_own_tolls_are_two_incidents():
    recs = _drafts("Russian shelling of the city of Zaporizhzhia killed a man, and in the Kherson region four people "
                   "were injured, officials said.", dt.date(2025, 2, 3))
    got = {r["location"]["name"]: (r["fatalities"], r["injured"]) for r in recs}
    assert got["Zaporizhzhia"][0] == 1 and got["Kherson Oblast"][1] == 4 and len(got) == 2
