"""The dashboard beside a bare Streamlit page, in one run, in a real headless Chromium.

Run: .venv/bin/python -m benchmarks.bench_page [--repeats 5] [--events 1000000]
Prints, for the seed catalogue: first visit, repeat visit in a new browser profile, and the
visit of a returning browser (its HTTP cache warm) (request to map's event layer drawn), a filter change (typing a search, to the map redrawn), and a bare page that writes
one line (request to the line shown), with the ratios the issue sets: repeat within 2x of the
bare page, first visit within 3x, a filter change under 1 s. With --events N, N realistic
synthetic ACLED rows (benchmarks/synth.py: unique notes of ACLED length, 20,000 places) are
imported first, and the figures are for that store: a first visit under 5 s (the visitor comes as
soon as the server answers; the store loads in the background from server start) and a filter
change under 2 s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = 'import streamlit as st\nst.write("bare page ready")\n'


def _page(browser):
    """A page in a fresh browser profile (a Browser: no cache), or in a returning one (a
    BrowserContext: its HTTP cache holds what the earlier visits fetched)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}) if hasattr(browser, "new_context") \
        else browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1"))
               else r.abort())
    return page


def _map_count(page) -> int | None:
    for f in page.frames:
        if "st_folium" in f.url:
            try:
                return f.evaluate("() => window.conflictEvents ? window.conflictEvents.count : null")
            except Exception:  # noqa: BLE001 - frame navigating
                return None
    return None


def visit_map(browser, url: str) -> tuple[float, object]:
    page = _page(browser)
    t = time.perf_counter()
    page.goto(url)
    while _map_count(page) is None:
        page.wait_for_timeout(20)
    return time.perf_counter() - t, page


def visit_bare(browser, url: str) -> float:
    page = _page(browser)
    t = time.perf_counter()
    page.goto(url)
    page.get_by_text("bare page ready").wait_for(timeout=60_000)
    elapsed = time.perf_counter() - t
    page.close()
    return elapsed


def wait_for_warm(proc, timeout_s: float = 300) -> float:
    """Seconds from now until the launcher says the store is loaded (its log line)."""
    t = time.perf_counter()
    while time.perf_counter() - t < timeout_s:
        if "event store loaded in the background" in Path(proc.log_path).read_text(errors="replace"):
            return time.perf_counter() - t
        time.sleep(0.1)
    raise SystemExit("the launcher never finished loading the store: " +
                     Path(proc.log_path).read_text(errors="replace")[-2000:])


def filter_change(page) -> float:
    """On a loaded page (the table follows the map's first drawing): a search typed, to the map redrawn."""
    page.locator('[data-testid="stDataFrame"]').wait_for(timeout=60_000)
    box = page.get_by_role("textbox", name="Search text")
    box.fill("Kurakhove")
    before = _map_count(page)
    t = time.perf_counter()
    box.press("Enter")
    while _map_count(page) in (None, before):
        page.wait_for_timeout(20)
    elapsed = time.perf_counter() - t
    box.fill("")
    box.press("Enter")
    return elapsed


def import_synthetic(n: int, data: Path) -> float:
    """n synthetic ACLED-layout rows imported as dataset 'bench' under data; returns seconds."""
    from benchmarks.synth import synthetic_events
    from events.datasets import import_file
    from events.export import acled_frame
    from events.vocab import ACLED_COLUMNS

    df = synthetic_events(n)
    frame = acled_frame(df)[list(ACLED_COLUMNS)]
    frame["notes"] = df["notes"].to_numpy(object)
    frame["event_id_cnty"] = df["id"].to_numpy(object)
    csv = data.parent / "acled.csv"
    frame.to_csv(csv, index=False)
    del frame, df
    t = time.perf_counter()
    import_file("acled", csv, "bench", data)
    csv.unlink()
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--events", type=int, default=0, help="import this many synthetic events first")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from tests.conftest import SEED_CATALOG
    from tests.test_browser import CHROMIUM, start_app, stop_app

    tmp = Path(tempfile.mkdtemp())
    if args.events:
        took = import_synthetic(args.events, tmp / "data")
        print(f"imported {args.events:,} synthetic events in {took:.1f} s")
    bare_file = ROOT / ".cache" / "bench_bare_page.py"
    bare_file.parent.mkdir(exist_ok=True)
    bare_file.write_text(BARE)
    bare, bare_base = start_app(SEED_CATALOG, tmp / "data", script=bare_file)
    try:
        proc, base = start_app(SEED_CATALOG, tmp / "data", launcher=True)  # as `make run` starts it
    except BaseException:
        stop_app(bare)
        raise
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
            at_start, page = visit_map(browser, base + "/")  # comes as soon as the server answers
            page.close()
            stop_app(proc)
            proc, base = start_app(SEED_CATALOG, tmp / "data", launcher=True)
            warmed = wait_for_warm(proc)
            first, page = visit_map(browser, base + "/")  # the first visitor once the store is loaded
            page.close()
            repeats, changes, bares = [], [], []
            for _ in range(args.repeats):
                t, page = visit_map(browser, base + "/")
                repeats.append(t)
                changes.append(filter_change(page))
                page.close()
            visit_bare(browser, bare_base + "/")  # its own first visit, not counted
            bares = [visit_bare(browser, bare_base + "/") for _ in range(args.repeats)]
            # A returning analyst: the same browser profile, so its HTTP cache holds the scripts,
            # styles and map layers an earlier visit fetched (the visits above each had a new one).
            own = browser.new_context(viewport={"width": 1400, "height": 1000})
            visit_map(own, base + "/")[1].close()
            returning = []
            for _ in range(args.repeats):
                t, page = visit_map(own, base + "/")
                returning.append(t)
                page.close()
            bare_own = browser.new_context(viewport={"width": 1400, "height": 1000})
            visit_bare(bare_own, bare_base + "/")
            bares_returning = [visit_bare(bare_own, bare_base + "/") for _ in range(args.repeats)]
            browser.close()
    finally:
        stop_app(proc)
        stop_app(bare)
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    rep, bar, chg = statistics.median(repeats), statistics.median(bares), statistics.median(changes)
    print(f"bare Streamlit page (one line): {bar:.2f} s (median of {len(bares)})")
    store = f"{args.events:,} imported events + seed catalogue" if args.events else "seed catalogue"
    print(f"dashboard, {store}: first visit {first:.2f} s ({first / bar:.1f}x bare; target <= 3x), "
          f"repeat visit in a new browser profile {rep:.2f} s ({rep / bar:.1f}x bare)")
    ret, bret = statistics.median(returning), statistics.median(bares_returning)
    print(f"returning visitor (same browser profile, its HTTP cache): bare page {bret:.2f} s, dashboard "
          f"{ret:.2f} s ({ret / bret:.1f}x bare; target <= 2x)")
    print(f"filter change (search typed) to map redrawn: {chg:.2f} s (median; target < "
          f"{'2' if args.events else '1'} s)")
    print(f"first visit as the server starts (the store still loading in the background): {at_start:.2f} s; "
          f"the launcher had the store loaded {warmed:.1f} s after the server answered")
    if args.events:
        print(f"first visit at {args.events:,} events, store loaded: {first:.2f} s (target < 5 s)")


if __name__ == "__main__":
    main()
