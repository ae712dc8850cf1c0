"""What every consumer needs from a store, as one interface (Datasette's Database is the model).

The dashboard, the CLI and the exports call only these methods. Two backends implement
them: the embedded store (YAML catalogue + GeoParquet datasets, events/storage/embedded.py)
and PostGIS (events/storage/postgis.py). Filters arrive as events.filters.Filter values;
each backend applies them its own way (column masks, SQL), with the same result.
"""
from __future__ import annotations

import datetime as dt
import getpass
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from events.errors import Problem, ReviewError, StorageError
from events.filters import Filter, make_filter
from events.related import index
from events.vocab import CURATED, NOT_SAME, REVIEW_STATES, SEEN_RELATIONS

_CHECKS_LOCK = threading.Lock()
# Review steps a user may take, and from which states.
TRANSITIONS = {"draft": ("in_review", "rejected"), "in_review": ("approved", "rejected", "draft"),
               "approved": ("in_review",), "rejected": ("draft",)}


@dataclass(frozen=True)
class Summary:
    """The numbers a view shows above the map, for one filter."""

    count: int
    fatalities_reported: int
    fatalities_claimed: int
    injured: int
    claimed_or_disputed: int
    extent: tuple[float, float, float, float] | None  # south, west, north, east (uncertainty included)


@dataclass(frozen=True)
class StoreFacts:
    """What the sidebar offers, from the whole store."""

    first: dt.date | None
    last: dt.date | None
    regions: tuple[str, ...]
    datasets: tuple[str, ...]
    total: int


@dataclass(frozen=True)
class Stored:
    """A curated event as stored: the record (the YAML's fields), its version and review state."""

    id: str
    record: dict
    version: str
    review: str
    author: str | None = None  # who last changed its content (may not approve it)
    updated_by: str | None = None
    updated_at: str | None = None
    retracted: bool = False


@dataclass(frozen=True)
class Change:
    """One line of an event's append-only history."""

    event_id: str
    at: str
    who: str
    action: str  # create, edit, review:STATE, retract, push, refused
    version: str | None
    before: dict | None = None
    after: dict | None = None
    note: str = ""
    via: str = ""  # where the name came from: "X-Forwarded-User from 10.0.0.2", "EVENTS_USER, command line"


@dataclass(frozen=True)
class Actor:
    """Who acts, and how we know it. The name alone can be typed by anyone; the history keeps beside it
    the door it came through (a sign-in proxy's header and the proxy's address, the local account), so
    a reviewer can tell a proxy-vouched name from a local one."""

    name: str
    via: str = ""


def as_actor(user: str | Actor) -> Actor:
    """Writers accept a bare name (scripts, tests) or an Actor (the dashboard, the CLI)."""
    return user if isinstance(user, Actor) else Actor(str(user))


@dataclass
class Loaded:
    """Problems met while reading the store (invalid record files), shown to the user."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def invalid_files(self) -> list[str]:
        return sorted({p.path for p in self.problems})


def current_user() -> str:
    """Who is acting on this machine: $EVENTS_USER, else the login name."""
    name = os.environ.get("EVENTS_USER")
    if name and name.strip():
        return name.strip()[:200]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def current_actor(door: str = "command line") -> Actor:
    """The local user as an Actor, saying whether the name came from $EVENTS_USER or the login."""
    source = "EVENTS_USER" if (os.environ.get("EVENTS_USER") or "").strip() else "login name"
    return Actor(current_user(), f"{source}, {door}")


class Storage(ABC):
    """One store of events. Every method that takes a Filter applies all of it."""

    kind: str = "?"

    # --- reading -----------------------------------------------------------------------
    @abstractmethod
    def fingerprint(self) -> str:
        """Changes whenever the store's content changes (caches key on it)."""

    @abstractmethod
    def problems(self) -> list[Problem]:
        """Invalid records met while reading (never raised)."""

    @abstractmethod
    def facts(self) -> StoreFacts: ...

    @abstractmethod
    def datasets(self) -> list[str]:
        """Every dataset name, 'curated' included."""

    @abstractmethod
    def select(self, f: Filter, columns: list[str] | None = None, *, newest: int | None = None,
               bounds: tuple[float, float, float, float] | None = None) -> pd.DataFrame:
        """The events that pass, in the store's order (or the newest N, newest first),
        only the columns asked for; bounds = (south, west, north, east) of a map view."""

    @abstractmethod
    def count(self, f: Filter, bounds: tuple[float, float, float, float] | None = None) -> int: ...

    @abstractmethod
    def summary(self, f: Filter) -> Summary: ...

    @abstractmethod
    def distinct(self, column: str, f: Filter | None = None) -> list[str]: ...

    @abstractmethod
    def grid(self, f: Filter, max_cells: int, bounds: tuple[float, float, float, float] | None = None) -> dict:
        """The map's grid cells (dashboard.mapview.aggregate's payload), aggregated where the data is."""

    @abstractmethod
    def per_day(self, f: Filter) -> pd.DataFrame:
        """Events per day (index) and event type (columns), for the timeline."""

    @abstractmethod
    def export(self, f: Filter, fmt: str, *, raw: bool = False, stats: dict | None = None) -> Iterator[bytes]:
        """The export of the events that pass, streamed as bytes-like chunks (bytes, or views of
        Arrow's buffers: write them or join them), the same bytes on every backend; stats, when
        given, holds the number of rows written ("rows") once the stream has been read."""

    def extent(self, f: Filter) -> tuple[float, float, float, float] | None:
        return self.summary(f).extent

    # --- curated events ------------------------------------------------------------------
    @abstractmethod
    def get(self, event_id: str) -> Stored: ...

    @abstractmethod
    def save(self, record: dict, *, version: str | None, user: str | Actor) -> Stored:
        """Create (version None) or change a curated event. A version that is no longer the
        current one raises StaleVersion and writes nothing; every attempt is in the history."""

    @abstractmethod
    def review(self, event_id: str, state: str, *, version: str, user: str | Actor, note: str = "") -> Stored:
        """Move an event along draft -> in_review -> approved/rejected; the approver is not the author."""

    @abstractmethod
    def retract(self, event_id: str, *, version: str, user: str | Actor, note: str = "") -> None: ...

    @abstractmethod
    def history(self, event_id: str) -> list[Change]: ...

    def close(self) -> None:
        pass

    # --- bulk data: imported datasets and control snapshots -------------------------------------
    # Every bulk write goes through these, on both backends: the command line and the dashboard
    # never write a store's files or tables themselves.
    @abstractmethod
    def import_dataset(self, fmt: str, path: str | os.PathLike, name: str, *, replace: bool = False,
                       **options) -> dict:
        """Read a file with the format's importer and make it the dataset `name`, whole or not at
        all; returns the manifest (counts, notes, where the rejected rows with their reasons are).
        A file that would shrink the dataset below half is refused unless replace."""

    @abstractmethod
    def remove_dataset(self, name: str) -> dict:
        """Take an imported dataset out of the store; returns the manifest it had."""

    @abstractmethod
    def rejects(self, name: str) -> bytes:
        """A dataset's rejected rows as CSV (line, source_id, reason)."""

    @abstractmethod
    def manifests(self) -> list[dict]:
        """Each imported dataset's manifest (what `python -m events datasets` lists)."""

    @abstractmethod
    def import_snapshots(self, paths: list, source: str, **options):
        """Store control snapshot files under a source (events.territory.snapshots.import_snapshots'
        options); returns its ImportResult."""

    # --- territorial control (events/territory) -----------------------------------------------
    @property
    def archive(self):
        """The control snapshots of this store (the embedded store's folder; the team store keeps
        them in its database and reads a local copy)."""
        from events.territory.snapshots import Archive  # deferred: shapely, for stores that hold snapshots

        if getattr(self, "_archive", None) is None:
            self._archive = Archive(getattr(self, "data", None))
        return self._archive

    def control_checks(self) -> pd.DataFrame:
        """Every capture claim's verdict against the snapshots (index: event id), computed once per
        content of store and archive: claims are few, snapshots many, so they are checked together."""
        key = (self.fingerprint(), self.archive.fingerprint())
        cached = getattr(self, "_checks", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        with _CHECKS_LOCK:  # many sessions asking at once: one computes, the others wait for it
            cached = getattr(self, "_checks", None)
            if cached is not None and cached[0] == key:
                return cached[1]
            return self._compute_checks(key)

    def _compute_checks(self, key: tuple) -> pd.DataFrame:
        from events.territory.control import CLAIM_SUBTYPES, check_claims, claim_rows  # deferred: shapely

        cols = ["id", "date", "lon", "lat", "country", "uncertainty_km", "sub_event_type", "actor1", "claimed_by",
                "tags", "dataset"]
        every = Filter(review=("all",))
        typed = self.select(replace(every, types=CLAIM_SUBTYPES), cols)
        curated = self.select(replace(every, datasets=(CURATED,)), cols)
        claims = pd.concat([typed, curated[claim_rows(curated)]], ignore_index=True).drop_duplicates("id")
        checks = check_claims(self.archive, claims.reset_index(drop=True))
        checks.index = claims["id"].to_numpy(object)[checks.index.to_numpy()] if len(checks) else checks.index
        self._checks = (key, checks)
        return checks

    def resolve(self, f: Filter) -> Filter:
        """The filter with its derived terms (the control check, seen) turned into ids every backend can
        apply."""
        if f.check:
            checks = self.control_checks()
            ids = set(checks.index[checks["control_check"].isin(f.check)].astype(str)) if len(checks) else set()
            if f.ids:
                ids &= set(f.ids)
            f = replace(f, check=(), ids=tuple(sorted(ids)) or ("",))  # ("",): no event has an empty id
        if f.seen:
            linked = self.corroborated_ids()
            if f.seen == "corroborated":
                ids = linked & set(f.ids) if f.ids else linked
                f = replace(f, seen=None, ids=tuple(sorted(ids)) or ("",))
            else:
                f = replace(f, seen=None, not_ids=tuple(sorted(linked | set(f.not_ids))))
        return f

    def corroborated_ids(self) -> set[str]:
        """Every event at either end of an accepted 'corroborates' or 'same-incident' link."""
        fp = self.fingerprint()
        cached = getattr(self, "_corroborated", None)
        if cached is not None and cached[0] == fp:
            return cached[1]
        linked = {event for event, links in self.links().items() if any(x.relation in SEEN_RELATIONS for x in links)}
        self._corroborated = (fp, linked)
        return linked

    def links(self) -> dict:
        """Every curated event's related links, from both ends (events.related.index): each link is
        stated by a curated record, so a dataset row a claim links to has its links here too."""
        return index(self._curated_links())

    def _curated_links(self) -> pd.DataFrame:
        """The curated records' ids and `related` lists: every link is stated by one of them."""
        return self.select(make_filter(datasets=["curated"], review=["all"]), ["id", "related"])

    def link_counts(self) -> tuple[dict[str, int], dict[str, str]]:
        """Per event at either end of an accepted link: how many other events saw it (SEEN_RELATIONS,
        'seen by N'), and its links as text ('other-id (relation); …'), for exports. Cached per
        version of the store."""
        fp = self.fingerprint()
        cached = getattr(self, "_link_counts", None)
        if cached is not None and cached[0] == fp:
            return cached[1]
        seen, text = {}, {}
        for event, links in self.links().items():
            shown = [x for x in links if x.relation != NOT_SAME]
            n = len({x.other for x in shown if x.relation in SEEN_RELATIONS})
            if n:
                seen[event] = n
            if shown:
                text[event] = "; ".join(f"{x.other} ({x.relation})" for x in shown)
        self._link_counts = (fp, (seen, text))
        return seen, text

    def with_links(self, frame):
        """The rows (a pandas frame or an Arrow table) with seen_by (0 when no one else saw it) and
        linked (the links from both ends as text): what an export says of who else saw each event."""

        seen, text = self.link_counts()
        n = len(frame) if not isinstance(frame, pa.Table) else frame.num_rows
        if isinstance(frame, pa.Table):
            if not seen and not text:
                return frame.append_column("seen_by", pa.array(np.zeros(n, dtype=np.int64))).append_column(
                    "linked", pa.nulls(n, pa.string()))
            ids = frame.column("id").cast(pa.string())
            keys = pa.array(sorted(set(seen) | set(text)), type=pa.string())
            at = pc.index_in(ids, value_set=keys)
            counts = pa.array([seen.get(k, 0) for k in keys.to_pylist()], type=pa.int64())
            texts = pa.array([text.get(k) for k in keys.to_pylist()], type=pa.string())
            return frame.append_column("seen_by", pc.fill_null(pc.take(counts, at), 0)).append_column(
                "linked", pc.take(texts, at))
        if not seen and not text:
            return frame.assign(seen_by=np.zeros(n, dtype=np.int64), linked=None)
        ids = frame["id"].astype(str)
        return frame.assign(seen_by=ids.map(seen).fillna(0).astype(np.int64).to_numpy(),
                            linked=ids.map(text).to_numpy(object))

    def with_control(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows with control, control_source, control_date, control_check and its note."""
        from events.territory.control import enrich  # deferred: shapely

        return enrich(self.archive, frame, self.control_checks() if self.archive.sources() else None)


def check_review(current: Stored, state: str, user: str) -> None:
    """The review rules, the same on every backend."""
    if state not in REVIEW_STATES:
        raise ReviewError(f"unknown review state {state!r}; one of: {', '.join(REVIEW_STATES)}")
    if state not in TRANSITIONS.get(current.review, ()):
        raise ReviewError(f"{current.id}: cannot go from {current.review} to {state}; from {current.review}: "
                          f"{', '.join(TRANSITIONS.get(current.review, ())) or 'nothing'}")
    if state in ("approved", "rejected") and current.author and current.author == user:
        raise ReviewError(f"{current.id}: {user} made the last change, so someone else must review it")


def review_after_edit(current: Stored | None) -> str:
    """A new record starts as a draft; a changed approved one is reviewed again; a rejected one is a draft."""
    if current is None:
        return "draft"
    return {"approved": "in_review", "rejected": "draft"}.get(current.review, current.review)


def validate_record(record: dict, event_id: str):
    """The record as an Event, or StorageError naming the event and its first bad field."""
    from pydantic import ValidationError  # deferred with the schema: only writes validate

    from events.schema import Event

    try:
        event = Event.model_validate(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "(record)"
        raise StorageError(f"{event_id}: {where}: {first['msg'].removeprefix('Value error, ')}") from None
    if event.id != event_id:
        raise StorageError(f"{event_id}: id: the record's id is {event.id!r}")
    return event
