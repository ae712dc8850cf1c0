"""python -m benchmarks: every benchmark, one after another (a few minutes at 1,000,000 events).

BENCH_EVENTS=200000 python -m benchmarks runs the scale benchmarks smaller.
"""
import os

from benchmarks import bench_browser, bench_corroborate, bench_coverage, bench_draft, bench_page, bench_gazetteer, bench_map, bench_postgis, bench_scale, bench_territory

events = os.environ.get("BENCH_EVENTS", "1000000")
print("== gazetteer")
bench_gazetteer.main()
print("\n== gazetteer coverage of the villages real reports name (UCDP GED, ../shared/data/real)")
bench_coverage.main()
print("\n== map build (curated-style events, individual features)")
bench_map.main([])
print(f"\n== scale: {int(events):,} events")
bench_scale.main(["--events", events])
print("\n== the page beside a bare Streamlit page (seed catalogue)")
bench_page.main([])
print(f"\n== the page at {int(events):,} imported events")
bench_page.main(["--events", events, "--repeats", "3"])
print("\n== browser: page load to map drawn")
bench_browser.main(["--events", events])
print(f"\n== PostGIS beside the embedded store: {int(events):,} events")
bench_postgis.main(["--events", events])
print(f"\n== territorial control: 800 daily snapshots, {int(events):,} events")
bench_territory.main(["--events", events])
print(f"\n== corroboration: 10,000 events against {int(events):,} rows")
bench_corroborate.main(["--right", events])
print("\n== drafting events from the seed articles")
bench_draft.main([])
