"""Importers of bulk datasets into the store's columns, behind one registry.

Each format is one function path, dataset, **options -> StreamedImport (rows in our
columns, rejects, counts, notes), like geopy's geocoders behind get_geocoder_for_service.
"""
from __future__ import annotations

from importlib import import_module

from events.errors import ImportFileError
from events.importers.base import Reader
from events.importers.results import Rejects, StreamedImport

# format -> (module, function, one line for --help)
REGISTRY = {
    "acled": ("events.importers.acled", "read_acled", "ACLED export (full, partial or reduced columns)"),
    "ucdp": ("events.importers.ucdp", "read_ucdp", "UCDP GED CSV (49 columns, or reduced extracts)"),
    "geojson": ("events.importers.geojson", "read_geojson", "GeoJSON points (our export, or ACLED-named properties)"),
    "csv": ("events.importers.csvmap", "read_mapped_csv", "any CSV, with --map FIELD=COLUMN and --type-map"),
}
FORMATS = tuple(REGISTRY)


def importer(fmt: str) -> Reader:
    """The reader of a format; ImportFileError names the known ones."""
    try:
        module, func, _ = REGISTRY[fmt]
    except KeyError:
        raise ImportFileError(f"unknown import format {fmt!r}; one of {', '.join(FORMATS)}") from None
    return getattr(import_module(module), func)


__all__ = ["FORMATS", "REGISTRY", "ImportFileError", "Reader", "Rejects", "StreamedImport", "importer"]
