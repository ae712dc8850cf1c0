"""Errors of ours, with messages a curator can act on.

They subclass geopy's GeocoderQueryError where a geocoding query failed, so
code written for geopy (RateLimiter, geopandas.tools.geocode) handles them.
"""
from __future__ import annotations

from geopy.exc import GeocoderQueryError


class GeodataError(Exception):
    """Base class of every geodata error."""


class UnknownRegion(GeodataError, ValueError):
    """A region name or code that the admin-1 table does not know."""

    def __init__(self, name: str, hint: str = "") -> None:
        self.name = name
        msg = f"unknown region {name!r}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class PlaceNotFound(GeodataError, GeocoderQueryError):
    """No gazetteer entry matches the name (within the given country/admin-1)."""

    def __init__(self, query: str, detail: str = "") -> None:
        self.query = query
        msg = f"no place called {query!r} in the gazetteer"
        if detail:
            msg += f": {detail}"
        super().__init__(msg)


class AmbiguousPlace(GeodataError, GeocoderQueryError):
    """Several places fit equally well; the curator must say which one."""

    def __init__(self, query: str, candidates: list) -> None:
        self.query = query
        self.candidates = candidates
        listed = "; ".join(c.describe() for c in candidates[:8])
        more = f" (+{len(candidates) - 8} more)" if len(candidates) > 8 else ""
        super().__init__(
            f"{query!r} is ambiguous: {len(candidates)} places match: {listed}{more}. "
            "Give the country and admin1 (oblast), its raion (admin2), coordinates, or a 'near' reference."
        )


class BadBearing(GeodataError, ValueError):
    """A direction that is neither a compass point nor degrees (geodata/relative.py)."""

    def __init__(self, bearing: object) -> None:
        super().__init__(f"bearing {bearing!r} is not a compass point (N, NW, NNW, north-west, ...) "
                         "or degrees 0-360")


class LocationMismatch(GeodataError):
    """A point that lies outside the country or admin-1 its record states."""
