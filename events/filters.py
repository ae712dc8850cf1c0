"""Every filter as one object: how it reads itself from a URL or a command line, applies
itself (a column mask in memory, a SQL clause in PostGIS) and describes itself.

Adding a filter means adding one Term to TERMS: the Filter value, the CLI flags, the URL
keys, the dashboard's widget (Term.widget, drawn by dashboard/view.py), the in-memory mask and
the SQL all come from this list (Datasette's filters.py is the model). A Filter is a frozen,
hashable value, so views can be cached on it.

Imports inside functions here are deferred on purpose: every command reads this module, and
only the terms that need them pay for shapely, polyline, pyarrow or the region tables.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, field, fields, make_dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from events.errors import FilterError
from events.vocab import CLAIM_STATUSES, DATASET_NAME, EVENT_TYPES, REVIEW_STATES, SUB_EVENT_TYPES

MAX_QUERY = 200  # characters of free text searched


class Facts(Protocol):
    """What the page knows of the store when it draws a widget (dashboard/view.py makes one)."""

    regions: Sequence[str]  # the regions events are in
    datasets: Sequence[str]  # 'curated' and the imported datasets
    sources: Sequence[str]  # control-snapshot sources held

    def names(self, columns: tuple[str, ...]) -> Sequence[str]:
        """Distinct values of these columns (actor names, claimants)."""


@dataclass(frozen=True)
class Widget:
    """How a term shows in the dashboard's sidebar: plain data, so this module needs no UI
    library, and the page draws every term in one loop (dashboard/view.py, draw_term)."""

    kind: str  # "date", "many" (pick several), "text", "one" (pick one) or "toggle"
    label: str
    key: str  # the page's session key for its value
    help: str = ""  # may name {first} and {last}: the store's first and last event dates
    choices: Callable[[Facts], Sequence[str]] | None = None  # the options offered
    free: bool = False  # a user may type a value that is not among the choices
    shown: Callable[[Facts], bool] | None = None  # drawn only when this holds (or the term is set)
    labels: dict[str, str] | None = None  # the words shown for each choice (kind "one")


class Term:
    """One filter. Subclasses say how a value is read, tested and written back."""

    name: str  # attribute of Filter
    url: str  # URL parameter
    flag: str  # command-line option
    metavar: str = "X"
    help: str = ""
    many: bool = True  # repeatable (a tuple) or one value
    default: Any = ()
    columns: tuple[str, ...] = ()  # a row matches when any of these holds one of the values
    reads: tuple[str, ...] | None = None  # the columns mask() reads, when not those
    widget: Widget | None = None  # how the dashboard shows it (None: URL and CLI only)

    def to_widget(self, value: Any) -> Any:
        """The widget's state for a value of this term."""
        return list(value) if self.many else value

    def from_widget(self, state: Any, initial: Any) -> Any:
        """The term's raw value from its widget's state (initial: the value the URL opened with)."""
        return state

    def from_url(self, values: list[str]) -> list[str]:
        """The raw values of this term's URL parameter, each repeat and each comma-separated part
        one value (a term whose value holds commas reads it whole)."""
        return [p.strip() for v in values for p in str(v).split(",") if p.strip()]

    def item(self, text: str) -> Any:
        """One value from text (URL, CLI, widget); FilterError names what is wrong."""
        return text

    def check(self, value: Any) -> Any:
        """The normalised value of this term from user input (a list, one text, a date...)."""
        if self.many:
            return tuple(self.item(v) for v in (value or ()))
        return self.default if value in (None, "") else self.item(value)

    def active(self, value: Any) -> bool:
        return value != self.default

    def needs(self) -> tuple[str, ...]:
        """The columns mask() reads: a reader streaming from files reads these and no more."""
        return self.columns if self.reads is None else self.reads

    def mask(self, df: pd.DataFrame, value: Any) -> np.ndarray | None:
        return np.logical_or.reduce([_isin(df, c, value) for c in self.columns])

    def sql(self, value: Any) -> tuple[str, list]:
        ors = " OR ".join(f"{c} = ANY(%s)" for c in self.columns)
        return (f"({ors})" if len(self.columns) > 1 else ors), [list(value)] * len(self.columns)

    def describe(self, value: Any) -> str:
        return f"{self.url}: {', '.join(map(str, value)) if self.many else value}"

    def to_text(self, value: Any) -> list[str] | str:
        return [str(v) for v in value] if self.many else str(value)

    def add_argument(self, parser) -> None:
        if self.many:
            parser.add_argument(self.flag, dest=self.name, action="append", default=[], metavar=self.metavar,
                                help=self.help + " (repeatable)")
        else:
            parser.add_argument(self.flag, dest=self.name, default=None, metavar=self.metavar, help=self.help)


class _Date(Term):
    many = False
    default = None
    metavar = "DATE"

    def item(self, text) -> dt.date:
        if isinstance(text, dt.datetime):
            return text.date()
        if isinstance(text, dt.date):
            return text
        try:
            return dt.date.fromisoformat(str(text).strip())
        except ValueError:
            raise FilterError(f"{self.url} {text!r} is not a date (use YYYY-MM-DD)") from None

    def to_text(self, value) -> str:
        return value.isoformat()


class DateFrom(_Date):
    """Events that end on or after the day (an event spanning days matches any overlap)."""

    name, url, flag, help = "date_from", "from", "--from", "first day, inclusive (YYYY-MM-DD)"
    widget = Widget("date", "From", "f_from", help="Earliest event: {first}")
    reads = ("date", "end_date")

    def mask(self, df, value):
        start = df["date"].to_numpy("datetime64[ns]")
        end = df["end_date"].to_numpy("datetime64[ns]")
        return np.where(np.isnat(end), start, end) >= np.datetime64(value, "ns")

    def sql(self, value):
        return "coalesce(end_date, date) >= %s", [value]


class DateTo(_Date):
    name, url, flag, help = "date_to", "to", "--to", "last day, inclusive (YYYY-MM-DD)"
    widget = Widget("date", "To", "f_to", help="Latest event: {last}")
    reads = ("date",)

    def mask(self, df, value):
        return df["date"].to_numpy("datetime64[ns]") <= np.datetime64(value, "ns")

    def sql(self, value):
        return "date <= %s", [value]


def _isin(df: pd.DataFrame, col: str, wanted) -> np.ndarray:
    if col not in df:
        return np.zeros(len(df), dtype=bool)
    return df[col].isin(set(wanted)).to_numpy(bool)


class Types(Term):
    name, url, flag, metavar = "types", "type", "--type", "T"
    columns = ("event_type", "sub_event_type")
    help = "event or sub-event type"
    widget = Widget("many", "Event type or sub-type", "f_types",
                    choices=lambda facts: [*EVENT_TYPES, *SUB_EVENT_TYPES])

    def item(self, text):
        t = str(text).strip()
        if t not in EVENT_TYPES and t not in SUB_EVENT_TYPES:
            raise FilterError(f"unknown event or sub-event type {t!r}")
        return t


class Regions(Term):
    name, url, flag, metavar = "regions", "region", "--region", "R"
    reads = ("country", "admin1_code")
    help = "country code (RU), ISO 3166-2 (UA-14) or admin-1 name (Donetsk Oblast)"
    widget = Widget("many", "Region (country or admin-1)", "f_regions",
                    help="Country code or oblast; any spelling works in the URL", choices=lambda facts: facts.regions)

    def item(self, text):
        resolve_regions((str(text),))
        return str(text).strip()

    def mask(self, df, value):
        countries, admin1 = resolve_regions(value)
        return _isin(df, "country", countries) | _isin(df, "admin1_code", admin1)

    def sql(self, value):
        countries, admin1 = resolve_regions(value)
        return "(country = ANY(%s) OR admin1_code = ANY(%s))", [sorted(countries), sorted(admin1)]


class Claims(Term):
    name, url, flag, metavar = "claims", "claim", "--claim", "STATUS"
    columns = ("claim_status",)
    help = "reported, claimed, confirmed or disputed"
    widget = Widget("many", "Claim status", "f_claims", help="reported · claimed (one side, unverified) · confirmed · "
                    "disputed", choices=lambda facts: CLAIM_STATUSES)

    def item(self, text):
        c = str(text).strip().lower()
        if c not in CLAIM_STATUSES:
            raise FilterError(f"unknown claim status {text!r}; one of: {', '.join(CLAIM_STATUSES)}")
        return c


# Searched by the free-text filter: the curated records' search text (title, summary, notes,
# quotes) and, for bulk rows, their title, notes, place and actors.
SEARCHED = ("search_text", "title", "notes", "location_name", "actor1", "actor2")


class Text(Term):
    name, url, flag, metavar = "q", "q", "--q", "TEXT"
    help = "text in title, summary, notes, quotes, place or actors (case-insensitive)"
    many = False
    default = ""
    reads = SEARCHED
    widget = Widget("text", "Search text", "f_q", help="Title, summary, notes and source quotes")

    def from_url(self, values):
        return [" ".join(values)] if values else []  # words, commas and all

    def check(self, value):
        return " ".join(str(value or "").split())[:MAX_QUERY]

    def mask(self, df, value):
        return text_match(df, value)

    def sql(self, value):
        like = "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        ors = " OR ".join(f"{c} ILIKE %s" for c in SEARCHED)
        return f"({ors})", [like] * len(SEARCHED)

    def to_text(self, value):
        return value


class _Contains(Term):
    """Any of the values, as a case-insensitive part of any of the columns: actor and claimant
    names are long and spelt many ways ("Military Forces of Russia (2000-)"), so a part of the
    name is what a user can type."""

    def item(self, text):
        t = " ".join(str(text).split())[:MAX_QUERY]
        if not t:
            raise FilterError(f"{self.url}: empty value")
        return t

    def mask(self, df, value):
        hit = np.zeros(len(df), dtype=bool)
        for v in value:
            hit |= text_match(df, v, self.columns)
        return hit

    def sql(self, value):
        ors, params = [], []
        for v in value:
            like = "%" + v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            ors.extend(f"{c} ILIKE %s" for c in self.columns)
            params.extend([like] * len(self.columns))
        return f"({' OR '.join(ors)})", params


class Actors(_Contains):
    name, url, flag, metavar = "actors", "actor", "--actor", "NAME"
    columns = ("actor1", "actor2")
    help = "a part of either actor's name, e.g. 'Forces of Russia' (case-insensitive)"
    widget = Widget("many", "Actor (either side)", "f_actors", free=True,
                    help="Pick a name, or type a part of one (e.g. 'Forces of Russia') and press Enter",
                    choices=lambda facts: facts.names(("actor1", "actor2")))


class Claimants(_Contains):
    name, url, flag, metavar = "claimants", "claimant", "--claimant", "NAME"
    columns = ("claimed_by",)
    help = "a part of who asserts the event, e.g. 'Ministry of Defence' (case-insensitive)"
    widget = Widget("many", "Claimed by", "f_claimants", free=True,
                    help="Who asserts it. Pick a name, or type a part of one (e.g. 'Ministry of Defence')",
                    choices=lambda facts: facts.names(("claimed_by",)))


class Datasets(Term):
    name, url, flag, metavar = "datasets", "dataset", "--dataset", "NAME"
    columns = ("dataset",)
    help = "only these datasets ('curated' = the catalogue)"
    widget = Widget("many", "Dataset", "f_datasets", help="'curated' is the hand-curated catalogue; the others are "
                    "imports", choices=lambda facts: facts.datasets, shown=lambda facts: len(facts.datasets) > 1)

    def item(self, text):
        d = str(text)
        if not re.fullmatch(DATASET_NAME, d):
            raise FilterError(f"dataset {d!r} is not a dataset name (lowercase letters, digits, '-', '_')")
        return d


class Review(Term):
    """Review state. Without it only approved events are shown, as a published map should;
    'all' (or the states asked for) shows drafts and the rest too."""

    name, url, flag, metavar = "review", "review", "--review", "STATE"
    reads = ("review",)
    help = f"review state: {', '.join(REVIEW_STATES)} or all (default: approved only)"
    widget = Widget("toggle", "Show unreviewed events too", "f_unreviewed",
                    help="Drafts, events in review and rejected ones; by default the map shows approved events only")

    def to_widget(self, value):
        return bool(value)

    def from_widget(self, state, initial):
        return (tuple(initial) or ("all",)) if state else ()  # the states a link asked for, else all

    def item(self, text):
        r = str(text).strip().lower().replace(" ", "_")
        if r != "all" and r not in REVIEW_STATES:
            raise FilterError(f"unknown review state {text!r}; one of: {', '.join(REVIEW_STATES)}, all")
        return r

    def check(self, value):
        got = tuple(dict.fromkeys(self.item(v) for v in (value or ())))
        return ("all",) if "all" in got else got

    def states(self, value) -> tuple[str, ...] | None:
        """The states shown, or None for all of them."""
        if "all" in value:
            return None
        return value or ("approved",)

    def mask(self, df, value):
        states = self.states(value)
        if states is None:
            return None
        if "review" not in df:  # a store without review states: everything in it is published
            return np.full(len(df), "approved" in states)
        # rows without a state (imported datasets) are published, i.e. approved
        return _isin(df, "review", states) | ("approved" in states) & df["review"].isna().to_numpy(bool)

    def sql(self, value):
        states = self.states(value)
        return ("TRUE", []) if states is None else ("review = ANY(%s)", [list(states)])  # NOT NULL in SQL

    def active(self, value):
        return True  # 'approved only' is a restriction too

    def describe(self, value):
        states = self.states(value)
        return "all review states" if states is None else f"review: {', '.join(states)}"


class Ids(Term):
    """Only these events (a link to one event, or a term the storage resolves to ids)."""

    name, url, flag, metavar = "ids", "ids", "--id", "ID"
    columns = ("id",)
    help = "only the events with these ids"

    def item(self, text):
        return str(text).strip()[:200]


# What control snapshots say of a capture claim (events/territory/control.py). The storage
# resolves it to ids (Storage.resolve): the verdicts come from snapshots, not from a column.
CHECKS = ("corroborated", "already", "not_corroborated", "no_snapshot", "unknown_side")


class _Resolved(Term):
    """A term the storage turns into ids (Storage.resolve): its values come from elsewhere than a column."""

    choices: tuple[str, ...] = ()
    label = ""

    def item(self, text):
        c = str(text).strip().lower().replace(" ", "_").replace("-", "_")
        if c not in self.choices:
            raise FilterError(f"unknown {self.label} {text!r}; one of: {', '.join(self.choices)}")
        return c

    def mask(self, df, value):
        raise FilterError(f"the {self.label} filter needs the storage to resolve it (Storage.resolve)")

    def sql(self, value):
        raise FilterError(f"the {self.label} filter needs the storage to resolve it (Storage.resolve)")


class Check(_Resolved):
    name, url, flag, metavar = "check", "check", "--check", "VERDICT"
    help = f"capture claims by what control snapshots say: {', '.join(CHECKS)}"
    choices, label = CHECKS, "control check"
    widget = Widget("many", "Capture claims: control check", "f_check",
                    help="What front-line snapshots say of a capture claim: corroborated, already held before, "
                         "not corroborated, no snapshot covers the date",
                    choices=lambda facts: CHECKS, shown=lambda facts: bool(facts.sources))


class NotIds(Ids):
    """All but these events (what a term the storage resolves leaves out: the uncorroborated)."""

    name, url, flag = "not_ids", "not_id", "--not-id"
    help = "leave out the events with these ids"

    def mask(self, df, value):
        return ~_isin(df, "id", value)

    def sql(self, value):
        return "NOT (id = ANY(%s))", [list(value)]


# Whether anyone else saw it: an accepted 'corroborates' or 'same-incident' link (events/corroborate.py)
# at either end. The storage resolves it to ids (Storage.resolve): the links live in curated records.
SEEN = ("corroborated", "uncorroborated")


class Seen(_Resolved):
    name, url, flag, metavar = "seen", "seen", "--seen", "|".join(SEEN)
    help = "corroborated: another source's report of it is linked; uncorroborated: none is"
    many = False
    default = None
    choices, label = SEEN, "seen"
    widget = Widget("one", "Seen by other sources", "f_seen", choices=lambda facts: ("", *SEEN),
                    labels={"": "any", "corroborated": "corroborated (a linked report from another source)",
                            "uncorroborated": "uncorroborated (nobody else's report linked)"},
                    help="Links accepted with python -m events corroborate --accept-above (corroborates, same-incident)")

    def to_widget(self, value):
        return value or ""

    def from_widget(self, state, initial):
        return state or None


class Area(Term):
    """Events inside a box or a drawn shape. A box is `S,W,N,E` in degrees (west above east
    crosses the antimeridian); a shape is one or more rings in Google's encoded polyline format
    (precision 5), joined by ';', each an outer edge, the area their union. Boundaries count as
    inside, in memory (shapely) as in SQL (PostGIS's && and ST_Intersects)."""

    name, url, flag, metavar = "area", "area", "--bbox", "S,W,N,E"
    many = False
    default = None
    reads = ("lat", "lon")
    help = "only events in this box: south,west,north,east in degrees (e.g. 47.8,37.0,48.6,38.2)"
    widget = Widget("text", "Area (box or drawn shape)", "f_area",
                    help="south,west,north,east in degrees, e.g. 47.8,37.0,48.6,38.2; a link may carry a drawn shape")

    def from_url(self, values):
        return [values[0].strip()] if values and values[0].strip() else []  # commas belong to the box

    def item(self, text):
        t = "".join(str(text).split())
        try:
            return _area_text(_area_shape(t))
        except FilterError as exc:
            raise FilterError(f"area {t[:60]!r}: {exc}") from None

    def check(self, value):
        return None if value in (None, "") else self.item(value)

    def mask(self, df, value):
        box, rings = _area_shape(value)
        lat, lon = df["lat"].to_numpy(np.float64), df["lon"].to_numpy(np.float64)
        south, west, north, east = box
        hit = (lat >= south) & (lat <= north) & ((lon >= west) & (lon <= east) if west <= east else
                                                 (lon >= west) | (lon <= east))
        if rings is not None and hit.any():
            import shapely

            at = np.flatnonzero(hit)
            hit[at] = shapely.intersects_xy(_union(rings), lon[at], lat[at])
        return hit

    def sql(self, value):
        box, rings = _area_shape(value)
        south, west, north, east = box
        if rings is not None:
            return "ST_Intersects(geom, ST_GeomFromText(%s, 4326))", [_union(rings).wkt]
        if west <= east:
            return "geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", [west, south, east, north]
        return ("(geom && ST_MakeEnvelope(%s, %s, 180, %s, 4326) OR geom && ST_MakeEnvelope(-180, %s, %s, %s, 4326))",
                [west, south, north, south, east, north])

    def add_argument(self, parser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(self.flag, dest=self.name, default=None, metavar=self.metavar, help=self.help)
        group.add_argument("--within", dest=self.name, default=None, metavar="FILE.geojson", type=area_of_file,
                           help="only events inside the polygons of a GeoJSON file (boundaries count as inside)")


def _number(text: str, what: str, low: float, high: float) -> float:
    try:
        x = float(text)
    except ValueError:
        raise FilterError(f"{what} {text!r} is not a number") from None
    if not (low <= x <= high):
        raise FilterError(f"{what} {x:g} is outside {low:g}..{high:g}")
    return x


def _area_shape(text: str) -> tuple[tuple[float, float, float, float], tuple | None]:
    """((south, west, north, east), rings or None for a box) of an area's text; FilterError says why not."""
    import polyline

    if text.count(",") == 3:
        parts = text.split(",")
        south, north = (_number(parts[i], w, -90, 90) for i, w in ((0, "south"), (2, "north")))
        west, east = (_number(parts[i], w, -180, 180) for i, w in ((1, "west"), (3, "east")))
        if south > north:
            raise FilterError(f"south {south:g} is above north {north:g}")
        return (south, west, north, east), None
    rings = []
    for code in filter(None, text.split(";")):
        try:
            if not all(63 <= ord(c) <= 126 for c in code):  # the format's alphabet
                raise ValueError(code)
            ring = tuple(polyline.decode(code, 5))
        except Exception:  # noqa: BLE001 - the library raises what its arithmetic meets
            raise FilterError("is neither a box (south,west,north,east) nor an encoded polyline shape") from None
        if len(set(ring)) < 3 or any(not (-90 <= a <= 90 and -180 <= o <= 180) for a, o in ring):
            raise FilterError("a shape needs at least three distinct points on the globe")
        rings.append(ring)
    if not rings:
        raise FilterError("is empty")
    lats = [a for r in rings for a, _ in r]
    lons = [o for r in rings for _, o in r]
    return (min(lats), min(lons), max(lats), max(lons)), tuple(rings)


@lru_cache(maxsize=32)
def _union(rings: tuple):
    """The area of rings ((lat, lon) points): their outer edges' union, made valid, prepared
    (kept: the same area is asked of every view of a filter)."""
    import shapely

    polys = [shapely.make_valid(shapely.Polygon([(o, a) for a, o in r])) for r in rings]
    area = shapely.union_all(polys)
    shapely.prepare(area)
    return area


def _area_text(shape: tuple) -> str:
    """The canonical text of an area (what the URL and the cache keys hold)."""
    import polyline

    (south, west, north, east), rings = shape
    if rings is None:
        return ",".join(f"{round(x, 5):.10g}" for x in (south, west, north, east))
    return ";".join(polyline.encode(list(r), 5) for r in rings)


def area_of_file(path: str) -> str:
    """The area text of the polygons in a GeoJSON file (--within): each polygon's outer edge;
    a polygon with holes is refused, since an area is a union of outer edges."""
    import argparse

    import polyline
    import shapely

    try:
        data = json.loads(open(path, encoding="utf-8").read())
        geoms = [shapely.geometry.shape(g) for g in _geometries(data)]
    except (OSError, ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException) as exc:
        raise argparse.ArgumentTypeError(f"{path}: not a readable GeoJSON file ({exc})") from None
    rings = []
    for k, g in enumerate(geoms, 1):
        for poly in getattr(g, "geoms", [g]):
            if poly.geom_type != "Polygon":
                raise argparse.ArgumentTypeError(f"{path}: geometry {k} is a {poly.geom_type}, not a polygon")
            if poly.interiors:
                raise argparse.ArgumentTypeError(f"{path}: geometry {k} has holes; give outer edges only")
            rings.append(tuple((round(y, 5), round(x, 5)) for x, y in poly.exterior.coords))
    if not rings:
        raise argparse.ArgumentTypeError(f"{path}: holds no polygon")
    try:
        return _area_text(_area_shape(";".join(polyline.encode(list(r), 5) for r in rings)))
    except FilterError as exc:
        raise argparse.ArgumentTypeError(f"{path}: {exc}") from None


def _geometries(data: dict) -> list[dict]:
    kind = data.get("type")
    if kind == "FeatureCollection":
        return [f["geometry"] for f in data["features"] if f.get("geometry")]
    if kind == "Feature":
        return [data["geometry"]]
    return [data]


TERMS: tuple[Term, ...] = (DateFrom(), DateTo(), Types(), Regions(), Claims(), Actors(), Claimants(), Text(),
                           Datasets(), Review(), Ids(), Check(), Seen(), NotIds(), Area())
BY_NAME = {t.name: t for t in TERMS}


def _is_empty(self) -> bool:
    """No restriction beyond the default (approved events only)."""
    return self == Filter()


def _as_dict(self) -> dict:
    return {f.name: getattr(self, f.name) for f in fields(self)}


Filter = make_dataclass(
    "Filter", [(t.name, Any, field(default=t.default)) for t in TERMS], frozen=True,
    namespace={"is_empty": _is_empty, "as_dict": _as_dict,
               "__doc__": "What to show; one attribute per Term (empty means no restriction). Dates are "
                          "inclusive and match any overlap with an event's [date, end_date]."})
Filter.__module__ = __name__


def make_filter(**values) -> Filter:
    """A checked Filter from user input; FilterError names the bad value."""
    unknown = set(values) - set(BY_NAME)
    if unknown:
        raise TypeError(f"unknown filter(s): {', '.join(sorted(unknown))}")
    f = Filter(**{name: BY_NAME[name].check(v) for name, v in values.items()})
    if f.date_from and f.date_to and f.date_to < f.date_from:
        raise FilterError(f"to {f.date_to} is before from {f.date_from}")
    return f


def key(f: Filter) -> tuple:
    """A plain tuple of the filter (for caches keyed on it); Filter(*key(f)) == f."""
    return astuple(f)


def mask(df: pd.DataFrame, f: Filter) -> np.ndarray:
    """Boolean mask of the rows that pass, from each term's column operation."""
    m = np.ones(len(df), dtype=bool)
    for t in TERMS:
        value = getattr(f, t.name)
        if t.active(value):
            part = t.mask(df, value)
            if part is not None:
                m &= part
    return m


def needs(f: Filter) -> list[str]:
    """The columns mask(df, f) reads (the Check term is resolved to ids before any mask)."""
    return list(dict.fromkeys(c for t in TERMS if t.active(getattr(f, t.name)) for c in t.needs()))


def where(f: Filter) -> tuple[str, list]:
    """The SQL WHERE clause of a filter (with %s placeholders) and its parameters."""
    clauses, params = [], []
    for t in TERMS:
        value = getattr(f, t.name)
        if t.active(value):
            clause, p = t.sql(value)
            clauses.append(clause)
            params.extend(p)
    return (" AND ".join(clauses) or "TRUE"), params


def describe(f: Filter) -> list[str]:
    return [t.describe(getattr(f, t.name)) for t in TERMS if t.active(getattr(f, t.name))]


def add_arguments(parser) -> None:
    for t in TERMS:
        t.add_argument(parser)


def from_args(args) -> Filter:
    return make_filter(**{t.name: getattr(args, t.name) for t in TERMS if hasattr(args, t.name)})


def _raw(params, key: str) -> list[str]:
    raw = params.get(key) or []
    return [raw] if isinstance(raw, str) else [str(v) for v in raw]


def from_query(params) -> tuple[Filter, list[str]]:
    """(filter, notices) from URL parameters; each bad value is dropped with a notice, never raised."""
    notices: list[str] = []
    kw: dict[str, Any] = {}
    for t in TERMS:
        vals = t.from_url(_raw(params, t.url))
        if not vals:
            continue
        good = []
        for v in vals if t.many else vals[:1]:
            try:
                good.append(t.item(v))
            except FilterError as exc:
                notices.append(f"Ignored URL parameter {t.url}: {str(exc).removeprefix('region: ')}")
        if good:
            kw[t.name] = good if t.many else good[0]
    if kw.get("date_from") and kw.get("date_to") and kw["date_to"] < kw["date_from"]:
        notices.append(f"Ignored URL parameters from/to: 'to' {kw['date_to']} is before 'from' {kw['date_from']}")
        kw.pop("date_from"), kw.pop("date_to")
    return make_filter(**kw), notices


def to_query(f: Filter) -> dict[str, list[str] | str]:
    """The URL parameters of a filter (defaults left out)."""
    out: dict[str, list[str] | str] = {}
    for t in TERMS:
        value = getattr(f, t.name)
        if value != t.default:
            out[t.url] = t.to_text(value)
    return out


URL_KEYS = tuple(t.url for t in TERMS)


def unknown_datasets(f: Filter, known) -> list[str]:
    known = set(known)
    return [d for d in f.datasets if d not in known]


def check_datasets(f: Filter, known) -> None:
    """An unknown dataset is an error like an unknown type, not an empty result that looks like news."""
    unknown = unknown_datasets(f, known)
    if unknown:
        raise FilterError(f"unknown dataset {unknown[0]!r}; known: {', '.join(sorted(known)) or 'none'}")


def resolve_regions(regions) -> tuple[set[str], set[str]]:
    """(country codes, ISO 3166-2 codes) for the region terms."""
    from geodata.errors import UnknownRegion
    from geodata.regions import resolve_area

    countries, admin1 = set(), set()
    for r in regions:
        try:
            kind, code = resolve_area(r)
        except UnknownRegion as exc:
            raise FilterError(f"region: {exc}") from None
        (countries if kind == "country" else admin1).add(code)
    return countries, admin1


def text_match(df: pd.DataFrame, q: str, columns: tuple[str, ...] = SEARCHED) -> np.ndarray:
    """Case-insensitive substring in any of the columns (each distinct value of a categorical
    tested once)."""

    hit = np.zeros(len(df), dtype=bool)
    for col in columns:
        if col not in df:
            continue
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = pa.array(s.cat.categories.astype("str"), type=pa.string())
            ok = pc.fill_null(pc.match_substring(cats, q, ignore_case=True), False).to_numpy(zero_copy_only=False)
            codes = s.cat.codes.to_numpy()
            hit |= (codes >= 0) & ok[np.maximum(codes, 0)] if len(ok) else False
        else:
            arr = pa.array(s.astype("str"), type=pa.string(), from_pandas=True)
            hit |= pc.fill_null(pc.match_substring(arr, q, ignore_case=True), False).to_numpy(zero_copy_only=False)
    return hit
