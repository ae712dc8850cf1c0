"""How many of the villages real reports name does the offline gazetteer hold, and does it ever
put one on a namesake.

The yardsticks are data nobody here wrote, each place looked up by its name as the source writes
it, and judged by the source's own coordinates:
  A  UCDP GED 23.1 exact locations (where_prec 1: "Pisky village", "Avdiivka town"), 2014-2023,
     from ../shared/data/real;
  B  UCDP GED 25.1, the 2022-2024 war: rows whose where_description names one place and its
     units ("Pisky, Pokrovsk raion", "Orlianka, Kupiansk raion") at a point no other name shares,
     a different UCDP release, period and coder;
  C  any CSV given on the command line with columns name, admin1, lat, lon (for example the
     exact places of an ACLED extract: ACLED's terms forbid committing its rows, so the figure is
     measured on a local file and reported, the file is not kept).
Each place is looked up with the row's oblast (as an importer does), with its oblast and raion
where the row gives one, and by name alone (as a report that names only the place is read), and
counted as:
  held        the lookup returns a place within 2 km of the source's point (within the place's
              own radius for a town: Makiivka's point and UCDP's lie 11 km apart in one city)
  near        ... within 2-10 km (another point for the same settlement, or a neighbour)
  namesake    the lookup returns a place more than 10 km away: the error this must never make
  refused     the lookup refuses to choose, and the right place is among its candidates
  refused-    ... and the right place is not among them (the gazetteer lacks it)
  missing     no place of that name there

Run: .venv/bin/python -m benchmarks.bench_coverage [extra.csv ...]
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "real"
FILES = {"ucdp_ged_ua_ru_sample.csv": "utf-8", "ucdp_ged_ukraine_excel_cp1252_2014_2023.csv": "cp1252"}
WAR = "ucdp_ged251_ukraine_2022_2024_sample2000_21col.csv"
KINDS = ("village", "town", "city", "settlement")
HELD_KM = 2.0
NAMESAKE_KM = 10.0
OUTCOMES = ("held", "near", "namesake", "refused", "refused-", "missing")
# What may follow the place in a one-place description: the units it lies in.
_UNIT = re.compile(r"raion|rayon|district|community|hromada|oblast|region", re.I)
# Words that make a description's first part something other than one place's name.
_NOT_A_PLACE = re.compile(r"\b(?:direction|region|oblast|area|areas|district|community|raion|rayon|city|center|"
                          r"centre|near|in|the|of|settlements?|villages?|outskirts|front|positions?|and)\b", re.I)


def ucdp_exact() -> pd.DataFrame | None:
    """Yardstick A: GED 23.1's exact places (where_prec 1), name and UCDP's word for it."""
    frames = []
    for name, encoding in FILES.items():
        path = REAL / name
        if not path.exists():
            continue
        df = pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False)
        df = df[(df["where_prec"] == "1") & (df["country"] == "Ukraine")]
        frames.append(df[["where_coordinates", "adm_1", "adm_2", "latitude", "longitude"]])
    if not frames:
        return None
    df = pd.concat(frames)
    m = df["where_coordinates"].str.extract(r"^(.*\S)\s+(" + "|".join(KINDS) + r")$", flags=re.I)
    df = df.assign(name=m[0], kind=m[1].str.lower(), lat=pd.to_numeric(df["latitude"], errors="coerce"),
                   lon=pd.to_numeric(df["longitude"], errors="coerce")).dropna(subset=["name", "lat", "lon"])
    return df.drop_duplicates(["name", "kind"])[["name", "kind", "adm_1", "adm_2", "lat", "lon"]]


def ucdp_war() -> pd.DataFrame | None:
    """Yardstick B: GED 25.1 (2022-2024) rows that name one place and only its units ('Pisky,
    Pokrovsk raion', 'Vuhledar, Vuhledarska urban community, Volnovakha District'), at a point of
    its own. This extract lacks where_prec, so a point UCDP gives to several names (a region's
    centroid: 51.0, 34.0 for 'Sumy' and six others) or a list of places is no yardstick."""
    path = REAL / WAR
    if not path.exists():
        return None
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    desc = df["where_description"].str.strip().str.rstrip(".")
    parts = desc.str.split(",")
    first = parts.str[0].str.strip()
    units = parts.str[1:].apply(lambda rest: all(_UNIT.search(p) for p in rest))
    one = first.str.fullmatch(r"[A-Z][^\s,;:()\d]*(?:[ -][A-Z][^\s,;:()\d]*){0,2}") & ~first.str.contains(_NOT_A_PLACE)
    lat, lon = pd.to_numeric(df["latitude"], errors="coerce"), pd.to_numeric(df["longitude"], errors="coerce")
    point = df["latitude"] + "," + df["longitude"]
    own_point = point.map(first.groupby(point).nunique()) == 1
    df = df.assign(name=first, kind=None, lat=lat, lon=lon)[one & units & own_point & (df["adm_1"] != "")]
    return df.drop_duplicates(["name", "adm_1"])[["name", "kind", "adm_1", "adm_2", "lat", "lon"]]


def from_csv(path: Path) -> pd.DataFrame:
    """Yardstick C: a local file of name, admin1, lat, lon (optional admin2, kind)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.assign(lat=pd.to_numeric(df["lat"], errors="coerce"), lon=pd.to_numeric(df["lon"], errors="coerce"),
                   adm_1=df["admin1"], adm_2=df.get("admin2", ""), kind=df.get("kind"))
    return df.dropna(subset=["lat", "lon"]).drop_duplicates(["name", "adm_1"])[
        ["name", "kind", "adm_1", "adm_2", "lat", "lon"]]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    from geodata.gazetteer import GazetteerGeocoder, load_index

    g = GazetteerGeocoder()
    print(f"gazetteer: {len(load_index()):,} places")
    sticks = [("A  UCDP GED 23.1 exact locations, 2014-2023", ucdp_exact()),
              ("B  UCDP GED 25.1, 2022-2024, one place named first", ucdp_war())]
    sticks += [(f"C  {p}", from_csv(Path(p))) for p in argv]
    for title, places in sticks:
        if places is None:
            print(f"{title}: skipped (no file under {REAL})")
            continue
        print(f"=== {title}: {len(places)} distinct places")
        has_raion = (places["adm_2"].fillna("") != "").any()
        variants = [("name + oblast", dict(admin1=True))]
        if has_raion:
            variants.append(("name + oblast + raion", dict(admin1=True, admin2=True)))
        variants.append(("name alone (in Ukraine)", {}))
        print(f"{'lookup':<26}" + "".join(f"{o:>10}" for o in OUTCOMES) + "   namesakes")
        for label, how in variants:
            _measure(g, places, label, **how)


def _measure(g, places: pd.DataFrame, label: str, admin1: bool = False, admin2: bool = False) -> None:
    from geopy.distance import geodesic

    from geodata.errors import AmbiguousPlace, GeodataError, PlaceNotFound

    outcome: Counter = Counter()
    bad: list[str] = []
    for row in places.itertuples(index=False):
        here = (row.lat, row.lon)
        where = dict(country="UA", kind=row.kind if isinstance(row.kind, str) else None)
        if admin1 and row.adm_1:
            where["admin1"] = row.adm_1
        if admin2 and isinstance(row.adm_2, str) and row.adm_2:
            where["admin2"] = row.adm_2
        try:
            chosen = g.resolve(row.name, **where)
            km = geodesic(here, (chosen.lat, chosen.lon)).km
            kind = ("held" if km <= max(HELD_KM, chosen.uncertainty_km()) else
                    "near" if km <= NAMESAKE_KM else "namesake")
            if kind == "namesake":
                bad.append(f"{row.name} ({row.adm_1}) -> {chosen.describe()}, {km:.0f} km")
        except AmbiguousPlace as exc:
            right = any(geodesic(here, (c.lat, c.lon)).km <= max(HELD_KM, c.uncertainty_km())
                        for c in exc.candidates)
            kind = "refused" if right else "refused-"
        except PlaceNotFound:
            kind = "missing"
        except GeodataError:
            kind = "missing"
        outcome[kind] += 1
    total = sum(outcome.values())
    print(f"{label:<26}" + "".join(f"{outcome[o]:>5} {outcome[o] / total:>4.0%}" for o in OUTCOMES)
          + f"   {len(bad)}")
    for line in bad[:6]:
        print(f"    namesake: {line}")


if __name__ == "__main__":
    main(sys.argv[1:])
