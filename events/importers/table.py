"""Any table of events with named columns, read through a declared mapping.

ACLED exports (full, partial and reduced), and other people's layouts (a
civil-harm table with MM/DD/YYYY dates and its own categories) go through this
one pipeline: the mapping says which column holds which of our fields, the
type map says which ACLED type each of the source's own categories means (the
user states it: no type is invented), and whatever the mapping does not use is
kept beside the row so an export gives it back. Every check rejects rows, never
the file, unless the header itself lacks the essentials.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from events.arrowtext import arrow_text, hashes, pandas_text, repeated_text
from events.columns import EXTRA_PREFIX  # stored name of a source column the mapping does not use
from events.errors import ImportFileError
from events.importers.clean import (category, check_types, clean_category, clean_long_text, distinct_categorical,
                                    map_values, mapped_category, to_number)
from events.importers.csvsource import CsvSource, Rescan
from events.importers.results import Rejects, StreamedImport, merge_notes
from events.importers.screen import Screen
from events.importers.dates import check_date_format, decide, parse_dates
from events.importers.places import PointMemo, locate_admin1, locate_names
from events.vocab import CLAIM_STATUSES, EVENT_TYPES

# Our fields a mapping may name, and what each means.
FIELDS = {
    "id": "the source's own id of the row (else one is derived from the row's content)",
    "date": "event date (ISO, 15 April 2022, dd/mm/yyyy or mm/dd/yyyy: the order is decided per file)",
    "end_date": "last day of the event, when it spans days",
    "year": "a year column to cross-check the dates",
    "event_type": "ACLED event type",
    "sub_event_type": "ACLED sub-event type",
    "category": "the source's own category, turned into an ACLED type by the stated type map",
    "lat": "latitude (WGS84)", "lon": "longitude (WGS84)",
    "location": "place name (geocoded offline when a row has no coordinates)",
    "country": "country name or ISO code", "iso": "ISO 3166-1 numeric country code",
    "admin1": "first-level region in the source's naming",
    "admin2": "second-level region (raion) in the source's naming: settles a place name geocoded offline",
    "fatalities": "deaths (blank = unknown)", "injured": "injured (blank = unknown)",
    "notes": "description", "title": "short title",
    "actor1": "first actor", "actor2": "second actor",
    "source": "outlet(s)", "source_url": "link(s) to the source",
    "time_precision": "ACLED time precision 1 day, 2 week, 3 month",
    "geo_precision": "ACLED geo precision 1 place, 2 near, 3 region",
    "claim_status": "reported, claimed, confirmed or disputed", "claimed_by": "who asserts it",
}
TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
GEO_UNCERTAINTY_KM = {1: 2.0, 2: 25.0, 3: 100.0}
ISO_NUMERIC = {"804": "UA", "643": "RU", "112": "BY", "498": "MD", "616": "PL", "642": "RO", "703": "SK",
               "348": "HU"}
LONG_TEXT = ("notes", "title", "source_url")  # mostly distinct per row: trimmed in Arrow, not per distinct value
_SPLIT = re.compile(r"\s*[;|,]\s*")


@dataclass
class TableSpec:
    """How one layout maps onto our fields."""

    name: str
    columns: dict[str, str]  # our field -> source column name
    type_map: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # source category -> (type, sub)
    admin1_meaning: str = "default"  # 'acled': a bare Ukrainian oblast name means the oblast (Kyiv vs Kyiv City)
    passthrough: tuple[str, ...] = ()  # columns stored under their own name (ACLED's)
    claimed_by: str | None = None  # who asserts the rows when no column says
    date_format: str | None = None
    date_convention: str | None = None  # the order this layout always writes slash dates in, if any
    required: tuple[str, ...] = ()  # columns a full export of this layout always has
    keep_extras: bool = True
    # Why a category the type map lacks is rejected: {column} and {value} are filled in. A user's
    # table is told how to map it; a published layout (UCDP's 1, 2, 3) says what the source allows.
    unmapped: str = "{column}: {value} has no stated type mapping; add --type-map '{hint}=Event type/Sub-event type'"
    # The layout's own checks on a batch of its rows (screen, the batch's frame), after the common ones.
    check: Callable[[Screen, pd.DataFrame], None] | None = None


class _DerivedIds:
    """A stable id from a row's content, and its occurrence for identical rows, counted across
    the batches of one file."""

    def __init__(self, cols: list[str]) -> None:
        self.cols = cols
        self.seen: dict[str, int] = {}

    def __call__(self, df: pd.DataFrame) -> np.ndarray:
        key = df[self.cols].astype("str").fillna("").agg("\x1f".join, axis=1) if self.cols \
            else pd.Series([""] * len(df), index=df.index)
        digest = key.map(lambda k: hashlib.blake2b(k.encode(), digest_size=6).hexdigest())
        earlier = digest.map(self.seen).fillna(0).astype(np.int64).to_numpy()
        occurrence = earlier + digest.groupby(digest).cumcount().to_numpy()
        for d, k in digest.value_counts().items():
            self.seen[d] = self.seen.get(d, 0) + int(k)
        return (digest + np.where(occurrence > 0, "-" + pd.Series(occurrence + 1, index=df.index).astype(str),
                                  "")).to_numpy(object)


class _SeenIds:
    """Ids kept so far in a streamed file: a later row with one of them is a duplicate (the first
    occurrence is kept). Every kept id is held as a 64-bit hash in one sorted array: 8 MB at a
    million rows where a set of the strings would hold 120 MB. Two distinct ids share a hash with
    a chance of about 1 in 36 million at a million rows; such a row is rejected as a duplicate and
    named in rejects.csv, never dropped unseen."""

    def __init__(self) -> None:
        self.hashes = np.zeros(0, dtype=np.uint64)

    def duplicated(self, ids: pd.Series, ok: np.ndarray) -> np.ndarray:
        dup = np.zeros(len(ids), dtype=bool)
        rows = np.flatnonzero(ok & (ids != "").to_numpy(bool))
        if not len(rows):
            return dup
        h = hashes(arrow_text(ids))[rows]
        order = np.argsort(h, kind="stable")  # equal hashes keep their rows' order: the first is kept
        h = h[order]
        again = np.zeros(len(h), dtype=bool)
        again[1:] = h[1:] == h[:-1]
        if len(self.hashes):
            at = np.minimum(np.searchsorted(self.hashes, h), len(self.hashes) - 1)
            again |= self.hashes[at] == h
        dup[rows[order]] = again
        self.hashes = np.sort(np.concatenate([self.hashes, h[~again]]), kind="stable")  # two sorted runs: a merge
        return dup


class _WholeDates:
    """The dates of a file parsed whole by a first pass: each batch takes its rows."""

    def __init__(self, parsed) -> None:
        self.parsed = parsed

    def batch(self, df: pd.DataFrame, at: slice):
        return self.parsed.rows(at)

    def decision(self) -> str:
        return self.parsed.decision if self.parsed.order else ""


class _StreamDates:
    """The order of a file's slash dates decided by its first batch and held to by every later
    one. The decision must be the one the whole file gives: a first batch that cannot decide, or a
    later batch whose values change it (a first part over 12 after a second part over 12), raises
    Rescan, and the file is read again with a first pass over all of its dates."""

    def __init__(self, path: Path, spec: TableSpec, cols: dict[str, str]) -> None:
        self.path, self.spec, self.cols = path, spec, cols
        self.order = None
        self.pairs: set = set()
        self.serial = False
        check_date_format(spec.date_format)  # refused before any row, as the first pass refuses it

    def batch(self, df: pd.DataFrame, at: slice):
        cols = self.cols
        columns = {cols["date"]: df[cols["date"]]}
        if "end_date" in cols:
            columns[cols["end_date"]] = df[cols["end_date"]]
        years = df[cols["year"]] if "year" in cols else None
        try:
            parsed = parse_dates(columns, date_format=self.spec.date_format, where=str(self.path), years=years,
                                 convention=self.spec.date_convention, order=self.order)
            self.pairs |= parsed.pairs
            self.serial |= parsed.serial
            decided = decide(self.pairs, self.serial, self.spec.date_format, str(self.path),
                             self.spec.date_convention)
        except ImportFileError as exc:
            raise Rescan(str(exc)) from None
        if self.order is None:
            self.order = decided
        elif decided[0] != self.order[0]:
            raise Rescan("a batch changes the order of the file's dates")
        return parsed

    def decision(self) -> str:
        order, decision = decide(self.pairs, self.serial, self.spec.date_format, str(self.path),
                                 self.spec.date_convention)
        return decision if order else ""


def _types(screen: Screen, d: pd.DataFrame, spec: TableSpec, cols: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    n = len(d)
    if "category" in cols and spec.type_map:
        cats = d[cols["category"]].fillna("").astype(str)
        codes, uniques = pd.factorize(cats)
        ordered = list(spec.type_map.items())
        et_u, st_u, why_u = [], [], []
        for text in uniques:
            parts = [p for p in _SPLIT.split(text.strip()) if p] or [text.strip()]
            hit = next(((t, s) for key, (t, s) in ordered for p in parts if p.lower() == key.lower()), None)
            if hit is None:
                et_u.append(None), st_u.append(None)
                why_u.append(spec.unmapped.format(column=cols["category"], value=repr(text[:60]),
                                                  hint=parts[0][:40]))
            else:
                et_u.append(hit[0]), st_u.append(hit[1]), why_u.append("")
        et = np.asarray(et_u + [None], dtype=object)[codes]
        st = np.asarray(st_u + [None], dtype=object)[codes]
        why = np.asarray(why_u + ["category: empty"], dtype=object)[codes]
        screen.reject(why != "", why)
        return et, st
    et = _stripped(d[cols["event_type"]])
    if "sub_event_type" in cols:
        st = _stripped(d[cols["sub_event_type"]])
        reason = check_types(pd.Series(et, dtype=object), pd.Series(st, dtype=object))
        screen.reject(reason != "", reason)
    else:  # a reduced export: the type alone
        st = np.full(n, None, dtype=object)
        known = pd.Series(et, dtype=object).isin(list(EVENT_TYPES)).to_numpy(bool)
        screen.reject(~known, lambda where: [f"event_type: unknown {et[i]!r}" for i in where])
    return et, st


def _stripped(s: pd.Series) -> np.ndarray:
    """A column of few distinct values as trimmed text per row ('' where blank), trimmed once per value."""
    codes, uniques = pd.factorize(s)
    return np.array([str(u).strip() for u in uniques] + [""], dtype=object)[codes]


def read_table(path: Path, dataset: str, spec: TableSpec, finish=None, *, careful: bool = False,
               source_of: Callable[[Path, tuple[str, ...]], CsvSource] = CsvSource) -> StreamedImport:
    """The file's rows in our columns, streamed BATCH_ROWS at a time (finish: a layout's last
    touch to each batch of rows, given the file's columns and the list its notes go to).

    One pass over the file where it can be: the first batch decides the order of slash dates and
    every later one is held to it; ids are checked against all those kept so far. What only the
    whole file settles (a later batch that changes the date order, a row of the wrong width, text
    that is not UTF-8) makes the import start again, careful: a first pass reads the dates of the
    whole file (its order decided on all of them) and the rows to skip, then the second hands over
    the batches. A million-row file is parsed once instead of twice.

    source_of opens the file as text columns in batches: a CSV by default, anything else that
    reads as a CsvSource does (GeoJSON's features, geojson.py)."""
    source = source_of(path, spec.required)
    names = source.columns
    cols = {f: c for f, c in spec.columns.items() if c}
    absent = [f"{c!r} (for {f})" for f, c in cols.items() if c not in names]
    if spec.name == "csv" and absent:  # a user's mapping names a column the file lacks: say so
        raise ImportFileError(f"{path}: the mapping names column(s) the file lacks: {', '.join(absent)}; "
                           f"its columns are: {', '.join(names)}")
    cols = {f: c for f, c in cols.items() if c in names}
    missing = []
    if "date" not in cols:
        missing.append("a date")
    if "event_type" not in cols and not ("category" in cols and spec.type_map):
        missing.append("an event type (or a category column with a stated --type-map)")
    if not ({"lat", "lon"} <= set(cols) or "location" in cols):
        missing.append("coordinates (latitude and longitude) or a place name")
    if missing:
        raise ImportFileError(f"{path}: lacks {', '.join(missing)}; its columns are: {', '.join(names)}"
                           + ("; map them with --map FIELD=COLUMN" if spec.name == "csv" else
                              "; is this the right --format?"))
    if careful:
        whole = source.scan([cols[f] for f in ("date", "end_date", "year") if f in cols])
        date_cols = {cols["date"]: whole[cols["date"]]}
        if "end_date" in cols:
            date_cols[cols["end_date"]] = whole[cols["end_date"]]
        dates = _WholeDates(parse_dates(date_cols, date_format=spec.date_format, where=str(path),
                                        years=whole[cols["year"]] if "year" in cols else None,
                                        convention=spec.date_convention))
        del whole, date_cols
    else:
        dates = _StreamDates(path, spec, cols)

    def produce(out: StreamedImport) -> Iterator[pd.DataFrame]:
        rejects = Rejects()
        derive = _DerivedIds(list(names)) if "id" not in cols else None
        seen = _SeenIds()
        memo = PointMemo()
        batch_notes: list[str] = []
        read = len(source.malformed)
        first = True
        for batch in source.batches(single=not careful):
            screen = Screen.for_batch(batch, source.encoding, cols.get("id"), rejects,
                                      malformed=source.malformed if first else None)
            first = False
            read += len(batch.line)
            at = slice(batch.start, batch.start + len(batch.line))
            parsed = dates.batch(batch.frame, at)
            rows = _batch_rows(batch.frame, dataset, spec, cols, screen, parsed, derive, seen, memo,
                               batch_notes, names)
            if finish is not None:
                rows = finish(rows, names, batch_notes)
            yield rows
        notes = [] if "id" in cols else ["id: no id column; each row's id is a hash of its content"]
        if dates.decision():
            notes.append(f"dates: {dates.decision()}")
        out.done(rejects.frame(), read, notes + merge_notes(batch_notes))

    again = None if careful else (lambda: read_table(path, dataset, spec, finish, careful=True, source_of=source_of))
    return StreamedImport(produce, source.encoding, list(names), again=again)


def _batch_rows(df: pd.DataFrame, dataset: str, spec: TableSpec, cols: dict[str, str], screen: Screen,
                parsed, derive, seen: _SeenIds, memo: PointMemo, notes: list[str],
                names: list[str]) -> pd.DataFrame:
    """One batch of the file in our columns (parsed: its dates); its rejects go to the screen."""
    if derive is not None:
        screen.ids = pd.Series(derive(df), index=df.index)
    date = parsed.values[0]
    end = parsed.values[1] if len(parsed.values) > 1 else None
    end_reason = None
    if end is not None:
        given = (df[cols["end_date"]].fillna("").str.strip() != "").to_numpy(bool)
        end_reason = np.where(given, parsed.reasons[1], "")
        end = np.where(given, end, np.datetime64("NaT"))
    screen.dates(date, parsed.reasons[0], end, end_reason, names=(cols["date"], cols.get("end_date", "end_date")))

    lat = to_number(df[cols["lat"]]) if "lat" in cols else np.full(len(df), np.nan)
    lon = to_number(df[cols["lon"]]) if "lon" in cols else np.full(len(df), np.nan)
    blank = np.isnan(lat) & np.isnan(lon)
    if "location" in cols and blank.any():  # no coordinates: the place name, geocoded offline
        raion = cols.get("admin2") or ("admin2" if "admin2" in df.columns else None)  # ACLED's own column
        glat, glon, why, gprec, gunc = locate_names(df[cols["location"]], _country_hint(df, cols),
                                                    df[cols["admin1"]] if "admin1" in cols else None, blank,
                                                    df[raion] if raion else None)
        lat, lon = np.where(blank, glat, lat), np.where(blank, glon, lon)
        screen.reject(blank & (why != ""), why)
        geocoded = blank & (why == "")
        if geocoded.any():
            notes.append(f"coordinates: {int(geocoded.sum()):,} row(s) had none; located by place name "
                         "in the offline gazetteer")
    else:
        geocoded = np.zeros(len(df), dtype=bool)
        gprec = gunc = None
    screen.coordinates(lat, lon)
    et, st = _types(screen, df, spec, cols)
    fat = screen.count(df[cols["fatalities"]], cols["fatalities"]) if "fatalities" in cols \
        else np.full(len(df), np.nan)
    inj = screen.count(df[cols["injured"]], cols["injured"]) if "injured" in cols else np.full(len(df), np.nan)
    if spec.check is not None:
        spec.check(screen, df)
    screen.reject(seen.duplicated(screen.ids, screen.ok), f"{cols.get('id', 'id')}: duplicated id (first occurrence kept)")
    keep = np.flatnonzero(screen.ok)
    d = df if len(keep) == len(df) else df.iloc[keep]  # no copy of a clean file
    klat, klon = lat[keep], lon[keep]

    def col(f: str) -> pd.Series:
        return d[cols[f]] if f in cols else pd.Series([None] * len(d), index=d.index, dtype=object)

    made: dict[str, pd.Series] = {}

    def text(f: str) -> pd.Series:
        """A field as trimmed text, blank as missing (per distinct value; notes and titles in Arrow),
        made once per batch however often it is asked for."""
        if f not in made:
            if f not in cols:
                made[f] = pd.Series([None] * len(d), index=d.index, dtype=object)
            elif f == "notes":  # hundreds of characters per row: only blanks made missing, no copy
                made[f] = clean_long_text(d[cols[f]], trim=False)
            else:
                made[f] = clean_long_text(d[cols[f]]) if f in LONG_TEXT else clean_category(d[cols[f]])
        return made[f]

    # The row's own country (ISO numeric, else its name), else its point's, else its text as given:
    # element-wise on the few-valued lookups, no pandas fill per step.
    cc = map_values(text("iso"), ISO_NUMERIC)
    cc = np.where(cc == None, map_values(text("country"), _country_codes()), cc)  # noqa: E711 - element-wise
    placed = locate_admin1(text("admin1"), pd.Series(cc, index=d.index), klat, klon, spec.admin1_meaning, memo)
    derived_cc = (cc == None) & (placed.country != None)  # noqa: E711 - element-wise
    cc = np.where(cc == None, placed.country, cc)  # noqa: E711
    if "country" in cols:
        cc = np.where(cc == None, text("country").to_numpy(object), cc)  # noqa: E711
    if derived_cc.any():
        notes.append(f"country: {int(derived_cc.sum()):,} row(s) had none; taken from their coordinates")
    notes.extend(placed.notes)
    gp = map_values(text("geo_precision"), {"1": 1, "2": 2, "3": 3}, 2 if "geo_precision" in cols else 1
                    ).astype(np.int64)
    unc = np.array([0.0, *GEO_UNCERTAINTY_KM.values()])[gp]
    if gprec is not None:
        g = geocoded[keep]
        gp = np.where(g, gprec[keep], gp)
        unc = np.where(g, gunc[keep], unc)
    source_url = text("source_url")
    ids = screen.ids if len(keep) == len(screen.ids) else screen.ids.iloc[keep]  # text, kept in Arrow
    ids = pd.Series(ids.to_numpy() if not hasattr(ids, "array") else ids.array, index=d.index)
    what = np.where(pd.isna(st[keep]), et[keep], st[keep])
    rows = pd.DataFrame({
        "id": f"{dataset}-" + ids.astype("str"),
        "dataset": pd.Categorical.from_codes(np.zeros(len(d), dtype=np.int8), categories=[dataset]),
        "source_row": ids.astype("str"),
        "title": _titles(text("title"), what, text("location")),
        "summary": pandas_text(repeated_text(None, len(d))),
        "notes": text("notes"),
        "date": date[keep],
        "end_date": end[keep] if end is not None else pd.NaT,
        "date_precision": mapped_category(text("time_precision"), lambda v: TIME_PRECISION.get(v, "day")),
        "event_type": category(pd.Series(et[keep], index=d.index, dtype=object)),
        "sub_event_type": category(pd.Series(st[keep], index=d.index, dtype=object)),
        "actor1": text("actor1"),
        "actor2": text("actor2"),
        "location_name": text("location"),
        "fatalities": pd.array(fat[keep], dtype="Float64").astype("Int64"),
        "injured": pd.array(inj[keep], dtype="Float64").astype("Int64"),
        "claim_status": mapped_category(text("claim_status"), _claim_status),
        "claimed_by": text("claimed_by").astype(object).fillna(spec.claimed_by or dataset) if "claimed_by" in cols
        else pandas_text(repeated_text(spec.claimed_by or dataset, len(d))),
        "source_outlets": text("source"),
        "source_urls": source_url.where(source_url.str.match(r"^https?://", case=False, na=False), None)
        if "source_url" in cols else pandas_text(repeated_text(None, len(d))),
        "lat": klat, "lon": klon,
        "geo_precision": gp,
        "uncertainty_km": unc,
        "country": cc,
        "admin1": placed.as_text("name"), "admin1_code": placed.as_text("code"),
        "admin1_source": text("admin1"),
        "geocoded_by": pd.Categorical.from_codes(geocoded[keep].astype(np.int8), categories=[
            f"{dataset} (source coordinates)", "gazetteer (place name)"]),
        "geo_flags": placed.flags,
    })
    for c in spec.passthrough:
        if c in d:
            rows[c] = clean_category(d[c]) if c != "timestamp" else clean_long_text(d[c], trim=False).array
    if spec.keep_extras:
        used = set(cols.values()) | set(spec.passthrough)
        for c in names:
            if c not in used:
                rows[EXTRA_PREFIX + c] = clean_long_text(d[c], trim=False).array
    return rows.reset_index(drop=True)


def _titles(given: pd.Series, what: np.ndarray, place: pd.Series) -> pd.Series:
    """The source's title, else 'Sub-event type in Place', built once per distinct (type, place)
    from the two columns' codes, joined by Arrow (no string per row, no Python loop per pair)."""
    w_codes, w_uniq = pd.factorize(what)
    w_names = pa.array([str(w) for w in w_uniq] + ["?"], type=pa.string())
    w_codes = np.where(w_codes < 0, len(w_names) - 1, w_codes)
    place = place if isinstance(place.dtype, pd.CategoricalDtype) else place.astype("category")
    p_codes = place.cat.codes.to_numpy().astype(np.int64)
    p_names = pa.concat_arrays([pa.array(place.cat.categories.astype(str).to_numpy(object), type=pa.string()),
                                pa.array(["?"], type=pa.string())])
    p_codes = np.where(p_codes < 0, len(p_names) - 1, p_codes)
    pair_codes, pairs = pd.factorize(w_codes.astype(np.int64) * len(p_names) + p_codes)
    made = pc.binary_join_element_wise(w_names.take(pa.array(pairs // len(p_names))),
                                       p_names.take(pa.array(pairs % len(p_names))), " in ")  # the separator last
    spelled = pc.dictionary_encode(made)  # two pairs may spell the same title
    m_codes = spelled.indices.to_numpy(zero_copy_only=False)
    derived = pd.Series(distinct_categorical(m_codes[pair_codes], spelled.dictionary), index=given.index)
    if given.notna().any():
        return given.astype(object).fillna(derived.astype(object))
    return derived


def _claim_status(value) -> str:
    """A source's claim status in our words; anything else (or none) is 'reported'."""
    low = value.lower() if isinstance(value, str) else None
    return low if low in CLAIM_STATUSES else "reported"


def _country_hint(df: pd.DataFrame, cols: dict[str, str]) -> pd.Series:
    if "iso" in cols:
        return pd.Series(map_values(df[cols["iso"]].fillna("").str.strip(), ISO_NUMERIC), index=df.index)
    if "country" in cols:
        return pd.Series(map_values(df[cols["country"]].fillna("").str.strip(), _country_codes()), index=df.index)
    return pd.Series([None] * len(df), index=df.index, dtype=object)


@functools.lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    from geodata.regions import COUNTRIES

    out = {name: cc for cc, (name, _, _) in COUNTRIES.items()}
    out.update({cc: cc for cc in COUNTRIES})
    out.update({a3: cc for cc, (_, _, a3) in COUNTRIES.items()})
    out["Russia (Soviet Union)"] = "RU"
    return out

