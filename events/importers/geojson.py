"""Any GeoJSON of point events (read by GDAL through pyogrio) into our columns.

Properties are matched by name: our own names first (as our exports write
them), then ACLED's (event_date, location, notes, latitude...). The features go
through the table pipeline (table.py) as CSV rows do: FeatureSource hands them
over as text columns, one per field, so every check, date decision and region
lookup is the one ACLED and UCDP files get. Features that are not points are
rejected with their feature number as the reader's own rejects; the rest are
rejected, if at all, by the pipeline's checks.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from events.errors import ImportFileError
from events.importers.csvsource import BATCH_ROWS, CsvBatch
from events.importers.results import StreamedImport
from events.importers.screen import Screen
from events.importers.table import TableSpec, read_table

ALIASES = {
    "id": ("id", "event_id_cnty", "event_id"),
    "date": ("date", "event_date", "date_start"),
    "end_date": ("end_date", "date_end"),
    "title": ("title", "name"),
    "notes": ("notes", "description"),
    "location_name": ("location_name", "location", "place"),
    "country": ("country",),
    "admin1": ("admin1", "adm_1"),
    "fatalities": ("fatalities", "best"),
    "claim_status": ("claim_status",),
    "claimed_by": ("claimed_by",),
}
# Properties read under their own names.
OWN = ("event_type", "sub_event_type", "injured")
# Our export writes date_precision as words; ACLED's time_precision is 1, 2, 3.
_PRECISION_CODES = {"day": "1", "week": "2", "month": "3"}
# A feature's own radius, carried past the pipeline's (from geo_precision) under its own name.
GIVEN_RADIUS = "given_uncertainty_km"


def _text(col: pd.Series) -> pd.Series:
    """A property as text per feature, missing where absent or empty (whole numbers that GDAL
    read as floats because some feature lacks them are written without '.0')."""
    if pd.api.types.is_float_dtype(col):
        whole = col.notna() & (col == np.floor(col)) & (col.abs() < 2 ** 53)
        text = col.astype("str").where(~whole, col.where(whole, 0).astype("int64").astype("str"))
    else:
        text = col.astype("str")
    return text.where(col.notna(), None).replace("", None).astype(object)


def _sniff(path: Path) -> None:
    """A CSV or anything else handed to the GeoJSON reader gets a message, not GDAL's guesswork."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read: {exc.strerror}") from None
    if not head.startswith(b"{"):
        hint = " (it looks like CSV: use --format acled, ucdp or csv)" if b"," in head.split(b"\n")[0] else ""
        raise ImportFileError(f"{path}: not GeoJSON: a GeoJSON file starts with '{{'{hint}")


class FeatureSource:
    """A GeoJSON file as the table pipeline's source: its point features as text columns named
    by our fields (the first non-empty of each field's aliases), coordinates from the geometry,
    each feature's number as its line. GDAL reads the whole file (its GeoJSON driver holds it in
    memory anyway); the batches are slices of it."""

    encoding = "utf-8"

    def __init__(self, path: Path, required: tuple[str, ...] = ()) -> None:
        import pyogrio
        import shapely

        self.path = Path(path)
        _sniff(self.path)
        try:
            # Dates as the file writes them: our date reader judges each feature's own (GDAL's would
            # refuse the whole file for one impossible date such as 2025-02-30).
            gdf = pyogrio.read_dataframe(self.path, DATE_AS_STRING="YES")
        except Exception as exc:  # GDAL's errors: not GeoJSON, unreadable
            raise ImportFileError(f"{self.path}: not a readable GeoJSON: {str(exc)[:300]}") from None
        if getattr(gdf, "geometry", None) is None or "geometry" not in gdf:
            raise ImportFileError(f"{self.path}: no geometries: not a GeoJSON FeatureCollection of points")
        n = len(gdf)
        number = np.arange(1, n + 1, dtype=np.int64)  # GeoJSON has no lines worth naming
        cols: dict[str, pd.Series] = {}
        for field, names in ALIASES.items():
            out = pd.Series([None] * n, index=gdf.index, dtype=object)
            for name in names:
                if name in gdf:
                    out = out.where(out.notna(), _text(gdf[name]))
            cols[field] = out
        cols["id"] = cols["id"].where(cols["id"].notna(), pd.Series("feature-" + number.astype(str), index=gdf.index))
        for name in OWN:
            if name in gdf:
                cols[name] = _text(gdf[name])
        if "uncertainty_km" in gdf:
            cols[GIVEN_RADIUS] = _text(gdf["uncertainty_km"])
        words = _text(gdf["date_precision"]).map(_PRECISION_CODES) if "date_precision" in gdf else None
        codes = _text(gdf["time_precision"]) if "time_precision" in gdf else None
        if words is not None or codes is not None:
            cols["time_precision"] = words if codes is None else codes if words is None else words.fillna(codes)
        if "geo_precision" in gdf:  # a feature that gives none is at its point
            cols["geo_precision"] = _text(gdf["geo_precision"]).fillna("1")
        geom = gdf.geometry.values
        point = shapely.get_type_id(geom) == 0
        for name, values in (("longitude", shapely.get_x(geom)), ("latitude", shapely.get_y(geom))):
            cols[name] = pd.Series(pc.cast(pa.array(np.where(point, values, np.nan), from_pandas=True),
                                           pa.string()).to_numpy(zero_copy_only=False), index=gdf.index)
        frame = pd.DataFrame(cols)
        self.malformed = pd.DataFrame({"line": number[~point], "span": np.ones(int((~point).sum()), np.int64),
                                       "reason": "geometry: not a Point", "id": frame["id"][~point].to_numpy(object)})
        self.frame = frame[point].reset_index(drop=True)
        self.line = number[point]
        self.columns = list(self.frame.columns)
        self.rows = len(self.frame)

    def scan(self, keep: list[str]) -> pd.DataFrame:
        return self.frame[[c for c in keep if c in self.frame]]

    def batches(self, rows: int | None = None, *, single: bool = False) -> Iterator[CsvBatch]:
        rows = rows or BATCH_ROWS
        for start in range(0, max(self.rows, 1), rows):
            at = slice(start, start + rows)
            frame = self.frame.iloc[at].reset_index(drop=True)
            yield CsvBatch(frame, self.line[at], np.zeros(len(frame), np.int64), start)


def _check(screen: Screen, df: pd.DataFrame) -> None:
    if GIVEN_RADIUS in df:
        screen.positive(df[GIVEN_RADIUS], "uncertainty_km", 2000)


def read_geojson(path: Path, dataset: str, *, date_format: str | None = None, **_) -> StreamedImport:
    spec = TableSpec("geojson", {"id": "id", "date": "date", "end_date": "end_date", "event_type": "event_type",
                                 "sub_event_type": "sub_event_type", "lat": "latitude", "lon": "longitude",
                                 "title": "title", "notes": "notes", "location": "location_name",
                                 "country": "country", "admin1": "admin1", "fatalities": "fatalities",
                                 "injured": "injured", "claim_status": "claim_status", "claimed_by": "claimed_by",
                                 "time_precision": "time_precision", "geo_precision": "geo_precision"},
                     date_format=date_format, keep_extras=False, passthrough=(GIVEN_RADIUS,), check=_check)

    def finish(rows: pd.DataFrame, names: list[str], notes: list[str]) -> pd.DataFrame:
        given = pd.to_numeric(rows.pop(GIVEN_RADIUS).astype(object), errors="coerce").to_numpy(np.float64) \
            if GIVEN_RADIUS in rows else None
        if given is not None:
            rows["uncertainty_km"] = np.where(np.isnan(given), rows["uncertainty_km"], given)
        own = rows["source_row"].astype(str)
        rows["id"] = own.where(own.str.startswith(dataset), dataset + "-" + own)  # our own export, imported again
        return rows

    return read_table(path, dataset, spec, finish, source_of=FeatureSource)
