"""Who else saw it: candidate matches by date span at each side's precision, place within both
uncertainties, and compatible kinds; column work over real and small hand-made sets."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from events.corroborate import COLUMNS, TYPE_RELATION, candidates, type_relation
from tests.conftest import ROOT, run_cli

REAL = ROOT.parent / "shared" / "data" / "real"


def frame(rows: list[dict], dataset: str) -> pd.DataFrame:
    base = {"end_date": pd.NaT, "date_precision": "day", "uncertainty_km": 2.0, "geo_precision": 1,
            "location_name": None, "actor1": None, "actor2": None, "admin1_code": "UA-14"}
    df = pd.DataFrame([{**base, **r, "dataset": dataset} for r in rows])
    df["date"] = pd.to_datetime(df["date"])
    df["end_date"] = pd.to_datetime(df["end_date"])
    return df[COLUMNS]


KURAKHOVE = (47.9847, 37.28069)
CAPTURE = {"id": "claim", "date": "2025-01-06", "event_type": "Battles",
           "sub_event_type": "Non-state actor overtakes territory", "lat": KURAKHOVE[0], "lon": KURAKHOVE[1],
           "location_name": "Kurakhove", "actor1": "Military Forces of Russia (2000-)"}


def test_a_week_precision_row_overlaps_every_day_of_its_week_and_not_the_next():
    claim = frame([CAPTURE], "curated")
    week = frame([{"id": f"w{d}", "date": f"2025-01-{d:02d}", "date_precision": "week", "event_type": "Battles",
                   "sub_event_type": "Armed clash", "lat": 47.99, "lon": 37.29} for d in (8, 12, 15)], "acled")
    # 8 Jan (Wednesday) and 12 Jan (Sunday) lie in the week of Monday 6 January; 15 Jan lies in the next
    got = candidates(claim, week)
    assert set(got["match_id"]) == {"w8", "w12"}
    assert (got["days"] == 0).all() and (got["type_relation"] == 1.0).all()
    day = frame([{**week.iloc[0].to_dict(), "id": "d8", "date": "2025-01-08", "date_precision": "day"}], "acled")
    assert candidates(claim, day).empty  # at day precision two days apart is too far


def test_a_region_level_row_matches_a_point_in_its_region_only_and_weakly():
    claim = frame([CAPTURE], "curated")
    rows = frame([
        {"id": "point", "date": "2025-01-06", "event_type": "Battles", "sub_event_type": "Armed clash",
         "lat": 47.99, "lon": 37.30},
        {"id": "oblast", "date": "2025-01-06", "event_type": "Battles", "sub_event_type": "Armed clash",
         "lat": 48.2, "lon": 37.6, "uncertainty_km": 150.0, "geo_precision": 3},
        {"id": "elsewhere", "date": "2025-01-06", "event_type": "Battles", "sub_event_type": "Armed clash",
         "lat": 51.7, "lon": 36.3, "uncertainty_km": 150.0, "geo_precision": 3, "admin1_code": "RU-KRS"},
    ], "acled")
    got = candidates(claim, rows).set_index("match_id")
    assert set(got.index) == {"point", "oblast"}
    assert got.loc["oblast", "score"] <= 0.5 * got.loc["point", "score"] + 1e-9
    assert "region-level row: weak" in got.loc["oblast", "reasons"]


def test_incompatible_kinds_are_refused_by_the_one_table():
    claim = frame([CAPTURE], "curated")
    strike = frame([{"id": "strike", "date": "2025-01-06", "event_type": "Explosions/Remote violence",
                     "sub_event_type": "Air/drone strike", "lat": 47.985, "lon": 37.281}], "acled")
    assert candidates(claim, strike).empty  # a capture is not a strike, same place and day or not
    assert type_relation("Battles", "Non-state actor overtakes territory", "Strategic developments", "Other") > 0
    assert type_relation("Explosions/Remote violence", "Air/drone strike", "Violence against civilians", "Attack") > 0
    assert all(v == TYPE_RELATION[(b, a)] for (a, b), v in TYPE_RELATION.items())  # reads the same both ways


def test_places_farther_than_both_uncertainties_are_not_candidates():
    claim = frame([CAPTURE], "curated")
    far = frame([{"id": "far", "date": "2025-01-06", "event_type": "Battles", "sub_event_type": "Armed clash",
                  "lat": 47.9847, "lon": 37.28069 + 12 / 75}], "acled")  # 12 km east: beyond 2 + 2 + 5 km
    assert candidates(claim, far).empty
    wide = far.assign(uncertainty_km=10.0)
    got = candidates(claim, wide)
    assert len(got) == 1 and 11 < got["km"].iat[0] < 13


def test_within_one_set_each_pair_comes_once_and_never_an_event_with_itself():
    rows = frame([{**CAPTURE, "id": f"e{k}"} for k in range(3)], "acled")
    got = candidates(rows, rows, same_set=True)
    assert len(got) == 3 and (got["event_id"] < got["match_id"]).all()


def test_a_shared_place_name_and_actor_are_given_as_reasons():
    claim = frame([CAPTURE], "curated")
    other = frame([{"id": "a1", "date": "2025-01-07", "event_type": "Battles", "sub_event_type": "Armed clash",
                    "lat": 47.99, "lon": 37.29, "location_name": "Kurakhovo",
                    "actor1": "Military Forces of Russia (2000-)"}], "acled")
    reasons = candidates(claim, other)["reasons"].iat[0]
    assert "1 day(s) apart" in reasons and "shared actor: russia" in reasons


@pytest.mark.skipif(not (REAL / "ucdp_ged_ua_ru_sample.csv").exists(), reason="needs ../shared/data/real")
def test_real_ucdp_releases_find_their_own_rows_and_the_cli_writes_them(tmp_path):
    """GED 23.1 and its older Excel-saved release hold many of the same events under the same ids:
    each such row must be among its own candidates, said to be the same source row."""
    from events.datasets import import_file

    data = tmp_path / "data"
    import_file("ucdp", REAL / "ucdp_ged_ua_ru_sample.csv", "ged231", data)
    import_file("ucdp", REAL / "ucdp_ged_ukraine_excel_cp1252_2014_2023.csv", "gedxl", data, date_format="mdy")
    out = tmp_path / "c.json"
    res = run_cli("-m", "events", "--data", str(data), "corroborate", "--dataset", "ged231", "--against", "gedxl",
                  "--from", "2015-01-01", "--to", "2015-03-31", "--format", "json", "--out", str(out))
    assert res.returncode == 0, res.stderr
    found = pd.DataFrame(json.loads(out.read_text(encoding="utf-8")))
    own = found[found["event_id"] == found["match_id"]]
    assert len(own) >= 100 and own["reasons"].str.contains("same source row").all()
    assert (own["km"] == 0).all() and (own["days"] == 0).all()
    assert list(found["score"]) == sorted(found["score"], reverse=True)
    bad = run_cli("-m", "events", "--data", str(data), "corroborate", "--against", "nosuch", "--out", "-")
    assert bad.returncode == 2 and "no such dataset" in bad.stderr and "Traceback" not in bad.stderr


def _mini_dataset(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("id,date,type,sub,lat,lon,place\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


MAPPING = {"id": "id", "date": "date", "event_type": "type", "sub_event_type": "sub", "lat": "lat", "lon": "lon",
           "location": "place"}


def test_accepting_writes_links_through_the_store_that_survive_a_reimport_and_say_when_the_row_is_gone(
        seed_catalog, tmp_path):
    from events.datasets import import_file

    data = tmp_path / "data"
    rows = [["acl-1", "2025-01-06", "Battles", "Armed clash", "47.99", "37.29", "Kurakhove"],
            ["acl-2", "2025-01-06", "Explosions/Remote violence", "Air/drone strike", "47.985", "37.281", "Kurakhove"]]
    import_file("csv", _mini_dataset(tmp_path / "mini.csv", rows), "mini", data, columns=MAPPING)
    env = {"EVENTS_USER": "analyst1", "EVENTS_DATA": str(data)}
    args = ("-m", "events", "--catalog", str(seed_catalog), "corroborate", "--dataset", "curated", "--against", "mini",
            "--from", "2025-01-06", "--to", "2025-01-06", "--out", str(tmp_path / "c.csv"))
    dry = run_cli(*args, env=env)
    assert dry.returncode == 0, dry.stderr
    listed = pd.read_csv(tmp_path / "c.csv")
    assert "mini-acl-1" in set(listed["match_id"]) and "mini-acl-2" not in set(listed["match_id"])  # a capture is no strike
    claim = "kurakhove-russian-capture-claim-2025-01-06"
    assert (seed_catalog / f"{claim}.yaml").read_text(encoding="utf-8").count("mini-acl-1") == 0  # a dry run writes nothing
    done = run_cli(*args, "--accept-above", "0.5", env=env)
    assert done.returncode == 0 and f"{claim}: 1 'corroborates' link added" in done.stderr, done.stderr
    again = run_cli(*args, "--accept-above", "0.5", env=env)
    assert "no curated event has a new candidate" in again.stderr  # never written twice
    import yaml

    rec = yaml.safe_load((seed_catalog / f"{claim}.yaml").read_text(encoding="utf-8"))
    link = [r for r in rec["related"] if r["id"] == "mini-acl-1"]
    assert len(link) == 1 and link[0]["relation"] == "corroborates" and "km apart" in link[0]["note"]
    history = run_cli("-m", "events", "--catalog", str(seed_catalog), "event", "history", claim, env=env).stdout
    assert "analyst1" in history
    # the source keeps its own id across a re-import: the link still resolves
    import_file("csv", _mini_dataset(tmp_path / "mini.csv", rows), "mini", data, columns=MAPPING, replace=True)
    ok = run_cli("-m", "events", "--catalog", str(seed_catalog), "validate", env=env)
    assert "mini-acl-1" not in ok.stdout
    # the row gone: validate names the link that points nowhere
    import_file("csv", _mini_dataset(tmp_path / "mini.csv", rows[1:]), "mini", data, columns=MAPPING, replace=True)
    gone = run_cli("-m", "events", "--catalog", str(seed_catalog), "validate", env=env)
    assert "no event 'mini-acl-1'" in gone.stdout


def test_the_seen_filter_asks_which_events_nobody_else_reported(seed_catalog, tmp_path):
    """--seen corroborated / uncorroborated, from the accepted links at either end; and from a URL."""
    from events.datasets import import_file
    from events.filters import from_query

    data = tmp_path / "data"
    rows = [["acl-1", "2025-01-06", "Battles", "Armed clash", "47.99", "37.29", "Kurakhove"],
            ["acl-3", "2025-01-06", "Battles", "Armed clash", "51.7", "36.3", "Kursk"]]
    import_file("csv", _mini_dataset(tmp_path / "mini.csv", rows), "mini", data, columns=MAPPING)
    env = {"EVENTS_USER": "analyst1", "EVENTS_DATA": str(data)}
    base = ("-m", "events", "--catalog", str(seed_catalog))
    run_cli(*base, "corroborate", "--dataset", "curated", "--against", "mini", "--from", "2025-01-06",
            "--to", "2025-01-06", "--out", str(tmp_path / "c.csv"), "--accept-above", "0.5", env=env)

    def listed(*args):
        out = run_cli(*base, "list", "--review", "all", *args, env=env)
        assert out.returncode == 0, out.stderr
        return out.stdout

    seen = listed("--seen", "corroborated")
    assert "kurakhove-russian-capture-claim-2025-01-06" in seen and "mini-acl-1" in seen and "mini-acl-3" not in seen
    alone = listed("--seen", "uncorroborated", "--claim", "claimed")  # the capture claims nobody else reported
    assert "kurakhove-russian-capture-claim" not in alone and "shevchenko-russian-capture-claim" in alone
    bad = run_cli(*base, "list", "--seen", "maybe", env=env)
    assert bad.returncode != 0 and "one of: corroborated, uncorroborated" in bad.stderr and "Traceback" not in bad.stderr
    f, notices = from_query({"seen": ["uncorroborated"]})
    assert f.seen == "uncorroborated" and not notices
    f, notices = from_query({"seen": ["maybe"]})
    assert f.seen is None and notices


def test_the_popup_says_how_many_other_sources_saw_it():
    from dashboard.popup import _related_html
    from events.related import Link

    html = _related_html([Link("ucdp-1", "corroborates", "0.4 km apart", "claim"),
                          Link("acled-7", "same-incident", None, "claim"),
                          Link("other-claim", "contradicts", None, "claim")])
    assert html.startswith("<li class=ce-seen><b>seen by 2 other sources</b></li>")
    assert _related_html([Link("x", "contradicts", None, "claim")]).count("seen by") == 0


def test_a_rejected_candidate_is_remembered_and_never_proposed_again(seed_catalog, tmp_path):
    """A reviewer fills in the candidate file's `decision` column; --decide writes the links
    through the store; a rejected pair becomes a 'not-same' link, is not proposed again, is not
    corroboration, and the popup does not show it."""
    import yaml

    from dashboard.popup import _related_html
    from events.datasets import import_file
    from events.related import index

    data = tmp_path / "data"
    rows = [["acl-1", "2025-01-06", "Battles", "Armed clash", "47.99", "37.29", "Kurakhove"],
            ["acl-3", "2025-01-06", "Battles", "Armed clash", "47.98", "37.30", "Kurakhove"]]
    import_file("csv", _mini_dataset(tmp_path / "mini.csv", rows), "mini", data, columns=MAPPING)
    env = {"EVENTS_USER": "analyst1", "EVENTS_DATA": str(data)}
    base = ("-m", "events", "--catalog", str(seed_catalog), "corroborate")
    dry = ("--dataset", "curated", "--against", "mini", "--from", "2025-01-06", "--to", "2025-01-06")
    assert run_cli(*base, *dry, "--out", str(tmp_path / "c.csv"), env=env).returncode == 0
    listed = pd.read_csv(tmp_path / "c.csv", dtype=str, keep_default_na=False)
    claim = "kurakhove-russian-capture-claim-2025-01-06"
    mine = listed[listed["event_id"] == claim]
    assert set(mine["match_id"]) == {"mini-acl-1", "mini-acl-3"}
    decided = listed.assign(decision="")
    decided.loc[(decided["event_id"] == claim) & (decided["match_id"] == "mini-acl-1"), "decision"] = "reject"
    decided.loc[(decided["event_id"] == claim) & (decided["match_id"] == "mini-acl-3"), "decision"] = "corroborates"
    # a bad value is refused with its row and field, and nothing is written
    wrong = decided.copy()
    wrong.loc[wrong.index[-1], "decision"] = "maybe"
    wrong.to_csv(tmp_path / "wrong.csv", index=False)
    bad = run_cli(*base, "--decide", str(tmp_path / "wrong.csv"), env=env)
    assert bad.returncode != 0 and f"row {len(wrong) + 1}, decision: 'maybe'" in bad.stderr and "Traceback" not in bad.stderr
    assert "mini-acl" not in (seed_catalog / f"{claim}.yaml").read_text(encoding="utf-8")
    decided.to_csv(tmp_path / "decided.csv", index=False)
    done = run_cli(*base, "--decide", str(tmp_path / "decided.csv"), env=env)
    assert done.returncode == 0 and f"{claim}: 2 links added" in done.stderr, done.stderr
    rec = yaml.safe_load((seed_catalog / f"{claim}.yaml").read_text(encoding="utf-8"))
    assert {r["id"]: r["relation"] for r in rec["related"] if r["id"].startswith("mini")} == {
        "mini-acl-1": "not-same", "mini-acl-3": "corroborates"}
    # proposed again: neither (both decided); the other events' candidates are still there
    assert run_cli(*base, *dry, "--out", str(tmp_path / "again.csv"), env=env).returncode == 0
    again = pd.read_csv(tmp_path / "again.csv", dtype=str, keep_default_na=False)
    assert claim not in set(again["event_id"]) and len(again) == len(listed) - 2
    links = index(pd.DataFrame({"id": [claim], "related": [rec["related"]]}))[claim]
    html = _related_html(links)
    assert "mini-acl-3" in html and "mini-acl-1" not in html and "seen by 1 other source" in html
    # exports say who else saw each event, at both ends of the link; a rejection is no one
    export = ("-m", "events", "--catalog", str(seed_catalog), "export", "--dataset", "curated", "--dataset", "mini",
              "--review", "all",
              "--out", "-", "--format")
    props = {f["properties"]["id"]: f["properties"] for f in json.loads(run_cli(*export, "geojson", env=env,
                                                                                   binary=True).stdout)["features"]}
    assert props[claim]["seen_by"] == 1 and props["mini-acl-3"]["seen_by"] == 1 and props["mini-acl-1"]["seen_by"] == 0
    table = pd.read_csv(io.BytesIO(run_cli(*export, "csv", env=env, binary=True).stdout), dtype=str,
                        keep_default_na=False).set_index("id")
    assert table.loc[claim, "seen_by"] == "1" and "mini-acl-3 (corroborates)" in table.loc[claim, "related"]
    assert table.loc["mini-acl-3", "related"] == f"{claim} (corroborates)" and table.loc["mini-acl-1", "seen_by"] == "0"
    assert "not-same" not in table.loc[claim, "related"]
