"""Map build time and HTML size: our one-layer map against one folium Marker per event.

Run: .venv/bin/python -m benchmarks.bench_map [--sizes 1000 10000 100000] [--naive-cap 10000]
"""
from __future__ import annotations

import argparse
import time

import folium

from benchmarks.synth import synthetic_events
from dashboard import mapview
from dashboard.safe import text
from events.filters import make_filter
from events.storage.embedded import EmbeddedStorage


def ours(df) -> tuple[float, int]:
    """The page's own route: the store's layer (events or cells) around the base map."""
    t = time.perf_counter()
    html = mapview.page_html(EmbeddedStorage.of_frame(df), make_filter(review=["all"]))
    return time.perf_counter() - t, len(html.encode())


def naive(df) -> tuple[float, int]:
    """What peers do: a folium.Marker with a Popup per event."""
    t = time.perf_counter()
    m = folium.Map(location=[49, 34], zoom_start=5)
    for r in df.to_dict("records"):
        body = f"<b>{text(r['title'])}</b><br>{r['date']:%Y-%m-%d} {text(r['event_type'])}<br>{text(r['claimed_by'])}"
        folium.Marker([r["lat"], r["lon"]], popup=folium.Popup(body), tooltip=text(r["title"])).add_to(m)
    html = m.get_root().render()
    return time.perf_counter() - t, len(html.encode())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10_000, 100_000])
    ap.add_argument("--naive-cap", type=int, default=10_000, help="largest size the naive map is built for")
    args = ap.parse_args(argv)
    mapview.boundary_layers()  # warm the cached base layer once, as the app does
    ours(synthetic_events(10))
    print(f"ours draws up to {mapview.MAX_FEATURES:,} events individually, more as grid cells")
    print(f"{'events':>8} | {'ours build s':>12} {'ours HTML MB':>12} | {'naive build s':>13} {'naive HTML MB':>13} | ratio")
    for n in args.sizes:
        df = synthetic_events(n)
        t_o, s_o = ours(df)
        if n <= args.naive_cap:
            t_n, s_n = naive(df)
            print(f"{n:>8,} | {t_o:>12.2f} {s_o / 1e6:>12.2f} | {t_n:>13.2f} {s_n / 1e6:>13.2f} | {t_n / t_o:5.1f}x")
        else:
            print(f"{n:>8,} | {t_o:>12.2f} {s_o / 1e6:>12.2f} | {'capped (not run; ~' + str(round(n / 1000 * 1.1)) + ' s est.)':>28}")


if __name__ == "__main__":
    main()
