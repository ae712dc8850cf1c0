"""`python -m events publish`: the filtered, approved events as a static site any web server (or
`python -m http.server`) can serve, offline, with no request leaving the host.

The site is the dashboard's own map (dashboard/mapview.page_html: the same layers, script and
style files, one copy of each), with the data of exactly the filtered events, `events.geojson`
(the same bytes as `events export` for the same filter) and `manifest.json` (what was published,
when, the filter, and each dataset's source, licence and attribution, recorded at import:
events/licences.py). A dataset whose rows may not be republished (ACLED's terms, or a table whose
licence nobody stated) is refused by name unless the operator says they have permission, and the
manifest then says so. The page credits every source it shows.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from events.errors import OutputError
from events.filters import Filter, make_filter, to_query
from events.licences import of_manifest

STATIC = Path(__file__).resolve().parent.parent / "static"
# The event tiles' zoom (about 39 x 26 km at 48° N): measured on 1,000,000 synthetic events, half of
# the tiles hold under 650 events, and a view at zoom 10 touches some 24 of them.
TILE_ZOOM = 10
MAX_TILES_PER_VIEW = 64  # beyond this many tiles in view, the grid (a wide view would fetch hundreds)
BASE_ATTRIBUTION = ["Boundaries: Natural Earth (public domain)", "Places: GeoNames (CC BY 4.0)",
                    "Rivers, lakes: GSHHG (LGPL-3.0)"]


def publish(store, f: Filter, out: str | Path, title: str = "Conflict event map",
            permitted: tuple[str, ...] = ()) -> dict:
    """Write the site into out (made if missing); returns its manifest. permitted: datasets the
    operator has permission to republish although their recorded licence does not allow it."""
    from dashboard.mapview import MAX_FEATURES, page_html

    f = make_filter(**{**f.as_dict(), "review": ()})  # approved events only, whatever was asked
    shown = set(store.distinct("dataset", f))
    manifests = {m["dataset"]: m for m in store.manifests()}
    licences = {d: of_manifest(manifests.get(d)) for d in shown}
    refused = sorted(d for d in shown if not licences[d]["redistributable"] and d not in permitted)
    if refused:
        said = "; ".join(f"{d}: {licences[d]['licence']}" for d in refused)
        raise OutputError(f"publish: dataset(s) {', '.join(refused)} may not be republished ({said}); leave them "
                          f"out with --dataset, or pass --i-have-permission NAME if you have the source's permission")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    datasets = []
    for name in sorted(shown):
        m, lic = manifests.get(name), licences[name]
        datasets.append({"dataset": name, "source": lic["attribution"] or (m or {}).get("source_file"),
                         "licence": lic["licence"], "redistributable": lic["redistributable"],
                         **({"permission": "the operator states they have the source's permission "
                                           "(--i-have-permission)"} if not lic["redistributable"] else {}),
                         "version": (m or {}).get("imported_at") or (m or {}).get("source_sha256")})
    shutil.rmtree(out / "tiles", ignore_errors=True)  # a site published here before: its tiles go
    tiles = _write_tiles(store, f, out / "tiles" / str(TILE_ZOOM)) if store.count(f) > MAX_FEATURES else None
    html = page_html(store, f, published=True, tiles=tiles).replace("/app/static/", "static/")
    html = html.replace("<head>", f"<head>\n<title>{_escape(title)}</title>", 1)
    html = html.replace("</body>", _credits(datasets) + "\n</body>", 1)
    for part in ("vendor", "map"):
        shutil.copytree(STATIC / part, out / "static" / part, dirs_exist_ok=True)
    for made in sorted((STATIC / "generated").iterdir()):  # the generated files this page names, not older builds
        target = out / "static" / "generated" / made.name
        if f"static/generated/{made.name}" not in html:
            continue
        if made.is_dir():
            shutil.copytree(made, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(made, target)
    (out / "index.html").write_text(html, encoding="utf-8")
    with open(out / "events.geojson", "wb") as fh:
        for chunk in store.export(f, "geojson"):
            fh.write(chunk)
    manifest = {"title": title, "published_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "filter": to_query(f), "events": store.count(f), "datasets": datasets,
                "attribution": [f"{d['dataset']}: {d['source']} ({d['licence']})" for d in datasets]
                + BASE_ATTRIBUTION,
                "files": {"map": "index.html", "events": "events.geojson",
                          **({"tiles": f"tiles/{tiles['z']}/{{x}}/{{y}}.json"} if tiles else {})}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def _write_tiles(store, f: Filter, folder: Path) -> dict:
    """The filtered events cut into web-map tiles at TILE_ZOOM, each file the events layer's own
    data (dashboard/mapview.layer_data) of the events inside it, so that a reader's browser fetches
    only the tiles of its view; returns what the page needs to find them (TiledEvents' opts).
    Tiles rather than FlatGeobuf or PMTiles: plain files any server or CDN serves and caches, no
    range requests and no decoder to vendor, and the layer draws them as they are."""
    import numpy as np

    from dashboard.mapview import layer_data, layer_rows
    from events.atomic import write_bytes_atomic
    from events.columns import plain
    from events.related import index

    links = index(store.select(make_filter(datasets=["curated"], review=["all"]), ["id", "related"]))
    rows = plain(layer_rows(store, f))  # categoricals to text once, not once per tile
    n = 2 ** TILE_ZOOM
    lat = np.clip(rows["lat"].to_numpy(np.float64), -85.05, 85.05)
    x = np.clip(np.floor((rows["lon"].to_numpy(np.float64) + 180) / 360 * n), 0, n - 1).astype(np.int64)
    y = np.clip(np.floor((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n), 0, n - 1).astype(np.int64)
    key = x * n + y
    order = np.argsort(key, kind="stable")  # the store's order within each tile
    keys, starts, counts = np.unique(key[order], return_index=True, return_counts=True)
    index_counts = {}
    for k, start, count in zip(keys.tolist(), starts.tolist(), counts.tolist()):
        tx, ty = divmod(k, n)
        payload = layer_data(rows.iloc[order[start:start + count]], links)
        payload["cur"] = [False] * count  # no dashboard behind the site: no Edit links
        target = folder / str(tx) / f"{ty}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(target, json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        index_counts[f"{tx}/{ty}"] = count
    return {"z": TILE_ZOOM, "counts": index_counts, "base": f"tiles/{TILE_ZOOM}", "maxTiles": MAX_TILES_PER_VIEW}


def _credits(datasets: list[dict]) -> str:
    """Who the page's data comes from, under its licence: one line per source shown, escaped."""
    lines = [f"{_escape(d['dataset'])}: {_escape(d['source'] or '')} ({_escape(d['licence'])})" for d in datasets]
    return ('<footer class="ce-credits">Sources: ' + " · ".join(lines + [_escape(x) for x in BASE_ATTRIBUTION])
            + "</footer>")


def _escape(text: str) -> str:
    from html import escape

    return escape(text, quote=True)
