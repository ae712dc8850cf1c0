"""The curation page's two questions before a save: is this a likely duplicate of a record already
held (corroboration's rule, one record at a time), and when was the article published (its date line)."""
from __future__ import annotations

import datetime as dt

from events.draft.dateline import find_dateline
from events.duplicates import likely_duplicates
from events.storage.embedded import EmbeddedStorage


def test_a_second_record_of_the_kurakhove_claim_is_a_likely_duplicate_and_an_unrelated_one_is_not(
        seed_catalog, tmp_path):
    store = EmbeddedStorage(seed_catalog, tmp_path / "data", write_cache=False)
    again = dict(store.get("kurakhove-russian-capture-claim-2025-01-06").record, id="kurakhove-claim-again")
    found = likely_duplicates(store, again)
    assert found.iloc[0]["match_id"] == "kurakhove-russian-capture-claim-2025-01-06"
    assert "same place name" in found.iloc[0]["reasons"]
    elsewhere = dict(again, date="2024-06-01")  # the same place half a year earlier: another incident
    assert likely_duplicates(store, elsewhere).empty
    strike = dict(store.get("prymorske-drone-strike-car-2025-01-11").record, id="x", event_type="Protests",
                  sub_event_type="Peaceful protest")  # same place and day, an incompatible type
    assert likely_duplicates(store, strike).empty


def test_the_same_id_is_the_plainest_duplicate(seed_catalog, tmp_path):
    store = EmbeddedStorage(seed_catalog, tmp_path / "data", write_cache=False)
    rec = store.get("pokrovsk-casualties-2025-01-10").record
    assert "pokrovsk-casualties-2025-01-10" in set(likely_duplicates(store, dict(rec))["match_id"])


def test_the_date_line_is_read_from_the_first_lines_in_the_forms_outlets_use():
    today = dt.date(2026, 1, 1)
    for text in ("KYIV, Jan. 11, 2025 (Reuters) - Russian drones ...", "Headline\nPublished 11 January 2025 14:05\n",
                 "Headline\n2025-01-11T10:00:00Z\nbody", "11.01.2025 | Kyiv\nbody", "January 11, 2025\nbody"):
        assert find_dateline(text, today=today)[0] == dt.date(2025, 1, 11), text
    assert find_dateline("No date here.\nNone at all.", today=today) is None
    assert find_dateline("Feb 30, 2025\n", today=today) is None  # impossible dates are not dates
    assert find_dateline("March 3, 2027\n", today=today) is None  # nor are days to come
    long = ("Russian forces attacked the town overnight, officials said on Sunday, adding that a second wave came "
            "on January 5, 2025, after midnight.")
    assert find_dateline(long, today=today) is None  # a date deep in a body sentence is an incident's
