"""The one interface every importer meets, and nothing else (as geopy's base.py holds only the
geocoder's).

A reader is a function of a file's path, the dataset's name and the format's options that
returns what it read: a StreamedImport (batches, so a file is never held whole), its rows in
our columns (events/columns.py), every refused row named with its line and reason. The
registry (events/importers/__init__.py) names one reader per format; every format goes through
one pipeline (table.py) from a source of text columns in batches (csvsource for CSV, geojson's
FeatureSource). What readers share lives by job beside this file: csvsource (reading CSV with
line numbers), screen (the checks every import runs), clean (column cleaning), results (what
comes back).
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from events.importers.results import StreamedImport


class Reader(Protocol):
    """One format's reader (events.importers.importer(fmt) returns it)."""

    def __call__(self, path: Path, dataset: str, **options) -> StreamedImport:
        """Read the file; ImportFileError when the file as a whole cannot be imported (not found,
        not of this format), every other problem a reject of its row."""
