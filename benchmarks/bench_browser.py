"""Page load to map drawn, in a real headless Chromium, with a million events in the store.

Run: .venv/bin/python -m benchmarks.bench_browser [--events 1000000]
Target: <= 5 s from navigation to the map's event layer drawn. Reported twice: the
first visit after the server starts (the store loads then) and a later visit.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def time_page(browser, url: str) -> tuple[float, dict]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1"))
               else r.abort())
    t = time.perf_counter()
    page.goto(url)
    while time.perf_counter() - t < 120:
        for f in page.frames:
            if "st_folium" in f.url:
                try:
                    state = f.evaluate("() => window.conflictEvents ? {count: window.conflictEvents.count, "
                                       "cells: window.conflictEvents.cells || 0} : null")
                except Exception:
                    state = None
                if state:
                    elapsed = time.perf_counter() - t
                    page.close()
                    return elapsed, state
        page.wait_for_timeout(50)
    raise RuntimeError("the map was not drawn within 120 s")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from benchmarks.synth import synthetic_events
    from events.datasets import write_dataset

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "data" / "synthetic").mkdir(parents=True)
        write_dataset(synthetic_events(args.events), tmp / "data" / "synthetic")
        (tmp / "data" / "synthetic" / "manifest.json").write_text(json.dumps(
            {"dataset": "synthetic", "format": "synthetic", "imported": args.events, "rejected": 0}))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "EVENTS_DATA": str(tmp / "data")}
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                 "--server.address", "127.0.0.1"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    if urllib.request.urlopen(base + "/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.3)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
                first, state = time_page(browser, base + "/")
                print(f"{args.events:,} events in the store: first visit (store loads) {first:.2f} s to map drawn "
                      f"({state['count']:,} events as {state['cells']:,} cells)")
                warm = [time_page(browser, base + "/")[0] for _ in range(3)]
                print(f"later visits: {', '.join(f'{w:.2f}' for w in warm)} s (target <= 5 s)")
                t, state = time_page(browser, base + "/?region=UA-23&from=2024-01-01&to=2024-01-07")
                print(f"filtered URL (one week, one oblast): {t:.2f} s, {state['count']:,} events drawn individually")
                browser.close()
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
