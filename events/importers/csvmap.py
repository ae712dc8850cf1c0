"""Other people's layouts: any CSV whose columns the user maps onto our fields.

    python -m events import --format csv harm.csv --dataset harm \
        --map id=id --map date=date --map lat=latitude --map lon=longitude \
        --map location=location --map notes=description --map category=categories \
        --map source_url=sources --type-map "Civilian casualties=Violence against civilians/Attack"

or the same in a small YAML file (--mapping FILE: columns:, types:, date_format:, claimed_by:).
The type map is the user's statement of what their categories mean in ACLED's terms: a
row whose category has no stated mapping is rejected with the option that would map it.
"""
from __future__ import annotations

from pathlib import Path

from events import safe_yaml
from events.errors import ImportFileError
from events.importers.results import StreamedImport
from events.importers.table import FIELDS, TableSpec, read_table
from events.vocab import EVENT_TYPES, SUB_EVENT_TYPES


def parse_pairs(pairs: list[str], what: str) -> dict[str, str]:
    """'a=b' options as a dict, in the order given."""
    out: dict[str, str] = {}
    for p in pairs or ():
        if "=" not in p:
            raise ImportFileError(f"{what} {p!r}: write it as NAME=VALUE")
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def parse_type(value: str, category: str) -> tuple[str, str | None]:
    """'Event type/Sub-event type', 'Sub-event type' alone, or 'Event type' alone."""
    value = value.strip()
    if value in SUB_EVENT_TYPES:
        return SUB_EVENT_TYPES[value], value
    if value in EVENT_TYPES:
        return value, None
    for et in EVENT_TYPES:  # event types contain '/' themselves (Explosions/Remote violence)
        if value.startswith(et + "/") and value[len(et) + 1:] in EVENT_TYPES[et]:
            return et, value[len(et) + 1:]
    raise ImportFileError(f"type map {category!r}={value!r}: not an ACLED event type or 'Event type/Sub-event type' "
                       f"(event types: {', '.join(EVENT_TYPES)})")


def load_mapping(path: str | Path | None) -> dict:
    if not path:
        return {}

    try:
        data = safe_yaml.load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, safe_yaml.YamlError) as exc:
        raise ImportFileError(f"{path}: cannot read the mapping: {exc}") from None
    if not isinstance(data, dict) or set(data) - {"columns", "types", "date_format", "claimed_by"}:
        raise ImportFileError(f"{path}: a mapping file holds columns:, types:, date_format: and claimed_by:")
    return data


def read_mapped_csv(path: Path, dataset: str, *, columns: dict[str, str] | None = None,
                    type_map: dict[str, str] | None = None, mapping_file: str | None = None,
                    date_format: str | None = None, claimed_by: str | None = None, **_) -> StreamedImport:
    spec_file = load_mapping(mapping_file)
    cols = {**(spec_file.get("columns") or {}), **(columns or {})}
    unknown = [f for f in cols if f not in FIELDS]
    if unknown:
        raise ImportFileError(f"--map {unknown[0]}=...: not one of our fields; they are: {', '.join(FIELDS)}")
    if not cols:
        raise ImportFileError("--format csv needs a mapping: --map date=COLUMN --map lat=COLUMN ... "
                           "(or --mapping FILE); see the README")
    types = {**(spec_file.get("types") or {}), **(type_map or {})}
    spec = TableSpec("csv", {f: str(c) for f, c in cols.items()},
                     type_map={str(k): parse_type(str(v), str(k)) for k, v in types.items()},
                     claimed_by=claimed_by or spec_file.get("claimed_by"),
                     date_format=date_format or spec_file.get("date_format"))
    return read_table(path, dataset, spec)
