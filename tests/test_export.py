"""Exports read back by real readers: GDAL (pyogrio) for GeoJSON, pandas for CSV."""
from __future__ import annotations

import json

import pandas as pd
import pyogrio
import pytest

from events.export import CONTROL_COLUMNS, export_bytes
from events.query import Filter, apply
from events.records import load_catalog
from events.vocab import ACLED_COLUMNS, OUR_COLUMNS
from tests.conftest import SEED_CATALOG, record, run_cli, write_record


@pytest.fixture(scope="module")
def seed():
    return load_catalog(SEED_CATALOG, write_cache=False).events


def test_geojson_export_reads_back_through_gdal_with_every_id_coordinate_and_property(tmp_path, seed):
    out = tmp_path / "events.geojson"
    res = run_cli("-m", "events", "export", "--format", "geojson", "--out", str(out))
    assert res.returncode == 0, res.stderr
    gdf = pyogrio.read_dataframe(out)
    assert sorted(gdf["id"]) == sorted(seed["id"])
    back = gdf.set_index("id")
    for _, ev in seed.iterrows():
        pt = back.loc[ev["id"], "geometry"]
        assert pt.x == pytest.approx(ev["lon"], abs=1e-6) and pt.y == pytest.approx(ev["lat"], abs=1e-6)
        assert back.loc[ev["id"], "title"] == ev["title"]
        assert back.loc[ev["id"], "claim_status"] == ev["claim_status"]
        assert back.loc[ev["id"], "admin1_code"] == ev["admin1_code"]
        assert back.loc[ev["id"], "geo_precision"] == ev["geo_precision"]
    assert pyogrio.read_info(out)["crs"] == "EPSG:4326"


def test_geojson_is_rfc7946(seed):
    doc = json.loads(export_bytes(seed, "geojson"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    for feat in doc["features"]:
        lon, lat = feat["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert all(len(repr(c).split(".")[-1]) <= 6 for c in (lon, lat))
        assert feat["id"] == feat["properties"]["id"]
        assert isinstance(feat["properties"]["sources"], list)
        assert {"outlet", "url", "published", "quote"} <= set(feat["properties"]["sources"][0])
        for key in ("date", "event_type", "sub_event_type", "location_name", "fatalities", "injured",
                    "claim_status", "claimed_by", "uncertainty_km", "geocoded_by", "admin1", "tags", "actors"):
            assert key in feat["properties"]


def test_csv_has_acled_columns_in_order_then_ours_and_round_trips_values(tmp_path, seed):
    out = tmp_path / "events.csv"
    assert run_cli("-m", "events", "export", "--format", "csv", "--out", str(out)).returncode == 0
    df = pd.read_csv(out)
    assert list(df.columns) == list(ACLED_COLUMNS) + list(OUR_COLUMNS) + list(CONTROL_COLUMNS)
    assert len(ACLED_COLUMNS) == 31
    row = df.set_index("id").loc["prymorske-drone-strike-car-2025-01-11"]
    assert row["event_date"] == "2025-01-10" and row["time_precision"] == 1
    assert row["fatalities"] == 1 and row["iso"] == 804 and row["country"] == "Ukraine"
    assert row["admin1"] == "Zaporizhzhia Oblast" and row["geo_precision"] == 1
    assert row["latitude"] == pytest.approx(47.6449) and row["claim_status"] == "reported"
    kursk = df.set_index("id").loc["kursk-north-korean-soldiers-captured-2025-01-09"]
    assert kursk["time_precision"] == 2 and kursk["geo_precision"] == 3 and kursk["source"].count(";") == 2


def test_filtered_export_contains_exactly_the_filtered_ids(tmp_path, seed):
    out = tmp_path / "ru.geojson"
    res = run_cli("-m", "events", "export", "--format", "geojson", "--out", str(out), "--region", "RU",
                  "--claim", "claimed")
    assert res.returncode == 0
    ids = sorted(f["id"] for f in json.loads(out.read_text())["features"])
    expected = sorted(apply(seed, Filter(regions=("RU",), claims=("claimed",)))["id"])
    assert ids == expected == ["kursk-north-korean-soldiers-captured-2025-01-09",
                               "kursk-north-korean-soldiers-captured-died-2024-12"]


def test_export_to_stdout_equals_file_export(tmp_path):
    out = tmp_path / "a.csv"
    run_cli("-m", "events", "export", "--format", "csv", "--out", str(out), "--type", "Battles")
    res = run_cli("-m", "events", "export", "--format", "csv", "--out", "-", "--type", "Battles", binary=True)
    assert res.stdout == out.read_bytes()


def test_export_with_an_invalid_record_writes_nothing_and_exits_1(seed_catalog, tmp_path):
    write_record(seed_catalog, record(id="broken", event_type="Nope"))
    out = tmp_path / "out.geojson"
    res = run_cli("-m", "events", "export", "--catalog", str(seed_catalog), "--format", "geojson", "--out", str(out))
    assert res.returncode == 1 and not out.exists()
    assert "broken.yaml: event_type:" in res.stderr


def test_skip_invalid_writes_the_valid_ones_and_names_each_skipped_file(seed_catalog, tmp_path):
    write_record(seed_catalog, record(id="broken", event_type="Nope"))
    out = tmp_path / "out.geojson"
    res = run_cli("-m", "events", "export", "--catalog", str(seed_catalog), "--format", "geojson",
                  "--out", str(out), "--skip-invalid")
    assert res.returncode == 0
    assert f"skipped invalid record: {seed_catalog / 'broken.yaml'}" in res.stderr
    assert len(json.loads(out.read_text())["features"]) == 8


def test_empty_result_exports_valid_empty_documents(seed):
    empty = apply(seed, Filter(q="no such text anywhere"))
    assert json.loads(export_bytes(empty, "geojson"))["features"] == []
    assert export_bytes(empty, "csv").decode().strip() == ",".join(ACLED_COLUMNS + OUR_COLUMNS + CONTROL_COLUMNS)


def test_streamed_geojson_is_one_valid_document_in_order_across_chunks(seed, monkeypatch):
    import events.export as export
    import events.features as features

    whole = export_bytes(seed, "geojson")
    monkeypatch.setattr(features, "CHUNK", 3)  # 8 events -> chunks of 3, 3, 2, built two at a time
    parts = list(export.chunks(seed, "geojson"))
    assert len(parts) == 5  # header, three chunks, footer
    assert b"".join(parts) == whole
    assert [f["id"] for f in json.loads(whole)["features"]] == list(seed["id"])


def test_exports_say_each_events_review_state_and_imported_rows_are_approved(tmp_path):
    import io
    import json

    import pandas as pd

    from events.export import csv_chunks, geojson_chunks
    from events.records import load_catalog
    from tests.conftest import SEED_CATALOG

    df = load_catalog(SEED_CATALOG).events.head(3).copy()
    df["review"] = pd.Series(["draft", None, "approved"], index=df.index, dtype=object)  # None: an imported row
    feats = json.loads(b"".join(geojson_chunks(df)))["features"]
    assert [f["properties"]["review"] for f in feats] == ["draft", "approved", "approved"]
    rows = pd.read_csv(io.BytesIO(b"".join(csv_chunks(df))))
    assert rows["review"].tolist() == ["draft", "approved", "approved"]


def test_a_csv_export_keeps_one_column_set_when_a_source_column_is_empty_in_its_first_rows():
    import csv
    import io

    import pandas as pd

    from events.export import csv_stream
    from events.records import load_catalog
    from tests.conftest import SEED_CATALOG

    df = load_catalog(SEED_CATALOG).events
    big = pd.concat([df] * 7000, ignore_index=True)  # 63,000 rows: two of the export's 50,000-row chunks
    big["x_data_id"] = None
    big.loc[55_000:, "x_data_id"] = "17"
    rows = list(csv.reader(io.StringIO(b"".join(csv_stream([big])).decode())))
    assert "data_id" in rows[0]
    assert {len(r) for r in rows[1:]} == {len(rows[0])}  # every row as wide as the header
    assert rows[-1][rows[0].index("data_id")] == "17" and rows[1][rows[0].index("data_id")] == ""
