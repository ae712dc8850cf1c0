"""Turn a record's location wording into a point, a precision and an honest uncertainty.

geo_precision follows ACLED: 1 the named place itself, 2 near/approximate
('about 10 km northwest of Kurakhove'), 3 region-level ('the Kursk region').
"""
from __future__ import annotations

import math
import re

import numpy as np
from dataclasses import asdict, dataclass, field

from geopy.distance import geodesic

from geodata.boundaries import point_region, region_shape
from geodata.errors import AmbiguousPlace, LocationMismatch, PlaceNotFound, UnknownRegion
from geodata.gazetteer import GazetteerGeocoder, Place
from geodata.regions import COUNTRIES, Region, resolve_region
from geodata.relative import offset

# A name that says it is a region ('Kursk region', 'Донецкая область').
_REGION_WORDS = re.compile(r"\b(region|oblast|province|krai|kray|republic|область|край|республика)\b", re.I)
# How far a gazetteer namesake may lie from the offset point and still be "the same place".
_AGREE_FACTOR = 1.5
# 'Around X' (precision 2 on a plain place) widens the place's own radius by this much.
AROUND_KM = 5.0
# 'Near X' with no distance: within this radius of X (a front-line village is rarely farther from
# the town a report names it by; a namesake beyond it is another place).
NEAR_RADIUS_KM = 15.0
# A village the report names 'near X' is looked for this far from X (Lozova 'near Kupiansk' lies
# 30 km off); the area a place we cannot find is put in stays NEAR_RADIUS_KM.
NEAR_MATCH_KM = 40.0


@dataclass
class Located:
    lat: float
    lon: float
    geo_precision: int
    uncertainty_km: float
    country: str
    admin1: str | None
    admin1_code: str | None
    geocoded_by: str
    flags: list[str] = field(default_factory=list)
    contested_name: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _bearing_word(deg: float) -> str:
    pts = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]
    return pts[int((deg % 360) / 22.5 + 0.5) % 16]


def _initial_bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    y = math.sin(lo2 - lo1) * math.cos(la2)
    x = math.cos(la1) * math.sin(la2) - math.sin(la1) * math.cos(la2) * math.cos(lo2 - lo1)
    return math.degrees(math.atan2(y, x)) % 360


def _stated_region(location: dict) -> tuple[Region | None, str | None]:
    text = location.get("admin1")
    if not text:
        return None, None
    match = resolve_region(str(text), location.get("country"))
    return match.region, match.contested_name


def _finish(located: Located, stated: Region | None, country: str, strict: bool) -> Located:
    """Check the point against its stated country/admin-1 and fill canonical names."""
    code, cc = point_region(located.lat, located.lon)
    covered = country in COUNTRIES  # where we hold boundaries we can tell
    if country and (cc is not None or covered) and cc != country:
        where = f"in {cc} ({code})" if cc else "outside every boundary we hold"
        msg = (f"point {located.lat:.4f}, {located.lon:.4f} lies {where}, "
               f"not in the stated country {country} (latitude and longitude swapped?)")
        if strict:
            raise LocationMismatch(msg)
        located.flags.append("country-mismatch: " + msg)
    if stated is not None and code is not None and code != stated.code:
        msg = (f"point {located.lat:.4f}, {located.lon:.4f} lies in {code}, "
               f"not in the stated admin1 {stated.name} ({stated.code})")
        if strict:
            raise LocationMismatch(msg)
        located.flags.append("admin1-mismatch: " + msg)
    final = stated if stated is not None else None
    if final is None and code is not None:
        from geodata.regions import regions

        final = regions().by_code.get(code)
    if final is not None:
        located.admin1, located.admin1_code = final.name, final.code
    located.country = country or located.country or cc or ""
    return located


def _is_region_level(location: dict) -> bool:
    return location.get("precision") == 3 or bool(_REGION_WORDS.search(str(location.get("name", ""))))


def locate(location: dict, geocoder: GazetteerGeocoder | None = None) -> Located:
    """Geocode one location mapping (the schema's `location`), offline.

    Raises PlaceNotFound, AmbiguousPlace, UnknownRegion or LocationMismatch with
    a message a curator can act on.
    """
    geocoder = geocoder or GazetteerGeocoder()
    country = str(location.get("country", "")).upper()
    stated, contested = _stated_region(location)
    override = location.get("precision")
    name = str(location.get("name", ""))

    coords = location.get("coordinates")
    if coords:
        lat, lon = float(coords["lat"]), float(coords["lon"])
        unc = float(location.get("uncertainty_km") or 0.1)
        out = Located(lat, lon, override or 1, unc, country, None, None, "manual", contested_name=contested)
        # The point settles which namesake is meant; say so when no place of the name lies there.
        out.flags.extend(_check_name_against_offset(geocoder, name, country, stated, lat, lon, max(unc, 2.0)))
        return _finish(out, stated, country, strict=True)

    near = location.get("near")
    if near and (near.get("distance_km") is None or near.get("bearing") is None):
        return _near_reference(geocoder, location, near, name, country, stated, contested, override)
    if near:
        base = geocoder.resolve(str(near["place"]), country=country or None,
                                admin1=stated.code if stated else None)
        d = float(near["distance_km"])
        lat, lon, spread = offset(base.lat, base.lon, d, near["bearing"])
        unc = round(base.uncertainty_km() + spread, 1)
        how = f"{base.source} ({base.name}) + {d:g} km {near['bearing']} (geodesic)"
        out = Located(lat, lon, override or 2, unc, base.country, None, None, how, contested_name=contested)
        out.flags.extend(_check_name_against_offset(geocoder, name, country, stated, lat, lon, unc))
        return _finish(out, stated, country, strict=False)

    if _is_region_level(location):
        region = stated
        if region is None:
            match = resolve_region(name, country or None)
            region, contested = match.region, match.contested_name
        shape = region_shape(region.code)
        out = Located(shape.lat, shape.lon, 3, shape.radius_km, region.country, None, None,
                      f"region:{region.code} (point inside the admin-1 polygon)", contested_name=contested)
        return _finish(out, region, country, strict=False)

    place = geocoder.resolve(name, country=country or None, admin1=stated.code if stated else None,
                             admin2=location.get("admin2") or None)
    how = place.source
    for note in ("spelling_variant", "former_name"):
        if place.extra.get(note):
            how += f" ({place.extra[note]})"
    if place.extra.get("raion_unmatched"):
        located_flags = [f"raion-unmatched: no {name!r} in raion {place.extra['raion_unmatched']!r}; "
                         "settled within the oblast, curator to confirm"]
    else:
        located_flags = []
    unc = place.uncertainty_km()
    if override == 2:  # 'around Kurakhove': the area about the place, not the place itself
        unc = round(unc + AROUND_KM, 1)
        how += f" (area around, +{AROUND_KM:g} km)"
    if place.extra.get("other_candidates"):
        how += f" (chosen over {place.extra['other_candidates']} less likely namesake(s))"
    out = Located(place.lat, place.lon, override or 1, unc, place.country, None, None, how,
                  flags=located_flags, contested_name=contested)
    return _finish(out, stated, country, strict=False)


def _near_reference(geocoder: GazetteerGeocoder, location: dict, near: dict, name: str, country: str,
                    stated: Region | None, contested: str | None, override) -> Located:
    """'near Kupiansk', 'north of Kupiansk', '5 km from Kupiansk': the named place if the gazetteer
    holds one within the radius of the reference, else the reference's area, flagged. A namesake
    far away (a town of the same name 126 km off) is never taken for the place."""
    base = geocoder.resolve(str(near["place"]), country=country or None, admin1=stated.code if stated else None)
    d = near.get("distance_km")
    radius = NEAR_RADIUS_KM if d is None else round(float(d) * 1.3 + base.uncertainty_km(), 1)
    wording = (f"within {radius:g} km of {base.name}" + (f" ({near['bearing']})" if near.get("bearing") else ""))
    cands: list[Place] = []
    if name and name_key_differs(name, base.name):
        try:
            cands = geocoder.candidates(name, country=country or None)
        except (PlaceNotFound, UnknownRegion):
            cands = []
    from geodata.raions import km

    # great-circle distances (within 0.5 % of the geodesic: enough against a 15-40 km reach), one
    # array operation over every namesake in the country
    dist = km(base.lat, base.lon, np.array([p.lat for p in cands]), np.array([p.lon for p in cands])) if cands else []
    scored = sorted(zip((float(x) for x in dist), cands), key=lambda x: x[0])
    reach = max(radius, NEAR_MATCH_KM) if d is None else radius
    inside = [(km, p) for km, p in scored if km <= reach]
    flags: list[str] = []
    if inside:
        km, place = inside[0]
        how = f"{place.source} ({place.name}, {km:.0f} km from the reference {base.name})"
        if len(inside) > 1:
            flags.append(f"several-namesakes-near-reference: {len(inside)} places called {name!r} lie within "
                         f"{reach:g} km of {base.name}; "
                         "took the nearest, curator to confirm")
        far = [f"{p.source} {k:.0f} km" for k, p in scored if k > reach][:3]
        if far:
            flags.append(f"far-namesakes-ignored: {', '.join(far)} from {base.name}")
        out = Located(place.lat, place.lon, override or 1, place.uncertainty_km(), place.country, None, None, how,
                      flags=flags, contested_name=contested)
        return _finish(out, stated, country, strict=False)
    if scored:
        km, p = scored[0]
        flags.append(f"name-not-near-reference: the nearest {name!r} in the gazetteer ({p.source}) lies {km:.0f} km "
                     f"from {base.name}, outside {reach:g} km: not taken; placed in the reference's area")
    elif name and name_key_differs(name, base.name):
        flags.append(f"name-not-in-gazetteer: no {name!r} in the gazetteer; placed in the reference's area")
    how = f"{base.source} ({base.name}) area, {wording}"
    out = Located(base.lat, base.lon, override or 2, round(radius, 1), base.country, None, None, how,
                  flags=flags, contested_name=contested)
    return _finish(out, stated, country, strict=False)


def name_key_differs(a: str, b: str) -> bool:
    from geodata.names import name_key

    return name_key(a) != name_key(b)


def _check_name_against_offset(geocoder: GazetteerGeocoder, name: str, country: str,
                               stated: Region | None, lat: float, lon: float, unc: float) -> list[str]:
    """Does the gazetteer know a place of the record's name where the wording puts it?"""
    if not name:
        return []
    try:
        cands: list[Place] = geocoder.candidates(name, country=country or None,
                                                 admin1=stated.code if stated else None)
    except (PlaceNotFound, AmbiguousPlace, UnknownRegion):
        return [f"name-not-in-gazetteer: no {name!r} in the gazetteer there; the offset point stands"]
    from geodata.raions import km

    best = min(cands, key=lambda p: km(lat, lon, p.lat, p.lon))  # great circle to rank, geodesic to report
    dist = geodesic((lat, lon), (best.lat, best.lon)).km
    if dist <= max(_AGREE_FACTOR * unc, 3.0):
        return []
    where = _bearing_word(_initial_bearing((lat, lon), (best.lat, best.lon)))
    return [f"name-offset-disagreement: the nearest {name!r} in the gazetteer ({best.source}) lies "
            f"{dist:.0f} km {where} of the point the wording gives; kept the wording, curator to decide"]
