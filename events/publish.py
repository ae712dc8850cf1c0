"""`python -m events publish`: the filtered, approved events as a static site any web server (or
`python -m http.server`) can serve, offline, with no request leaving the host.

The site is the dashboard's own map (dashboard/mapview.page_html: the same layers, script and
style files, one copy of each), with the data of exactly the filtered events, `events.geojson`
(the same bytes as `events export` for the same filter) and `manifest.json` (what was published,
when, the filter, and each dataset's source and licence). Rows whose source forbids republishing
them (ACLED's terms) are refused, named, never published.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from events.errors import OutputError
from events.filters import Filter, make_filter, to_query

STATIC = Path(__file__).resolve().parent.parent / "static"
# What each import format's source lets others do with its rows.
LICENCES = {
    "ucdp": ("CC BY 4.0", "UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program", True),
    "acled": ("ACLED terms of use", "Armed Conflict Location & Event Data (ACLED)", False),
}
CURATED_LICENCE = ("as the publisher decides", "curated from the news reports each event cites", True)


def publish(store, f: Filter, out: str | Path, title: str = "Conflict event map") -> dict:
    """Write the site into out (made if missing); returns its manifest."""
    from dashboard.mapview import page_html

    f = make_filter(**{**f.as_dict(), "review": ()})  # approved events only, whatever was asked
    shown = set(store.distinct("dataset", f))
    manifests = {m["dataset"]: m for m in store.manifests()}
    refused = sorted(d for d in shown if d in manifests and not LICENCES.get(manifests[d].get("format"),
                                                                           ("", "", True))[2])
    if refused:
        raise OutputError(f"publish: dataset(s) {', '.join(refused)} may not be republished (their source's terms); "
                          f"leave them out with --dataset")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    html = page_html(store, f, published=True).replace("/app/static/", "static/")
    html = html.replace("<head>", f"<head>\n<title>{_escape(title)}</title>", 1)
    for part in ("vendor", "map", "generated"):  # the files the page names, one copy each
        shutil.copytree(STATIC / part, out / "static" / part, dirs_exist_ok=True)
    (out / "index.html").write_text(html, encoding="utf-8")
    with open(out / "events.geojson", "wb") as fh:
        for chunk in store.export(f, "geojson"):
            fh.write(chunk)
    datasets = []
    for name in sorted(shown):
        m = manifests.get(name)
        licence, source, _ = LICENCES.get(m.get("format"), ("see the source", m.get("source_file"), True)) if m \
            else CURATED_LICENCE
        datasets.append({"dataset": name, "source": source, "licence": licence,
                         "version": (m or {}).get("imported_at") or (m or {}).get("source_sha256")})
    manifest = {"title": title, "published_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "filter": to_query(f), "events": store.count(f), "datasets": datasets,
                "attribution": ["Boundaries: Natural Earth (public domain)", "Places: GeoNames (CC BY 4.0)",
                                "Rivers, lakes: GSHHG (LGPL-3.0)"],
                "files": {"map": "index.html", "events": "events.geojson"}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def _escape(text: str) -> str:
    from html import escape

    return escape(text, quote=True)
