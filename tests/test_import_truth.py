"""Imports that are right, honestly imprecise, or refused with a reason: never silently wrong.

Every fixture is written here in the real layout it stands for (ACLED rows may not be
redistributed, so none are copied): ACLED exports of two vintages, a reduced extract, a
civil-harm table with US dates, hostile rows.
"""
from __future__ import annotations

import csv
import io
import json
import threading
from pathlib import Path

import pandas as pd
import pytest

from events.datasets import DatasetError, import_file, load_datasets
from events.importers import ImportFileError
from events.vocab import ACLED_COLUMNS
from tests.conftest import run_cli


def write_csv(path: Path, header: list[str], rows: list[list], line_end: str = "\n") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=line_end)
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def acled_row(**values) -> dict:
    base = {c: "" for c in ACLED_COLUMNS}
    base.update(event_id_cnty="UKR1", event_date="2025-01-10", year="2025", time_precision="1",
                disorder_type="Political violence", event_type="Explosions/Remote violence",
                sub_event_type="Shelling/artillery/missile attack", actor1="Military Forces of Russia (2000-)",
                actor2="Civilians (Ukraine)", inter1="State forces", inter2="Civilians",
                interaction="State forces-Civilians", civilian_targeting="Civilian targeting", iso="804",
                region="Europe", country="Ukraine", admin1="Donetsk", admin2="Pokrovskyi", location="Pokrovsk",
                latitude="48.2801", longitude="37.1771", geo_precision="1", source="Ukrinform",
                source_scale="National", notes="On 10 January 2025, Russian forces shelled Pokrovsk.",
                fatalities="1", tags="", timestamp="1736600000")
    base.update(values)
    return base


def acled_file(path: Path, rows: list[dict], extra: tuple[str, ...] = ()) -> Path:
    header = list(ACLED_COLUMNS) + list(extra)
    return write_csv(path, header, [[r.get(c, "") for c in header] for r in rows])


def rejects_of(root: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(root / name / "rejects.csv", dtype=str, keep_default_na=False)


# --- dates -------------------------------------------------------------------------------------------------------

def test_us_slash_dates_are_read_month_first_when_the_file_says_so(tmp_path):
    rows = [acled_row(event_id_cnty=f"UKR{i}", event_date=d, year="2025")
            for i, d in enumerate(["01/02/2025", "03/04/2025", "11/23/2025"])]
    m = import_file("acled", acled_file(tmp_path / "us.csv", rows), "us", tmp_path / "data")
    assert m["imported"] == 3 and any("month first" in n for n in m["notes"])
    got = load_datasets(tmp_path / "data").set_index("source_row")["date"].dt.strftime("%Y-%m-%d").to_dict()
    assert got == {"UKR0": "2025-01-02", "UKR1": "2025-03-04", "UKR2": "2025-11-23"}


def test_acled_day_first_dates_with_a_midnight_time_all_import(tmp_path):
    rows = [acled_row(event_id_cnty=f"UKR{i}", event_date=d, year=d[6:10])
            for i, d in enumerate(["14/08/2020 00:00:00", "01/09/2020 00:00:00", "02/09/2020"])]
    rows.append(acled_row(event_id_cnty="UKR9", event_date="15 April 2022", year="2022"))
    m = import_file("acled", acled_file(tmp_path / "a.csv", rows), "a", tmp_path / "data")
    assert (m["imported"], m["rejected"]) == (4, 0), rejects_of(tmp_path / "data", "a")
    got = load_datasets(tmp_path / "data").set_index("source_row")["date"].dt.strftime("%Y-%m-%d").to_dict()
    assert got == {"UKR0": "2020-08-14", "UKR1": "2020-09-01", "UKR2": "2020-09-02", "UKR9": "2022-04-15"}


def test_undecidable_slash_dates_refuse_the_file_and_name_the_option(tmp_path):
    path = write_csv(tmp_path / "harm.csv", ["id", "date", "latitude", "longitude", "categories"],
                     [["1", "01/02/2025", "48.28", "37.18", "Residential"],
                      ["2", "03/04/2025", "48.28", "37.18", "Residential"]])
    args = ["-m", "events", "--data", str(tmp_path / "data"), "import", "--format", "csv", str(path),
            "--dataset", "harm", "--map", "id=id", "--map", "date=date", "--map", "lat=latitude",
            "--map", "lon=longitude", "--map", "category=categories",
            "--type-map", "Residential=Explosions/Remote violence/Shelling/artillery/missile attack"]
    res = run_cli(*args)
    assert res.returncode == 1 and "--date-format" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "data" / "harm").exists()
    ok = run_cli(*args, "--date-format", "mdy")
    assert ok.returncode == 0, ok.stderr
    manifest = json.loads((tmp_path / "data" / "harm" / "manifest.json").read_text())
    assert any("mdy as --date-format says" in n for n in manifest["notes"])


def test_a_date_that_contradicts_the_year_column_is_rejected(tmp_path):
    rows = [acled_row(event_id_cnty="UKR1", event_date="2025-01-10", year="2025"),
            acled_row(event_id_cnty="UKR2", event_date="2024-01-10", year="2025")]
    m = import_file("acled", acled_file(tmp_path / "a.csv", rows), "a", tmp_path / "data")
    assert (m["imported"], m["rejected"]) == (1, 1)
    assert "differs from the year column" in rejects_of(tmp_path / "data", "a")["reason"][0]


def test_excel_serial_dates_only_when_asked(tmp_path):
    path = write_csv(tmp_path / "x.csv", ["id", "when", "lat", "lon", "type"],
                     [["1", "45667", "48.28", "37.18", "Battles"]])
    base = dict(columns={"id": "id", "date": "when", "lat": "lat", "lon": "lon", "event_type": "type"})
    with pytest.raises(DatasetError, match="--date-format excel"):  # its one row refused: no dataset made
        import_file("csv", path, "x", tmp_path / "data", **base)
    m = import_file("csv", path, "x", tmp_path / "data", date_format="excel", replace=True, **base)
    assert m["imported"] == 1
    assert str(load_datasets(tmp_path / "data")["date"].iloc[0].date()) == "2025-01-10"


# --- places and regions ----------------------------------------------------------------------------------------

def test_acled_kyiv_is_the_oblast_and_kyiv_city_the_city(tmp_path):
    rows = [acled_row(event_id_cnty="UKR1", admin1="Kyiv", location="Bucha", latitude="50.5438", longitude="30.2120"),
            acled_row(event_id_cnty="UKR2", admin1="Kyiv City", location="Kyiv", latitude="50.4501",
                      longitude="30.5234")]
    import_file("acled", acled_file(tmp_path / "a.csv", rows), "a", tmp_path / "data")
    df = load_datasets(tmp_path / "data").set_index("source_row")
    assert df.loc["UKR1", "admin1_code"] == "UA-32" and df.loc["UKR2", "admin1_code"] == "UA-30"
    assert df["geo_flags"].isna().all()


def test_a_region_name_the_coordinates_contradict_is_flagged_and_counted(tmp_path):
    # Kharkiv named, but the point is Pokrovsk (Donetsk Oblast, ~130 km from Kharkiv Oblast)
    rows = [acled_row(event_id_cnty="UKR1", admin1="Kharkiv"), acled_row(event_id_cnty="UKR2")]
    m = import_file("acled", acled_file(tmp_path / "a.csv", rows), "a", tmp_path / "data")
    df = load_datasets(tmp_path / "data").set_index("source_row")
    assert m["flagged"] == 1 and any("admin1-mismatch" in n for n in m["notes"])
    assert df.loc["UKR1", "geo_flags"][0].startswith("admin1-mismatch") and "UA-14" in df.loc["UKR1", "geo_flags"][0]
    assert df.loc["UKR2", "geo_flags"] is None


@pytest.mark.parametrize("place, lat, lon, code", [
    ("Kherson", "46.6354", "32.6169", "UA-65"),
    ("Ochakiv", "46.6127", "31.5435", "UA-48"),
])
def test_points_on_the_coast_or_river_get_the_nearest_region(tmp_path, place, lat, lon, code):
    rows = [acled_row(event_id_cnty="UKR1", admin1="", location=place, latitude=lat, longitude=lon, iso="",
                      country="")]
    m = import_file("acled", acled_file(tmp_path / "a.csv", rows), "a", tmp_path / "data")
    df = load_datasets(tmp_path / "data")
    assert df["admin1_code"].iloc[0] == code and df["country"].iloc[0] == "UA"
    assert "admin1-nearest" in df["geo_flags"].iloc[0][0]
    out = run_cli("-m", "events", "--data", str(tmp_path / "data"), "list", "--region", code)
    assert out.returncode == 0 and "1 of" in out.stdout


def test_a_point_at_or_next_to_null_island_is_rejected(tmp_path):
    rows = [acled_row(event_id_cnty="UKR1", latitude="0", longitude="0"),
            acled_row(event_id_cnty="UKR2", latitude="0.0001", longitude="-0.0002"),
            acled_row(event_id_cnty="UKR3")]
    m = import_file("acled", acled_file(tmp_path / "a.csv", rows), "a", tmp_path / "data")
    assert (m["imported"], m["rejected"]) == (1, 2)
    assert rejects_of(tmp_path / "data", "a")["reason"].str.contains("0,0").all()


# --- nothing lost ------------------------------------------------------------------------------------------------

def test_acled_export_round_trips_every_column_including_unknown_ones(tmp_path):
    extra = ("data_id", "event_id_no_cnty", "iso3", "actor_dyad", "id")
    rows = [acled_row(event_id_cnty="UKR1", data_id="9001", event_id_no_cnty="1", iso3="UKR",
                      actor_dyad="Military Forces of Russia (2000-) - Civilians (Ukraine)", id="acled-own-1"),
            acled_row(event_id_cnty="UKR2", data_id="9002", event_id_no_cnty="2", iso3="UKR", actor_dyad="x",
                      id="acled-own-2", notes='=HYPERLINK("http://evil.example")')]
    src = acled_file(tmp_path / "a.csv", rows, extra)
    m = import_file("acled", src, "a", tmp_path / "data")
    assert m["extra_columns"] == list(extra)
    out = tmp_path / "back.csv"
    res = run_cli("-m", "events", "--data", str(tmp_path / "data"), "export", "--format", "csv", "--dataset", "a",
                  "--raw", "--out", str(out))
    assert res.returncode == 0, res.stderr
    original = pd.read_csv(src, dtype=str, keep_default_na=False).set_index("event_id_cnty")
    back = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("event_id_cnty")
    for col in ACLED_COLUMNS[1:] + ("data_id", "event_id_no_cnty", "iso3", "actor_dyad"):
        assert back[col].to_dict() == original[col].to_dict(), col
    assert back["source_id"].to_dict() == {"UKR1": "acled-own-1", "UKR2": "acled-own-2"}  # theirs, beside ours
    assert back["id"].tolist() == ["acled-UKR1", "acled-UKR2"]


def test_a_reduced_acled_extract_imports_and_says_what_was_derived(tmp_path):
    path = write_csv(tmp_path / "reduced.csv",
                     ["event_date", "event_type", "location", "latitude", "longitude", "fatalities"],
                     [["2025-01-10", "Battles", "Pokrovsk", "48.2801", "37.1771", "2"],
                      ["2025-01-11", "Explosions/Remote violence", "Kotovsk", "52.5905", "41.5025", ""],
                      ["2025-01-11", "Explosions/Remote violence", "Kotovsk", "52.5905", "41.5025", ""]])
    m = import_file("acled", path, "reduced", tmp_path / "data")
    assert (m["imported"], m["rejected"]) == (3, 0)
    notes = " ".join(m["notes"])
    assert "id: no id column" in notes and "country:" in notes
    df = load_datasets(tmp_path / "data")
    assert df["country"].tolist() == ["UA", "RU", "RU"] and df["id"].is_unique
    assert df["fatalities"].isna().tolist() == [False, True, True]  # unknown stays unknown, never 0
    again = import_file("acled", path, "reduced", tmp_path / "data")  # same content, same ids
    assert load_datasets(tmp_path / "data")["id"].tolist() == df["id"].tolist() and again["imported"] == 3


def test_civil_harm_table_with_a_stated_type_map(tmp_path):
    path = write_csv(tmp_path / "harm.csv",
                     ["id", "date", "latitude", "longitude", "location", "description", "categories", "sources"],
                     [["CIV1", "01/13/2025", "48.2801", "37.1771", "Pokrovsk", "Shelling hit a house",
                       "Residential;Civilian casualties", "https://example.org/1"],
                      ["CIV2", "02/01/2025", "47.6449", "35.2907", "Prymorske", "Drone hit a car", "Vehicle",
                       "javascript:alert(1)"],
                      ["CIV3", "02/02/2025", "47.6449", "35.2907", "Prymorske", "Something", "Unmapped thing", ""]])
    m = import_file("csv", path, "harm", tmp_path / "data",
                    columns={"id": "id", "date": "date", "lat": "latitude", "lon": "longitude",
                             "location": "location", "notes": "description", "category": "categories",
                             "source_url": "sources"},
                    type_map={"Civilian casualties": "Violence against civilians/Attack",
                              "Vehicle": "Air/drone strike"})
    assert (m["imported"], m["rejected"]) == (2, 1)
    assert "no stated type mapping" in rejects_of(tmp_path / "data", "harm")["reason"][0]
    df = load_datasets(tmp_path / "data").set_index("source_row")
    assert df.loc["CIV1", "sub_event_type"] == "Attack" and str(df.loc["CIV1", "date"].date()) == "2025-01-13"
    assert df.loc["CIV2", "event_type"] == "Explosions/Remote violence"
    assert df.loc["CIV1", "source_urls"] == "https://example.org/1" and pd.isna(df.loc["CIV2", "source_urls"])


def test_geojson_importer_handed_a_csv_says_so(tmp_path):
    path = write_csv(tmp_path / "events.csv", ["a", "b"], [["1", "2"]])
    res = run_cli("-m", "events", "--data", str(tmp_path / "data"), "import", "--format", "geojson", str(path),
                  "--dataset", "x")
    assert res.returncode == 1 and "not GeoJSON" in res.stderr and "--format" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_reimport_that_would_wipe_a_dataset_is_refused_without_replace(tmp_path):
    root = tmp_path / "data"
    rows = [acled_row(event_id_cnty=f"UKR{i}") for i in range(10)]
    import_file("acled", acled_file(tmp_path / "good.csv", rows), "a", root)
    empty = acled_file(tmp_path / "empty.csv", [])
    with pytest.raises(DatasetError, match="--replace"):
        import_file("acled", empty, "a", root)
    assert len(load_datasets(root)) == 10
    res = run_cli("-m", "events", "--data", str(root), "import", "--format", "acled", str(empty), "--dataset", "a")
    assert res.returncode == 1 and "nothing was replaced" in res.stderr
    assert import_file("acled", empty, "a", root, replace=True)["imported"] == 0


# --- one bad row never stops an import -------------------------------------------------------------------------

def test_malformed_rows_are_rejected_with_their_lines_and_the_rest_imports(tmp_path):
    good = [acled_row(event_id_cnty=f"UKR{i}") for i in range(6)]
    header = list(ACLED_COLUMNS)
    lines = [",".join(header)]
    for r in good[:2]:
        lines.append(",".join(f'"{r[c]}"' for c in header))          # lines 2, 3
    lines.append(",".join(f'"{good[2][c]}"' for c in header) + ",extra")  # line 4: a field too many
    lines.append('"UKR-short","2025-01-10"')                               # line 5: too few
    r = dict(good[3], notes="line one\nline two")
    lines.append(",".join(f'"{r[c]}"' for c in header))                   # lines 6-7
    lines.append(",".join(f'"{good[4][c]}"' for c in header))             # line 8
    lines.append('"UKR-open","2025-01-10,unclosed')                         # line 9: swallows the rest
    lines.append(",".join(f'"{good[5][c]}"' for c in header))
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    m = import_file("acled", path, "a", tmp_path / "data")
    assert m["rows_read"] == m["imported"] + m["rejected"]
    rej = rejects_of(tmp_path / "data", "a")
    assert rej["line"].tolist()[:2] == ["4", "5"] and "32 field(s) where the header has 31" in rej["reason"][0]
    assert rej["line"].tolist()[2] == "9" and "unclosed quote" in rej["reason"][2]
    assert sorted(load_datasets(tmp_path / "data")["source_row"]) == ["UKR0", "UKR1", "UKR3", "UKR4"]
    got = load_datasets(tmp_path / "data").set_index("source_row")
    assert got.loc["UKR3", "notes"] == "line one\nline two"


@pytest.mark.parametrize("field, value, fragment", [
    ("fatalities", "-3", "not a whole number"),
    ("fatalities", "many", "not a whole number"),
    ("fatalities", "1.5", "not a whole number"),
    ("fatalities", "1e30", "not a whole number"),
    ("fatalities", "inf", "not a whole number"),
    ("event_date", "2999-01-01", "in the future"),
    ("event_date", "2025-02-30", "not a calendar date"),
])
def test_bad_values_reject_their_row_only(tmp_path, field, value, fragment):
    rows = [acled_row(event_id_cnty="UKR1", **{field: value}), acled_row(event_id_cnty="UKR2")]
    m = import_file("acled", acled_file(tmp_path / "a.csv", rows), "a", tmp_path / "data")
    assert (m["imported"], m["rejected"]) == (1, 1)
    assert fragment in rejects_of(tmp_path / "data", "a")["reason"][0]


def test_duplicate_header_names_refuse_the_file_with_a_reason(tmp_path):
    path = write_csv(tmp_path / "d.csv", list(ACLED_COLUMNS) + ["notes"], [])
    with pytest.raises(ImportFileError, match="'notes' twice"):
        import_file("acled", path, "a", tmp_path / "data")


def test_a_huge_row_is_rejected_and_the_others_import(tmp_path):
    rows = [acled_row(event_id_cnty="UKR1", notes="x" * 20_000_000), acled_row(event_id_cnty="UKR2")]
    m = import_file("acled", acled_file(tmp_path / "a.csv", rows), "a", tmp_path / "data")
    assert (m["imported"], m["rejected"]) == (1, 1)
    assert "bytes" in rejects_of(tmp_path / "data", "a")["reason"][0]


def _geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.1771, 48.2801]},
         "properties": {"id": f"e{i}", "date": "2025-01-10", "event_type": "Battles",
                        "sub_event_type": "Armed clash", **p}} for i, p in enumerate(features)]}))
    return path


@pytest.mark.parametrize("props, fragment", [
    ({"fatalities": 1.5}, "not a whole number"),
    ({"fatalities": "inf"}, "not a whole number"),
    ({"fatalities": 1e30}, "not a whole number"),
    ({"fatalities": -1}, "not a whole number"),
    ({"date": "not a date"}, "not a date"),
    ({"uncertainty_km": -5}, "above 0"),
    ({"end_date": "2025-01-01"}, "before"),
])
def test_geojson_bad_values_reject_their_feature_only(tmp_path, props, fragment):
    path = _geojson(tmp_path / "e.geojson", [props, {"fatalities": 2}])
    m = import_file("geojson", path, "g", tmp_path / "data")
    assert (m["imported"], m["rejected"]) == (1, 1), rejects_of(tmp_path / "data", "g")
    assert fragment in rejects_of(tmp_path / "data", "g")["reason"][0]


def test_two_imports_of_one_dataset_at_once_the_second_is_refused(tmp_path):
    import fcntl

    root = tmp_path / "data"
    root.mkdir()
    src = acled_file(tmp_path / "a.csv", [acled_row()])
    with open(root / ".a.lock", "a+") as held:  # another import holds the dataset
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("pid 4242")
        held.flush()
        with pytest.raises(DatasetError, match="being imported by pid 4242"):
            import_file("acled", src, "a", root)
    assert import_file("acled", src, "a", root)["imported"] == 1  # free again once released


def test_a_reader_during_a_reimport_never_fails(tmp_path):
    root = tmp_path / "data"
    rows = [acled_row(event_id_cnty=f"UKR{i}") for i in range(50)]
    src = acled_file(tmp_path / "a.csv", rows)
    import_file("acled", src, "a", root)
    errors, counts = [], []
    done = threading.Event()

    def read():
        while not done.is_set():
            try:
                counts.append(len(load_datasets(root)))
            except Exception as exc:  # noqa: BLE001 - the test records any failure
                errors.append(exc)

    t = threading.Thread(target=read)
    t.start()
    try:
        for _ in range(8):
            import_file("acled", src, "a", root)
    finally:
        done.set()
        t.join()
    assert errors == [] and counts and set(counts) == {50}


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
@pytest.mark.parametrize("filters", [{}, {"regions": ["UA-14"]}, {"datasets": ["b"]}, {"q": "note \"1"},
                                     {"date_from": "2024-03-05", "actors": ["Ukraine"]}])
def test_an_export_streamed_from_the_files_equals_the_export_of_the_loaded_table(tmp_path, fmt, filters):
    """The command line streams an export batch by batch from the dataset files; the dashboard
    exports its loaded table: the same bytes, however many datasets and their own columns."""
    from events.filters import make_filter
    from events.storage.embedded import EmbeddedStorage
    from tests.conftest import SEED_CATALOG

    rows = [acled_row(event_id_cnty=f"UKR{i}", event_date=f"{1 + i % 28:02d}/0{1 + i % 9}/2024", year="2024",
                      data_id=str(900 + i) if i % 3 else "", notes=f'note "{i}" \\ with\ttab')
            for i in range(250)]
    import_file("acled", acled_file(tmp_path / "a.csv", rows, extra=("data_id",)), "a", tmp_path / "data")
    import_file("acled", acled_file(tmp_path / "b.csv", rows[:40]), "b", tmp_path / "data")
    f = make_filter(**filters)
    streamed = EmbeddedStorage(SEED_CATALOG, tmp_path / "data", write_cache=False)
    stats: dict = {}
    got = b"".join(streamed.export(f, fmt, stats=stats))
    assert streamed._loaded is None  # it never loaded the table
    loaded = EmbeddedStorage(SEED_CATALOG, tmp_path / "data", write_cache=False)
    _ = loaded.table
    assert got == b"".join(loaded.export(f, fmt))
    assert stats["rows"] == loaded.count(f) > 0
