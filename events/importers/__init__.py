"""Importers of bulk datasets (ACLED, UCDP GED, GeoJSON) into the store's columns.

Each importer is a function path -> Imported (rows in our columns, rejects, counts),
behind one interface, like geopy's geocoders.
"""
from __future__ import annotations

from events.importers.base import Imported, ImportError_, Rejects

FORMATS = ("acled", "ucdp", "geojson")


def importer(fmt: str):
    if fmt == "acled":
        from events.importers.acled import read_acled

        return read_acled
    if fmt == "ucdp":
        from events.importers.ucdp import read_ucdp

        return read_ucdp
    if fmt == "geojson":
        from events.importers.geojson import read_geojson

        return read_geojson
    raise ImportError_(f"unknown import format {fmt!r}; one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "Imported", "ImportError_", "Rejects", "importer"]
