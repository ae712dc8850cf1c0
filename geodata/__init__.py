"""Offline geodata: gazetteer geocoding, region names and admin-1 boundaries.

Data flows store -> geocode -> query -> view/export; this package is the
"geocode" step and knows nothing about events.
"""
from geodata.errors import (
    AmbiguousPlace,
    GeodataError,
    PlaceNotFound,
    UnknownRegion,
)

__all__ = ["AmbiguousPlace", "GeodataError", "PlaceNotFound", "UnknownRegion"]
