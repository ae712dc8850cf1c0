"""The PostGIS store at a million realistic events, beside the embedded store, same data, same run.

Run: .venv/bin/python -m benchmarks.bench_postgis [--events 1000000]
Targets (issue 10, this 2-core machine): push >= 100,000 rows/s; a filtered count <= 200 ms;
a filter to the map's payload <= 1 s; export >= 100,000 features/s. Issue 26: the push within 1.5x
of the floor, the server's own COPY of the same rows (the CSV the push sends, from a file on the
server) into a bare table without indexes, measured in the same run just before the push.
A throwaway cluster (tests/pgcluster.py) is started on a free port and removed at the end.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

FILTERS = {
    "one oblast, one month": dict(regions=["UA-14"], date_from="2024-01-01", date_to="2024-01-31"),
    "two types, a year": dict(types=["Battles", "Air/drone strike"], date_from="2023-01-01", date_to="2023-12-31"),
    "one week everywhere": dict(date_from="2024-03-01", date_to="2024-03-07"),
    "claimed, Russia": dict(claims=["claimed"], regions=["RU"]),
    "everything": dict(),
}


def _time(fn, repeat: int = 5) -> tuple[float, object]:
    out, times = None, []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def _map_payload(store, f) -> tuple[str, int]:
    from dashboard import mapview

    n = store.count(f)
    if n <= mapview.MAX_FEATURES:
        mapview.layer_data(store.select(f))
        return "events", n
    return "grid", len(store.grid(f, mapview.MAX_CELLS)["n"])


def _copy_floor(url: str, data: Path, work: Path) -> dict[str, float]:
    """Seconds the server takes to COPY the rows a push sends into a bare table, in CSV (COPY's
    usual form) and in binary (the push's own): the rows are built by the push's own code and
    written to files the server reads itself, so each number is the server's parse-and-write cost
    alone, with no index, constraint or client in it."""
    import os

    import numpy as np
    import psycopg
    import pyarrow.csv as pacsv

    from events.columns import ALL_COLUMNS
    from events.datasets import load_tables, to_frame
    from events.storage import postgis

    frame = to_frame(list(load_tables(data)))
    extras = [c for c in frame.columns if c.startswith(postgis.EXTRA_PREFIX)]
    parts = [postgis._rows_of(frame.iloc[start:start + postgis.PUSH_ROWS], ALL_COLUMNS + extras,
                              np.arange(start, min(start + postgis.PUSH_ROWS, len(frame))))
             for start in range(0, len(frame), postgis.PUSH_ROWS)]
    del frame
    files = {"csv": work / "floor.csv", "binary": work / "floor.bin"}
    with open(files["csv"], "wb") as fh:
        for part in parts:
            pacsv.write_csv(part, fh, write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    with open(files["binary"], "wb") as fh:
        for data_ in postgis._binary_copy(iter(parts)):
            fh.write(data_)
    del parts
    os.chmod(work, 0o755)
    cols = ", ".join(["seq", *ALL_COLUMNS, *extras])
    seconds = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for c in extras:
            conn.execute(f'ALTER TABLE events ADD COLUMN IF NOT EXISTS "{c}" text')
        for fmt, path in files.items():
            os.chmod(path, 0o644)
            conn.execute("CREATE TABLE floor_copy (LIKE events INCLUDING DEFAULTS INCLUDING GENERATED)")
            conn.execute("CHECKPOINT")
            t = time.perf_counter()
            conn.execute(f"COPY floor_copy ({cols}) FROM '{path}' WITH (FORMAT {fmt})")
            seconds[fmt] = time.perf_counter() - t
            conn.execute("DROP TABLE floor_copy")
            conn.execute("CHECKPOINT")
            print(f"floor: the server's COPY of the same rows ({path.stat().st_size / 1e6:,.0f} MB of {fmt}) "
                  f"into a bare table: {seconds[fmt]:.1f} s")
            path.unlink()
    return seconds



def _corroboration(pg, em, make_filter) -> None:
    """Issue 25: 10,000 other events (the `claims` dataset, as synthetic as the rows) matched against
    the million rows on each store (both hand the rows to the same grid join). Same candidates,
    seconds and peak memory."""
    import resource

    from events.corroborate import against, to_bytes

    part = make_filter(datasets=["claims"])
    left = pg.count(part)
    results = {}
    for label, store in (("pg", pg), ("embedded", em)):
        t = time.perf_counter()
        results[label] = against(store, part, ["bench"])
        print(f"corroborate ({label}): {left:,} events against {store.count(make_filter(datasets=['bench'])):,} rows: "
              f"{len(results[label]):,} candidates in {time.perf_counter() - t:.1f} s; peak RSS so far "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print(f"candidates byte-identical: {to_bytes(results['pg'], 'csv') == to_bytes(results['embedded'], 'csv')}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    from benchmarks.synth import synthetic_events
    from events.datasets import import_file
    from events.export import acled_frame
    from events.filters import make_filter
    from events.storage.embedded import EmbeddedStorage
    from events.storage.postgis import PostgisStorage, migrate
    from tests.pgcluster import Cluster

    work = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    csv = work / "events.csv"
    acled_frame(synthetic_events(args.events, seed=11)).to_csv(csv, index=False)
    data = work / "data"
    data.mkdir()
    empty = work / "catalog"
    empty.mkdir()
    t = time.perf_counter()
    import_file("acled", csv, "bench", data)
    print(f"import into the embedded store: {args.events:,} rows in {time.perf_counter() - t:.1f} s")
    csv.unlink()
    cluster = Cluster().start()
    try:
        cluster.sql("CREATE DATABASE bench")
        url = cluster.url("bench")
        migrate(url)
        pg = PostgisStorage(url)
        floor_s = _copy_floor(url, data, work)
        t = time.perf_counter()
        pg.push(empty, data, user="bench")
        push_s = time.perf_counter() - t
        print(f"push: {args.events:,} rows in {push_s:.1f} s = {args.events / push_s:,.0f} rows/s (target >= 100,000); "
              f"{push_s / floor_s['csv']:.2f}x the CSV floor (target <= 1.5x), "
              f"{push_s / floor_s['binary']:.2f}x the binary floor")
        t = time.perf_counter()
        out = pg.push(empty, data, user="bench")
        print(f"push again, dataset unchanged: {time.perf_counter() - t:.2f} s (unchanged: {out['unchanged']})")
        em = EmbeddedStorage(empty, data)
        t = time.perf_counter()
        _ = em.table
        print(f"embedded cold load: {time.perf_counter() - t:.2f} s")
        print(f"{'filter':<24} {'events':>9} {'count pg ms':>12} {'count emb ms':>13} {'map pg s':>9} "
              f"{'map emb s':>10}  map kind")
        for name, spec in FILTERS.items():
            f = make_filter(**spec)
            pg_count_s, n = _time(lambda: pg.count(f))
            em_count_s, n2 = _time(lambda: (em._views.clear(), em.count(f))[1])
            assert n == n2, (name, n, n2)
            pg_map_s, (kind, size) = _time(lambda: _map_payload(pg, f), 3)
            em_map_s, _ = _time(lambda: (em._views.clear(), _map_payload(em, f))[1], 3)
            print(f"{name:<24} {n:>9,} {pg_count_s * 1000:>12.0f} {em_count_s * 1000:>13.0f} {pg_map_s:>9.2f} "
                  f"{em_map_s:>10.2f}  {kind} ({size:,})")
        for label, store in (("pg", pg), ("embedded", em)):
            t = time.perf_counter()
            size = 0
            with open(work / f"export-{label}.geojson", "wb") as fh:
                for part in store.export(make_filter(), "geojson"):
                    fh.write(part)
                    size += len(part)
            s = time.perf_counter() - t
            print(f"export geojson ({label}): {args.events:,} features in {s:.1f} s = {args.events / s:,.0f} "
                  f"features/s, {size / 1e6:,.0f} MB (target >= 100,000/s)")
        same = (work / "export-pg.geojson").read_bytes() == (work / "export-embedded.geojson").read_bytes()
        print(f"exports byte-identical: {same}")
        # the events corroboration looks for in the million: another dataset, added once the rest is measured
        acled_frame(synthetic_events(10_000, seed=23)).to_csv(work / "claims.csv", index=False)
        import_file("acled", work / "claims.csv", "claims", data)
        pg.push(empty, data, user="bench")
        _corroboration(pg, EmbeddedStorage(empty, data), make_filter)
        pg.close()
    finally:
        cluster.stop()
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
