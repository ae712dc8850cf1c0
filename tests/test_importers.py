"""Importers on fixture files written in each real format, messy rows included,
and on the real UCDP GED extracts in shared/data/real."""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from events.datasets import import_file, list_datasets, load_datasets
from events.vocab import ACLED_COLUMNS
from tests.conftest import ROOT, run_cli

REAL = ROOT.parent / "shared" / "data" / "real"

ACLED_GOOD = [
    # event_id_cnty, event_date, time_precision, event_type, sub_event_type, actor1, actor2, inter1, inter2,
    # interaction, iso, country, admin1, location, lat, lon, geo_precision, source, notes, fatalities, tags, ts
    ["UKR1", "2025-01-10", "1", "Explosions/Remote violence", "Air/drone strike", "Military Forces of Russia",
     "Civilians (Ukraine)", "8", "7", "87", "804", "Ukraine", "Zaporizhia", "Prymorske", "47.6449", "35.2907",
     "1", "Ukrinform", "A drone hit a car (Приморське).", "1", "", "1736600000"],
    ["UKR2", "16 May 2025", "2", "Battles", "Armed clash", "Military Forces of Russia",
     "Military Forces of Ukraine", "State forces", "State forces", "State forces-State forces", "804", "Ukraine",
     "Donetsk", "Pokrovsk", "48.2801", "37.1771", "2", "Ministry of Defence of Ukraine", "Clashes near Pokrovsk.",
     "0", "", "1747400000"],
    ["RUS3", "11-01-2025", "1", "Explosions/Remote violence", "Air/drone strike", "Military Forces of Ukraine",
     "Civilians (Russia)", "8", "7", "87", "643", "Russia", "Tambov", "Kotovsk", "52.5905", "41.5025", "1",
     "Tambov Governor", "Drones hit two apartment buildings; several injured.", "0", "", "1736600001"],
]
ACLED_BAD = [
    ["UKR4", "yesterday", "1", "Battles", "Armed clash", "A", "B", "1", "1", "11", "804", "Ukraine", "Donetsk",
     "X", "48.0", "37.0", "1", "S", "bad date", "0", "", "1"],
    ["UKR5", "2025-01-10", "1", "Battles", "Armed clash", "A", "B", "1", "1", "11", "804", "Ukraine", "Donetsk",
     "X", "", "37.0", "1", "S", "missing latitude", "0", "", "1"],
    ["UKR6", "2025-01-10", "1", "Battles", "Armed clash", "A", "B", "1", "1", "11", "804", "Ukraine", "Donetsk",
     "X", "148.0", "37.0", "1", "S", "latitude out of range", "0", "", "1"],
    ["UKR7", "2025-01-10", "1", "Alien invasion", "Armed clash", "A", "B", "1", "1", "11", "804", "Ukraine",
     "Donetsk", "X", "48.0", "37.0", "1", "S", "unknown type", "0", "", "1"],
    ["UKR8", "2025-01-10", "1", "Battles", "Peaceful protest", "A", "B", "1", "1", "11", "804", "Ukraine",
     "Donetsk", "X", "48.0", "37.0", "1", "S", "sub-type of another type", "0", "", "1"],
    ["UKR1", "2025-01-12", "1", "Battles", "Armed clash", "A", "B", "1", "1", "11", "804", "Ukraine", "Donetsk",
     "X", "48.0", "37.0", "1", "S", "duplicated id", "0", "", "1"],
]
FIELDS = ["event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1", "actor2",
          "inter1", "inter2", "interaction", "iso", "country", "admin1", "location", "latitude", "longitude",
          "geo_precision", "source", "notes", "fatalities", "tags", "timestamp"]


def acled_fixture(path: Path, bad: bool = True, extra_bytes: bool = True) -> Path:
    """A real-shaped ACLED export: all 31 columns in ACLED order, messy rows mixed in."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ACLED_COLUMNS)
    rows = ACLED_GOOD + (ACLED_BAD if bad else [])
    for r in rows:
        d = dict(zip(FIELDS, r))
        d.update(year=d["event_date"][:4] if d["event_date"][:4].isdigit() else d["event_date"][-4:],
                 disorder_type="Political violence", assoc_actor_1="", assoc_actor_2="", civilian_targeting="",
                 region="Europe", admin2="", admin3="", source_scale="National")
        w.writerow([d.get(c, "") for c in ACLED_COLUMNS])
    data = buf.getvalue().encode("utf-8")
    if extra_bytes:  # a row with Latin-1 bytes in the notes: not UTF-8
        d = dict(zip(FIELDS, ACLED_GOOD[0]))
        d.update(event_id_cnty="UKR9", notes="caf\xe9")
        line = ",".join(d.get(c, "") for c in ACLED_COLUMNS) + "\n"
        data += line.encode("latin-1")
    path.write_bytes(data)
    return path


def test_acled_fixture_imports_the_good_rows_and_rejects_each_bad_one_with_its_line(tmp_path):
    src = acled_fixture(tmp_path / "acled.csv")
    m = import_file("acled", src, "acled-test", tmp_path / "data")
    assert (m["rows_read"], m["imported"], m["rejected"]) == (10, 3, 7)
    assert m["rows_read"] == m["imported"] + m["rejected"]
    rejects = pd.read_csv(tmp_path / "data" / "acled-test" / "rejects.csv")
    by_id = dict(zip(rejects["source_id"], rejects["reason"]))
    assert "event_date" in by_id["UKR4"] and "latitude" in by_id["UKR5"] and "out of range" in by_id["UKR6"]
    assert "event_type" in by_id["UKR7"] and "sub_event_type" in by_id["UKR8"] and "not UTF-8" in by_id["UKR9"]
    assert "duplicated" in rejects.loc[rejects["line"] == 10, "reason"].item()
    assert list(rejects["line"]) == [5, 6, 7, 8, 9, 10, 11]
    df = load_datasets(tmp_path / "data").set_index("id")
    assert df.loc["acled-UKR1", "admin1_code"] == "UA-23"  # 'Zaporizhia' resolved through geodata
    assert df.loc["acled-RUS3", "admin1_code"] == "RU-TAM" and df.loc["acled-RUS3", "country"] == "RU"
    assert str(df.loc["acled-UKR2", "date"].date()) == "2025-05-16" and df.loc["acled-UKR2", "date_precision"] == "week"
    assert str(df.loc["acled-RUS3", "date"].date()) == "2025-01-11"
    assert df.loc["acled-UKR2", "inter1"] == "State forces" and df.loc["acled-UKR1", "inter1"] == "8"


def test_acled_round_trip_import_export_keeps_every_value(tmp_path):
    src = acled_fixture(tmp_path / "acled.csv", bad=False, extra_bytes=False)
    import_file("acled", src, "acled-rt", tmp_path / "data")
    out = tmp_path / "out.csv"
    empty = tmp_path / "empty-catalog"
    empty.mkdir()
    res = run_cli("-m", "events", "export", "--format", "csv", "--out", str(out), "--dataset", "acled-rt",
                  env={"EVENTS_DATA": str(tmp_path / "data"), "EVENTS_CATALOG": str(empty)})
    assert res.returncode == 0, res.stderr
    before = pd.read_csv(src, dtype=str, keep_default_na=False).set_index("event_id_cnty")
    after = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("event_id_cnty")
    assert list(after.columns[:30]) == list(ACLED_COLUMNS[1:])
    for eid in before.index:
        for col in ACLED_COLUMNS[1:]:
            a, b = before.loc[eid, col], after.loc[eid, col]
            if col == "event_date":  # the same day, written as ISO now
                assert pd.to_datetime(b).date() == pd.to_datetime(
                    a, format="mixed", dayfirst=not a[:4].isdigit()).date(), (eid, col)
            elif col in ("latitude", "longitude"):
                assert float(a) == float(b), (eid, col)
            else:
                assert a == b, (eid, col, a, b)


def test_geojson_import_with_messy_features(tmp_path):
    feats = [
        {"type": "Feature", "id": "a", "geometry": {"type": "Point", "coordinates": [37.18, 48.28]},
         "properties": {"id": "a", "date": "2025-01-10", "event_type": "Battles", "sub_event_type": "Armed clash",
                        "title": "Clash", "country": "UA", "admin1": "Donetsk", "fatalities": 2}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [35.29, 47.64]},
         "properties": {"id": "b", "event_date": "16 May 2025", "event_type": "Explosions/Remote violence",
                        "sub_event_type": "Air/drone strike", "location": "Prymorske"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[30, 50], [31, 51]]},
         "properties": {"id": "c", "date": "2025-01-10", "event_type": "Battles", "sub_event_type": "Armed clash"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.0, 48.0]},
         "properties": {"id": "d", "date": "not a date", "event_type": "Battles", "sub_event_type": "Armed clash"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.0, 48.0]},
         "properties": {"id": "a", "date": "2025-01-11", "event_type": "Battles", "sub_event_type": "Armed clash"}},
    ]
    src = tmp_path / "ev.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    m = import_file("geojson", src, "gj", tmp_path / "data")
    assert (m["rows_read"], m["imported"], m["rejected"]) == (5, 2, 3)
    df = load_datasets(tmp_path / "data").set_index("source_row")
    assert df.loc["a", "admin1_code"] == "UA-14" and df.loc["b", "admin1_code"] == "UA-23"


def test_an_impossible_date_in_one_feature_rejects_that_feature_alone(tmp_path):
    """Every date ISO-written, so GDAL would read the column as dates and refuse the whole file."""
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.0 + i / 10, 48.0]},
              "properties": {"id": f"f{i}", "date": day, "event_type": "Battles", "sub_event_type": "Armed clash"}}
             for i, day in enumerate(["2025-01-10", "2025-02-30", "2025-01-12"])]
    src = tmp_path / "ev.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    m = import_file("geojson", src, "gj", tmp_path / "data")
    assert (m["rows_read"], m["imported"], m["rejected"]) == (3, 2, 1)
    rejects = pd.read_csv(tmp_path / "data" / "gj" / "rejects.csv")
    assert list(rejects["line"]) == [2] and list(rejects["source_id"]) == ["f1"]
    assert "date" in rejects["reason"][0] and "2025-02-30" in rejects["reason"][0]
    assert sorted(load_datasets(tmp_path / "data")["date"].dt.strftime("%Y-%m-%d")) == ["2025-01-10", "2025-01-12"]


@pytest.mark.skipif(not REAL.is_dir(), reason="shared/data/real not beside the checkout")
def test_real_ucdp_ged_extracts(tmp_path):
    root = tmp_path / "data"
    m = import_file("ucdp", REAL / "ucdp_ged_ua_ru_sample.csv", "ged23", root)
    assert (m["rows_read"], m["imported"], m["rejected"]) == (3077, 3077, 0)  # 133 rows span several lines
    df = load_datasets(root).set_index("source_row")
    assert int(df["fatalities"].sum()) == 8342  # the sum of `best` given in SOURCES.md
    assert df.loc["154671", "country"] == "RU" and df.loc["154671", "admin1_code"] == "RU-ROS"
    assert set(df["geo_precision"].dropna().unique()) <= {1, 2, 3}
    m2 = import_file("ucdp", REAL / "ucdp_ged251_ukraine_2022_2024_sample2000_21col.csv", "ged25", root)
    assert (m2["imported"], m2["rejected"]) == (2000, 0) and m2["notes"]
    df2 = load_datasets(root)
    centroid = df2[(df2["dataset"] == "ged25") & (df2["lat"] == 49.0) & (df2["lon"] == 32.0)]
    assert len(centroid) == 94 and (centroid["geo_precision"] == 3).all() and centroid["admin1_code"].isna().all()
    kyiv_oblast = df2[df2["admin1_source"] == "Kyiv oblast"]  # the oblast, never Kyiv city (UA-30)
    assert len(kyiv_oblast) == 15 and set(kyiv_oblast["admin1_code"]) == {"UA-32"}
    m3 = import_file("ucdp", REAL / "ucdp_ged_ukraine_excel_cp1252_2014_2023.csv", "excel", root)
    # Excel rewrote the dates (1/24/2023 12:00:00 AM, 02/06/2023 00:00): the file itself says month first
    assert m3["source_encoding"] == "cp1252" and (m3["imported"], m3["rejected"]) == (3883, 0)
    assert any("month first" in n for n in m3["notes"])
    df3 = load_datasets(root).set_index("source_row")
    assert str(df3.loc["467187", "date"].date()) == "2023-01-24"
    assert str(df3.loc["467187", "end_date"].date()) == "2023-02-06"


def test_reimport_replaces_atomically_and_an_interrupted_import_leaves_the_old_version(tmp_path, monkeypatch):
    root = tmp_path / "data"
    src = acled_fixture(tmp_path / "acled.csv", bad=False, extra_bytes=False)
    import_file("acled", src, "ds", root)
    first = load_datasets(root)
    assert len(first) == 3

    import events.datasets as datasets

    def crash(rows, target):
        (target / "events.parquet").write_bytes(b"PAR1 half a file")
        raise KeyboardInterrupt("power cut mid-import")

    monkeypatch.setattr(datasets, "write_dataset", crash)
    with pytest.raises(KeyboardInterrupt):
        import_file("acled", src, "ds", root)
    monkeypatch.undo()
    again = load_datasets(root)
    assert list(again["id"]) == list(first["id"])
    names = sorted(p.name for p in root.iterdir() if p.suffix != ".lock")
    assert len(names) == 2 and names[1] == "ds" and names[0].startswith(".ds.v")  # the link and its one version
    assert (root / "ds").is_symlink() and not any(".importing" in n for n in names)  # nothing half-written left


def test_a_crash_between_the_two_renames_is_recovered(tmp_path):
    root = tmp_path / "data"
    src = acled_fixture(tmp_path / "acled.csv", bad=False, extra_bytes=False)
    import_file("acled", src, "ds", root)
    os.replace(root / "ds", root / ".ds.old-123")  # as if the process died right after the first rename
    assert [m["dataset"] for m in list_datasets(root)] == ["ds"]
    assert len(load_datasets(root)) == 3


def test_import_cli_reports_counts_and_bad_input_cleanly(tmp_path):
    src = acled_fixture(tmp_path / "acled.csv")
    res = run_cli("-m", "events", "import", "--format", "acled", str(src), "--dataset", "cli-test",
                  "--data", str(tmp_path / "data"))
    assert res.returncode == 0 and "read 10, imported 3, rejected 7" in res.stdout
    bad = run_cli("-m", "events", "import", "--format", "ucdp", str(src), "--dataset", "x", "--data",
                  str(tmp_path / "data"))
    assert bad.returncode == 1 and "missing column" in bad.stderr and "Traceback" not in bad.stderr
    listed = run_cli("-m", "events", "datasets", "--data", str(tmp_path / "data"))
    assert "cli-test" in listed.stdout


def test_query_sees_curated_and_datasets_as_one_table(tmp_path):
    from events.query import apply, make_filter
    from events.storage.files import load_store
    from tests.conftest import SEED_CATALOG

    import_file("acled", acled_fixture(tmp_path / "a.csv", bad=False, extra_bytes=False), "acled-x", tmp_path / "d")
    cat = load_store(SEED_CATALOG, tmp_path / "d", write_cache=False)
    assert len(cat.events) == 11 and set(cat.events["dataset"]) == {"curated", "acled-x"}
    tambov = apply(cat.events, make_filter(regions=["Tambov"]))
    assert sorted(tambov["dataset"]) == ["acled-x", "curated"]
    only = apply(cat.events, make_filter(regions=["Tambov"], datasets=["curated"]))
    assert list(only["id"]) == ["kotovsk-drone-impacts-2025-01-11"]


def test_export_of_curated_plus_datasets_reads_back_through_gdal(tmp_path):
    import pyogrio

    from events.export import export_bytes
    from events.storage.files import load_store
    from tests.conftest import SEED_CATALOG

    import_file("acled", acled_fixture(tmp_path / "a.csv", bad=False, extra_bytes=False), "acled-x", tmp_path / "d")
    import_file("ucdp", REAL / "ucdp_ged251_ukraine_2022_2024_sample2000_21col.csv", "ged25", tmp_path / "d") \
        if REAL.is_dir() else None
    cat = load_store(SEED_CATALOG, tmp_path / "d", write_cache=False)
    out = tmp_path / "all.geojson"
    out.write_bytes(export_bytes(cat.events, "geojson"))
    back = pyogrio.read_dataframe(out)
    assert sorted(back["id"]) == sorted(cat.events["id"])
    assert set(back["dataset"]) >= {"curated", "acled-x"}
    csv_back = pd.read_csv(io.BytesIO(export_bytes(cat.events, "csv")))
    assert len(csv_back) == len(cat.events)
