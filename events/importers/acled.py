"""ACLED exports into our columns, through the table pipeline.

Full 31-column exports, partial ones and reduced extracts (a date, a type, a
place, coordinates, fatalities) all read: what a file lacks is derived and the
manifest says so. event_date may be ISO, '15 April 2022' or dd/mm/yyyy with or
without a time (the order is decided per file); ACLED's own columns are kept as
text, and any column we do not know is kept beside the row, so an export gives
the file back. ACLED's admin1 'Kyiv' is the oblast ('Kyiv City' is the city).
"""
from __future__ import annotations

from pathlib import Path

from events.importers.results import StreamedImport
from events.importers.table import TableSpec, read_table
from events.columns import ACLED_PASSTHROUGH

# ACLED's column for each of our fields (reduced extracts name a few of them).
COLUMNS = {
    "id": "event_id_cnty", "date": "event_date", "year": "year", "event_type": "event_type",
    "sub_event_type": "sub_event_type", "lat": "latitude", "lon": "longitude", "location": "location",
    "country": "country", "iso": "iso", "admin1": "admin1", "fatalities": "fatalities", "notes": "notes",
    "actor1": "actor1", "actor2": "actor2", "source": "source", "time_precision": "time_precision",
    "geo_precision": "geo_precision",
}


def read_acled(path: Path, dataset: str, *, date_format: str | None = None, **_) -> StreamedImport:
    spec = TableSpec("acled", dict(COLUMNS), admin1_meaning="acled",
                     passthrough=tuple(c for c in ACLED_PASSTHROUGH if c not in ("event_id_cnty", "acled_tags"))
                     + ("tags",), claimed_by="ACLED", date_format=date_format,
                     date_convention="dmy")  # ACLED has only ever shipped day-first slash dates
    return read_table(path, dataset, spec, _acled_names)


def _acled_names(rows, source_columns: list[str], notes: list[str]):
    """ACLED's tags and its own id under ACLED's names; our id from ACLED's."""
    if "tags" in rows:
        rows["acled_tags"] = rows.pop("tags")
    rows["event_id_cnty"] = rows["source_row"].where(rows["source_row"].notna(), None) \
        if "event_id_cnty" in source_columns else None
    rows["id"] = "acled-" + rows["source_row"].astype(str)
    return rows
