"""The table's column contract: every column every store and view reads, its kind, in order.

One declared contract, checked: `conform` gives a frame exactly these columns with their
types, and refuses a column it does not know (a misspelt `fatalites` from an importer would
otherwise vanish without a word). Columns a source brought that our fields do not cover travel
beside the table as `x_*` columns (events/datasets.py) and are let through, not conformed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from events.errors import ColumnError

EXTRA_PREFIX = "x_"  # a source column our fields do not cover, kept so an export gives it back

# Column order of the table every consumer queries. List columns (tags, actors,
# sources, related, geo_flags) are filled for curated records only; bulk datasets carry the
# scalar forms (actor1/actor2, source_outlets/source_urls), which every row has.
COLUMNS = [
    "id", "dataset", "source_row", "title", "summary", "notes", "tags", "date", "end_date", "date_precision",
    "event_type", "sub_event_type", "actors", "actor1", "actor2", "location_name", "location_near",
    "fatalities", "fatalities_low", "fatalities_high", "injured", "claim_status", "claimed_by", "sources", "related",
    "source_outlets", "source_urls", "lat", "lon", "geo_precision", "uncertainty_km", "country", "admin1",
    "admin1_code", "admin1_source", "geocoded_by", "geo_flags", "contested_name", "search_text", "path", "review",
]
# ACLED's own columns, kept as text for ACLED imports so an export gives them back unchanged.
ACLED_PASSTHROUGH = [
    "event_id_cnty", "disorder_type", "assoc_actor_1", "assoc_actor_2", "inter1", "inter2", "interaction",
    "civilian_targeting", "iso", "region", "admin2", "admin3", "source_scale", "acled_tags", "timestamp",
]
ALL_COLUMNS = COLUMNS + ACLED_PASSTHROUGH
ALL_SET = frozenset(ALL_COLUMNS)
TEXT_COLUMNS = ["id", "dataset", "source_row", "title", "summary", "notes", "date_precision", "event_type",
                "sub_event_type", "actor1", "actor2", "location_name", "location_near", "claim_status",
                "claimed_by", "source_outlets", "source_urls", "country", "admin1", "admin1_code",
                "admin1_source", "geocoded_by", "contested_name", "search_text", "path", "review",
                *ACLED_PASSTHROUGH]
# Few distinct values each: held as categoricals (dictionary-encoded in Parquet), so a
# million rows cost one small integer each and filters compare codes, not strings.
CATEGORY_COLUMNS = ["dataset", "title", "date_precision", "event_type", "sub_event_type", "claim_status", "claimed_by",
                    "country", "admin1", "admin1_code", "admin1_source", "geocoded_by", "actor1", "actor2",
                    "source_outlets", "location_name", "location_near", "contested_name", "disorder_type",
                    "assoc_actor_1", "assoc_actor_2", "inter1", "inter2", "interaction", "civilian_targeting", "iso",
                    "region", "admin2", "admin3", "source_scale", "acled_tags"]
INT_COLUMNS = ["fatalities", "fatalities_low", "fatalities_high", "injured", "geo_precision"]
FLOAT_COLUMNS = ["lat", "lon", "uncertainty_km"]


DATE_COLUMNS = ["date", "end_date"]
# Lists of strings or objects, filled for curated records only (JSON in the database).
LIST_COLUMNS = ["tags", "actors", "sources", "related", "geo_flags"]


def check_columns(columns, where: str = "a table") -> None:
    """Refuse a column outside the contract (x_* extras aside), naming it and its closest match."""
    import difflib

    unknown = [c for c in columns if c not in ALL_SET and not str(c).startswith(EXTRA_PREFIX)]
    if unknown:
        hints = []
        for c in unknown:
            close = difflib.get_close_matches(str(c), ALL_COLUMNS, n=1)
            hints.append(f"{c!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ColumnError(f"{where}: unknown column(s) {', '.join(hints)}; the table's columns are declared in "
                          "events/columns.py (a source's own columns go under the x_ prefix)")


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Every column of the table, in order, with its dtype (missing ones empty); x_* extras are
    left out (their caller keeps them), any other unknown column is a ColumnError."""
    check_columns(df.columns)
    n = len(df)
    out = {}
    for col in ALL_COLUMNS:
        if col not in df:  # an empty column of the right type, made whole (not from a million Nones)
            out[col] = _empty(col, n, df.index)
            continue
        s = df[col]
        if col in DATE_COLUMNS:
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


def _empty(col: str, n: int, index) -> pd.Series:
    if col in DATE_COLUMNS:
        values = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    elif col in INT_COLUMNS:
        values = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    elif col in FLOAT_COLUMNS:
        values = np.full(n, np.nan)
    elif col in CATEGORY_COLUMNS:
        values = pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=pd.Index([], dtype="str"))
    elif col in TEXT_COLUMNS:
        values = pa.nulls(n, pa.string()).to_pandas(
            types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get).array
    else:
        values = np.full(n, None, dtype=object)
    return pd.Series(values, index=index)


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """Categoricals back to text: for the small frames that are displayed or written row by row."""
    cats = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
    return df.astype({c: "str" for c in cats}) if cats else df
