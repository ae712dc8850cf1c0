"""python -m events: validate, list and export the event store.

Exit codes: 0 fine; 1 invalid records (or a bad argument); 2 usage errors.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from events.errors import EventsError


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day, inclusive (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day, inclusive (YYYY-MM-DD)")
    p.add_argument("--type", dest="types", action="append", default=[], metavar="T",
                   help="event or sub-event type (repeatable)")
    p.add_argument("--region", dest="regions", action="append", default=[], metavar="R",
                   help="country code (RU), ISO 3166-2 (UA-14) or admin-1 name (Donetsk Oblast); repeatable")
    p.add_argument("--claim", dest="claims", action="append", default=[], metavar="STATUS",
                   help="reported, claimed, confirmed or disputed (repeatable)")
    p.add_argument("--q", default="", metavar="TEXT", help="text in title, summary, notes or quotes")
    p.add_argument("--dataset", dest="datasets", action="append", default=[], metavar="NAME",
                   help="only these datasets ('curated' = the catalogue; repeatable)")


def _filter(args):
    from events.query import make_filter

    return make_filter(date_from=args.date_from, date_to=args.date_to, types=args.types,
                       regions=args.regions, claims=args.claims, q=args.q, datasets=args.datasets)


def _check_datasets(f, data) -> None:
    from events.datasets import list_datasets
    from events.query import check_datasets
    from events.vocab import CURATED

    check_datasets(f, [CURATED, *(m["dataset"] for m in list_datasets(data))])


def _print_problems(problems, stream=sys.stdout) -> None:
    for p in problems:
        print(p, file=stream)


def cmd_validate(args) -> int:
    from events.store import load_catalog

    cat = load_catalog(args.catalog)
    _print_problems(cat.problems)
    bad = len(cat.invalid_files)
    print(f"{cat.files} files, {cat.files - bad} valid, {len(cat.problems)} problem(s) in {bad} file(s)")
    return 1 if cat.problems else 0


def cmd_list(args) -> int:
    from events.query import apply
    from events.store import load_store

    f = _filter(args)
    cat = load_store(args.catalog, args.data)
    _check_datasets(f, args.data)
    if cat.problems:
        print(f"warning: {len(cat.invalid_files)} invalid file(s) skipped; run 'python -m events validate'",
              file=sys.stderr)
    df = apply(cat.events, f)
    if df.empty:
        print("no events match")
        return 0
    view = df[["date", "id", "dataset", "event_type", "location_name", "admin1", "country", "geo_precision",
               "claim_status", "fatalities"]].copy()
    view["date"] = view["date"].dt.strftime("%Y-%m-%d")
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 48):
        print(view.to_string(index=False))
    print(f"\n{len(df)} of {len(cat.events)} events")
    return 0


def cmd_export(args) -> int:
    from events.atomic import write_stream_atomic
    from events.export import chunks
    from events.query import apply
    from events.store import load_store

    f = _filter(args)
    cat = load_store(args.catalog, args.data)
    _check_datasets(f, args.data)
    if cat.problems and not args.skip_invalid:
        _print_problems(cat.problems, sys.stderr)
        print(f"export: nothing written: {len(cat.invalid_files)} invalid file(s); fix them or pass "
              "--skip-invalid", file=sys.stderr)
        return 1
    for path in cat.invalid_files:
        print(f"skipped invalid record: {path}", file=sys.stderr)
    df = apply(cat.events, f)
    if args.out == "-":
        out = sys.stdout.buffer
        for part in chunks(df, args.format, raw=args.raw):
            out.write(part)
        out.flush()
    else:
        write_stream_atomic(Path(args.out), chunks(df, args.format, raw=args.raw))
        print(f"wrote {len(df)} events to {args.out}", file=sys.stderr)
    return 0


def cmd_import(args) -> int:
    from events.datasets import data_dir, import_file
    from events.importers.csvmap import parse_pairs

    options = {"date_format": args.date_format, "replace": args.replace}
    if args.format == "csv":
        options.update(columns=parse_pairs(args.map, "--map"), type_map=parse_pairs(args.type_map, "--type-map"),
                       mapping_file=args.mapping, claimed_by=args.claimed_by)
    elif args.map or args.type_map or args.mapping:
        print("error: --map, --type-map and --mapping go with --format csv", file=sys.stderr)
        return 2
    m = import_file(args.format, args.path, args.dataset_name, args.data, **options)
    where = data_dir(args.data) / m["dataset"]
    print(f"{m['dataset']}: read {m['rows_read']:,}, imported {m['imported']:,}, rejected {m['rejected']:,} "
          f"in {m['seconds']:.2f} s ({m['source_encoding']}) -> {where}")
    if m["rejected"]:
        print(f"rejected rows with line numbers and reasons: {where / m['rejects_file']}")
    if m.get("flagged"):
        print(f"{m['flagged']:,} imported row(s) carry geo_flags (see the notes)")
    for note in m["notes"]:
        print(f"note: {note}")
    return 0


def cmd_datasets(args) -> int:
    from events.datasets import list_datasets

    rows = list_datasets(args.data)
    if not rows:
        print("no datasets imported (python -m events import --format acled|ucdp|geojson PATH --dataset NAME)")
    for m in rows:
        print(f"{m['dataset']:<24} {m['format']:<8} {m['imported']:>10,} events  {m['rejected']:>8,} rejected  "
              f"{m['imported_at']}  {m['source_file']}")
    return 0


def cmd_schema(args) -> int:
    from events.atomic import write_bytes_atomic
    from events.schema import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.write:
        write_bytes_atomic(Path(__file__).resolve().parent / "event.schema.json", text.encode())
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m events", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalog", default=None,
                    help="catalogue directory (default: $EVENTS_CATALOG, else events/catalog)")
    ap.add_argument("--data", default=None,
                    help="bulk datasets directory (default: $EVENTS_DATA, else ./data)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    # --catalog is accepted after the sub-command too: `python -m events validate --catalog DIR`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--catalog", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--data", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    v = sub.add_parser("validate", parents=[common], help="check every record; one line per problem")
    v.set_defaults(func=cmd_validate)
    li = sub.add_parser("list", parents=[common], help="a table of the (filtered) events")
    _add_filters(li)
    li.set_defaults(func=cmd_list)
    ex = sub.add_parser("export", parents=[common], help="write the (filtered) events as GeoJSON or CSV")
    ex.add_argument("--format", choices=["geojson", "csv"], required=True)
    ex.add_argument("--out", required=True, metavar="PATH", help="output file, or - for stdout")
    ex.add_argument("--skip-invalid", action="store_true", help="export the valid records, name the others")
    ex.add_argument("--raw", action="store_true",
                    help="CSV for machines: cells exactly as stored (no apostrophe before formula-like cells)")
    _add_filters(ex)
    ex.set_defaults(func=cmd_export)
    im = sub.add_parser("import", parents=[common], help="import a bulk dataset (ACLED, UCDP GED, GeoJSON)")
    from events.importers import REGISTRY

    im.add_argument("--format", choices=list(REGISTRY), required=True,
                    help="; ".join(f"{k}: {v[2]}" for k, v in REGISTRY.items()))
    im.add_argument("path")
    im.add_argument("--dataset", dest="dataset_name", required=True, metavar="NAME",
                    help="dataset name; re-importing replaces it atomically")
    im.add_argument("--date-format", choices=["dmy", "mdy", "excel"], default=None,
                    help="order of slash dates when the file cannot tell (dmy 14/08/2020, mdy 08/14/2020), "
                         "or excel for Excel serial day numbers")
    im.add_argument("--replace", action="store_true",
                    help="replace the dataset even when the new file keeps under half of its events")
    im.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                    help="with --format csv: which column holds each of our fields (repeatable)")
    im.add_argument("--type-map", action="append", default=[], metavar="CATEGORY=TYPE[/SUB-TYPE]",
                    help="with --format csv: the ACLED type each of the source's categories means (repeatable)")
    im.add_argument("--mapping", metavar="FILE", help="with --format csv: columns/types/date_format in a YAML file")
    im.add_argument("--claimed-by", metavar="WHO", help="with --format csv: who asserts the rows (default: dataset)")
    im.set_defaults(func=cmd_import)
    ds = sub.add_parser("datasets", parents=[common], help="list imported datasets and their manifests")
    ds.set_defaults(func=cmd_datasets)
    sc = sub.add_parser("schema", help="print (or --write) the JSON Schema of a record")
    sc.add_argument("--write", action="store_true")
    sc.set_defaults(func=cmd_schema)
    return ap


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except EventsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a disk or permission failure outside our own checks: one line, no traceback
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"error:{where} {exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
