"""The article drafter against the hand-made catalogue: python -m benchmarks.bench_draft [SEEDS_DIR].

Runs `events.draft.draft_article` over the three seed articles (../shared/seeds) and prints, per
field, how many catalogued incidents the drafts found: a candidate is the incident's when its place
lies within the catalogue's uncertainty (plus its own) and its date span overlaps; then per field
whether type, casualties and claim status agree; and how many candidates match no catalogued
incident. Also start-up (imports, gazetteer, first article) and the time per 1,000 words.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
# The seed articles' outlets and publication days (../shared/seeds/README.md).
ARTICLES = [("000_d197c699e3fca682.txt", "The Moscow Times (AFP)", "2025-01-11"),
            ("001_05532f2eaedf5815.txt", "The New York Times", "2025-01-12"),
            ("003_fcf8fd22a0cc8e7c.txt", "Radio Free Europe/Radio Liberty", "2025-01-11")]


def _overlaps(a0, a1, b0, b1) -> bool:
    return not (a1 < b0 or b1 < a0)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    seeds = Path(argv[0]) if argv else SEEDS
    if not seeds.is_dir():
        print(f"no seed articles at {seeds}: nothing to measure")
        return
    t0 = time.perf_counter()
    from geopy.distance import geodesic

    from events.draft import draft_article
    from events.records import load_catalog

    texts = [(seeds / f, o, dt.date.fromisoformat(p)) for f, o, p in ARTICLES if (seeds / f).exists()]
    first = draft_article(texts[0][0].read_text(encoding="utf-8"), published=texts[0][2], outlet=texts[0][1])
    startup = time.perf_counter() - t0
    drafts = []
    words = 0
    t1 = time.perf_counter()
    for path, outlet, published in texts:
        text = path.read_text(encoding="utf-8")
        words += len(text.split())
        got = draft_article(text, published=published, outlet=outlet)
        drafts += [(path.name, d) for d in got]
    per_1000 = (time.perf_counter() - t1) / max(words, 1) * 1000
    del first

    cat = load_catalog(ROOT / "events" / "catalog", write_cache=False).events
    fields = {"found (place + date)": 0, "place within uncertainty": 0, "date span overlaps": 0, "type": 0,
              "fatalities": 0, "injured": 0, "claim status": 0}
    matched: set[int] = set()
    print(f"{'catalogued incident':55} {'best candidate':58} type cas claim")
    for _, row in cat.iterrows():
        c_start = row["date"].date()
        c_end = (row["end_date"] if not _isna(row["end_date"]) else row["date"]).date()
        best = None
        for k, (_, d) in enumerate(drafts):
            place_ok = date_ok = False
            if d.derived:
                km = geodesic((row["lat"], row["lon"]), (d.derived["lat"], d.derived["lon"])).km
                place_ok = km <= float(row["uncertainty_km"]) + float(d.derived["uncertainty_km"])
            r = d.record
            d0 = dt.date.fromisoformat(r["date"])
            d1 = dt.date.fromisoformat(r.get("end_date") or r["date"])
            date_ok = _overlaps(c_start, c_end, d0, d1)
            if place_ok and date_ok:
                matched.add(k)  # another article's report of the same incident is not a stray
            agree = (r["sub_event_type"] == row["sub_event_type"]) + _same(r["fatalities"], row["fatalities"]) + \
                _same(r["injured"], row["injured"]) + (r["claim"]["status"] == row["claim_status"])
            score = (place_ok and date_ok, agree, -(d.derived or {}).get("geo_precision", 9), place_ok, date_ok)
            if best is None or score > best[0]:
                best = (score, k, place_ok, date_ok)
        score, k, place_ok, date_ok = best
        d = drafts[k][1]
        r = d.record
        fields["place within uncertainty"] += place_ok
        fields["date span overlaps"] += date_ok
        ok = place_ok and date_ok
        type_ok = ok and r["sub_event_type"] == row["sub_event_type"]
        fat_ok = ok and _same(r["fatalities"], row["fatalities"])
        inj_ok = ok and _same(r["injured"], row["injured"])
        claim_ok = ok and r["claim"]["status"] == row["claim_status"]
        if ok:
            fields["found (place + date)"] += 1
            fields["type"] += type_ok
            fields["fatalities"] += fat_ok
            fields["injured"] += inj_ok
            fields["claim status"] += claim_ok
        print(f"{row['id'][:55]:55} {(r['id'] if ok else '— none —')[:58]:58} {'✓' if type_ok else '✗':4} "
              f"{'✓' if fat_ok and inj_ok else '✗':3} {'✓' if claim_ok else '✗'}")
    n = len(cat)
    print(f"\n{len(drafts)} candidates from {len(texts)} articles ({words:,} words); {n} catalogued incidents")
    for name, v in fields.items():
        print(f"  {name:28} {v}/{n}")
    unmatched = [f"{src}: {d.record['id']}" for k, (src, d) in enumerate(drafts) if k not in matched]
    print(f"  candidates matching no catalogued incident: {len(unmatched)}")
    for u in unmatched:
        print(f"    {u}")
    print(f"\nstart-up (imports, gazetteer, first article): {startup:.2f} s; "
          f"draft: {per_1000 * 1000:.0f} ms per 1,000 words")


def _isna(v) -> bool:
    import pandas as pd

    return v is None or pd.isna(v)


def _same(a, b) -> bool:
    return (a is None and _isna(b)) or (a is not None and not _isna(b) and int(a) == int(b))


if __name__ == "__main__":
    main()
