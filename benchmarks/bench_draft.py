"""The article drafter against the hand-made catalogue: python -m benchmarks.bench_draft [SEEDS_DIR],
and against real reports: python -m benchmarks.bench_draft --yardstick DIR.

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
# 66 incidents of 25 real reports (Nov 2024 - Feb 2025, 10 outlets) labelled by reading them: the
# truth table, each row's source URL and the sentence it rests on. The reports' texts are the
# outlets' and are not committed: `--yardstick DIR` reads them from DIR/reports/NN_outlet.txt.
YARDSTICK = Path(__file__).resolve().parent / "draft_yardstick.csv"
# The seed articles' outlets and publication days (../shared/seeds/README.md).
ARTICLES = [("000_d197c699e3fca682.txt", "The Moscow Times (AFP)", "2025-01-11"),
            ("001_05532f2eaedf5815.txt", "The New York Times", "2025-01-12"),
            ("003_fcf8fd22a0cc8e7c.txt", "Radio Free Europe/Radio Liberty", "2025-01-11")]


def _overlaps(a0, a1, b0, b1) -> bool:
    return not (a1 < b0 or b1 < a0)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--yardstick"]:
        return yardstick(Path(argv[1]))
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


def _header(text: str) -> tuple[dict, str]:
    """A yardstick report: 'URL:', 'PUBLISHED:', 'OUTLET:' lines, then the article."""
    meta, lines = {}, text.split("\n")
    while lines and ":" in lines[0] and lines[0].split(":", 1)[0] in ("URL", "PUBLISHED", "OUTLET"):
        k, v = lines.pop(0).split(":", 1)
        meta[k] = v.strip()
    return meta, "\n".join(lines)


def yardstick(folder: Path) -> None:
    """Drafts of real reports nobody here wrote, against a truth table labelled by reading them
    (folder/reports/*.txt with URL/PUBLISHED/OUTLET lines, folder/truth.csv; see
    benchmarks/draft_yardstick.csv for the committed truth and sources). Per field: recall
    (place within the truth's radius and the candidate's own, date spans overlapping),
    precision (candidates that are some incident of their report), casualties, claim status
    and claimant on the matched incidents."""
    import pandas as pd
    from geopy.distance import geodesic

    from events.draft import draft_article

    table = folder / "truth.csv" if (folder / "truth.csv").exists() else YARDSTICK
    truth = pd.read_csv(table, dtype=str, keep_default_na=False)
    drafts: dict[str, list] = {}
    t0 = time.perf_counter()
    words = 0
    for path in sorted((folder / "reports").glob("*.txt")):
        meta, text = _header(path.read_text(encoding="utf-8"))
        words += len(text.split())
        drafts[path.name] = draft_article(text, published=dt.date.fromisoformat(meta["PUBLISHED"]),
                                          outlet=meta.get("OUTLET", "?"))
    took = time.perf_counter() - t0
    absent = sorted(set(truth["report"]) - set(drafts))
    if absent:  # a partial set of texts: measure the reports there are, and say which are not
        print(f"{len(absent)} of {truth['report'].nunique()} reports have no text in {folder / 'reports'}: "
              f"{', '.join(absent)}; measured on the other {len(drafts)}")
        truth = truth[truth["report"].isin(list(drafts))]
    n_cand = sum(len(v) for v in drafts.values())
    used: set[tuple[str, int]] = set()
    found = cas_n = cas_ok = claim_ok = claimant_ok = 0
    misses = []
    for row in truth.itertuples(index=False):
        t0d, t1d = dt.date.fromisoformat(row.date_start), dt.date.fromisoformat(row.date_end or row.date_start)
        best, best_score = None, -1
        for k, d in enumerate(drafts.get(row.report, [])):
            if not d.derived:
                continue
            km = geodesic((float(row.lat), float(row.lon)), (d.derived["lat"], d.derived["lon"])).km
            r = d.record
            d0 = dt.date.fromisoformat(r["date"])
            d1 = dt.date.fromisoformat(r.get("end_date") or r["date"])
            if km <= float(row.radius_km) + float(d.derived["uncertainty_km"]) and _overlaps(t0d, t1d, d0, d1):
                score = (_num(r.get("fatalities")) == _num(row.fatalities)) + (_num(r.get("injured")) == _num(row.injured)) \
                    + (r["claim"]["status"] == row.claim_status) - km / 1000
                if score > best_score:
                    best, best_score = (k, d), score
        if best is None:
            misses.append(f"{row.report}: {row.incident}")
            continue
        k, d = best
        used.add((row.report, k))
        found += 1
        r = d.record
        if row.fatalities or row.injured:
            cas_n += 1
            cas_ok += _num(r.get("fatalities")) == _num(row.fatalities) and _num(r.get("injured")) == _num(row.injured)
        claim_ok += r["claim"]["status"] == row.claim_status
        claimant_ok += _same_claimant(r["claim"]["by"], row.claimant)
    n = len(truth)
    print(f"yardstick: {len(drafts)} real reports ({words:,} words), {n} incidents labelled by reading them")
    print(f"  recall (place + date)        {found}/{n} = {found / n:.0%}")
    print(f"  precision (candidates)       {len(used)}/{n_cand} = {len(used) / max(n_cand, 1):.0%}")
    print(f"  casualties right             {cas_ok}/{cas_n} matched incidents that report them")
    print(f"  claim status right           {claim_ok}/{found} matched")
    print(f"  claimant right               {claimant_ok}/{found} matched")
    print(f"  drafting: {took / max(words, 1) * 1000 * 1000:.0f} ms per 1,000 words")
    for m in misses:
        print(f"    missed: {m}")


def _num(v) -> int | None:
    if v is None or v == "" or (isinstance(v, float) and v != v):
        return None
    return int(float(v))


def _same_claimant(got: str, want: str) -> bool:
    """The same asserting body: a shared significant word (Fedorov, 'defence ministry', 'air force')."""
    import re

    words = lambda s: {re.sub(r"(?<=[a-z]{4})s$", "", w) for w in re.findall(r"[a-z]+", (s or "").lower())  # governor(s)
                       if len(w) > 2} - {  # AFP, UNN, DPA count
        "said", "regional", "region", "oblast", "military", "administration", "head", "reported", "according",
        "the", "and", "via", "for", "its", "was", "has", "with"}
    return bool(words(got) & words(want))


def _isna(v) -> bool:
    import pandas as pd

    return v is None or pd.isna(v)


def _same(a, b) -> bool:
    return (a is None and _isna(b)) or (a is not None and not _isna(b) and int(a) == int(b))


if __name__ == "__main__":
    main()
