"""Bulk data goes through the storage object on both backends (issue 27): datasets imported,
listed, their rejects printed and removed, and control snapshots imported and read, by the same
commands against the embedded store and against PostGIS, with the same answers."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from events.errors import DatasetError
from events.filters import make_filter
from events.storage.embedded import EmbeddedStorage
from events.storage.postgis import IMPORT_LOCK, PostgisStorage
from tests.conftest import ROOT, run_cli
from tests.territory_files import box, write_all

UCDP = ROOT.parent / "shared" / "data" / "real" / "ucdp_ged251_ukraine_2022_2024_sample2000_21col.csv"
needs_ucdp = pytest.mark.skipif(not UCDP.exists(), reason="needs ../shared/data/real")


def cli(*args, db=None, data=None, catalog=None):
    pre = ["-m", "events"] + (["--db", db] if db else []) + (["--data", str(data)] if data else []) + (
        ["--catalog", str(catalog)] if catalog else [])
    return run_cli(*pre, *args)


@needs_ucdp
def test_an_import_through_either_store_gives_the_same_events_and_bytes(pg_url, seed_catalog, tmp_path):
    data = tmp_path / "data"
    for db in (None, pg_url):
        out = cli("import", "--format", "ucdp", str(UCDP), "--dataset", "ucdp", db=db, data=data)
        assert out.returncode == 0, out.stderr
        assert ("-> the database" in out.stdout) == bool(db)
    assert cli("db", "push", db=pg_url, catalog=seed_catalog, data=tmp_path / "nothing").returncode == 0
    embedded, pg = EmbeddedStorage(seed_catalog, data, write_cache=False), PostgisStorage(pg_url)
    try:
        for f in (make_filter(), make_filter(datasets=["ucdp"], area="47,36,49,39")):
            assert embedded.select(f, ["id"])["id"].tolist() == pg.select(f, ["id"])["id"].tolist()
            assert b"".join(embedded.export(f, "geojson")) == b"".join(pg.export(f, "geojson"))
        assert [m["imported"] for m in embedded.manifests()] == [m["imported"] for m in pg.manifests()]
        assert embedded.rejects("ucdp") == pg.rejects("ucdp")
    finally:
        pg.close()
    listed = [cli("datasets", db=db, data=data).stdout.split()[:3] for db in (None, pg_url)]
    assert listed[0] == listed[1] and listed[0][0] == "ucdp"
    for db in (None, pg_url):
        rejects = cli("datasets", "rejects", "ucdp", db=db, data=data)
        assert rejects.returncode == 0 and rejects.stdout.startswith("line,")


@needs_ucdp
def test_the_team_store_refuses_a_shrinking_or_concurrent_import_and_removes_a_dataset(pg_url, tmp_path):
    small = tmp_path / "small.csv"
    lines = UCDP.read_text(encoding="utf-8").splitlines(keepends=True)
    small.write_text("".join(lines[:40]), encoding="utf-8")
    assert cli("import", "--format", "ucdp", str(UCDP), "--dataset", "u", db=pg_url).returncode == 0
    pg = PostgisStorage(pg_url)
    try:
        before = pg.count(make_filter(datasets=["u"]))
        with pytest.raises(DatasetError, match="would replace dataset 'u'.*Pass --replace"):
            pg.import_dataset("ucdp", small, "u")
        assert pg.count(make_filter(datasets=["u"])) == before > 1000
        with pg._cursor(primary=True) as other:  # another command importing 'u' right now
            other.execute("SELECT pg_advisory_lock(%s, hashtext('u'))", (IMPORT_LOCK,))
            with pytest.raises(DatasetError, match="being imported by another command"):
                pg.import_dataset("ucdp", small, "u", replace=True)
            other.execute("SELECT pg_advisory_unlock(%s, hashtext('u'))", (IMPORT_LOCK,))
        m = pg.import_dataset("ucdp", small, "u", replace=True)
        assert pg.count(make_filter(datasets=["u"])) == m["imported"] < before
    finally:
        pg.close()
    out = cli("datasets", "remove", "u", db=pg_url)
    assert out.returncode == 0 and "removed dataset 'u'" in out.stdout
    assert "no datasets imported" in cli("datasets", db=pg_url).stdout
    gone = cli("datasets", "remove", "u", db=pg_url)
    assert gone.returncode == 1 and "no dataset 'u'" in gone.stderr and "Traceback" not in gone.stderr


def test_snapshots_imported_into_the_team_store_are_read_and_checked_as_in_the_embedded_one(
        pg_url, seed_catalog, tmp_path):
    files = [str(p) for p in write_all(tmp_path / "src")]
    data = tmp_path / "data"
    for db in (None, pg_url):
        out = cli("territory", "import", *files, "--source", "drawn", db=db, data=data)
        assert out.returncode == 0, out.stderr
    # a push of the embedded store's folder (its snapshots too) leaves the same snapshots
    assert cli("db", "push", db=pg_url, catalog=seed_catalog, data=data).returncode == 0
    for command in (["territory", "list"], ["territory", "check"]):
        local = cli(*command, data=data, catalog=seed_catalog)
        team = cli(*command, db=pg_url)
        assert local.returncode == team.returncode == 0, (local.stderr, team.stderr)
        if command[1] == "list":  # the same dates and counts; the import time differs
            assert local.stdout.split("imported")[0] == team.stdout.split("imported")[0]
        else:
            assert local.stdout == team.stdout and "corroborated" in local.stdout
    pg = PostgisStorage(pg_url)
    try:
        archive = pg.archive
        assert archive.sources() == ["drawn"] and len(archive.dates("drawn")) == 3
        seen = archive.fingerprint()
        # a new capture of one date, imported by another command: this store's copy follows it
        moved = tmp_path / "src2" / "deepstatemap_data_20250108.geojson"
        moved.parent.mkdir()
        moved.write_text(json.dumps({"type": "MultiPolygon", "coordinates": [box(37.0, 47.6, 38.5, 48.5)]}))
        out = cli("territory", "import", str(moved), "--source", "drawn", db=pg_url)
        assert out.returncode == 0 and "replaced 1 date(s)" in out.stdout, out.stdout + out.stderr
        pg._archive_checked = 0.0  # as if ARCHIVE_CHECK_S had passed
        assert pg.archive.fingerprint() != seen
        assert pg.archive.snapshot("drawn", dt.date(2025, 1, 8)).geometry("occupied").bounds[0] == 37.0
    finally:
        pg.close()
