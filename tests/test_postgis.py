"""The PostGIS backend against a real cluster: the same answers as the embedded store,
optimistic locking with nothing lost, history, review rules, atomic pushes, migrations."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import polyline
import pytest

from events.errors import ReviewError, StaleVersion, StorageError
from events.filters import make_filter
from tests.conftest import ROOT, record, run_cli

UCDP = ROOT.parent / "shared" / "data" / "real" / "ucdp_ged251_ukraine_2022_2024_sample2000_21col.csv"
FILTERS = [
    {},
    {"regions": ["UA-14"]},
    {"regions": ["RU"]},
    {"types": ["Battles"], "date_from": "2023-01-01"},
    {"types": ["Shelling/artillery/missile attack"], "regions": ["Donetsk Oblast", "UA-63"]},
    {"claims": ["claimed", "disputed"]},
    {"q": "kurakhove"},
    {"date_from": "2025-01-06", "date_to": "2025-01-10"},
    {"datasets": ["curated"]},
    {"review": ["all"]},
    {"actors": ["forces of russia"], "claimants": ["Ministry", "governor"]},
    {"actors": ["North Korea", "civilians (russia)"]},
    {"claimants": ["100%_off"]},  # LIKE's wildcards are literal text
    {"area": "47.8,37.0,48.6,38.2"},  # a box around Pokrovsk and Kurakhove
    {"area": "40,170,75,-170"},  # a box across the antimeridian
    # a drawn shape over the Donbas (encoded polyline) and, with it, a second one around Kursk
    {"area": polyline.encode([(47.0, 36.5), (49.3, 37.0), (48.0, 39.5)], 5)},
    {"area": polyline.encode([(47.0, 36.5), (49.3, 37.0), (48.0, 39.5)], 5) + ";" +
             polyline.encode([(51.0, 34.5), (52.0, 34.5), (52.0, 36.5), (51.0, 36.5)], 5), "review": ["all"]},
]


@pytest.fixture
def both(pg_url, seed_catalog, tmp_path, monkeypatch):
    """The seed catalogue plus a real UCDP extract, in the embedded store and pushed to PostGIS."""
    from events.datasets import import_file
    from events.storage.embedded import EmbeddedStorage
    from events.storage.postgis import PostgisStorage

    data = tmp_path / "data"
    data.mkdir()
    if UCDP.exists():
        import_file("ucdp", UCDP, "ucdp", data)
    monkeypatch.setenv("EVENTS_DATA", str(data))
    # the UCDP rows loaded by two connections at once (a large dataset's way), so that every test
    # of the two stores' agreement holds the streams' partition to the embedded store's answers
    monkeypatch.setenv("EVENTS_PUSH_STREAM_ROWS", "1000")
    embedded = EmbeddedStorage(seed_catalog, data, write_cache=False)
    pg = PostgisStorage(pg_url)
    out = pg.push(seed_catalog, data, user="alice")
    assert out["curated"] == 8 and not out["problems"]
    yield embedded, pg, seed_catalog, data
    pg.close()


@pytest.mark.parametrize("spec", FILTERS, ids=[str(i) for i in range(len(FILTERS))])
def test_same_filter_gives_same_ids_counts_and_bytes_on_both_backends(both, spec):
    embedded, pg, _, _ = both
    f = make_filter(**spec)
    ids_e = embedded.select(f, ["id"])["id"].astype(str).tolist()
    ids_p = pg.select(f, ["id"])["id"].astype(str).tolist()
    assert ids_e == ids_p
    assert embedded.count(f) == pg.count(f) == len(ids_e)
    se, sp = embedded.summary(f), pg.summary(f)
    assert (se.count, se.fatalities_reported, se.fatalities_claimed, se.injured, se.claimed_or_disputed) == \
        (sp.count, sp.fatalities_reported, sp.fatalities_claimed, sp.injured, sp.claimed_or_disputed)
    assert (se.extent is None) == (sp.extent is None)
    if se.extent:
        assert se.extent == pytest.approx(sp.extent, abs=1e-9)
    for fmt in ("geojson", "csv"):
        assert b"".join(embedded.export(f, fmt)) == b"".join(pg.export(f, fmt)), fmt


def test_grid_timeline_distinct_and_newest_agree(both):
    embedded, pg, _, _ = both
    f = make_filter(regions=["UA"])
    assert embedded.grid(f, 50) == pg.grid(f, 50)
    assert embedded.per_day(f).equals(pg.per_day(f))
    assert embedded.distinct("admin1") == pg.distinct("admin1")
    cols = ["id", "date", "title"]
    assert embedded.select(f, cols, newest=20)["id"].astype(str).tolist() == \
        pg.select(f, cols, newest=20)["id"].astype(str).tolist()
    bounds = (47.5, 36.5, 48.8, 38.5)
    assert embedded.count(f, bounds) == pg.count(f, bounds) > 0


def test_exported_geojson_reads_back_with_gdal(both, tmp_path):
    import pyogrio

    _, pg, _, _ = both
    path = tmp_path / "pg.geojson"
    path.write_bytes(b"".join(pg.export(make_filter(regions=["UA-14"]), "geojson")))
    gdf = pyogrio.read_dataframe(path)
    assert len(gdf) == pg.count(make_filter(regions=["UA-14"])) > 0
    assert set(gdf["admin1_code"]) == {"UA-14"}


def test_two_writers_one_refused_nothing_lost_both_in_history(both):
    _, pg, _, _ = both
    eid = "kurakhove-russian-capture-claim-2025-01-06"
    opened_by_alice = pg.get(eid)
    opened_by_bob = pg.get(eid)
    alice_rec = dict(opened_by_alice.record, title="Russia claims Kurakhove (edited by Alice)")
    bob_rec = dict(opened_by_bob.record, title="Russia claims Kurakhove (edited by Bob)")
    saved = pg.save(alice_rec, version=opened_by_alice.version, user="alice")
    assert int(saved.version) == int(opened_by_alice.version) + 1
    with pytest.raises(StaleVersion, match=r"changed by alice at .* since you opened it"):
        pg.save(bob_rec, version=opened_by_bob.version, user="bob")
    now = pg.get(eid)
    assert now.record["title"].endswith("(edited by Alice)")
    actions = [(c.who, c.action) for c in pg.history(eid)]
    assert ("alice", "edit") in actions and ("bob", "refused") in actions
    refused = [c for c in pg.history(eid) if c.action == "refused"][0]
    assert refused.after["title"].endswith("(edited by Bob)")  # Bob's attempt is kept, not lost


def test_history_is_append_only(pg_url):
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO event_history (event_id, who, action) VALUES ('x', 'a', 'edit')")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM event_history")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE event_history SET who = 'b'")


def test_review_reviewer_is_not_the_author_and_drafts_stay_off_the_default_map(pg_url, empty_catalog):
    from events.storage.postgis import PostgisStorage

    pg = PostgisStorage(pg_url)
    rec = record(id="new-strike")
    draft = pg.save(rec, version=None, user="alice")
    assert draft.review == "draft"
    assert pg.count(make_filter()) == 0 and pg.count(make_filter(review=["all"])) == 1
    asked = pg.review("new-strike", "in_review", version=draft.version, user="alice")
    with pytest.raises(ReviewError, match="someone else must review"):
        pg.review("new-strike", "approved", version=asked.version, user="alice")
    approved = pg.review("new-strike", "approved", version=asked.version, user="bob")
    assert approved.review == "approved" and pg.count(make_filter()) == 1
    edited = pg.save(dict(approved.record, fatalities=2), version=approved.version, user="carol")
    assert edited.review == "in_review" and pg.count(make_filter()) == 0  # a change is reviewed again
    assert [c.action for c in pg.history("new-strike")] == ["create", "review:in_review", "review:approved", "edit"]
    pg.retract("new-strike", version=edited.version, user="bob")
    assert pg.count(make_filter(review=["all"])) == 0
    assert pg.history("new-strike")[-1].action == "retract"
    pg.close()


def test_pull_gives_back_the_files_pushed(both, tmp_path):
    _, pg, catalog, _ = both
    out = tmp_path / "not" / "yet" / "there"  # pull makes its folder, as `git clone` does
    assert pg.pull(out) == 8
    for path in sorted(catalog.glob("*.yaml")):
        assert (out / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(StorageError, match="not a folder"):
        pg.pull(tmp_path / "a-file")


def test_push_killed_half_way_leaves_the_database_as_it_was(pg_url, seed_catalog, tmp_path):
    """A push is one transaction: killing it mid-COPY changes nothing."""
    from benchmarks.synth import synthetic_events
    from events.export import acled_frame

    data = tmp_path / "data"
    data.mkdir()
    csv = tmp_path / "big.csv"
    acled_frame(synthetic_events(150_000, seed=3)).to_csv(csv, index=False)
    env = {"EVENTS_DATA": str(data), "EVENTS_CATALOG": str(seed_catalog), "EVENTS_USER": "alice"}
    assert run_cli("-m", "events", "import", "--format", "acled", str(csv), "--dataset", "big", env=env).returncode == 0
    assert run_cli("-m", "events", "--db", pg_url, "db", "push", env={**env, "EVENTS_DATA": str(tmp_path)}).returncode == 0
    before = _counts(pg_url)
    proc = subprocess.Popen([sys.executable, "-m", "events", "--db", pg_url, "db", "push"], cwd=ROOT,
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and not _copy_running(pg_url):
        time.sleep(0.05)
    assert _copy_running(pg_url), "the push never reached its COPY"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)
    assert _counts(pg_url) == before


def _counts(url):
    import psycopg

    with psycopg.connect(url) as conn:
        return (conn.execute("SELECT dataset, count(*) FROM events GROUP BY 1 ORDER BY 1").fetchall(),
                conn.execute("SELECT count(*) FROM event_history").fetchone())


def _copy_running(url) -> bool:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return bool(conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'COPY %%events%%' "
                                 "AND pid <> pg_backend_pid()").fetchone()[0])


def test_db_init_is_idempotent_and_an_old_schema_is_refused(pg_cluster):
    pg_cluster.sql("CREATE DATABASE t_init")
    url = pg_cluster.url("t_init")
    try:
        r = run_cli("-m", "events", "--db", url, "list")
        assert r.returncode == 1 and "db init" in r.stderr and "Traceback" not in r.stderr
        first = run_cli("-m", "events", "--db", url, "db", "init")
        assert first.returncode == 0 and "0001_events" in first.stdout
        again = run_cli("-m", "events", "--db", url, "db", "init")
        assert again.returncode == 0 and "nothing" in again.stdout
    finally:
        pg_cluster.sql("DROP DATABASE t_init WITH (FORCE)")


def test_unreachable_database_is_one_clear_line():
    r = run_cli("-m", "events", "--db", "postgresql://nobody@127.0.0.1:1/none", "list")
    assert r.returncode == 3 and "cannot connect to the database" in r.stderr and "Traceback" not in r.stderr


def test_cli_edit_cycle_through_the_database(both, tmp_path):
    _, pg, catalog, _ = both
    url = pg.dsn
    eid = "pokrovsk-casualties-2025-01-10"
    got = run_cli("-m", "events", "--db", url, "event", "get", eid)
    assert got.returncode == 0, got.stderr
    version = got.stdout.split("version: ")[1].split()[0]
    src = catalog / f"{eid}.yaml"
    edited = tmp_path / f"{eid}.yaml"
    edited.write_text(src.read_text(encoding="utf-8").replace("Pokrovsk", "Pokrovsk", 1), encoding="utf-8")
    ok = run_cli("-m", "events", "--db", url, "event", "save", str(edited), "--version", version,
                 env={"EVENTS_USER": "dana"})
    assert ok.returncode == 0, ok.stderr
    stale = run_cli("-m", "events", "--db", url, "event", "save", str(edited), "--version", version,
                    env={"EVENTS_USER": "erik"})
    assert stale.returncode == 1 and "changed by dana" in stale.stderr
    hist = run_cli("-m", "events", "--db", url, "event", "history", eid)
    assert "dana" in hist.stdout and "erik" in hist.stdout and "refused" in hist.stdout
    assert "[via EVENTS_USER, command line]" in hist.stdout  # where each name came from


def test_the_history_keeps_where_each_name_came_from_on_both_backends(both):
    from events.storage import Actor

    for store in both[:2]:
        eid = "pokrovsk-casualties-2025-01-10"
        current = store.get(eid)
        edited = store.save(dict(current.record, notes="checked"), version=current.version,
                            user=Actor("alice", "X-Forwarded-User from 10.0.0.2"))
        store.review(eid, "approved", version=edited.version, user=Actor("bob", "X-Forwarded-User from 10.0.0.2"))
        got = [(c.who, c.action, c.via) for c in store.history(eid)[-2:]]
        assert got == [("alice", "edit", "X-Forwarded-User from 10.0.0.2"),
                       ("bob", "review:approved", "X-Forwarded-User from 10.0.0.2")], store.kind


def test_dashboard_on_postgis_shows_approved_events_toggle_shows_drafts_and_history(both, monkeypatch):
    from tests.conftest import record
    from tests.test_app import metric, run_app

    _, pg, catalog, _ = both
    pg.save(record(id="a-draft-strike"), version=None, user="alice")
    monkeypatch.setenv("EVENTS_DB", pg.dsn)
    at = run_app(monkeypatch, catalog, dataset="curated")
    assert metric(at, "Events shown") == "8"
    at.toggle(key="f_unreviewed").set_value(True).run()
    assert metric(at, "Events shown") == "9"
    at.text_input(key="h_id").set_value("a-draft-strike").run()
    shown = at.dataframe[-1].value
    assert list(shown["who"]) == ["alice"] and list(shown["action"]) == ["create"]
    assert any("PostGIS" in t.value for t in at.text)


def test_one_storage_serves_many_sessions_at_once(both):
    """The dashboard's sessions share one storage object: exports streaming in some threads while
    others count must all get the answers a lone caller gets (connections come from a pool)."""
    from concurrent.futures import ThreadPoolExecutor

    _, pg, _, _ = both
    f = make_filter(regions=["UA"])
    want_bytes, want_count = b"".join(pg.export(f, "geojson")), pg.count(f)

    def export_while_counting(i: int) -> tuple[bytes, int]:
        stream = pg.export(f, "geojson")
        first = next(stream)  # the COPY is under way on this thread's connection
        n = pg.count(f)
        return first + b"".join(stream), n

    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(export_while_counting, range(12)))
    assert got == [(want_bytes, want_count)] * 12


def test_an_export_abandoned_half_way_frees_its_connection(both):
    _, pg, _, _ = both
    f = make_filter()
    for _ in range(pg.pool.max_size + 2):  # more than the pool holds: each must come back
        stream = pg.export(f, "csv")
        next(stream)
        stream.close()
    assert pg.count(f) > 0


@pytest.mark.parametrize("check", [[], ["corroborated"], ["not_corroborated", "already"]])
def test_control_checks_filter_and_export_alike_on_both_backends(both, tmp_path, check):
    from tests.territory_files import write_all

    embedded, pg, _, data = both
    files = write_all(tmp_path / "snapshots")
    for store in (embedded, pg):  # each store keeps its own (the team store in its database)
        store.import_snapshots(files, "drawn")
    f = make_filter(check=check, review=["all"])
    ids = embedded.select(f, ["id"])["id"].astype(str).tolist()
    assert ids == pg.select(f, ["id"])["id"].astype(str).tolist()
    assert embedded.count(f) == pg.count(f) == len(ids)
    if check == ["corroborated"]:
        assert ids == ["kurakhove-russian-capture-claim-2025-01-06"]
    for fmt in ("geojson", "csv"):
        got = b"".join(pg.export(f, fmt))
        assert b"".join(embedded.export(f, fmt)) == got, fmt
        assert b"corroborated by drawn on 2025-01-08" in got or check == ["not_corroborated", "already"]


@pytest.mark.skipif(not UCDP.exists(), reason="needs ../shared/data/real")
def test_corroboration_candidates_are_byte_identical_on_both_backends(both):
    """Both stores hand the same columns to the same join: the candidate files agree to the byte."""
    from events.corroborate import against, to_bytes

    embedded, pg, _, _ = both
    f = make_filter(datasets=["ucdp"])
    found = against(embedded, f, ["ucdp"])
    assert len(found) > 100  # a random UCDP sample holds its own near-duplicates
    for fmt in ("csv", "json"):
        assert to_bytes(found, fmt) == to_bytes(against(pg, f, ["ucdp"]), fmt), fmt
    everything = make_filter(datasets=["curated", "ucdp"], date_from="2024-12-01")
    assert to_bytes(against(embedded, everything, ["ucdp"]), "csv") == to_bytes(against(pg, everything, ["ucdp"]), "csv")
    # a part of the dataset against the whole (not the same set: no pair folded), alike on both
    part = make_filter(datasets=["ucdp"], regions=["UA-63"])
    found = against(embedded, part, ["ucdp"])
    assert len(found) > 20 and to_bytes(found, "csv") == to_bytes(against(pg, part, ["ucdp"]), "csv")


@pytest.mark.skipif(not UCDP.exists(), reason="needs ../shared/data/real")
def test_the_seen_filter_agrees_on_both_backends(both):
    """A link accepted on each store marks both ends corroborated; the rest are uncorroborated, alike."""
    embedded, pg, _, _ = both
    target = embedded.select(make_filter(datasets=["ucdp"]), ["id"])["id"].astype(str).iloc[0]
    claim = "shevchenko-russian-capture-claim-2025-01-11"
    for store in (embedded, pg):
        got = store.get(claim)
        record = {**got.record, "related": [*(got.record.get("related") or []),
                                            {"id": target, "relation": "corroborates", "note": "test"}]}
        store.save(record, version=got.version, user="alice")
    for seen in ("corroborated", "uncorroborated"):
        for review in ([], ["all"]):
            f = make_filter(seen=seen, review=review)
            e = embedded.select(f, ["id"])["id"].astype(str).tolist()
            p = pg.select(f, ["id"])["id"].astype(str).tolist()
            assert e == p, (seen, review)
    assert set(embedded.select(make_filter(seen="corroborated", review=["all"]), ["id"])["id"]) == {claim, target}


def test_replacing_one_dataset_does_not_touch_the_others_rows_or_indexes(pg_url, seed_catalog, tmp_path):
    """Each dataset is a partition: a push loads the replaced one into a new table and swaps it in."""
    import psycopg

    from benchmarks.synth import synthetic_events
    from events.export import acled_frame
    from events.storage.postgis import PostgisStorage

    data = tmp_path / "data"
    data.mkdir()
    for name, seed in (("keep", 1), ("swap", 2)):
        csv = tmp_path / f"{name}.csv"
        acled_frame(synthetic_events(3000, seed=seed)).to_csv(csv, index=False)
        assert run_cli("-m", "events", "import", "--format", "acled", str(csv), "--dataset", name,
                       env={"EVENTS_DATA": str(data)}).returncode == 0

    def physical(conn, dataset):
        """The partition's name, its file and its indexes' files, and a checksum of its rows' xmin."""
        part = conn.execute("SELECT c.oid, c.relname, c.relfilenode FROM pg_inherits h JOIN pg_class c "
                            "ON c.oid = h.inhrelid WHERE h.inhparent = 'events'::regclass AND "
                            "pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%%L)', %s::text)",
                            (dataset,)).fetchone()
        indexes = conn.execute("SELECT c.relname, c.relfilenode FROM pg_index i JOIN pg_class c ON c.oid = "
                               "i.indexrelid WHERE i.indrelid = %s ORDER BY 1", (part[0],)).fetchall()
        xmins = conn.execute("SELECT sum(xmin::text::bigint), count(*) FROM events WHERE dataset = %s",
                             (dataset,)).fetchone()
        return part[1:], indexes, xmins

    store = PostgisStorage(pg_url)
    try:
        store.push(seed_catalog, data, user="alice")
        with psycopg.connect(pg_url) as conn:
            keep_before, swap_before = physical(conn, "keep"), physical(conn, "swap")
            parent = conn.execute("SELECT count(*) FROM pg_index WHERE indrelid = 'events'::regclass").fetchone()[0]
        assert parent >= 6 and len(keep_before[1]) == parent  # the partition carries every index of the parent
        csv = tmp_path / "swap2.csv"
        acled_frame(synthetic_events(2500, seed=9)).to_csv(csv, index=False)
        assert run_cli("-m", "events", "import", "--format", "acled", str(csv), "--dataset", "swap",
                       env={"EVENTS_DATA": str(data)}).returncode == 0
        version = store.fingerprint()
        store.push(seed_catalog, data, user="alice")
        with psycopg.connect(pg_url) as conn:
            assert physical(conn, "keep") == keep_before  # same table file, same index files, same row versions
            swap_after = physical(conn, "swap")
            assert swap_after[0][0] != swap_before[0][0] and swap_after[2][1] == 2500
            leftovers = conn.execute("SELECT count(*) FROM pg_class WHERE relname = %s",
                                     (swap_before[0][0],)).fetchone()[0]
            assert leftovers == 0  # the old partition is dropped
        assert store.fingerprint() != version  # the dashboard's caches see the change
    finally:
        store.close()
