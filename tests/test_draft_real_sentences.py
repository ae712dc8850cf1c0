"""Drafting on real sentences from the development yardstick (benchmarks/draft_yardstick.csv):
short quotations of the reports, each credited to its outlet, one per kind of error fixed."""
from __future__ import annotations

import datetime as dt

import pytest

from events.draft import draft_article


def only(text: str, published: str, outlet: str):
    drafts = draft_article(text, published=dt.date.fromisoformat(published), outlet=outlet)
    assert len(drafts) == 1, [d.record["id"] for d in drafts]
    return drafts[0].record, drafts[0].why


def test_a_bare_number_after_the_verb_is_a_count():
    # The Kyiv Independent, 23 Jan 2025 (kyivindependent.com/attacks-120)
    rec, why = only("A Russian airstrike against the city of Kostiantynivka in Donetsk Oblast killed one civilian and "
                    "injured eight, Governor Vadym Filashkin reported.", "2025-01-23", "The Kyiv Independent")
    assert (rec["fatalities"], rec["injured"]) == (1, 8)
    assert "injured eight" in why["injured"]["words"]


def test_injuries_with_no_death_named_are_acleds_zero_fatalities():
    # LIGA.net, 25 Nov 2024
    rec, why = only("A Russian missile struck the center of Kharkiv on Monday morning, injuring 19 people and causing "
                    "a fire in the city’s Kyivskyi district, local officials reported.", "2024-11-25", "LIGA.net")
    assert (rec["fatalities"], rec["injured"]) == (0, 19)
    assert "names no death" in why["fatalities"]["how"]


def test_no_injuries_reported_is_zero_not_unknown():
    # Al Jazeera, 25 Feb 2025 (key events, day 1,097)
    rec, why = only("The Russian governor for the Krasnodar region, Veniamin Kondratyev, said Ukraine launched an "
                    "overnight drone attack, damaging infrastructure including the Black Sea port of Tuapse. "
                    "No injuries were reported.", "2025-02-25", "Al Jazeera")
    assert (rec["fatalities"], rec["injured"]) == (0, 0)
    assert why["injured"]["words"].lower().startswith("no injuries")


@pytest.mark.parametrize("text", [
    # The Kyiv Independent, 1 Dec 2024: a capture claim carries no casualty words: unknown stays unknown
    "Russia's Defense Ministry claimed on Dec. 1 that its forces had captured the village of Dalne in Donetsk Oblast.",
])
def test_a_report_without_casualty_words_leaves_them_unknown(text):
    rec, _ = only(text, "2024-12-01", "The Kyiv Independent")
    assert rec["fatalities"] is None and rec["injured"] is None


def test_the_speaker_after_the_verb_is_the_claimant():
    # Al Jazeera, 23 Feb 2025 (key events)
    rec, why = only("Three people were injured when a private house caught fire after a drone attack on the Odesa "
                    "region, said Oleh Kiper, governor of the region on Ukraine’s Black Sea.", "2025-02-23", "Al Jazeera")
    assert rec["claim"]["by"] == "Oleh Kiper" and rec["claim"]["status"] == "reported"
    assert (rec["fatalities"], rec["injured"]) == (0, 3)


def test_a_date_written_short_and_a_sea_are_not_places():
    # The Kyiv Independent, 23 Jan 2025 (kyivindependent.com/attacks-120)
    drafts = draft_article("Russian attacks across Ukraine killed at least two people and injured at least 46 over the past "
                           "day, including an infant, regional authorities reported on Jan. 23.",
                           published=dt.date(2025, 1, 23), outlet="The Kyiv Independent")
    assert all(d.record["location"]["name"] != "Jan" for d in drafts)
    # Al Jazeera, 7 Feb 2025 (key events)
    rec, _ = only("Ukraine’s military said Kyiv’s forces struck an airfield overnight in Russia’s Krasnodar region, "
                  "which sits on the Black Sea and Sea of Azov, resulting in explosions.", "2025-02-07", "Al Jazeera")
    assert rec["location"]["name"] != "Azov" and rec["location"].get("admin1", "").startswith("Krasnodar")


def test_suffered_injuries_is_a_count():
    # The Kyiv Independent, 20 Nov 2024
    rec, why = only("In Kharkiv Oblast, two women, aged 47 and 59, suffered injuries due to the shelling of the town of "
                    "Kupiansk.", "2024-11-20", "The Kyiv Independent")
    assert (rec["fatalities"], rec["injured"]) == (0, 2) and rec["location"]["name"] == "Kupiansk"


def test_the_speaker_named_at_the_end_of_the_paragraph_speaks_for_its_first_sentence():
    # The Kyiv Independent, 20 Nov 2024
    rec, why = only("Russia launched an attack against the Kyivskyi district of Kharkiv, injuring nine men. The youngest "
                    "of the victims is 18-years-old. He was hospitalized in serious condition, while four others have "
                    "also been hospitalized and are in a condition of moderate severity, Governor Oleh Syniehubov "
                    "reported", "2024-11-20", "The Kyiv Independent")
    assert rec["claim"]["by"] == "Governor Oleh Syniehubov"
    assert "later in the same paragraph" in why["claim"]["how"]


def test_a_city_outside_the_region_named_before_is_that_city():
    # Al Jazeera, 23 Feb 2025 (key events): Kyiv right after a sentence on the Odesa region
    drafts = draft_article("Three people were injured when a private house caught fire after a drone attack on the Odesa "
                           "region, said Oleh Kiper, governor of the region on Ukraine’s Black Sea. Multiple drone "
                           "attacks on Kyiv damaged several residential houses and cars, but there were no immediate "
                           "reports of injuries, Mayor Vitali Klitschko said.",
                           published=dt.date(2025, 2, 23), outlet="Al Jazeera")
    kyiv = [d for d in drafts if d.record["location"]["name"] == "Kyiv"]
    assert len(kyiv) == 1 and kyiv[0].derived is not None
    assert abs(kyiv[0].derived["lat"] - 50.45) < 0.1 and kyiv[0].record["claim"]["by"] == "Mayor Vitali Klitschko"


def test_the_district_of_a_city_places_the_incident_in_the_city():
    # The Kyiv Independent, 20 Nov 2024
    rec, _ = only("Russia launched an attack against the Kyivskyi district of Kharkiv, injuring nine men.", "2024-11-20",
                  "The Kyiv Independent")
    assert rec["location"]["name"] == "Kharkiv" and (rec["fatalities"], rec["injured"]) == (0, 9)


def test_another_fifteen_and_killed_one_in_are_counts():
    from events.draft.what import counts

    # The Kyiv Independent, 1 Dec 2024
    got = counts("As a result of the attacks, two people were killed, and another 15 were injured, Governor Oleksandr "
                 "Prokudin reported.")
    assert [c.value for c in got["killed"]] == [2] and [c.value for c in got["injured"]] == [15]
    # Al Jazeera, 26 Dec 2024 (key events)
    got = counts("The Russian attack wounded at least six people in the northeastern city of Kharkiv and killed one in "
                 "the region of Dnipropetrovsk, the governors there said.")
    assert [c.value for c in got["killed"]] == [1] and [c.value for c in got["injured"]] == [6]


def test_no_immediate_reports_of_injuries_is_zero():
    # Al Jazeera, 23 Feb 2025 (key events)
    rec, _ = only("Multiple drone attacks on Kyiv damaged several residential houses and cars, but there were no "
                  "immediate reports of injuries, Mayor Vitali Klitschko said on Telegram.", "2025-02-23", "Al Jazeera")
    assert (rec["fatalities"], rec["injured"]) == (0, 0)


def test_a_dates_day_is_not_a_count_and_an_age_names_people():
    # The Kyiv Independent, 3 Feb 2025: '3' is the day of 'Feb. 3'; 'two 18-year-olds' were killed
    rec, why = only("A Russian drone strike on Zaporizhzhia on Feb. 3 killed two 18-year-olds and injured at least "
                    "eight others, including three children, regional authorities said.", "2025-02-03",
                    "The Kyiv Independent")
    assert (rec["fatalities"], rec["injured"]) == (2, 8)
    assert "two 18-year-olds" in why["fatalities"]["words"]


@pytest.mark.parametrize("words, value", [("Twenty-one", 21), ("Fourteen", 14), ("Thirty five", 35)])
def test_number_words_past_twenty_are_read_whole(words, value):
    # The Kyiv Independent, 23 Jan 2025, with its count written in words as other outlets write them
    rec, _ = only(f"Russia launched drones and missiles against the city of Zaporizhzhia overnight, killing a "
                  f"47-year-old man. {words} people were injured, Governor Ivan Fedorov reported.", "2025-01-23",
                  "The Kyiv Independent")
    assert (rec["fatalities"], rec["injured"]) == (1, value)


def test_a_state_speaking_of_strikes_is_a_claim_and_an_adverb_is_not_its_name():
    # Al Jazeera, 26 Dec 2024 (key events, day 1,036)
    drafts = draft_article("Russia meanwhile said five people were killed by Ukrainian missile strikes and from a "
                           "falling drone in the border region of Kursk and North Ossetia in the Caucasus.",
                           published=dt.date(2024, 12, 26), outlet="Al Jazeera")
    assert drafts and all(d.record["claim"]["by"] == "Russia" for d in drafts)
    assert all(d.record["claim"]["status"] == "claimed" for d in drafts)


def test_a_militarys_own_strike_is_claimed():
    # Al Jazeera, 7 Feb 2025 (key events)
    rec, why = only("Ukraine’s military said Kyiv’s forces struck an airfield overnight in Russia’s Krasnodar region, "
                    "which sits on the Black Sea and Sea of Azov, resulting in explosions and a fire.", "2025-02-07",
                    "Al Jazeera")
    assert rec["claim"]["status"] == "claimed" and "military" in rec["claim"]["by"]
    assert "party to the war" in why["claim"]["how"]


def test_the_source_an_outlet_cites_is_the_claimant():
    # Al Jazeera, 26 Feb 2025 (key events): DPA passes on what the governor said
    rec, _ = only("At least one person was killed and 13 more were injured by Russian shelling in the eastern "
                  "Ukrainian city of Kramatorsk, German news agency Deutsche Presse-Agentur (DPA) reported, citing "
                  "the governor of the Donetsk region.", "2025-02-26", "Al Jazeera")
    assert rec["claim"]["by"].lower().startswith("governor of the donetsk region")


def test_a_named_speaker_after_a_title_and_before_a_reported_clause():
    # Al Jazeera, 23 and 25 Feb 2025 (key events)
    rec, _ = only("A 53-year-old woman was also injured and several residential houses damaged in an attack on the "
                  "southeastern region of Zaporizhia, said regional Governor Ivan Fedorov on the Telegram messaging "
                  "app.", "2025-02-23", "Al Jazeera")
    assert "Ivan Fedorov" in rec["claim"]["by"]
    rec, _ = only("The Russian governor for the Krasnodar region, Veniamin Kondratyev, said Ukraine launched an "
                  "overnight drone attack, damaging infrastructure including the Black Sea port of Tuapse. "
                  "No injuries were reported.", "2025-02-25", "Al Jazeera")
    assert rec["claim"]["by"] == "Veniamin Kondratyev"


def test_both_sides_blaming_each_other_is_disputed():
    # Al Jazeera, 2 Feb 2025 (key events)
    rec, _ = only("Ukraine and Russia traded blame for a deadly missile attack that killed at least four people in "
                  "the dormitory of a boarding school situated in a part of Russia’s Kursk region held by Ukrainian "
                  "forces.", "2025-02-02", "Al Jazeera")
    assert rec["claim"]["status"] == "disputed"


def test_a_sentences_first_word_does_not_hide_the_place():
    # The Kyiv Independent, 1 Dec 2024: 'In Kherson' is the cue and the city, not one name
    drafts = draft_article("Russian attacks kill 11\n\nIn Kherson, the Russian military attacked a public transport "
                           "vehicle with a drone at around 8 a.m. local time on Dec. 1, killing at least three people "
                           "and injuring at least seven.", published=dt.date(2024, 12, 1), outlet="The Kyiv Independent")
    assert len(drafts) == 1
    rec = drafts[0].record
    assert rec["location"]["name"] == "Kherson" and (rec["fatalities"], rec["injured"]) == (3, 7)


def test_a_community_is_placed_at_its_seat():
    # UNN, 24 Feb 2025: hromadas are named for their seat ('Lebedynska' is Lebedyn's)
    drafts = draft_article("Sumy region\n\nA missile attack was also launched against Lebedynska community, damaging a "
                           "house and an outbuilding.", published=dt.date(2025, 2, 24), outlet="UNN")
    assert [d.record["location"]["name"] for d in drafts] == ["Lebedyn"]


def test_places_joined_by_and_after_a_settlement_word_are_each_an_incident():
    # AFP via UrduPoint, 11 Dec 2024
    drafts = draft_article("Russia says recaptured two Kursk villages\n\nRussian army units \"liberated the settlements "
                           "of Darino and Plyokhovo during the course of offensive operations\", the Russian defence "
                           "ministry said.", published=dt.date(2024, 12, 11), outlet="AFP")
    assert sorted(d.record["location"]["name"] for d in drafts) == ["Darino", "Plyokhovo"]
    assert all(d.record["claim"]["status"] == "claimed" for d in drafts)


def test_the_ukrainian_capital_is_kyiv():
    # Al Jazeera, 25 Feb 2025 (key events)
    rec, _ = only("Key events\n\nKyiv’s Regional Governor Mykola Kalashnyk said Russian attacks injured a 19-year-old "
                  "woman and set a residential house on fire in the Ukrainian capital.", "2025-02-25", "Al Jazeera")
    assert rec["location"]["name"] == "Kyiv" and rec["injured"] == 1


def _all(text: str, published: str, outlet: str):
    return [d.record for d in draft_article(text, published=dt.date.fromisoformat(published), outlet=outlet)]


def test_a_countrywide_total_and_a_nights_launches_lend_no_toll_to_an_incident():
    # The Kyiv Independent, 1 Dec 2024
    recs = _all("Russian attacks across Ukraine kill 11, injure 51 over past day\n\n"
                "Russian strikes against Ukraine killed at least 11 civilians and injured at least 51 over the past "
                "day, regional authorities reported on Dec. 1. Russia launched 78 drones against Ukraine overnight on "
                "Dec. 1 from the Russian cities of Kursk, Orel, and Bryansk, according to a report from Ukraine's Air "
                "Force. Ukrainian anti-aircraft missile units, electronic warfare units, and mobile firing groups shot "
                "down 32 drones in Kyiv, Chernihiv, Cherkasy, Sumy, Poltava, and Zhytomyr oblasts. Forty-five drones "
                "were lost allegedly due to electronic warfare countermeasures.\n\n"
                "Russia attacked the Dniprovskyi district of Dnipropetrovsk Oblast on the evening of Nov. 30, killing "
                "four people and injuring at least 24 others. President Volodymyr Zelensky said that Russia targeted "
                "the village of Tsarychanka with a missile strike.", "2024-12-01", "The Kyiv Independent")
    assert [(r["location"]["name"], r["fatalities"], r["injured"]) for r in recs] == [("Tsarychanka", 4, 24)]


def test_a_region_wide_toll_and_a_region_including_its_city_are_incidents_of_the_region():
    # The Kyiv Independent, 1 Dec 2024
    recs = _all("Russian attacks\n\nIn Kherson Oblast, Russia targeted 14 settlements, including the regional center "
                "of Kherson, overnight on Dec. 1. As a result of the attacks, two people were killed, and another 15 "
                "were injured, Governor Oleksandr Prokudin reported.\n\nIn Kherson, the Russian military attacked a "
                "public transport vehicle with a drone at around 8 a.m. local time on Dec. 1, killing at least three "
                "people and injuring at least seven.\n\nIn Donetsk Oblast, Russian strikes killed two people in the "
                "town of Myrnohrad. Four people were also injured due to attacks across the front-line region.",
                "2024-12-01", "The Kyiv Independent")
    got = sorted((r["location"]["name"], r["fatalities"], r["injured"]) for r in recs)
    assert ("Kherson", 3, 7) in got and ("Myrnohrad", 2, None) in got
    assert [g for g in got if g[0] == "Donetsk Oblast"][0][2] == 4
    assert any(g[1:] == (2, 15) for g in got)  # the oblast's toll, an incident apart from the bus


def test_a_seizure_announced_and_fighting_that_continues_is_a_disputed_claim():
    # Associated Press via Times NG, 26 Jan 2025
    recs = _all("Russia Claims Capture of Strategic Ukrainian Town\n\nKYIV, Ukraine (AP) — Russian forces have "
                "reportedly captured the strategic town of Velyka Novosilka in eastern Ukraine. The Russian Defense "
                "Ministry announced the seizure on Sunday, though the claim remains unverified.\n\nThe 110th Separate "
                "Mechanized Brigade, a Ukrainian unit active in the region, stated on Telegram that its forces had "
                "strategically withdrawn from parts of Velyka Novosilka to minimize losses. “This does not mean we "
                "have completely left the city. Fighting in Velyka Novosilka continues.”", "2025-01-26",
                "Associated Press")
    capture = [r for r in recs if r["sub_event_type"] == "Non-state actor overtakes territory"]
    assert len(capture) == 1 and capture[0]["claim"]["status"] == "disputed"
    assert "Russian Defense Ministry" in capture[0]["claim"]["by"]
    assert all("a Ukrainian unit" not in r["claim"]["by"] for r in recs)


def test_the_governor_of_a_region_speaks_for_its_incident_and_debris_is_the_strike():
    # Devdiscourse (Reuters), 5 Feb 2025
    recs = _all("Drone Warfare Ignites Oil Depot Fire\n\nA late-night Ukrainian drone attack ignited a fire at an oil "
                "depot in the Krasnodar region of southern Russia, officials reported on Wednesday. The blaze has been "
                "extinguished.\n\nIn recent days, similar attacks have struck other significant facilities, including "
                "a major oil refinery in the Volgograd region. The Krasnodar regional governor, Veniamin Kondratyev, "
                "confirmed there were no injuries from the incident, attributing the fire to debris from a downed "
                "drone.", "2025-02-05", "Devdiscourse")
    krasnodar = [r for r in recs if r["location"]["name"] == "Krasnodar Krai"]
    assert len(krasnodar) == 1 and "Kondratyev" in krasnodar[0]["claim"]["by"]
    assert krasnodar[0]["sub_event_type"] == "Air/drone strike" and krasnodar[0]["injured"] == 0


def test_a_list_of_key_events_each_item_its_own_incident_and_speaker():
    # Al Jazeera, 26 Dec 2024 (key events, day 1,036)
    recs = _all("Russia-Ukraine war: List of key events, day 1,036\n\nFighting:\n"
                "- Russia launched a huge Christmas Day attack on Ukraine with cruise and ballistic missiles, as well "
                "as drones.\n"
                "- The Russian attack wounded at least six people in the northeastern city of Kharkiv and killed one "
                "in the region of Dnipropetrovsk, the governors there said.\n"
                "- United States President Joe Biden said the “outrageous attack was designed to cut off the Ukrainian "
                "people’s access to heat and electricity during winter”.\n"
                "- Russia meanwhile said five people were killed by Ukrainian missile strikes and from a falling drone "
                "in the border region of Kursk and North Ossetia in the Caucasus.\n"
                "- Russia’s Ministry of Foreign Affairs confirmed that Australia had contacted Moscow about the possible "
                "capture by the Russian army of an Australian citizen fighting with Ukrainian forces.",
                "2024-12-26", "Al Jazeera")
    got = {r["location"]["name"]: r for r in recs}
    assert (got["Kharkiv"]["fatalities"], got["Kharkiv"]["injured"]) == (None, 6)
    assert got["Dnipropetrovsk Oblast"]["fatalities"] == 1 and got["Dnipropetrovsk Oblast"]["injured"] is None
    assert {"Kursk Oblast", "Republic of North Ossetia-Alania"} <= set(got)
    assert got["Kursk Oblast"]["claim"] == {"status": "claimed", "by": "Russia"}  # no bullet, no adverb
    assert got["Kursk Oblast"]["fatalities"] is None  # five dead shared by two regions: not one region's toll
    assert not any("Biden" in r["claim"]["by"] or "Foreign Affairs" in r["claim"]["by"] for r in recs)
    assert not any(r["event_type"] == "Battles" for r in recs)  # a man fighting with Ukraine's forces is no battle
