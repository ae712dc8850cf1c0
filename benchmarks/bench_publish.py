"""The published site at scale: publish time and size, what a reader's browser fetches, and many
readers at once against a plain static server beside the same number against the dashboard.

Run: .venv/bin/python -m benchmarks.bench_publish [--events 1000000] [--readers 8 64]

1. A store of N realistic synthetic events (benchmarks/synth.py: unique ACLED-length notes, tens
   of thousands of places, real actor strings), published whole: seconds, and the bytes of each
   part (index.html, tiles, events.geojson, static files).
2. A real browser (Debian's chromium, nothing outside 127.0.0.1) opens the site from
   `python -m http.server` at country zoom and at zoom 10 over a city: bytes transferred (each
   response's body) and seconds until the map is drawn (grid cells or event markers on the map).
3. N readers at once (bounded loops): each fetches what the browser fetched for the zoom-10
   view, from the static server; then N sessions open the same view on the dashboard
   (benchmarks/bench_load.one_session: the script's run, without a browser). Server CPU per
   reader and time per reader, side by side.
"""
from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.bench_load import build_store, cpu_seconds, free_port, measure, start, stop

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
VIEWS = {"country zoom (the site's opening view)": "",
         "zoom 10 over Pokrovsk (the densest front)": "?view=48.28,37.18,10",
         "zoom 10 over Sumy": "?view=50.91,34.80,10",
         "zoom 13 in Pokrovsk": "?view=48.28,37.18,13",
         "zoom 12 over Sumy": "?view=50.91,34.80,12",
         "country zoom, filtered (battles)": "?type=Battles",
         "zoom 13 in Pokrovsk, filtered (battles since 2024)": "?view=48.28,37.18,13&type=Battles&from=2024-01-01"}


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def static_server(folder: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("HEAD", "/")
            return proc, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the static server did not start")


def open_in_browser(base: str, query: str) -> dict:
    """Seconds to the map drawn, and every URL fetched with its body's bytes."""
    from playwright.sync_api import sync_playwright

    fetched: dict[str, int] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).hostname == "127.0.0.1" else r.abort())
        page.on("requestfinished", lambda r: fetched.__setitem__(r.url, (r.sizes() or {}).get("responseBodySize", 0)))
        t = time.perf_counter()
        page.goto(base + "/index.html" + query)
        page.wait_for_function("() => window.conflictTiles && window.conflictEvents && "
                               "(window.conflictTiles.mode === 'events' ? window.conflictEvents.count >= 0 && "
                               "document.querySelector('.leaflet-marker-icon') : "
                               "document.querySelector('.leaflet-overlay-pane canvas')) && "
                               # a filter over the whole site: its cells counted again from grid.json
                               "(!(window.ceFilter && window.ceFilter.active) || window.conflictTiles.mode !== 'grid' "
                               "|| window.conflictTiles.fetched.indexOf('grid') >= 0)", timeout=300_000)
        page.wait_for_timeout(1500)  # tiles asked for after the first draw (a moveend) count too
        drawn = time.perf_counter() - t
        state = page.evaluate("() => [window.conflictTiles.mode, window.conflictTiles.fetched.filter("
                              "k => !k.startsWith('cells/') && k !== 'grid' && !k.endsWith('.f')).length, "
                              "window.conflictTiles.fetched.filter(k => k.startsWith('cells/') && "
                              "!k.endsWith('.cube')).length, window.conflictEvents.count, "
                              "window.conflictTiles.fetched.filter(k => k === 'grid' || k.endsWith('.f') || "
                              "k.endsWith('.cube')).length]")
        browser.close()
    return {"seconds": drawn, "bytes": sum(fetched.values()), "urls": list(fetched), "mode": state[0],
            "tiles": state[1], "cells": state[2], "events": state[3], "filter_files": state[4]}


def readers_static(port: int, paths: list[str], n: int) -> dict:
    """n readers at once, each fetching paths over one keep-alive connection, as a browser would."""
    times: list[float] = []
    lock = threading.Lock()

    def one() -> None:
        t = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for p in paths:
            conn.request("GET", p)
            conn.getresponse().read()
        conn.close()
        with lock:
            times.append(time.perf_counter() - t)

    threads = [threading.Thread(target=one) for _ in range(n)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return {"wall_s": time.perf_counter() - t0, "median_s": sorted(times)[n // 2], "slowest_s": max(times)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--readers", type=int, nargs="+", default=[8, 64])
    ap.add_argument("--no-dashboard", action="store_true", help="leave out the dashboard's side of the readers")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        catalog, data = build_store(Path(tmp), args.events)
        print(f"store of {args.events:,} synthetic events written in {time.perf_counter() - t:.0f} s")
        from events.filters import make_filter
        from events.publish import publish
        from events.storage import open_storage

        site = Path(tmp) / "site"
        import resource

        t = time.perf_counter()
        manifest = publish(open_storage(None, catalog, data), make_filter(), site, permitted=("synthetic",))  # ours
        print(f"publish: {manifest['events']:,} events in {time.perf_counter() - t:.1f} s; peak memory "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
        tiles = site / "tiles"
        print(f"  index.html {size_of(site / 'index.html') / 1e6:.2f} MB; tiles {size_of(tiles) / 1e6:.0f} MB in "
              f"{sum(1 for _ in tiles.rglob('*.json')):,} files; events.geojson "
              f"{size_of(site / 'events.geojson') / 1e6:.0f} MB ({size_of(site / 'events.geojson.gz') / 1e6:.0f} MB "
              f"gzipped); static {size_of(site / 'static') / 1e6:.0f} MB")
        proc, port = static_server(site)
        base = f"http://127.0.0.1:{port}"
        try:
            seen = {}
            for name, query in VIEWS.items():
                got = open_in_browser(base, query)
                seen[name] = got
                print(f"  {name}: {got['bytes'] / 1e6:.2f} MB in {len(got['urls'])} requests "
                      f"({got['tiles']} event tiles, {got['cells']} cell tiles, {got['filter_files']} files of "
                      f"filter fields or cubes), map drawn in {got['seconds']:.1f} s as "
                      f"{ {'events': 'events', 'cells': 'the small cells of its cell tiles'}.get(got['mode'], 'the whole grid')}"
                      + (f" ({got['events']:,} events)" if got["mode"] == "events" else ""))
            shown = [k for k, v in seen.items() if v["mode"] == "events"] or list(seen)
            city = seen[shown[0]]
            paths = [urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "") for u in city["urls"]]
            for n in args.readers:
                c0 = cpu_seconds(proc.pid)
                r = readers_static(port, paths, n)
                cpu = cpu_seconds(proc.pid) - c0
                print(f"  {n} readers at once, static server (each the {len(paths)} requests of the view '{shown[0]}'): "
                      f"server CPU {cpu:.2f} s = {cpu / n * 1000:.0f} ms per reader; each done in median "
                      f"{r['median_s']:.2f} s, slowest {r['slowest_s']:.2f} s")
        finally:
            stop(proc)
        if args.no_dashboard:
            return
        port = free_port()
        dash = start(catalog, data, port)
        try:
            measure(dash.pid, port, 1, "")  # the first session loads the store
            for n in args.readers:
                m = measure(dash.pid, port, n, VIEWS[shown[0]].lstrip("?"))
                print(f"  {n} sessions at once, dashboard (the same view; the script's run, no browser): server CPU "
                      f"{m['cpu_s']:.2f} s = {m['cpu_s'] / n * 1000:.0f} ms per reader; each done in median "
                      f"{m['median_s']:.2f} s, slowest {m['slowest_s']:.2f} s")
        finally:
            stop(dash)


if __name__ == "__main__":
    main()
