"""The one filter: dates inclusive, region spellings, repeated types, claims, text."""
from __future__ import annotations

import pytest

from events.errors import FilterError
from events.query import apply, make_filter
from events.records import load_catalog
from tests.conftest import SEED_CATALOG, run_cli


@pytest.fixture(scope="module")
def seed():
    return load_catalog(SEED_CATALOG, write_cache=False).events


def ids(df):
    return sorted(df["id"])


def test_dates_are_inclusive_and_match_overlapping_spans(seed):
    got = ids(apply(seed, make_filter(date_from="2025-01-06", date_to="2025-01-06")))
    assert got == ["kurakhove-russian-capture-claim-2025-01-06"]
    # the Kursk capture spans 9-11 January: a filter on the 10th finds it
    got = ids(apply(seed, make_filter(date_from="2025-01-10", date_to="2025-01-10")))
    assert "kursk-north-korean-soldiers-captured-2025-01-09" in got
    assert "kotovsk-drone-impacts-2025-01-11" not in got


@pytest.mark.parametrize("spelling", ["Donetsk", "Donetsk Oblast", "Donetska oblast", "UA-14",
                                      "Донецька область", "Донецкая область", "Donetsk People's Republic"])
def test_region_spellings_select_the_same_events(seed, spelling):
    assert ids(apply(seed, make_filter(regions=[spelling]))) == [
        "kurakhove-area-fighting-2025-01-11", "kurakhove-russian-capture-claim-2025-01-06",
        "pokrovsk-casualties-2025-01-10", "shevchenko-russian-capture-claim-2025-01-11"]


def test_country_and_admin1_regions_combine_as_or(seed):
    got = ids(apply(seed, make_filter(regions=["RU", "Zaporizhzhia"])))
    assert got == ["kotovsk-drone-impacts-2025-01-11", "kursk-north-korean-soldiers-captured-2025-01-09",
                   "kursk-north-korean-soldiers-captured-died-2024-12", "prymorske-drone-strike-car-2025-01-11"]


def test_repeated_types_mix_event_and_sub_event_types(seed):
    got = ids(apply(seed, make_filter(types=["Air/drone strike", "Non-state actor overtakes territory"])))
    assert got == ["kotovsk-drone-impacts-2025-01-11", "kurakhove-russian-capture-claim-2025-01-06",
                   "prymorske-drone-strike-car-2025-01-11", "shevchenko-russian-capture-claim-2025-01-11"]


def test_claim_and_text_filters(seed):
    assert ids(apply(seed, make_filter(claims=["reported"], q="drone"))) == [
        "kotovsk-drone-impacts-2025-01-11", "prymorske-drone-strike-car-2025-01-11"]
    # text search reaches the quotes: 'RIA Novosti' only appears in a quote
    assert ids(apply(seed, make_filter(q="ria novosti"))) == ["shevchenko-russian-capture-claim-2025-01-11"]


def test_actor_and_claimant_filters_match_a_part_of_the_name_in_any_case(seed):
    russia = ids(apply(seed, make_filter(actors=["FORCES OF RUSSIA"])))
    assert russia and all(
        "forces of russia" in f"{r.actor1} {r.actor2}".lower() for r in seed[seed["id"].isin(russia)].itertuples())
    assert len(russia) == int((seed["actor1"].astype(str).str.contains("Forces of Russia", case=False)
                               | seed["actor2"].astype(str).str.contains("Forces of Russia", case=False)).sum())
    mod = ids(apply(seed, make_filter(claimants=["ministry of defence"])))
    assert mod == ["kurakhove-russian-capture-claim-2025-01-06", "shevchenko-russian-capture-claim-2025-01-11"]
    both = ids(apply(seed, make_filter(actors=["forces of russia"], claimants=["ministry of defence", "governor"])))
    assert set(mod) < set(both) and "kotovsk-drone-impacts-2025-01-11" not in both  # Ukraine's drones, not Russia's
    assert ids(apply(seed, make_filter(claimants=["%"]))) == []  # a wildcard is text, not a pattern


def test_actor_and_claimant_filters_come_from_url_and_cli_alike(seed):
    from events.filters import from_query, to_query

    f, notices = from_query({"actor": ["forces of russia"], "claimant": ["Ministry of Defence"]})
    assert not notices and to_query(f) == {"actor": ["forces of russia"], "claimant": ["Ministry of Defence"]}
    out = run_cli("-m", "events", "list", "--actor", "forces of russia", "--claimant", "Ministry of Defence",
                  env={"EVENTS_CATALOG": str(SEED_CATALOG)})
    assert out.returncode == 0
    assert sorted(i for i in ids(apply(seed, f)) if i in out.stdout) == ids(apply(seed, f)) != []


@pytest.mark.parametrize("kwargs, fragment", [
    ({"date_from": "2025-13-01"}, "not a date"),
    ({"date_from": "2025-01-10", "date_to": "2025-01-01"}, "before"),
    ({"types": ["Battle"]}, "unknown event or sub-event type"),
    ({"claims": ["maybe"]}, "unknown claim status"),
    ({"regions": ["Atlantis"]}, "unknown region"),
])
def test_bad_filter_values_raise_a_named_error(kwargs, fragment):
    with pytest.raises(FilterError, match=fragment):
        make_filter(**kwargs)


def test_cli_list_with_bad_filter_exits_1_without_traceback():
    res = run_cli("-m", "events", "list", "--from", "yesterday")
    assert res.returncode == 1 and "not a date" in res.stderr and "Traceback" not in res.stderr


def test_take_gives_the_rows_asked_for_in_order_across_arrow_chunks():
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from events.query import take

    notes = pa.chunked_array([pa.array(["a", "b", None]), pa.array(["c", "d"]), pa.array(["e"])])
    index = np.arange(10, 16)
    df = pd.DataFrame({"notes": pd.Series(pd.arrays.ArrowStringArray(notes), index=index),
                       "n": pd.Series(np.arange(6), index=index)})
    rows = np.array([5, 0, 3, 2, 3])
    got = take(df, rows)
    want = df.iloc[rows]
    assert got["notes"].tolist()[:2] == ["e", "a"] and pd.isna(got["notes"].iloc[3])
    assert got["notes"].fillna("-").tolist() == want["notes"].fillna("-").tolist()
    assert got["n"].tolist() == want["n"].tolist() and got.index.tolist() == want.index.tolist()
    assert take(df, np.array([], dtype=np.int64), ["n"]).empty


# One value per term that selects some seed events and leaves others out.
SELECTIVE = {"date_from": "2025-01-10", "date_to": "2025-01-10", "types": ["Battles"], "regions": ["UA-14"],
             "claims": ["claimed"], "actors": ["North Korea"], "claimants": ["Ministry"], "q": "drone",
             "datasets": ["curated"], "review": ["approved"], "ids": ["kotovsk-drone-impacts-2025-01-11"]}


@pytest.mark.parametrize("term", sorted(SELECTIVE))
def test_each_filter_reads_only_the_columns_it_declares(seed, term):
    """A reader streaming from files reads the columns a filter declares and no more (needs):
    a term reading an undeclared column would silently select nothing or everything there."""
    from events.filters import BY_NAME, mask, needs

    f = make_filter(**{term: SELECTIVE[term]})
    assert set(BY_NAME[term].needs()) <= set(needs(f))
    narrow = seed[[c for c in needs(f) if c in seed.columns]]
    want = mask(seed, f)
    assert 0 < want.sum() < len(seed) or term in ("review", "datasets"), "the value does not discriminate"
    assert (mask(narrow, f) == want).all()
