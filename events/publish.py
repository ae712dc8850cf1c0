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
import gzip
import json
import os
import shutil
from pathlib import Path

from events.atomic import write_bytes_atomic, write_stream_atomic
from events.errors import OutputError
from events.filters import Filter, make_filter, to_query
from events.licences import of_manifest

STATIC = Path(__file__).resolve().parent.parent / "static"
BASE_ATTRIBUTION = ["Boundaries: Natural Earth (public domain)", "Places: GeoNames (CC BY 4.0)",
                    "Rivers, lakes: GSHHG (LGPL-3.0)"]


def publish(store, f: Filter, out: str | Path, title: str = "Conflict event map",
            permitted: tuple[str, ...] = ()) -> dict:
    """Write the site into out (made if missing); returns its manifest. permitted: datasets the
    operator has permission to republish although their recorded licence does not allow it."""
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
    # The tiles are written into a folder of their own and swapped in whole once the rest is written:
    # a publish that fails half-way leaves the last site as it was, tiles and all.
    new_tiles, old_tiles = out / ".tiles.new", out / ".tiles.old"
    for leftover in (new_tiles, old_tiles):  # a publish killed here before
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        return _publish_into(store, f, out, title, datasets, new_tiles, old_tiles)
    finally:
        shutil.rmtree(new_tiles, ignore_errors=True)


def _publish_into(store, f: Filter, out: Path, title: str, datasets: list[dict], new_tiles: Path,
                  old_tiles: Path) -> dict:
    from dashboard.mapview import MAX_FEATURES, page_html

    links = store.links()  # once, for the page's popups and the tiles'
    tiles = None
    if store.count(f) > MAX_FEATURES:
        tiles = {**_write_tiles(store, f, new_tiles, links), "base": "tiles"}
    html = page_html(store, f, published=True, tiles=tiles, links=links).replace("/app/static/", "static/")
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
    # The read API: export's own bytes, and the same gzipped (a million events are 1.4 GB of GeoJSON;
    # QGIS reads the smaller file as /vsigzip//vsicurl/URL), both written in one pass, each through a
    # temporary file renamed at the end: a publish that fails half-way leaves the files it had.
    gz_tmp = out / ".events.geojson.gz.tmp"
    try:
        with gzip.GzipFile(gz_tmp, "wb", compresslevel=1, mtime=0) as gz:
            def both():
                for chunk in store.export(f, "geojson"):
                    gz.write(chunk)
                    yield chunk
            write_stream_atomic(out / "events.geojson", both())
        os.replace(gz_tmp, out / "events.geojson.gz")
    finally:
        gz_tmp.unlink(missing_ok=True)
    if (out / "tiles").exists():
        os.rename(out / "tiles", old_tiles)
    if tiles:
        os.rename(new_tiles, out / "tiles")
    shutil.rmtree(old_tiles, ignore_errors=True)
    write_bytes_atomic(out / "index.html", html.encode("utf-8"))
    manifest = {"title": title, "published_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "filter": to_query(f), "events": store.count(f), "datasets": datasets,
                "attribution": [f"{d['dataset']}: {d['source']} ({d['licence']})" for d in datasets]
                + BASE_ATTRIBUTION,
                "files": {"map": "index.html", "events": "events.geojson", "events_gzip": "events.geojson.gz",
                          **({"tiles": "tiles/index.json"} if tiles else {})}}
    write_bytes_atomic(out / "manifest.json", (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
    return manifest


def _write_tiles(store, f: Filter, folder: Path, links: dict) -> dict:
    """The filtered events as the tiles a reader's browser fetches by view (events/tiles.py)."""
    from dashboard.mapview import MAX_CELLS, layer_rows
    from events.columns import plain
    from events.export import stream
    from events.tiles import write_tiles

    def features(rows):  # the export's own features for some of the rows, as `events export` writes them
        return stream([rows], "geojson", control=store.with_control, links=store.with_links)

    # categoricals to text once, not per tile
    return write_tiles(plain(layer_rows(store, f)), links, folder, MAX_CELLS, features)


def _credits(datasets: list[dict]) -> str:
    """Who the page's data comes from, under its licence: one line per source shown, escaped."""
    lines = [f"{_escape(d['dataset'])}: {_escape(d['source'] or '')} ({_escape(d['licence'])})" for d in datasets]
    return ('<footer class="ce-credits">Sources: ' + " · ".join(lines + [_escape(x) for x in BASE_ATTRIBUTION])
            + "</footer>")


def _escape(text: str) -> str:
    from html import escape

    return escape(text, quote=True)
