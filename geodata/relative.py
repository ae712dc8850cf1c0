"""'About 10 kilometres northwest of Kurakhove': a geodesic offset and its uncertainty."""
from __future__ import annotations

import math

from geopy.distance import geodesic

from geodata.errors import BadBearing, GeodataError

_POINTS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]
_WORDS = {"north": "N", "south": "S", "east": "E", "west": "W"}


def bearing_degrees(bearing: str | float | int) -> tuple[float, float]:
    """(degrees clockwise from north, half-width of the sector the wording allows)."""
    if isinstance(bearing, (int, float)) and not isinstance(bearing, bool):
        if 0 <= bearing <= 360:
            return float(bearing) % 360, 5.0
        raise BadBearing(bearing)
    text = str(bearing).strip().lower().replace("-", "").replace(" ", "")
    for word, letter in _WORDS.items():
        text = text.replace(word, letter.lower())
    text = text.upper()
    if text in _POINTS:
        step = 360 / len(_POINTS)
        # 'NW' means anything between WNW and NNW: half a sector of its own precision.
        half = {1: 45.0, 2: 22.5, 3: 11.25}[len(text)]
        return _POINTS.index(text) * step, half
    try:
        return bearing_degrees(float(text))
    except ValueError:
        raise BadBearing(bearing) from None


def offset(lat: float, lon: float, distance_km: float, bearing: str | float) -> tuple[float, float, float]:
    """(lat, lon, uncertainty_km) of a point distance_km away on that bearing.

    'About' a distance is taken as +-30 %; the compass sector adds its lateral
    width, d * tan(half-sector). The two combine in quadrature.
    """
    if not (0 <= distance_km <= 1000):
        raise GeodataError(f"distance_km {distance_km!r} must be between 0 and 1000")
    degrees, half = bearing_degrees(bearing)
    dest = geodesic(kilometers=distance_km).destination((lat, lon), degrees)
    spread = math.hypot(0.3 * distance_km, distance_km * math.tan(math.radians(half)))
    return dest.latitude, dest.longitude, spread
