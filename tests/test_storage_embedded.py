"""The embedded store's curated edits: versions from the file's bytes, stale saves refused,
an append-only history in the catalogue, the same review rules as the database."""
from __future__ import annotations

import pytest

from events.errors import ReviewError, StaleVersion
from events.filters import make_filter
from events.storage.embedded import EmbeddedStorage


def test_stale_save_is_refused_and_both_attempts_are_in_the_history(seed_catalog):
    store = EmbeddedStorage(seed_catalog, write_cache=False)
    eid = "kurakhove-russian-capture-claim-2025-01-06"
    a, b = store.get(eid), store.get(eid)
    store.save(dict(a.record, title="Edited by Alice"), version=a.version, user="alice")
    with pytest.raises(StaleVersion, match="changed by alice at"):
        store.save(dict(b.record, title="Edited by Bob"), version=b.version, user="bob")
    assert store.get(eid).record["title"] == "Edited by Alice"
    assert [(c.who, c.action) for c in store.history(eid)] == [("alice", "edit"), ("bob", "refused")]
    assert store.history(eid)[1].after["title"] == "Edited by Bob"


def test_a_hand_edit_on_disk_makes_an_open_version_stale(seed_catalog):
    store = EmbeddedStorage(seed_catalog, write_cache=False)
    eid = "pokrovsk-casualties-2025-01-10"
    opened = store.get(eid)
    path = seed_catalog / f"{eid}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a note\n", encoding="utf-8")
    with pytest.raises(StaleVersion, match="edited on disk"):
        store.save(dict(opened.record, title="x"), version=opened.version, user="alice")


def test_new_records_are_drafts_until_someone_else_approves(seed_catalog):
    from tests.conftest import record

    store = EmbeddedStorage(seed_catalog, write_cache=False)
    before = store.count(make_filter())
    draft = store.save(record(id="new-one"), version=None, user="alice")
    assert draft.review == "draft" and store.count(make_filter()) == before
    assert store.count(make_filter(review=["draft"])) == 1
    asked = store.review("new-one", "in_review", version=draft.version, user="alice")
    with pytest.raises(ReviewError, match="someone else"):
        store.review("new-one", "approved", version=asked.version, user="alice")
    store.review("new-one", "approved", version=asked.version, user="bob")
    assert store.count(make_filter()) == before + 1
    assert "review" not in (seed_catalog / "new-one.yaml").read_text()  # approved is the default: not written


def test_an_invalid_record_is_refused_with_its_field(seed_catalog):
    from events.errors import StorageError
    from tests.conftest import record

    store = EmbeddedStorage(seed_catalog, write_cache=False)
    with pytest.raises(StorageError, match="date"):
        store.save(record(id="bad-date", date="2025-02-30"), version=None, user="alice")
    assert not (seed_catalog / "bad-date.yaml").exists()


def test_grid_from_grouped_points_equals_grid_from_every_row():
    """A database sends (lat, lon, type, count) groups; the cells must be the ones computed from
    every event, including the cell size chosen."""
    import numpy as np
    import pandas as pd

    from events.aggregate import CLAIMS, TYPE_ORDER, aggregate, aggregate_points

    rng = np.random.default_rng(3)
    places = rng.uniform([44.0, 22.0], [52.5, 40.5], size=(400, 2)).round(4)
    pick = rng.integers(0, len(places), 20_000)
    df = pd.DataFrame({"lat": places[pick, 0], "lon": places[pick, 1],
                       "event_type": rng.choice(TYPE_ORDER[:4], 20_000),
                       "claim_status": rng.choice(["reported", "claimed", "confirmed", "disputed"], 20_000)})
    groups = (df.assign(c=df["claim_status"].isin(CLAIMS)).groupby(["lat", "lon", "event_type"])
              .agg(n=("c", "size"), c=("c", "sum")).reset_index())
    codes = np.array([TYPE_ORDER.index(t) for t in groups["event_type"]])
    for cells in (30, 400, 5000):
        want = aggregate(df, cells)
        got = aggregate_points(groups["lat"].to_numpy(), groups["lon"].to_numpy(), codes, groups["n"].to_numpy(),
                               cells, groups["c"].to_numpy())
        assert got == want
        assert got["total"] == len(df)
        assert sum(got["cl"]) == df["claim_status"].isin(CLAIMS).sum()  # every claim in one cell
        assert all(0 <= c <= n for c, n in zip(got["cl"], got["n"]))


def test_read_ahead_stops_its_producer_when_the_consumer_stops():
    from events.streams import read_ahead

    closed = []

    def produce():
        try:
            for i in range(1_000_000):
                yield i
        finally:
            closed.append(True)

    it = read_ahead(produce(), depth=2)
    assert [next(it) for _ in range(5)] == [0, 1, 2, 3, 4]
    it.close()
    assert closed == [True]

    def broken():
        yield 1
        raise ValueError("bad row 2")

    it = read_ahead(broken(), depth=2)
    assert next(it) == 1
    import pytest

    with pytest.raises(ValueError, match="bad row 2"):
        next(it)
