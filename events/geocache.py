"""Geocoding results persisted in a reviewable CSV beside the catalogue.

The app does not geocode on every start, and a curator sees in a diff when a
point moves. A row is reused while the record's location (and the gazetteer
index version) is unchanged; anything else is geocoded again.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from events.atomic import write_bytes_atomic

FIELDS = ("id", "location_hash", "lat", "lon", "geo_precision", "uncertainty_km", "country",
          "admin1", "admin1_code", "geocoded_by", "flags", "contested_name")
FILENAME = "_geocoded.csv"


def cache_path(catalog_dir: Path) -> Path:
    """Inside the catalogue, so it travels (and is reviewed) with the records."""
    return catalog_dir / FILENAME


def location_hash(location: dict) -> str:
    from geodata.gazetteer import INDEX_VERSION

    blob = json.dumps([location, INDEX_VERSION], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def read(path: Path) -> dict[str, dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    rows = {}
    for row in csv.DictReader(io.StringIO(text)):
        try:
            row["lat"], row["lon"] = float(row["lat"]), float(row["lon"])
            row["geo_precision"] = int(row["geo_precision"])
            row["uncertainty_km"] = float(row["uncertainty_km"])
            row["flags"] = [f for f in row["flags"].split(" | ") if f]
            rows[row["id"]] = row
        except (KeyError, ValueError, TypeError):
            continue  # a damaged row is simply geocoded again
    return rows


def write(path: Path, rows: dict[str, dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    for key in sorted(rows):
        r = dict(rows[key])
        r["lat"], r["lon"] = f"{r['lat']:.6f}", f"{r['lon']:.6f}"
        r["flags"] = " | ".join(r.get("flags") or [])
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in FIELDS})
    write_bytes_atomic(path, buf.getvalue().encode("utf-8"))
