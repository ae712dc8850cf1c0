"""The control map under the events: the snapshot in force on a date, and the ground that
changed hands between two dates, as simplified GeoJSON (a few hundred kB, not the source's MBs)."""
from __future__ import annotations

import datetime as dt
import json

import shapely

from dashboard.safe import text
from events.territory.snapshots import Archive

SIMPLIFY_DEG = 0.003  # ~300 m: the line stays right at the zoom a front is read at
STATUS_STYLE = {"occupied": {"color": "#b2182b", "fill": "#d6604d", "opacity": 0.28},
                "contested": {"color": "#6b6b6b", "fill": "#9e9e9e", "opacity": 0.30},
                "held": {"color": "#2166ac", "fill": "#4393c3", "opacity": 0.18}}
CHANGE_STYLE = {"taken": {"color": "#67001f", "fill": "#67001f", "opacity": 0.55},
                "regained": {"color": "#053061", "fill": "#053061", "opacity": 0.55}}


def _feature(geom, props: dict) -> dict:
    g = shapely.simplify(geom, SIMPLIFY_DEG, preserve_topology=True)
    return {"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(shapely.set_precision(g, 1e-5)))}


def payload(archive: Archive, source: str, as_of: dt.date, change_from: dt.date | None = None) -> dict:
    """{'source', 'date', 'areas': FeatureCollection, 'changes': FeatureCollection or None, 'legend'}:
    plain data, cached by the caller; every string escaped for the browser."""
    from events.territory.control import changes

    snap = archive.as_of(source, as_of)
    out = {"source": text(source), "asked": as_of.isoformat(), "date": None,
           "areas": {"type": "FeatureCollection", "features": []}, "changes": None, "change_span": None}
    if snap is None:
        return out
    out["date"] = snap.date.isoformat()
    for status, (label, geom, km2) in sorted(snap.areas.items()):
        out["areas"]["features"].append(_feature(geom, {"status": status, "label": text(label), "km2": km2,
                                                        **STATUS_STYLE[status]}))
    if change_from is not None and change_from < as_of:
        ch = changes(archive, source, change_from, as_of)
        if ch["from"] is None:  # From lies before the first snapshot held: count from that one, and say so
            first = min(archive.dates(source))
            ch = changes(archive, source, first, as_of)
            out["change_note"] = (f"From ({change_from.isoformat()}) lies before the first snapshot held "
                                  f"({first.isoformat()}): changes are counted from it")
        feats = [_feature(ch[k], {"status": k, **CHANGE_STYLE[k]}) for k in ("taken", "regained") if ch[k] is not None]
        out["changes"] = {"type": "FeatureCollection", "features": feats}
        out["change_span"] = [ch["from"].isoformat() if ch["from"] else None, ch["to"].isoformat() if ch["to"] else None]
    return out
