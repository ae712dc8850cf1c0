"""The curated catalogue: one YAML file per event, read, checked and geocoded into one table.

Every file is checked; each problem becomes a Problem naming file and field, and the valid
records still load. Geocoding results come from the reviewable cache
(events/catalog/_geocoded.csv) and are recomputed only for changed locations.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from events import geocache, safe_yaml
from events.columns import COLUMNS, conform
from events.errors import EventsError, Problem, RecordFileError
from events.paths import DEFAULT_CATALOG, catalog_dir  # noqa: F401  (where the catalogue is; re-exported)
from events.schema import Event

MAX_BYTES = 1_000_000
RECORD_SUFFIXES = (".yaml", ".yml")

@dataclass
class Catalog:
    events: pd.DataFrame  # WGS84 points as lat/lon columns: no geometry object per event
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


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file, never following a link or blocking on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RecordFileError(f"not a regular file ({_kind(st.st_mode)})")
        if st.st_size > MAX_BYTES:
            raise RecordFileError(f"file is {st.st_size:,} bytes, over the 1 MB limit")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(MAX_BYTES + 1)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return name
    return "not a regular file"


def is_record_name(name: str) -> bool:
    """Record files end in .yaml or .yml, in any case; hidden names are editors' and atomic writes' temp files."""
    return not name.startswith(".") and name.lower().endswith(RECORD_SUFFIXES)


def record_files(root: Path) -> tuple[list[Path], list[Problem]]:
    """The record files of a catalogue, and a problem for every entry that looks like one but
    is not a regular file inside it (a link, a directory, a FIFO): named, never followed."""
    paths: list[Path] = []
    problems: list[Problem] = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as exc:
        return [], [Problem(str(root), "(catalog)", f"cannot list the catalogue: {exc.strerror}")]
    for entry in entries:
        if not is_record_name(entry.name):
            continue
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as exc:
            problems.append(Problem(entry.path, "(file)", f"cannot read: {exc.strerror}"))
            continue
        if stat.S_ISLNK(mode):
            problems.append(Problem(entry.path, "(file)", "a symbolic link: not followed; only regular files "
                                                          "inside the catalogue are read"))
        elif not stat.S_ISREG(mode):
            problems.append(Problem(entry.path, "(file)", f"{_kind(mode)}, not a record file: not read"))
        else:
            paths.append(Path(entry.path))
    return paths, problems


def read_record(path: Path) -> tuple[Event | None, list[Problem]]:
    """Parse and validate one file; never raises, whatever the file holds."""
    name = str(path)
    try:
        return _read_record(path)
    except RecordFileError as exc:
        return None, [Problem(name, "(file)", str(exc))]
    except OSError as exc:
        return None, [Problem(name, "(file)", f"cannot read: {exc.strerror or exc}")]
    except Exception as exc:  # noqa: BLE001 - one bad file must never take the catalogue down
        return None, [Problem(name, "(file)", f"unreadable record ({type(exc).__name__}: {str(exc)[:200]})")]


def _read_record(path: Path) -> tuple[Event | None, list[Problem]]:
    name = str(path)
    raw = read_regular(path)
    if len(raw) > MAX_BYTES:
        return None, [Problem(name, "(file)", "file grew over the 1 MB limit while being read")]
    if not raw.strip():
        return None, [Problem(name, "(file)", "file is empty")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(name, "(file)", f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                                              "save the file as UTF-8")]
    try:
        data = safe_yaml.load(text)
    except safe_yaml.YamlError as exc:
        return None, [Problem(name, "(yaml)", str(exc))]
    if not isinstance(data, dict):
        return None, [Problem(name, "(record)", f"expected a mapping of fields, got {type(data).__name__}")]
    try:
        event = Event.model_validate(data)
    except ValidationError as exc:
        return None, [Problem(name, _field_of(e), _short(e["msg"])) for e in exc.errors()]
    if event.id != _stem(path):
        return None, [Problem(name, "id", f"id {event.id!r} differs from the file name {_stem(path)!r}")]
    return event, []


def _stem(path: Path) -> str:
    return path.name[: -len(path.suffix)] if path.suffix else path.name


def locate_event(event: Event, geocoder) -> tuple[dict | None, Problem | None, str]:
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
    problems: list[Problem] = []
    paths: list[Path] = []
    entries = 0
    if not root.is_dir():
        problems.append(Problem(str(root), "(catalog)", "catalogue directory does not exist"))
    else:
        paths, problems = record_files(root)
    entries = len(paths) + len({p.path for p in problems})
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
            try:
                derived, problem, h = locate_event(event, geocoder)
            except Exception as exc:  # noqa: BLE001 - one record's failure must not hide the others
                derived, problem = None, Problem("", "location", f"could not be located ({type(exc).__name__}: "
                                                                 f"{str(exc)[:200]})")
            if problem is not None:
                problems.append(Problem(str(path), problem.field, problem.message))
                continue
            derived = {**derived, "id": event.id, "location_hash": h}
        try:
            row = event_row(event, path, derived)
        except (KeyError, TypeError, ValueError) as exc:  # a hand-edited geocoding file: locate again next time
            problems.append(Problem(str(path), "location", f"bad derived values in {geocache.FILENAME} "
                                                           f"({type(exc).__name__}: {exc}); delete its row"))
            continue
        fresh[event.id] = derived
        rows.append(row)

    if write_cache and root.is_dir() and fresh != cached:
        try:
            geocache.write(cache_file, fresh)
        except (OSError, EventsError):
            pass  # a read-only catalogue still loads; it just geocodes again next time
    return Catalog(_frame(rows), problems, entries, root)


def event_row(event: Event, path: Path, d: dict) -> dict:
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
        "location_near": (None if not near else f"{near.distance_km:g} km {near.bearing} of {near.place}"
                          if near.distance_km is not None and near.bearing is not None
                          else f"{near.bearing} of {near.place}" if near.bearing is not None
                          else f"within {near.distance_km:g} km of {near.place}" if near.distance_km is not None
                          else f"near {near.place}"),
        "fatalities": event.fatalities,
        "injured": event.injured,
        "claim_status": event.claim.status,
        "claimed_by": event.claim.by,
        "sources": [s.model_dump(mode="json") for s in event.sources],
        "related": [r.model_dump(mode="json", exclude_none=True) for r in event.related],
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
        "review": event.review,
    }


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = conform(pd.DataFrame(rows, columns=COLUMNS))
    return df.sort_values(["date", "id"], kind="stable").reset_index(drop=True)
