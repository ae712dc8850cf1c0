"""Load the curated catalogue (one YAML file per event) into one GeoDataFrame.

Every file is checked; each problem becomes a Problem naming file and field, and
the valid records still load. Geocoding results come from the reviewable cache
(events/catalog/_geocoded.csv) and are recomputed only for changed locations.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from events import geocache
from events.errors import Problem
from events.schema import Event

DEFAULT_CATALOG = Path(__file__).resolve().parent / "catalog"
MAX_BYTES = 1_000_000
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Column order of the table every consumer queries. List columns (tags, actors,
# sources, geo_flags) are filled for curated records only; bulk datasets carry the
# scalar forms (actor1/actor2, source_outlets/source_urls), which every row has.
COLUMNS = [
    "id", "dataset", "source_row", "title", "summary", "notes", "tags", "date", "end_date", "date_precision",
    "event_type", "sub_event_type", "actors", "actor1", "actor2", "location_name", "location_near",
    "fatalities", "fatalities_low", "fatalities_high", "injured", "claim_status", "claimed_by", "sources",
    "source_outlets", "source_urls", "lat", "lon", "geo_precision", "uncertainty_km", "country", "admin1",
    "admin1_code", "admin1_source", "geocoded_by", "geo_flags", "contested_name", "search_text", "path",
]
# ACLED's own columns, kept as text for ACLED imports so an export gives them back unchanged.
ACLED_PASSTHROUGH = [
    "event_id_cnty", "disorder_type", "assoc_actor_1", "assoc_actor_2", "inter1", "inter2", "interaction",
    "civilian_targeting", "iso", "region", "admin2", "admin3", "source_scale", "acled_tags", "timestamp",
]
ALL_COLUMNS = COLUMNS + ACLED_PASSTHROUGH
TEXT_COLUMNS = ["id", "dataset", "source_row", "title", "summary", "notes", "date_precision", "event_type",
                "sub_event_type", "actor1", "actor2", "location_name", "location_near", "claim_status",
                "claimed_by", "source_outlets", "source_urls", "country", "admin1", "admin1_code",
                "admin1_source", "geocoded_by", "contested_name", "search_text", "path", *ACLED_PASSTHROUGH]
# Few distinct values each: held as categoricals (dictionary-encoded in Parquet), so a
# million rows cost one small integer each and filters compare codes, not strings.
CATEGORY_COLUMNS = ["dataset", "date_precision", "event_type", "sub_event_type", "claim_status", "claimed_by",
                    "country", "admin1", "admin1_code", "admin1_source", "geocoded_by", "actor1", "actor2",
                    "source_outlets", "location_name", "location_near", "contested_name", "disorder_type",
                    "assoc_actor_1", "assoc_actor_2", "inter1", "inter2", "interaction", "civilian_targeting", "iso",
                    "region", "admin2", "admin3", "source_scale", "acled_tags"]
INT_COLUMNS = ["fatalities", "fatalities_low", "fatalities_high", "injured", "geo_precision"]
FLOAT_COLUMNS = ["lat", "lon", "uncertainty_km"]


def catalog_dir(override: str | os.PathLike | None = None) -> Path:
    """--catalog beats $EVENTS_CATALOG beats the embedded default store."""
    if override:
        return Path(override)
    env = os.environ.get("EVENTS_CATALOG")
    return Path(env) if env else DEFAULT_CATALOG


@dataclass
class Catalog:
    events: gpd.GeoDataFrame
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    directory: Path | None = None

    @property
    def invalid_files(self) -> list[str]:
        return sorted({p.path for p in self.problems})


def _field_of(err: dict) -> str:
    loc = [str(x) for x in err.get("loc", ())]
    return ".".join(loc) or "(record)"


def _short(msg: str) -> str:
    return msg.removeprefix("Value error, ").replace("\n", " ")


def read_record(path: Path) -> tuple[Event | None, list[Problem]]:
    """Parse and validate one file; never raises for bad content."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Problem(name, "(file)", f"cannot read: {exc.strerror}")]
    if size > MAX_BYTES:
        return None, [Problem(name, "(file)", f"file is {size:,} bytes, over the 1 MB limit")]
    raw = path.read_bytes()
    if not raw.strip():
        return None, [Problem(name, "(file)", "file is empty")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(name, "(file)", f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                                              "save the file as UTF-8")]
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [Problem(name, "(yaml)", f"malformed YAML{where}: {problem}")]
    if not isinstance(data, dict):
        return None, [Problem(name, "(record)", f"expected a mapping of fields, got {type(data).__name__}")]
    try:
        event = Event.model_validate(data)
    except ValidationError as exc:
        return None, [Problem(name, _field_of(e), _short(e["msg"])) for e in exc.errors()]
    if event.id != path.stem:
        return None, [Problem(name, "id", f"id {event.id!r} differs from the file name {path.stem!r}")]
    return event, []


def _locate(event: Event, geocoder) -> tuple[dict | None, Problem | None, str]:
    from geodata.errors import AmbiguousPlace, GeodataError, PlaceNotFound, UnknownRegion
    from geodata.locate import LocationMismatch, locate

    loc = event.location.model_dump(exclude_none=True)
    try:
        located = locate(loc, geocoder)
    except UnknownRegion as exc:
        return None, Problem("", "location.admin1", str(exc)), ""
    except LocationMismatch as exc:
        return None, Problem("", "location.coordinates", str(exc)), ""
    except (PlaceNotFound, AmbiguousPlace) as exc:
        fld = "location.near.place" if event.location.near else "location.name"
        return None, Problem("", fld, str(exc)), ""
    except GeodataError as exc:
        return None, Problem("", "location", str(exc)), ""
    return located.as_dict(), None, geocache.location_hash(loc)


def load_catalog(directory: str | os.PathLike | None = None, *, write_cache: bool = True) -> Catalog:
    """Read, validate and geocode every record; problems are collected, never raised."""
    root = catalog_dir(directory)
    paths = sorted(p for p in root.glob("*") if p.suffix in (".yaml", ".yml") and p.is_file()) \
        if root.is_dir() else []
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(Problem(str(root), "(catalog)", "catalogue directory does not exist"))
    events: list[tuple[Event, Path]] = []
    for path in paths:
        event, probs = read_record(path)
        problems.extend(probs)
        if event is not None:
            events.append((event, path))

    # Duplicate ids (two files, e.g. x.yaml and x.yml, or a copy with an edited id).
    seen: dict[str, list[Path]] = {}
    for event, path in events:
        seen.setdefault(event.id, []).append(path)
    dupes = {i for i, ps in seen.items() if len(ps) > 1}
    for i in sorted(dupes):
        for path in seen[i]:
            others = ", ".join(str(p) for p in seen[i] if p != path)
            problems.append(Problem(str(path), "id", f"duplicate id {i!r} (also in {others})"))
    events = [(e, p) for e, p in events if e.id not in dupes]

    cache_file = geocache.cache_path(root)
    cached = geocache.read(cache_file)
    fresh: dict[str, dict] = {}
    geocoder = None
    rows = []
    for event, path in events:
        loc = event.location.model_dump(exclude_none=True)
        h = geocache.location_hash(loc)
        hit = cached.get(event.id)
        if hit is not None and hit.get("location_hash") == h:
            derived = hit
        else:
            if geocoder is None:
                from geodata.gazetteer import GazetteerGeocoder

                geocoder = GazetteerGeocoder()
            derived, problem, h = _locate(event, geocoder)
            if problem is not None:
                problems.append(Problem(str(path), problem.field, problem.message))
                continue
            derived = {**derived, "id": event.id, "location_hash": h}
        fresh[event.id] = derived
        rows.append(_row(event, path, derived))

    if write_cache and root.is_dir() and fresh != cached:
        try:
            geocache.write(cache_file, fresh)
        except OSError:
            pass  # a read-only catalogue still loads; it just geocodes again next time
    return Catalog(_frame(rows), problems, len(paths), root)


def _row(event: Event, path: Path, d: dict) -> dict:
    quotes = " ".join(s.quote for s in event.sources)
    near = event.location.near
    return {
        "id": event.id,
        "dataset": "curated",
        "title": event.title,
        "summary": event.summary,
        "notes": event.notes,
        "tags": list(event.tags),
        "date": event.date,
        "end_date": event.end_date,
        "date_precision": event.date_precision,
        "event_type": event.event_type,
        "sub_event_type": event.sub_event_type,
        "actors": list(event.actors),
        "actor1": event.actors[0] if event.actors else None,
        "actor2": event.actors[1] if len(event.actors) > 1 else None,
        "location_name": event.location.name,
        "location_near": (f"{near.distance_km:g} km {near.bearing} of {near.place}" if near else None),
        "fatalities": event.fatalities,
        "injured": event.injured,
        "claim_status": event.claim.status,
        "claimed_by": event.claim.by,
        "sources": [s.model_dump(mode="json") for s in event.sources],
        "source_outlets": "; ".join(s.outlet for s in event.sources),
        "source_urls": " ".join(s.url for s in event.sources if s.url) or None,
        "lat": float(d["lat"]),
        "lon": float(d["lon"]),
        "geo_precision": int(d["geo_precision"]),
        "uncertainty_km": float(d["uncertainty_km"]),
        "country": d.get("country") or event.location.country,
        "admin1": d.get("admin1") or None,
        "admin1_code": d.get("admin1_code") or None,
        "admin1_source": event.location.admin1,
        "geocoded_by": d.get("geocoded_by"),
        "geo_flags": list(d.get("flags") or []),
        "contested_name": d.get("contested_name") or None,
        "search_text": " ".join(x for x in (event.title, event.summary, event.notes, quotes) if x).lower(),
        "path": str(path),
    }


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Every column of the table, in order, with its dtype (missing ones empty)."""
    n = len(df)
    out = {}
    for col in ALL_COLUMNS:
        s = df[col] if col in df else pd.Series([None] * n, index=df.index, dtype=object)
        if col in ("date", "end_date"):
            s = pd.to_datetime(s).astype("datetime64[ns]")
        elif col in INT_COLUMNS:
            s = s.astype("Int64")
        elif col in FLOAT_COLUMNS:
            s = s.astype(np.float64)
        elif col in CATEGORY_COLUMNS and isinstance(s.dtype, pd.CategoricalDtype):
            pass  # already compact (importers build categoricals)
        elif col in TEXT_COLUMNS:
            s = s.astype("str")  # pyarrow-backed; missing stays missing
        out[col] = s
    return pd.DataFrame(out, index=df.index)


def _frame(rows: list[dict]) -> gpd.GeoDataFrame:
    df = conform(pd.DataFrame(rows, columns=COLUMNS))
    df = df.sort_values(["date", "id"], kind="stable").reset_index(drop=True)
    geom = gpd.points_from_xy(df["lon"].to_numpy(np.float64), df["lat"].to_numpy(np.float64), crs="EPSG:4326")
    return gpd.GeoDataFrame(df, geometry=geom, crs="EPSG:4326")


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """Categoricals back to text: for the small frames that are displayed or written row by row."""
    cats = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
    return df.astype({c: "str" for c in cats}) if cats else df


def load_store(directory: str | os.PathLike | None = None, data: str | os.PathLike | None = None, *,
               write_cache: bool = True) -> Catalog:
    """The one table every consumer queries: the curated catalogue plus every bulk
    dataset under the data directory, told apart by the `dataset` column.

    Rows are grouped by source (curated first, then each dataset by date), not
    sorted as a whole: re-sorting a million rows would copy them all again.
    """
    from events.datasets import load_tables, to_frame

    cat = load_catalog(directory, write_cache=write_cache)
    tables = load_tables(data)
    if not tables:
        return cat
    df = to_frame(tables, pd.DataFrame(cat.events.drop(columns="geometry")))
    del tables
    geom = gpd.points_from_xy(df["lon"].to_numpy(np.float64), df["lat"].to_numpy(np.float64), crs="EPSG:4326")
    cat.events = gpd.GeoDataFrame(df, geometry=geom, crs="EPSG:4326", copy=False)
    import pyarrow as pa

    pa.default_memory_pool().release_unused()  # hand the conversion's scratch memory back
    return cat
