"""The dashboard beside a bare Streamlit page, in one run, in a real headless Chromium.

Run: .venv/bin/python -m benchmarks.bench_page [--repeats 5]
Prints, for the seed catalogue: first visit and repeat visit (request to map's event layer
drawn), a filter change (typing a search, to the map redrawn), and a bare page that writes
one line (request to the line shown), with the ratios the issue sets: repeat within 2x of the
bare page, first visit within 3x, a filter change under 1 s.
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
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
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


def filter_change(page) -> float:
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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from tests.conftest import SEED_CATALOG
    from tests.test_browser import CHROMIUM, start_app, stop_app

    tmp = Path(tempfile.mkdtemp())
    proc, base = start_app(SEED_CATALOG, tmp / "data")
    bare_file = ROOT / ".cache" / "bench_bare_page.py"
    bare_file.parent.mkdir(exist_ok=True)
    bare_file.write_text(BARE)
    try:
        bare, bare_base = start_app(SEED_CATALOG, tmp / "data", script=bare_file)
    except BaseException:
        stop_app(proc)
        raise
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
            first, page = visit_map(browser, base + "/")
            page.close()
            repeats, changes, bares = [], [], []
            for _ in range(args.repeats):
                t, page = visit_map(browser, base + "/")
                repeats.append(t)
                changes.append(filter_change(page))
                page.close()
            visit_bare(browser, bare_base + "/")  # its own first visit, not counted
            bares = [visit_bare(browser, bare_base + "/") for _ in range(args.repeats)]
            browser.close()
    finally:
        stop_app(proc)
        stop_app(bare)
    rep, bar, chg = statistics.median(repeats), statistics.median(bares), statistics.median(changes)
    print(f"bare Streamlit page (one line): {bar:.2f} s (median of {len(bares)})")
    print(f"dashboard, seed catalogue: first visit {first:.2f} s ({first / bar:.1f}x bare; target <= 3x), "
          f"repeat visit {rep:.2f} s ({rep / bar:.1f}x bare; target <= 2x)")
    print(f"filter change (search typed) to map redrawn: {chg:.2f} s (median; target < 1 s)")


if __name__ == "__main__":
    main()
