"""GeoJSON (RFC 7946) and ACLED-shaped CSV, written the same way for CLI and app.

Both formats come out of one generator of text chunks, so the app's download
button and `python -m events export` give the same bytes for the same filter,
and a large export streams instead of building the whole document in memory.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from events.columns import EXTRA_PREFIX, plain
from events.features import COLUMNS as FEATURE_COLUMNS, geojson_stream
from events.vocab import ACLED_COLUMNS, DATE_PRECISION, DISORDER_TYPE, EXPORT_FORMATS, OUR_COLUMNS
from geodata.regions import COUNTRIES

FORMATS = EXPORT_FORMATS
CONTROL_COLUMNS = ("control", "control_source", "control_date", "control_check", "control_check_note")


def geojson_chunks(df: pd.DataFrame) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection of a frame, streamed in chunks (events/features.py)."""
    return geojson_stream([df])


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col] if col in df else pd.Series([None] * len(df), index=df.index, dtype=object)


def _acled_admin1(codes: pd.Series, names: pd.Series) -> pd.Series:
    """Admin-1 names as ACLED writes them, so that our ACLED importer reads each back to the same
    region: ACLED's bare 'Kyiv' is the oblast, so the city is written 'Kyiv City'."""
    from events.importers.places import region_codes

    pairs = pd.DataFrame({"code": codes.astype(object), "name": names.astype(object)})
    key = pairs["code"].fillna("").astype(str) + "\x1f" + pairs["name"].fillna("").astype(str)
    inv, uniques = pd.factorize(key)
    out = []
    for k in uniques:
        code, name = k.split("\x1f")
        pick = name or None
        if code and name:
            for candidate in (name, f"{name} City", code):
                if region_codes(pd.Series([candidate]), pd.Series([code[:2]]), "acled")[0] == code:
                    pick = candidate
                    break
        out.append(pick)
    return pd.Series(np.asarray(out + [None], dtype=object)[inv], index=codes.index)


def acled_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Our table in ACLED's 31 columns, then ours. ACLED imports give their own values
    back (kept as text); other rows get values derived from ours."""
    n = len(df)
    blank = pd.Series([""] * n, index=df.index, dtype=object)

    is_acled = _text(df, "event_id_cnty").notna()

    def passthrough(col: str, derived) -> pd.Series:
        """ACLED rows: their own value (empty stays empty); other rows: derived."""
        kept = _text(df, col).astype(object)
        return kept.fillna("").where(is_acled, derived)

    date = df["date"]
    latest_published = pd.Series(
        [max((s["published"] for s in ss), default=None) if isinstance(ss, list) else None for ss in df["sources"]]
        if n else [], index=df.index, dtype=object)
    ts = pd.to_datetime(latest_published, errors="coerce", utc=True)
    derived_ts = (ts.astype("int64") // 10**9).astype("Int64").where(ts.notna())
    cc = df["country"]
    assoc2 = pd.Series(["; ".join(a[2:]) if isinstance(a, list) else None for a in df["actors"]] if n else [],
                       index=df.index, dtype=object)
    civ = df["actor2"].fillna("").str.startswith("Civilians").map({True: "Civilian targeting", False: ""})
    tags = pd.Series(["; ".join(t) if isinstance(t, list) else None for t in df["tags"]] if n else [],
                     index=df.index, dtype=object)
    out = pd.DataFrame({
        "event_id_cnty": passthrough("event_id_cnty", df["id"]),
        "event_date": date.dt.strftime("%Y-%m-%d"),
        "year": date.dt.year,
        "time_precision": df["date_precision"].map(DATE_PRECISION),
        "disorder_type": passthrough("disorder_type", df["event_type"].map(DISORDER_TYPE)),
        "event_type": df["event_type"],
        "sub_event_type": df["sub_event_type"],
        "actor1": df["actor1"].fillna(""), "assoc_actor_1": passthrough("assoc_actor_1", blank),
        "inter1": passthrough("inter1", blank),
        "actor2": df["actor2"].fillna(""), "assoc_actor_2": passthrough("assoc_actor_2", assoc2),
        "inter2": passthrough("inter2", blank), "interaction": passthrough("interaction", blank),
        "civilian_targeting": passthrough("civilian_targeting", civ),
        "iso": passthrough("iso", cc.map(lambda c: str(COUNTRIES[c][1]) if c in COUNTRIES else "")),
        "region": passthrough("region", cc.map(lambda c: "Europe" if c in COUNTRIES else "")),
        "country": cc.map(lambda c: COUNTRIES.get(c, (c, 0, ""))[0]),
        "admin1": _text(df, "admin1_source").astype(object).where(is_acled, _acled_admin1(df["admin1_code"], df["admin1"])),
        "admin2": passthrough("admin2", blank), "admin3": passthrough("admin3", blank),
        "location": df["location_name"],
        "latitude": np.round(df["lat"].to_numpy(np.float64), 6),
        "longitude": np.round(df["lon"].to_numpy(np.float64), 6),
        "geo_precision": df["geo_precision"].astype("Int64"),
        "source": df["source_outlets"],
        "source_scale": passthrough("source_scale", blank),
        "notes": df["notes"].where(is_acled, df["summary"].fillna(df["title"])),
        "fatalities": df["fatalities"].astype("Int64"),
        "tags": passthrough("acled_tags", tags),
        "timestamp": passthrough("timestamp", derived_ts.astype("str").where(derived_ts.notna(), None)),
        "claim_status": df["claim_status"],
        "claimed_by": df["claimed_by"],
        "source_urls": df["source_urls"],
        "uncertainty_km": df["uncertainty_km"],
        "id": df["id"],
        # an imported dataset's rows carry no state: they are published, i.e. approved
        "review": _text(df, "review").astype(object).fillna("approved"),
        # who else saw it: the other events of accepted links, and the links from both ends
        "seen_by": (df["seen_by"] if "seen_by" in df else pd.Series(0, index=df.index)).astype("Int64"),
        "related": _text(df, "linked"),
        **{c: (_text(df, c) if c != "control_date" else
               (df[c].dt.strftime("%Y-%m-%d") if c in df else _text(df, c))) for c in CONTROL_COLUMNS},
    }, columns=list(ACLED_COLUMNS + OUR_COLUMNS + CONTROL_COLUMNS))
    # The source's own other columns, back: every one the frame has, empty or not in these rows, so
    # that every chunk of one export has the same columns as its header (a column empty in the first
    # 50,000 rows once vanished from the header while later rows still carried it).
    for col in [c for c in df.columns if c.startswith(EXTRA_PREFIX)]:
        name = col[len(EXTRA_PREFIX):]
        out["source_" + name if name in out.columns else name] = df[col]
    return out


# OWASP's CSV injection triggers: a spreadsheet runs a cell that starts with one of these
# as a formula (=HYPERLINK(...), +cmd|..., @SUM(...)), fullwidth forms included.
_FORMULA_START = r"^[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]"
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
CSV_LINE_END = "\r\n"  # RFC 4180; with it the writer also quotes a field holding a bare CR


def _safe_text(s: pd.Series, raw: bool) -> pd.Series:
    """NUL bytes out (no reader wants them); unless raw, a formula-like cell gets a leading
    apostrophe, the OWASP way, so a spreadsheet shows it as text instead of running it."""
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return s
    text = s.astype("str")
    notna = text.notna()
    text = text.str.replace("\x00", "", regex=False)
    if not raw:
        risky = text.str.contains(_FORMULA_START, regex=True).fillna(False) & \
            ~text.str.fullmatch(_PLAIN_NUMBER).fillna(False)
        if risky.any():
            text = text.where(~risky, "'" + text)
    return text.where(notna, None)


def csv_chunks(df: pd.DataFrame, raw: bool = False) -> Iterator[bytes]:
    """ACLED's columns then ours, RFC 4180 quoting; formula cells neutralised unless raw."""
    return csv_stream([df], raw)


def csv_stream(frames: Iterable[pd.DataFrame], raw: bool = False) -> Iterator[bytes]:
    """One CSV from frames that arrive one after another: the same bytes as one frame."""
    header = True
    for df in frames:
        for start in range(0, len(df), 50_000):
            buf = io.StringIO()
            frame = acled_frame(plain(df.iloc[start:start + 50_000]))
            frame = frame.apply(lambda col: _safe_text(col, raw)) if len(frame) else frame
            frame.to_csv(buf, index=False, header=header, lineterminator=CSV_LINE_END)
            header = False
            yield buf.getvalue().encode("utf-8")
    if header:  # no rows at all: the header alone
        yield (",".join(ACLED_COLUMNS + OUR_COLUMNS + CONTROL_COLUMNS) + CSV_LINE_END).encode()


def chunks(df: pd.DataFrame, fmt: str, *, raw: bool = False) -> Iterator[bytes]:
    """The export as a stream of UTF-8 byte chunks. raw: CSV cells exactly as stored (for machines)."""
    return stream([df], fmt, raw=raw)


def export_columns(fmt: str) -> list[str] | None:
    """The columns an export reads (None: all of them, CSV gives back every column a dataset had),
    so a database sends no more than that."""
    return list(FEATURE_COLUMNS) if fmt == "geojson" else None


def stream(frames: Iterable[pd.DataFrame], fmt: str, *, raw: bool = False, control=None, links=None,
           stats: dict | None = None) -> Iterator[bytes]:
    """The export of rows arriving as several frames in order (pandas frames; for GeoJSON, Arrow
    tables too), as bytes-like chunks. control: adds the control columns to a frame
    (Storage.with_control); without it they are empty. stats, when given, holds the number of
    rows written ("rows") once the stream has been read."""
    if stats is not None:
        frames = _counted(frames, stats)
    if links is not None:  # seen_by and the links from both ends (Storage.with_links)
        frames = (links(df) for df in frames)
    if control is not None:
        frames = (control(df) for df in frames)
    if fmt == "geojson":
        return geojson_stream(frames)
    if fmt == "csv":
        return csv_stream(frames, raw)
    raise ValueError(f"unknown export format {fmt!r}; one of {FORMATS}")


def _counted(frames: Iterable[pd.DataFrame], stats: dict) -> Iterator[pd.DataFrame]:
    stats["rows"] = 0
    for df in frames:
        stats["rows"] += len(df)
        yield df


def export_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """The whole export in memory: for the app's download buttons (filtered sets)."""
    return b"".join(chunks(df, fmt))
