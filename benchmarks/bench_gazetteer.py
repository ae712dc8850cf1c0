"""Gazetteer speed: cold start, and lookups per second over 10,000 mixed queries.

Run: .venv/bin/python -m benchmarks.bench_gazetteer
"""
from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time

COLD = """
import time
t = time.perf_counter()
from geodata.gazetteer import GazetteerGeocoder
g = GazetteerGeocoder(); g.index
t1 = time.perf_counter()
g.geocode("Kurakhove")
print(t1 - t, time.perf_counter() - t1)
"""

LATIN = [("Kurakhove", {}), ("Pokrovsk", {"country": "UA"}), ("Kotovsk", {"admin1": "Tambov"}),
         ("Prymorske", {"admin1": "Zaporizhzhia Oblast"}), ("Kharkiv", {}), ("Pokrovs'k", {"country": "UA"}),
         ("Bakhmut", {}), ("Krasnoarmiisk", {"country": "UA"}), ("Moscow", {}), ("Belgorod", {})]
CYRILLIC = [("Курахове", {}), ("Покровськ", {"country": "UA"}), ("Котовск", {"country": "RU"}),
            ("Курахово", {}), ("Харків", {}), ("Бахмут", {})]
AMBIGUOUS = [("Kotovsk", {}), ("Shevchenko", {"admin1": "Donetsk"}), ("Prymorske", {"country": "UA"})]
RELATIVE = [({"name": "Shevchenko", "country": "UA", "admin1": "Donetsk",
              "near": {"place": "Kurakhove", "distance_km": 10, "bearing": "NW"}})]


def main() -> None:
    from geodata.errors import AmbiguousPlace
    from geodata.gazetteer import GazetteerGeocoder, load_index
    from geodata.locate import locate

    colds = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True)
        colds.append([float(x) for x in out.stdout.split()])
    g = GazetteerGeocoder()
    print(f"gazetteer: {len(load_index()):,} places, {len(load_index().hash):,} name keys")
    print(f"cold start (import + load index, fresh process): median {statistics.median(c[0] for c in colds) * 1000:.0f} ms; "
          f"first lookup {statistics.median(c[1] for c in colds) * 1000:.2f} ms")

    rng = random.Random(1)
    kinds = ["latin"] * 5 + ["cyrillic"] * 3 + ["ambiguous"] * 1 + ["relative"] * 1
    queries = [rng.choice(kinds) for _ in range(10_000)]
    per_kind: dict[str, list[float]] = {}
    t_all = time.perf_counter()
    for kind in queries:
        t = time.perf_counter()
        if kind == "latin" or kind == "cyrillic":
            name, kw = rng.choice(LATIN if kind == "latin" else CYRILLIC)
            g.geocode(name, **kw)
        elif kind == "ambiguous":
            name, kw = rng.choice(AMBIGUOUS)
            try:
                g.geocode(name, **kw)
            except AmbiguousPlace:
                pass
        else:
            locate(rng.choice(RELATIVE), g)
        per_kind.setdefault(kind, []).append(time.perf_counter() - t)
    total = time.perf_counter() - t_all
    print(f"10,000 mixed queries: {total:.2f} s = {10_000 / total:,.0f} lookups/s")
    for kind, ts in sorted(per_kind.items()):
        print(f"  {kind:<10} n={len(ts):>5}  median {statistics.median(ts) * 1e6:7.1f} µs")
    t = time.perf_counter()
    for _ in range(10_000):
        g.candidates("Kurakhove")
    print(f"raw warm lookup (name key + binary search + candidates): {(time.perf_counter() - t) / 10_000 * 1e6:.1f} µs")
    print(f"for contrast, Nominatim at its 1 request/s policy: 10,000 lookups = {10_000 / 3600:.1f} hours "
          f"({10_000:,} s), {10_000 / total:,.0f}x slower than this")


if __name__ == "__main__":
    main()
