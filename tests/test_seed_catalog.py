"""The seed catalogue: every incident of the three articles, honest about claims and precision."""
from __future__ import annotations

import pytest

from events.records import load_catalog
from tests.conftest import SEED_CATALOG, run_cli

SEEDS = ("The Moscow Times (AFP)", "The New York Times", "Radio Free Europe/Radio Liberty")


@pytest.fixture(scope="module")
def cat():
    return load_catalog(SEED_CATALOG, write_cache=False)


def ev(cat, event_id):
    return cat.events.set_index("id").loc[event_id]


def test_seed_catalogue_validates_cleanly():
    res = run_cli("-m", "events", "validate")
    assert res.returncode == 0, res.stdout
    assert res.stdout.strip().endswith("0 problem(s) in 0 file(s)")


def test_kursk_capture_cites_all_three_articles_and_is_a_region_level_claim(cat):
    e = ev(cat, "kursk-north-korean-soldiers-captured-2025-01-09")
    assert sorted(s["outlet"] for s in e["sources"]) == sorted(SEEDS)
    assert e["claim_status"] == "claimed" and "Zelensky" in e["claimed_by"]
    assert e["geo_precision"] == 3 and e["uncertainty_km"] > 100 and e["admin1_code"] == "RU-KRS"
    assert "not provided any evidence" in " ".join(s["quote"] for s in e["sources"])


def test_kurakhove_is_claimed_by_the_russian_defence_ministry(cat):
    e = ev(cat, "kurakhove-russian-capture-claim-2025-01-06")
    assert e["claim_status"] == "claimed" and e["claimed_by"] == "Russian Ministry of Defence"
    assert str(e["date"].date()) == "2025-01-06"  # 'Monday' before Saturday 11 January
    assert "not confirmed" in e["notes"]


def test_shevchenko_is_placed_by_the_wording_and_the_village_of_that_name_lies_there(cat):
    from geopy.distance import geodesic

    e = ev(cat, "shevchenko-russian-capture-claim-2025-01-11")
    kurakhove = ev(cat, "kurakhove-russian-capture-claim-2025-01-06")
    d = geodesic((kurakhove["lat"], kurakhove["lon"]), (e["lat"], e["lon"])).km
    assert d == pytest.approx(10, abs=0.01)
    assert e["geo_precision"] == 2 and e["uncertainty_km"] >= 5
    # the settlement gazetteer holds the village 4 km from the wording's point (cities500 did not):
    # no disagreement to flag
    assert not any(f.startswith("name-offset-disagreement") for f in (e["geo_flags"] or []))


def test_prymorske_and_kotovsk_land_in_the_right_oblasts(cat):
    assert ev(cat, "prymorske-drone-strike-car-2025-01-11")["admin1_code"] == "UA-23"
    k = ev(cat, "kotovsk-drone-impacts-2025-01-11")
    assert (k["country"], k["admin1_code"], k["injured"]) == ("RU", "RU-TAM", 3)


def test_source_urls_are_empty_where_unknown_never_invented(cat):
    for sources in cat.events["sources"]:
        for s in sources:
            if s["outlet"] != "The Moscow Times (AFP)":
                assert s["url"] is None


def test_every_quote_is_verbatim_from_its_article():
    import re
    from pathlib import Path

    import yaml

    seeds = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("shared/seeds not beside the checkout")
    texts = {
        "The Moscow Times (AFP)": (seeds / "000_d197c699e3fca682.txt").read_text(),
        "The New York Times": (seeds / "001_05532f2eaedf5815.txt").read_text(),
        "Radio Free Europe/Radio Liberty": (seeds / "003_fcf8fd22a0cc8e7c.txt").read_text(),
    }
    flat = {k: re.sub(r"\s+", " ", v) for k, v in texts.items()}
    for path in SEED_CATALOG.glob("*.yaml"):
        for src in yaml.safe_load(path.read_text())["sources"]:
            for piece in src["quote"].split("[...]"):
                piece = re.sub(r"\s+", " ", piece).strip()
                assert piece in flat[src["outlet"]], f"{path.name}: not verbatim: {piece[:60]}"
