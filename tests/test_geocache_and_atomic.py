"""The reviewable geocoding cache and atomic writes."""
from __future__ import annotations

import os

import pytest

from events import atomic, geocache
from events.records import load_catalog
from tests.conftest import record, write_record


def test_geocoding_results_are_persisted_and_reused(empty_catalog, monkeypatch):
    write_record(empty_catalog, record(id="one"))
    load_catalog(empty_catalog)
    cache = geocache.cache_path(empty_catalog)
    rows = geocache.read(cache)
    assert rows["one"]["geocoded_by"] == "geonames:704422"

    import geodata.locate

    def boom(*a, **k):
        raise AssertionError("geocoded again although the location did not change")

    monkeypatch.setattr(geodata.locate, "locate", boom)
    cat = load_catalog(empty_catalog)
    assert cat.problems == [] and cat.events.iloc[0]["lat"] == pytest.approx(48.28014)


def test_a_moved_location_is_geocoded_again_and_shows_in_the_cache_file(empty_catalog):
    write_record(empty_catalog, record(id="one"))
    load_catalog(empty_catalog)
    before = geocache.cache_path(empty_catalog).read_text()
    write_record(empty_catalog, record(id="one", location={"name": "Kurakhove", "country": "UA"}))
    load_catalog(empty_catalog)
    after = geocache.cache_path(empty_catalog).read_text()
    assert "704422" in before and "695357" in after and "704422" not in after


def test_a_crash_mid_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "data.csv"
    target.write_bytes(b"old complete content\n")

    def crash(src, dst):
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", crash)
    from events.errors import OutputError

    with pytest.raises(OutputError, match=f"cannot write {target}: disk pulled out"):
        atomic.write_bytes_atomic(target, b"new content that never lands")
    assert target.read_bytes() == b"old complete content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]  # no temp file left behind


def test_a_damaged_cache_is_ignored_and_rebuilt(empty_catalog):
    write_record(empty_catalog, record(id="one"))
    geocache.cache_path(empty_catalog).write_bytes(b"\xff\xfe garbage")
    cat = load_catalog(empty_catalog)
    assert cat.problems == [] and "one" in geocache.read(geocache.cache_path(empty_catalog))


@pytest.mark.parametrize("sizes", [[1], [4095, 1, 4096], [9000, 3, 20000, 77], [0, 12288], [5000] * 9])
def test_a_direct_write_gives_back_exactly_the_bytes_written(tmp_path, monkeypatch, sizes):
    """Large exports bypass the page cache (O_DIRECT, aligned buffers handed to a thread): parts
    of any size, across buffer boundaries, give the file byte for byte, cut back to its length."""
    with open(tmp_path / "probe", "wb") as probe:
        if not atomic.DirectWriter.enable(probe.fileno()):
            pytest.skip("no O_DIRECT on this file system")
    (tmp_path / "probe").unlink()
    monkeypatch.setattr(atomic.DirectWriter, "BUFFER", 8192)  # many hand-overs, a tail in each case
    parts = [os.urandom(n) for n in sizes]
    target = tmp_path / "export.geojson"
    atomic.write_stream_atomic(target, (memoryview(p) for p in parts), direct=True)
    assert target.read_bytes() == b"".join(parts)
    assert [p.name for p in tmp_path.iterdir()] == ["export.geojson"]


def test_a_direct_write_to_a_full_disk_raises_and_keeps_the_old_file(tmp_path):
    """/dev/full refuses every write with 'No space left on device', as a full disk does."""
    with open("/dev/full", "wb", buffering=0) as full:
        with pytest.raises(OSError, match="No space left"):
            with atomic.DirectWriter(full.fileno()) as out:
                for _ in range(3):
                    out.write(b"x" * (atomic.DirectWriter.BUFFER // 2 + 1))
