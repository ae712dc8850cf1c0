"""Readers of control snapshots, one per layout, behind one registry (geopy's geocoders are the
model): each turns a file into pieces of (date, status, the source's own label, geometry) and
says why it skipped or refused anything.

Statuses are normalised to occupied (held by Russian forces, as these maps draw Ukraine),
contested (grey zone, unknown status) and held (Ukrainian-held, liberated); the source's own
label is kept beside it. A label we do not know is refused, never guessed: --status-map
LABEL=STATUS settles it.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import shapely

from events.errors import TerritoryError

STATUSES = ("occupied", "contested", "held")
# The words sources use, lower-cased, to our status. DeepStateMap's API names a status in the
# last part of a feature's name ("... /// geoJSON.status.occupied"); "dismissed" is its
# rendering of "Звільнено" (liberated). ISW's layer names are matched on their words.
STATUS_WORDS = {
    "occupied": "occupied", "ordlo": "occupied", "crimea": "occupied", "russian-controlled": "occupied",
    "russian controlled": "occupied", "assessed russian-controlled": "occupied", "russian control": "occupied",
    "occupied before 24.02": "occupied", "annexed": "occupied",
    "unknown": "contested", "contested": "contested", "grey": "contested", "gray": "contested",
    "grey zone": "contested", "gray zone": "contested", "unknown status": "contested",
    "assessed russian advances": "contested", "russian advances": "contested", "claimed": "contested",
    "dismissed": "held", "liberated": "held", "held": "held", "deoccupied": "held",
    "ukrainian-controlled": "held", "ukrainian controlled": "held", "ukrainian control": "held",
    "ukrainian counteroffensives": "held", "assessed ukrainian-controlled": "held",
}
DATE_KEYS = ("date", "snapshot_date", "as_of", "asof", "day", "datetime", "time", "timestamp", "createdAt",
             "created_at", "updatedAt", "updated_at", "capture_time", "captured_at")
STATUS_KEYS = ("status", "control", "state", "label", "layer", "category", "name")
_NAME_DATE = re.compile(r"(?<!\d)(20\d\d)[-_.]?([01]\d)[-_.]?([0-3]\d)(?!\d)")


@dataclass
class Piece:
    date: dt.date
    status: str
    label: str
    geometry: object  # shapely polygon or multipolygon, 2-D


@dataclass
class Read:
    """What one file gave: pieces, features skipped on purpose, features refused with a reason."""

    path: str
    fmt: str
    pieces: list[Piece] = field(default_factory=list)
    skipped: int = 0
    rejects: list[tuple[str, str]] = field(default_factory=list)  # (feature, reason)
    captured: str | None = None  # the capture time the file states, when it states one


def _load_json(path: Path):
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TerritoryError(f"{path}: not JSON ({exc}); a snapshot is a GeoJSON file or a DeepStateMap "
                             "API JSON file") from None
    if isinstance(data, str):  # DeepStateMap's API has been seen to send its JSON as a JSON string
        try:
            data = json.loads(data)
        except ValueError:
            raise TerritoryError(f"{path}: a JSON string that holds no JSON object") from None
    return data


def parse_when(value) -> dt.date | None:
    """A date from a date, an ISO date or date-time (UTC), or epoch seconds/milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        if 946684800 <= seconds <= 4102444800:  # 2000..2100: anything else is not a time
            return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).date()
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d{9,13}", text):
        return parse_when(int(text))
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        m = _NAME_DATE.fullmatch(text)
        return _ymd(m) if m else None
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc)
    return when.date()


def _ymd(m: re.Match) -> dt.date | None:
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def date_from_name(path: Path) -> dt.date | None:
    """A date written in the file name (deepstatemap_data_20250111.geojson, 2025-01-11.json)."""
    hits = [d for d in (_ymd(m) for m in _NAME_DATE.finditer(path.name)) if d]
    return hits[-1] if hits else None


def normalise_status(label: str, status_map: dict[str, str]) -> str | None:
    """Our status for a source's label, or None when we do not know the label."""
    text = " ".join(str(label).replace("\xa0", " ").split()).strip().lower()
    if text in status_map:
        return status_map[text]
    last = text.rsplit("///", 1)[-1].strip()
    for candidate in (last, last.removeprefix("geojson.status."), text):
        if candidate in status_map:
            return status_map[candidate]
        if candidate in STATUS_WORDS:
            return STATUS_WORDS[candidate]
    return None


def _polygons(geom_json, where: str) -> tuple[object | None, str | None]:
    """(2-D valid areal geometry, None) or (None, why not); (None, None) = not an area, skipped."""
    if not isinstance(geom_json, dict):
        return None, "no geometry"
    if geom_json.get("type") not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return None, None  # points (units, airfields) and lines are other layers
    try:
        geom = shapely.geometry.shape(geom_json)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.ShapelyError) as exc:
        return None, f"geometry cannot be read ({exc})"
    geom = shapely.force_2d(geom)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(parts) if parts else None
    if geom is None or geom.is_empty:
        return None, "empty geometry"
    return geom, None


def _features(data, path: Path) -> list:
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return list(data.get("features") or [])
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    if isinstance(data, dict) and data.get("type") in ("Polygon", "MultiPolygon"):
        return [{"type": "Feature", "properties": {}, "geometry": data}]
    raise TerritoryError(f"{path}: not a GeoJSON FeatureCollection")


def read_deepstate(path: Path, data, *, status_map: dict[str, str], status: str | None = None) -> Read:
    """DeepStateMap's API snapshot: {"id", "datetime", "map": FeatureCollection}. Features whose
    name carries geoJSON.status.* are control areas; geoJSON.territories.* and points are other
    layers, skipped."""
    out = Read(str(path), "deepstate")
    when = None
    for k in ("datetime", "createdAt", "created_at", "updatedAt", "date"):
        if data.get(k) not in (None, ""):
            when = parse_when(data.get(k))
            out.captured = str(data.get(k))
            if when:
                break
    when = when or date_from_name(path) or parse_when(data.get("id"))
    if when is None:
        raise TerritoryError(f"{path}: no date: the snapshot has no 'datetime' and its file name holds no "
                             "date (YYYYMMDD or YYYY-MM-DD)")
    for i, feat in enumerate(_features(data.get("map"), path)):
        props = (feat or {}).get("properties") or {}
        name = str(props.get("name") or "")
        key = name.replace("\xa0", " ").rsplit("///", 1)[-1].strip()
        if "geoJSON.territories" in key or "geojson.territories" in key.lower():
            out.skipped += 1
            continue
        geom, why = _polygons((feat or {}).get("geometry"), f"feature {i}")
        if geom is None:
            if why:
                out.rejects.append((f"feature {i}", why))
            else:
                out.skipped += 1
            continue
        norm = normalise_status(name, status_map) if name else status
        if norm is None:
            if "geojson.status" not in key.lower():
                out.skipped += 1  # an area of another layer (labels, arrows' shapes...)
                continue
            out.rejects.append((f"feature {i}", f"unknown status {key!r}; settle it with --status-map "
                                                f"'{key}=occupied|contested|held'"))
            continue
        out.pieces.append(Piece(when, norm, " ".join(key.split()), geom))
    return out


def _prop(props: dict, keys) -> tuple[str | None, object]:
    lower = {str(k).lower(): k for k in props}
    for k in keys:
        if k.lower() in lower and props[lower[k.lower()]] not in (None, ""):
            return lower[k.lower()], props[lower[k.lower()]]
    return None, None


def read_geojson(path: Path, data, *, status_map: dict[str, str], status: str | None = None) -> Read:
    """Plain GeoJSON polygons (ISW's layers exported, the unified archives of mirrors), and the
    daily archive of single MultiPolygon files named by date (the union of occupied areas).

    A feature's date comes from its own date property, else the file's ("date" at the top
    level), else the file name; its status from its status property, else --status, else,
    for a file of one unlabelled area named by date, occupied (what those archives hold)."""
    feats = _features(data, path)
    file_date = parse_when(data.get("date")) if isinstance(data, dict) else None
    file_date = file_date or date_from_name(path)
    unlabelled = all(_prop((f or {}).get("properties") or {}, STATUS_KEYS)[0] is None for f in feats)
    undated = all(_prop((f or {}).get("properties") or {}, DATE_KEYS)[0] is None for f in feats)
    archive = unlabelled and undated and file_date is not None
    out = Read(str(path), "archive" if archive else "geojson")
    default = status or ("occupied" if archive else None)
    if undated and file_date is None:
        raise TerritoryError(f"{path}: no date: its features have no date property ({', '.join(DATE_KEYS[:4])}...) "
                             "and its file name holds none (YYYYMMDD or YYYY-MM-DD)")
    for i, feat in enumerate(feats):
        props = (feat or {}).get("properties") or {}
        where = f"feature {i}"
        k, raw_date = _prop(props, DATE_KEYS)
        when = parse_when(raw_date) if k else file_date
        if when is None:
            out.rejects.append((where, f"{k}: {raw_date!r} is not a date" if k else "no date"))
            continue
        geom, why = _polygons((feat or {}).get("geometry"), where)
        if geom is None:
            if why:
                out.rejects.append((where, why))
            else:
                out.skipped += 1
            continue
        sk, label = _prop(props, STATUS_KEYS)
        if sk is None:
            if default is None:
                out.rejects.append((where, "no status property (status, control, label...): name it with "
                                           "--status occupied|contested|held"))
                continue
            norm, label = default, default
        else:
            norm = normalise_status(str(label), status_map)
            if norm is None:
                out.rejects.append((where, f"{sk}: unknown status {str(label)!r}; settle it with --status-map "
                                           f"'{label}=occupied|contested|held'"))
                continue
        out.pieces.append(Piece(when, norm, " ".join(str(label).split()), geom))
    return out


Reader = Callable[..., Read]
READERS: dict[str, Reader] = {"deepstate": read_deepstate, "geojson": read_geojson, "archive": read_geojson}


def detect(data) -> str:
    if isinstance(data, dict) and isinstance(data.get("map"), dict):
        return "deepstate"
    return "geojson"


def read_file(path: str | Path, *, fmt: str = "auto", status: str | None = None,
              status_map: dict[str, str] | None = None) -> Read:
    """One snapshot file, in the layout asked for or the one its content shows."""
    path = Path(path)
    if status is not None and status not in STATUSES:
        raise TerritoryError(f"--status {status!r}: one of {', '.join(STATUSES)}")
    smap = {" ".join(k.lower().split()): v for k, v in (status_map or {}).items()}
    bad = {k: v for k, v in smap.items() if v not in STATUSES}
    if bad:
        raise TerritoryError(f"--status-map: {', '.join(f'{k}={v}' for k, v in bad.items())}: a status is one "
                             f"of {', '.join(STATUSES)}")
    if not path.is_file():
        raise TerritoryError(f"{path}: no such file")
    data = _load_json(path)
    kind = detect(data) if fmt == "auto" else fmt
    if kind not in READERS:
        raise TerritoryError(f"unknown snapshot format {fmt!r}; one of: auto, {', '.join(READERS)}")
    if kind == "deepstate" and not (isinstance(data, dict) and isinstance(data.get("map"), dict)):
        raise TerritoryError(f"{path}: not a DeepStateMap API snapshot (no 'map' FeatureCollection)")
    return READERS[kind](path, data, status_map=smap, status=status)
