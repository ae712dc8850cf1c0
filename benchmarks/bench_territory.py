"""Control snapshots at realistic size: import of 800 daily snapshots, the as-of lookup, the map
payload of one snapshot, tagging 1,000,000 events (one snapshot, and each event's own date), and
checking capture claims against every snapshot.

The snapshots are drawn here (no DeepStateMap or ISW polygons may be shipped) at the size of the
real ones: a front line of 3,000 vertices that moves a little every day, 40 grey-zone polygons
along it, a 'territories' layer and unit points to skip, 3-D coordinates, as DeepStateMap's API
JSON (every other day) and as a mirror's dated archive files (the other days).

python -m benchmarks.bench_territory [--days 800] [--events 1000000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

START = dt.date(2023, 1, 1)


def _smooth(x: np.ndarray, k: int) -> np.ndarray:
    """Noise averaged over k vertices: a line that wanders without crossing itself, as drawn ones do."""
    return np.convolve(x, np.ones(k) / k * np.sqrt(k), mode="same")


def front(rng: np.random.Generator, n: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """A wiggly line from the Dnipro's mouth to the Kharkiv border, as lon/lat arrays."""
    t = np.linspace(0, 1, n)
    lon = 32.0 + 6.2 * t + 0.12 * np.sin(t * 23) + _smooth(rng.normal(0, 0.004, n), 200)
    lat = 46.4 + 3.9 * t + 0.08 * np.cos(t * 31) + _smooth(rng.normal(0, 0.003, n), 200)
    return lon, lat


def snapshot_features(lon: np.ndarray, lat: np.ndarray, rng: np.random.Generator) -> list[dict]:
    ring = [[float(x), float(y), 0] for x, y in zip(lon, lat)]
    ring += [[40.5, 50.3, 0], [40.5, 44.4, 0], [32.0, 44.4, 0], ring[0]]
    feats = [{"type": "Feature", "properties": {"name": "Окупована /// Occupied /// geoJSON.status.occupied"},
              "geometry": {"type": "Polygon", "coordinates": [ring]}}]
    for k in range(40):  # grey zones on the line, 24-gons of 2-6 km
        i = int(len(lon) * (k + 0.5) / 40)
        r = rng.uniform(0.02, 0.05)
        a = np.linspace(0, 2 * np.pi, 25)
        poly = [[float(lon[i] + r * 1.5 * np.cos(x)), float(lat[i] + r * np.sin(x)), 0] for x in a]
        poly[-1] = poly[0]
        feats.append({"type": "Feature", "properties": {"name": "Статус невідомий /// Unknown status /// geoJSON.status.unknown"},
                      "geometry": {"type": "Polygon", "coordinates": [poly]}})
    feats.append({"type": "Feature", "properties": {"name": "Крим /// Crimea /// geoJSON.territories.crimea"},
                  "geometry": {"type": "Polygon", "coordinates": [[[33, 44.5, 0], [36, 44.5, 0], [36, 46, 0], [33, 44.5, 0]]]}})
    feats += [{"type": "Feature", "properties": {"name": f"Unit {k}"},
               "geometry": {"type": "Point", "coordinates": [float(lon[k * 50]) + 0.1, float(lat[k * 50]), 0]}}
              for k in range(30)]
    return feats


def write_snapshots(folder: Path, days: int, seed: int = 7) -> list[Path]:
    rng = np.random.default_rng(seed)
    lon, lat = front(rng)
    paths = []
    for d in range(days):
        day = START + dt.timedelta(days=d)
        lon = lon - np.abs(_smooth(rng.normal(0, 0.0004, len(lon)), 200))  # a creeping advance, in stretches
        feats = snapshot_features(lon, lat, rng)
        if d % 2 == 0:
            path = folder / f"history-{d:04d}.json"
            doc = {"id": int(time.mktime(day.timetuple())), "datetime": f"{day}T21:00:00Z",
                   "map": {"type": "FeatureCollection", "features": feats}}
        else:
            path = folder / f"deepstatemap_data_{day:%Y%m%d}.geojson"
            doc = {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [
                    [[c[:2] for c in feats[0]["geometry"]["coordinates"][0]]]]}}]}
        path.write_text(json.dumps(doc))
        paths.append(path)
    return paths


def events_frame(n: int, days: int, seed: int = 3) -> pd.DataFrame:
    """n events around the front and behind it, dated over the snapshots' span."""
    from benchmarks.synth import synthetic_events

    ev = synthetic_events(n, seed=seed)
    rng = np.random.default_rng(seed)
    ev["date"] = pd.to_datetime(START) + pd.to_timedelta(rng.integers(0, days, n), unit="D")
    return ev[["id", "date", "lon", "lat", "country", "sub_event_type", "actor1", "claimed_by", "uncertainty_km"]]


def main(argv: list[str] | None = None) -> None:
    from dashboard.control import payload
    from events.territory.control import check_claims, tag
    from events.territory.snapshots import Archive, import_snapshots

    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=800)
    ap.add_argument("--events", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "src").mkdir()
        t = time.perf_counter()
        paths = write_snapshots(tmp / "src", args.days)
        size = sum(p.stat().st_size for p in paths)
        print(f"drew {len(paths)} snapshot files, {size / 1e6:.0f} MB, in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        r = import_snapshots(paths, "bench", tmp / "data")
        took = time.perf_counter() - t
        stored = (r.path / "snapshots.parquet").stat().st_size
        print(f"import: {len(r.dates)} snapshots ({r.features:,} areas, {r.skipped:,} other features skipped) in "
              f"{took:.1f} s = {len(r.dates) / took:.0f} snapshots/s; stored {stored / 1e6:.1f} MB of GeoParquet")
        rng = np.random.default_rng(1)
        asked = [START + dt.timedelta(days=int(d)) for d in rng.integers(0, args.days + 30, 40)]
        cold, warm = [], []
        for day in asked:
            t = time.perf_counter()
            Archive(tmp / "data").as_of("bench", day)  # a new reader: footer and row group read from disk
            cold.append((time.perf_counter() - t) * 1000)
        archive = Archive(tmp / "data")
        for day in asked:
            archive.as_of("bench", day)
            t = time.perf_counter()
            archive.as_of("bench", day)
            warm.append((time.perf_counter() - t) * 1000)
        print(f"as-of lookup: median {statistics.median(cold):.1f} ms, max {max(cold):.1f} ms from disk (target < 50); "
              f"{statistics.median(warm):.3f} ms when kept")
        last = archive.dates("bench")[-1]
        t = time.perf_counter()
        pl = payload(archive, "bench", last, last - dt.timedelta(days=30))
        body = json.dumps(pl)
        print(f"map payload of one snapshot plus 30 days of changes: {len(body) / 1e3:.0f} kB "
              f"(built in {(time.perf_counter() - t) * 1000:.0f} ms; source file "
              f"{paths[-2].stat().st_size / 1e3:.0f} kB)")
        ev = events_frame(args.events, args.days)
        one = ev.assign(date=pd.Timestamp(last))
        archive.snapshot("bench", last)
        t = time.perf_counter()
        tagged = tag(archive, one)
        took = time.perf_counter() - t
        shares = tagged["control"].value_counts(dropna=False).to_dict()
        print(f"tagging {len(ev):,} events against one snapshot: {took:.2f} s (target < 5) "
              f"= {len(ev) / took / 1e6:.2f} M events/s; {shares}")
        archive = Archive(tmp / "data")
        t = time.perf_counter()
        tag(archive, ev)
        took = time.perf_counter() - t
        print(f"tagging {len(ev):,} events each against its own date's snapshot ({args.days} snapshots, read cold): "
              f"{took:.2f} s")
        claims = ev.sample(10_000, random_state=1).assign(sub_event_type="Non-state actor overtakes territory",
                                                         actor1="Military Forces of Russia")
        t = time.perf_counter()
        checked = check_claims(archive, claims.reset_index(drop=True))
        took = time.perf_counter() - t
        print(f"checking {len(claims):,} capture claims against {args.days} snapshots: {took:.2f} s; "
              f"{checked['control_check'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
