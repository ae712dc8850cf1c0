"""Control snapshots: the three layouts read, stored as GeoParquet, found by date; events tagged
with the control of their place; capture claims checked; the check as a filter and as columns."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from events.errors import TerritoryError
from events.filters import from_query, make_filter
from events.storage import open_storage
from events.territory.control import changes, check_claims, tag
from events.territory.formats import read_file
from events.territory.snapshots import Archive, import_snapshots
from tests.conftest import run_cli
from tests.territory_files import KURAKHOVE, SHEVCHENKO, box, deepstate_json, write_all

KURAKHOVE_CLAIM = "kurakhove-russian-capture-claim-2025-01-06"
SHEVCHENKO_CLAIM = "shevchenko-russian-capture-claim-2025-01-11"


@pytest.fixture
def snapshots(tmp_path: Path, monkeypatch) -> Path:
    """A data directory holding the drawn snapshots of source 'drawn'."""
    data = tmp_path / "data"
    monkeypatch.setenv("EVENTS_DATA", str(data))
    import_snapshots(write_all(tmp_path / "src"), "drawn", data)
    return data


def test_deepstate_snapshot_keeps_status_areas_and_skips_other_layers(tmp_path):
    path = tmp_path / "last.json"
    path.write_text(json.dumps(deepstate_json()), encoding="utf-8")
    r = read_file(path)
    assert r.fmt == "deepstate"
    assert [(p.date, p.status) for p in r.pieces] == [(dt.date(2025, 1, 3), "occupied"), (dt.date(2025, 1, 3), "contested")]
    assert r.pieces[1].label == "geoJSON.status.unknown"  # the source's own label, kept
    assert r.skipped == 2  # the territories.* layer and the point
    assert not r.pieces[0].geometry.has_z  # 3-D coordinates flattened
    assert r.captured == "2025-01-03T20:15:00Z"


def test_deepstate_snapshot_sent_as_a_json_string_is_read(tmp_path):
    path = tmp_path / "last.json"
    path.write_text(json.dumps(json.dumps(deepstate_json())), encoding="utf-8")
    assert len(read_file(path).pieces) == 2


def test_archive_file_takes_its_date_from_its_name_and_means_occupied(tmp_path):
    path = write_all(tmp_path)[1]
    r = read_file(path)
    assert r.fmt == "archive"
    assert {(p.date, p.status) for p in r.pieces} == {(dt.date(2025, 1, 8), "occupied")}


def test_geojson_features_carry_their_own_dates_and_statuses(tmp_path):
    path = tmp_path / "isw.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"date": "2025-02-01", "status": "Assessed Russian-controlled"},
         "geometry": {"type": "Polygon", "coordinates": box(37, 48, 38, 49)}},
        {"type": "Feature", "properties": {"date": "2025-02-02T23:30:00+02:00", "status": "Ukrainian-controlled"},
         "geometry": {"type": "Polygon", "coordinates": box(35, 51, 36, 52)}}]}), encoding="utf-8")
    r = read_file(path)
    assert [(p.date, p.status, p.label) for p in r.pieces] == [
        (dt.date(2025, 2, 1), "occupied", "Assessed Russian-controlled"),
        (dt.date(2025, 2, 2), "held", "Ukrainian-controlled")]  # 23:30 at UTC+2 is still the 2nd in UTC


def test_a_snapshot_without_a_date_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "occupied.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"status": "occupied"},
         "geometry": {"type": "Polygon", "coordinates": box(37, 48, 38, 49)}}]}), encoding="utf-8")
    with pytest.raises(TerritoryError, match="occupied.geojson: no date"):
        read_file(path)
    got = run_cli("-m", "events", "--data", str(tmp_path / "data"), "territory", "import", str(path), "--source", "x")
    assert got.returncode == 1 and "occupied.geojson: no date" in got.stderr and "Traceback" not in got.stderr
    assert not (tmp_path / "data" / "_territory" / "x" / "snapshots.parquet").exists()


def test_an_unknown_status_label_is_refused_until_the_user_maps_it(tmp_path):
    path = tmp_path / "2025-03-01.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"status": "Partisan activity"},
         "geometry": {"type": "Polygon", "coordinates": box(37, 48, 38, 49)}}]}), encoding="utf-8")
    r = read_file(path)
    assert not r.pieces and "unknown status 'Partisan activity'" in r.rejects[0][1] and "--status-map" in r.rejects[0][1]
    assert read_file(path, status_map={"partisan activity": "contested"}).pieces[0].status == "contested"


def test_import_stores_geoparquet_with_manifest_and_rejects_and_a_reimport_replaces_only_its_dates(tmp_path):
    data = tmp_path / "data"
    files = write_all(tmp_path / "src")
    import_snapshots(files, "drawn", data)
    folder = data / "_territory" / "drawn"
    gdf = gpd.read_parquet(folder / "snapshots.parquet")  # a GeoParquet reader, not ours
    assert sorted(set(gdf["date"].astype(str))) == ["2025-01-03", "2025-01-08", "2025-01-20"]
    assert set(gdf["status"]) == {"occupied", "contested"} and gdf.crs is None or gdf.crs.to_epsg() in (None, 4326)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["snapshots"] == 3 and len(manifest["files"]) == 3 and manifest["rejected"] == 0
    assert (folder / "rejects.csv").read_text().startswith("file,feature,reason")
    # a new capture of 2025-01-08 replaces that date alone
    moved = tmp_path / "src2" / "deepstatemap_data_20250108.geojson"
    moved.parent.mkdir()
    moved.write_text(json.dumps({"type": "MultiPolygon", "coordinates": [box(37.0, 47.6, 38.5, 48.5)]}))
    r = import_snapshots([moved], "drawn", data)
    assert r.replaced == ["2025-01-08"]
    archive = Archive(data)
    assert archive.dates("drawn") == [dt.date(2025, 1, 3), dt.date(2025, 1, 8), dt.date(2025, 1, 20)]
    assert archive.snapshot("drawn", dt.date(2025, 1, 8)).geometry("occupied").bounds[0] == 37.0
    assert archive.snapshot("drawn", dt.date(2025, 1, 3)).geometry("contested") is not None


def test_as_of_is_the_latest_snapshot_on_or_before_the_day(snapshots):
    a = Archive(snapshots)
    assert a.as_of("drawn", dt.date(2025, 1, 2)) is None
    assert a.as_of("drawn", dt.date(2025, 1, 3)).date == dt.date(2025, 1, 3)
    assert a.as_of("drawn", dt.date(2025, 1, 19)).date == dt.date(2025, 1, 8)
    assert a.as_of("drawn", dt.date(2026, 1, 1)).date == dt.date(2025, 1, 20)


def test_each_event_gets_the_control_of_its_place_at_its_date(snapshots):
    frame = pd.DataFrame({
        "date": pd.to_datetime(["2025-01-05", "2025-01-09", "2025-01-09", "2025-01-21", "2025-01-09", "2024-12-01"]),
        "lon": [KURAKHOVE[0], KURAKHOVE[0], SHEVCHENKO[0], SHEVCHENKO[0], 41.5, KURAKHOVE[0]],
        "lat": [KURAKHOVE[1], KURAKHOVE[1], SHEVCHENKO[1], SHEVCHENKO[1], 52.6, KURAKHOVE[1]],
        "country": ["UA", "UA", "UA", "UA", "RU", "UA"]})
    got = tag(Archive(snapshots), frame)
    assert got["control"].tolist() == ["contested", "occupied", "held", "contested", None, None]
    assert got["control_date"].dt.strftime("%Y-%m-%d").fillna("").tolist() == [
        "2025-01-03", "2025-01-08", "2025-01-08", "2025-01-20", "2025-01-08", ""]


def test_capture_claims_are_checked_against_every_snapshot(snapshots):
    store = open_storage(data=snapshots)
    checks = store.control_checks()
    k = checks.loc[KURAKHOVE_CLAIM]
    assert k["control_check"] == "corroborated"
    assert "corroborated by drawn on 2025-01-08 (2 days after the claim)" in k["control_check_note"]
    share = float(k["control_check_note"].split("; ")[1].split("%")[0])
    assert 50 < share < 100  # the 2.7 km circle reaches west of the occupied area's edge
    s = checks.loc[SHEVCHENKO_CLAIM]
    assert s["control_check"] == "not_corroborated" and "as of its latest snapshot, 2025-01-20" in s["control_check_note"]
    assert set(checks.index) == {KURAKHOVE_CLAIM, SHEVCHENKO_CLAIM}  # the others claim no ground


def test_already_held_and_uncovered_claims(snapshots):
    claims = pd.DataFrame({
        "id": ["late", "future", "ua"], "date": pd.to_datetime(["2025-01-15", "2025-03-01", "2025-01-15"]),
        "lon": [KURAKHOVE[0], SHEVCHENKO[0], KURAKHOVE[0]], "lat": [KURAKHOVE[1], SHEVCHENKO[1], KURAKHOVE[1]],
        "country": ["UA"] * 3,
        "uncertainty_km": [None, None, None], "sub_event_type": ["Non-state actor overtakes territory"] * 2
        + ["Government regains territory"], "actor1": ["Military Forces of Russia"] * 2 + ["Military Forces of Ukraine"],
        "claimed_by": [None] * 3})
    got = check_claims(Archive(snapshots), claims)
    assert got["control_check"].tolist() == ["already", "no_snapshot", "not_corroborated"]
    assert "already held by the claimant's side on 2025-01-08" in got["control_check_note"][0]


def test_changes_between_two_dates_are_the_ground_that_changed_hands(snapshots):
    got = changes(Archive(snapshots), "drawn", dt.date(2025, 1, 5), dt.date(2025, 1, 10))
    assert (got["from"], got["to"]) == (dt.date(2025, 1, 3), dt.date(2025, 1, 8))
    assert got["regained"] is None
    from shapely import Point

    assert got["taken"].contains(Point(*KURAKHOVE))  # the strip west of the old line
    assert not got["taken"].contains(Point(37.5, 48.0))  # occupied on both dates: not a change
    assert not got["taken"].contains(Point(*SHEVCHENKO))


def test_the_check_is_a_filter_in_the_url_and_the_command_line(snapshots):
    f, notices = from_query({"check": ["corroborated"]})
    assert not notices and f.check == ("corroborated",)
    store = open_storage(data=snapshots)
    assert store.select(f, ["id"])["id"].tolist() == [KURAKHOVE_CLAIM]
    assert store.count(make_filter(check=["not_corroborated", "corroborated"])) == 2
    assert from_query({"check": ["maybe"]})[1][0].startswith("Ignored URL parameter check: unknown control check")
    got = run_cli("-m", "events", "list", "--check", "not_corroborated", env={"EVENTS_DATA": str(snapshots)})
    assert got.returncode == 0 and SHEVCHENKO_CLAIM in got.stdout and KURAKHOVE_CLAIM not in got.stdout
    got = run_cli("-m", "events", "territory", "check", env={"EVENTS_DATA": str(snapshots)})
    assert got.returncode == 0 and "corroborated by drawn on 2025-01-08" in got.stdout


def test_exports_carry_the_control_columns(snapshots, tmp_path):
    out = tmp_path / "e.geojson"
    assert run_cli("-m", "events", "export", "--format", "geojson", "--out", str(out),
                   env={"EVENTS_DATA": str(snapshots)}).returncode == 0
    gdf = pyogrio.read_dataframe(out).set_index("id")
    assert gdf.loc[KURAKHOVE_CLAIM, "control_check"] == "corroborated"
    assert gdf.loc[KURAKHOVE_CLAIM, "control"] == "contested"
    assert str(gdf.loc["pokrovsk-casualties-2025-01-10", "control_date"])[:10] == "2025-01-08"
    assert gdf.loc["pokrovsk-casualties-2025-01-10", "control"] == "held"
    csv = tmp_path / "e.csv"
    assert run_cli("-m", "events", "export", "--format", "csv", "--out", str(csv), "--check", "not_corroborated",
                   env={"EVENTS_DATA": str(snapshots)}).returncode == 0
    rows = pd.read_csv(csv)
    assert rows["id"].tolist() == [SHEVCHENKO_CLAIM]
    assert rows["control_check"].tolist() == ["not_corroborated"] and rows["control"].tolist() == ["held"]


def test_without_snapshots_the_control_columns_are_empty(tmp_path):
    store = open_storage()
    df = store.with_control(store.select(make_filter(), ["id", "date", "lon", "lat", "country"]))
    assert df["control"].isna().all() and df["control_check"].isna().all()
    assert (store.control_checks()["control_check"] == "no_snapshot").all()


def test_changes_from_before_the_first_snapshot_count_from_it_and_say_so(snapshots):
    from dashboard.control import payload

    archive = Archive(snapshots)
    first = min(archive.dates("drawn"))
    got = payload(archive, "drawn", dt.date(2025, 1, 10), change_from=first - dt.timedelta(days=30))
    assert None not in got["change_span"] and got["change_span"][0] == first.isoformat()
    assert f"before the first snapshot held ({first.isoformat()})" in got["change_note"]
    assert "null" not in json.dumps(got["change_span"]) and got["changes"]["features"]


def test_the_distance_to_the_front_line_is_to_the_occupied_edge_on_the_events_date(snapshots):
    """Issue 30: km from an event's place to the edge of the occupied area inside Ukraine in the
    snapshot in force on its date, within 1 % of the geodesic (geopy)."""
    from geopy.distance import geodesic

    from events.territory.control import front_km

    store = open_storage(None, None, snapshots)
    frame = store.select(make_filter(review=["all"]), ["id", "date", "lat", "lon"]).set_index("id", drop=False)
    km, day = front_km(store.archive, frame)
    got = dict(zip(frame.index, zip(km, day.astype(str))))
    # 2025-01-11: the 2025-01-08 map holds occupied ground from 37.25 E; Kurakhove lies 0.031 deg inside it
    lat, lon = KURAKHOVE[1], KURAKHOVE[0]
    want = geodesic((lat, lon), (lat, 37.25)).km
    assert got["kurakhove-area-fighting-2025-01-11"][1] == "2025-01-08"
    assert got["kurakhove-area-fighting-2025-01-11"][0] == pytest.approx(want, rel=0.01)
    # 2025-01-06: the 2025-01-03 map, occupied from 37.35 E
    assert got[KURAKHOVE_CLAIM][0] == pytest.approx(geodesic((lat, lon), (lat, 37.35)).km, rel=0.01)
    assert np.isnan(got["kursk-north-korean-soldiers-captured-died-2024-12"][0])  # before the first snapshot
