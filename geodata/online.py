"""Optional online geocoding (Nominatim), off unless asked for; fails soft to the gazetteer.

Turned on by GEODATA_ONLINE=1 or the CLI's --online. One request per second
(geopy's RateLimiter, as Nominatim's usage policy asks), a real user agent, and
a persistent JSON cache so a place is asked for once. Any time-out, refusal,
HTTP error or garbage answer falls back to the offline gazetteer, and the
result says so in raw['fallback'].
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.adapters import URLLibAdapter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geodata.gazetteer import GazetteerGeocoder, cache_dir

USER_AGENT = "conflict-event-map/0.1 (offline-first OSINT event map; set GEODATA_USER_AGENT)"


def online_enabled() -> bool:
    return os.environ.get("GEODATA_ONLINE", "").strip().lower() in ("1", "true", "yes", "on")


class OnlineWithFallback(Geocoder):
    """Nominatim first, the gazetteer when Nominatim cannot answer."""

    def __init__(self, *, domain: str | None = None, scheme: str | None = None, timeout: float = 5,
                 min_delay_seconds: float = 1.0, cache_path: Path | None = None,
                 gazetteer: GazetteerGeocoder | None = None) -> None:
        super().__init__(timeout=timeout)
        self.nominatim = Nominatim(
            user_agent=os.environ.get("GEODATA_USER_AGENT", USER_AGENT),
            domain=domain or os.environ.get("GEODATA_NOMINATIM_DOMAIN", "nominatim.openstreetmap.org"),
            scheme=scheme or os.environ.get("GEODATA_NOMINATIM_SCHEME", "https"),
            timeout=timeout,
            # urllib: no silent retries, so a hung server costs one time-out, not three.
            adapter_factory=URLLibAdapter,
        )
        # No retries: a failure falls back at once rather than hammering the server.
        self._limited = RateLimiter(self.nominatim.geocode, min_delay_seconds=min_delay_seconds,
                                    max_retries=0, swallow_exceptions=False)
        self.gazetteer = gazetteer or GazetteerGeocoder()
        self.cache_path = cache_path or cache_dir() / "nominatim-cache.json"
        self._cache: dict | None = None

    def _load_cache(self) -> dict:
        if self._cache is None:
            try:
                self._cache = json.loads(self.cache_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._cache = {}
        return self._cache

    def _save_cache(self) -> None:
        from geodata.files import write_atomic

        data = json.dumps(self._cache, ensure_ascii=False).encode("utf-8")
        write_atomic(self.cache_path, lambda fh: fh.write(data))

    def geocode(self, query, *, exactly_one=True, timeout=None, country=None, admin1=None, **kwargs):
        key = json.dumps([str(query), country, admin1])
        cache = self._load_cache()
        if key in cache:
            lat, lon, address, raw = cache[key]
            return Location(address, (lat, lon, 0.0), raw)
        try:
            text = f"{query}, {admin1}" if admin1 else str(query)
            loc = self._limited(text, exactly_one=True, country_codes=country.lower() if country else None)
        except (GeopyError, ValueError, OSError) as exc:  # time-out, refusal, 5xx, garbage
            return self._fallback(query, country, admin1, f"Nominatim failed ({type(exc).__name__}: {exc})")
        if loc is None:
            return self._fallback(query, country, admin1, "Nominatim found nothing")
        raw = {"source": f"nominatim:{loc.raw.get('osm_type', '')}/{loc.raw.get('osm_id', '')}",
               "name": str(query), "online": True}
        cache[key] = [loc.latitude, loc.longitude, loc.address, raw]
        self._save_cache()
        return Location(loc.address, (loc.latitude, loc.longitude, 0.0), raw)

    def _fallback(self, query, country, admin1, reason: str) -> Location:
        loc = self.gazetteer.geocode(query, exactly_one=True, country=country, admin1=admin1)
        loc.raw["fallback"] = reason + "; used the offline gazetteer"
        return loc
