"""python -m events: validate, list and export the event store.

Exit codes: 0 fine; 1 invalid records (or a bad argument); 2 usage errors.

Each command imports what it needs inside its own function, on purpose: `validate` or `list`
should not pay for the database driver, the draft's language tables or the map.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from events.errors import EventsError, StoreUnavailable
from events.vocab import EXPORT_FORMATS, RELATIONS
from events.wording import counted


def _add_filters(p: argparse.ArgumentParser) -> None:
    from events.filters import add_arguments

    add_arguments(p)


def _filter(args):
    from events.filters import from_args

    return from_args(args)


def _print_problems(problems, stream=sys.stdout) -> None:
    for p in problems:
        print(p, file=stream)


def cmd_validate(args) -> int:
    from events.records import load_catalog
    from events.related import dangling_relations

    cat = load_catalog(args.catalog)
    _print_problems(cat.problems)
    bad = len(cat.invalid_files)
    print(f"{cat.files} files, {cat.files - bad} valid, {len(cat.problems)} problem(s) in {bad} file(s)")

    def elsewhere(ids: set[str]) -> set[str]:  # linked events of imported datasets
        from events.filters import make_filter

        try:
            found = _storage(args).select(make_filter(ids=sorted(ids), review=["all"]), ["id"])
        except EventsError:
            return set()
        return set(found["id"].astype(str))

    links = dangling_relations(cat.events, elsewhere)
    _print_problems(links)
    if links:
        print(f"{len(links)} link(s) to no event")
    return 1 if cat.problems or links else 0


def _storage(args):
    from events.storage import open_storage

    return open_storage(getattr(args, "db", None), args.catalog, args.data)


def _check_store_datasets(f, store) -> None:
    from events.filters import check_datasets

    check_datasets(f, store.datasets())


# Short headers, so that the table's width goes to the values (CSV and JSON keep the column names).
LIST_HEADERS = {"end_date": "end", "event_type": "type", "location_name": "place", "country": "cc",
                "geo_precision": "prec", "claim_status": "claim", "fatalities": "killed"}


def cmd_list(args) -> int:
    f = _filter(args)
    store = _storage(args)
    _check_store_datasets(f, store)
    problems = store.problems()
    if problems:
        print(f"warning: {len({p.path for p in problems})} invalid file(s) skipped; run 'python -m events validate'",
              file=sys.stderr)
    df = store.select(f, ["date", "end_date", "id", "dataset", "event_type", "location_name", "admin1", "country",
                          "geo_precision", "claim_status", "review", "fatalities"])
    from events import table

    if args.format == "csv":
        sys.stdout.write(table.as_csv(df))
        return 0
    if args.format == "json":
        print(table.as_json(df))
        return 0
    if df.empty:
        print("no events match")
        return 0
    view = df.drop(columns=["review"]) if (df["review"] == "approved").all() else df
    view = view.rename(columns=LIST_HEADERS)
    # Piped into a file or another program (and no COLUMNS given), nothing is cut, as `ls` does.
    fit = not args.wide and (sys.stdout.isatty() or "COLUMNS" in os.environ)
    print(table.render(view, shutil.get_terminal_size((100, 24)).columns if fit else None))
    print(f"\n{len(df):,} of {counted(store.facts().total, 'event')}")
    return 0


def cmd_publish(args) -> int:
    from events.publish import publish

    f = _filter(args)
    store = _storage(args)
    _check_store_datasets(f, store)
    m = publish(store, f, args.out, args.title, permitted=tuple(args.permitted))
    print(f"published {counted(m['events'], 'event')} to {args.out} (index.html, events.geojson, manifest.json); "
          f"serve it with: python -m http.server -d {args.out}")
    return 0


def cmd_export(args) -> int:
    from events.atomic import write_stream_atomic
    from events.streams import batch_memory_pool

    batch_memory_pool()  # one export, then exit: Arrow's freed pages are kept for its next chunk

    f = _filter(args)
    store = _storage(args)
    _check_store_datasets(f, store)
    problems = store.problems()
    invalid = sorted({p.path for p in problems})
    if problems and not args.skip_invalid:
        _print_problems(problems, sys.stderr)
        print(f"export: nothing written: {len(invalid)} invalid file(s); fix them or pass "
              "--skip-invalid", file=sys.stderr)
        return 1
    for path in invalid:
        print(f"skipped invalid record: {path}", file=sys.stderr)
    stats: dict = {}
    parts = store.export(f, args.format, raw=args.raw, stats=stats)
    if args.out == "-":
        out = sys.stdout.buffer
        for part in parts:
            out.write(part)
        out.flush()
    else:
        write_stream_atomic(Path(args.out), parts, direct=True)
        print(f"wrote {counted(stats['rows'], 'event')} to {args.out}", file=sys.stderr)
    return 0


def _postgis(args):
    from events.errors import StorageError
    from events.storage import database_url

    url = database_url(getattr(args, "db", None))
    if not url:
        raise StorageError("no database: pass --db postgresql://... or set EVENTS_DB")
    return url


def cmd_db(args) -> int:
    from events.storage import current_actor
    from events.storage.postgis import PostgisStorage, migrate

    url = _postgis(args)
    if args.db_cmd == "init":
        applied = migrate(url)
        print(f"schema up to date; applied: {', '.join(applied) or 'nothing (already current)'}")
        return 0
    store = PostgisStorage(url)
    try:
        if args.db_cmd == "push":
            import time

            t = time.perf_counter()
            out = store.push(args.catalog, args.data, user=current_actor())
            for p in out["problems"]:
                print(f"not pushed: {p}", file=sys.stderr)
            sets = ", ".join(f"{k} {v:,}" for k, v in out["datasets"].items()) or "no datasets"
            same = f"; unchanged since the last push: {', '.join(out['unchanged'])}" if out.get("unchanged") else ""
            print(f"pushed {out['curated']:,} curated events ({out['curated_changed']:,} new or changed) and {sets} "
                  f"in {time.perf_counter() - t:.1f} s{same}")
            return 1 if out["problems"] else 0
        n = store.pull(args.out)
        print(f"wrote {counted(n, 'curated event')} to {args.out}")
        return 0
    finally:
        store.close()


def cmd_event(args) -> int:
    """Curated events through the store: get, save (with the version you read), review, retract, history."""
    from events import safe_yaml
    from events.storage import current_actor

    store = _storage(args)
    user = current_actor()
    if args.event_cmd == "get":
        got = store.get(args.id)
        print(f"# version: {got.version}  review: {got.review}  last change: {got.updated_by or '-'} "
              f"{got.updated_at or ''}")
        import yaml

        sys.stdout.write(yaml.safe_dump(got.record, sort_keys=False, allow_unicode=True))
        return 0
    if args.event_cmd == "save":
        from events.records import read_record

        event, problems = read_record(Path(args.file))
        if event is None:
            _print_problems(problems, sys.stderr)
            return 1
        record = safe_yaml.load(Path(args.file).read_text(encoding="utf-8"))
        saved = store.save(record, version=args.version, user=user)
        print(f"saved {saved.id}: version {saved.version}, review {saved.review}")
        return 0
    if args.event_cmd == "review":
        saved = store.review(args.id, args.state, version=args.version, user=user, note=args.note or "")
        print(f"{saved.id}: {saved.review} (version {saved.version})")
        return 0
    if args.event_cmd == "retract":
        store.retract(args.id, version=args.version, user=user, note=args.note or "")
        print(f"retracted {args.id}")
        return 0
    for c in store.history(args.id):
        print(f"{c.at}  {c.who:<16} {c.action:<16} v{c.version or '-'}  {c.note}"
              + (f"  [via {c.via}]" if c.via else ""))
    return 0


def cmd_import(args) -> int:
    from events.importers.csvmap import parse_pairs
    from events.streams import batch_memory_pool

    batch_memory_pool()  # one import, then exit: Arrow's freed pages are reused by the next batch

    options = {"date_format": args.date_format}
    if args.format == "csv":
        options.update(columns=parse_pairs(args.map, "--map"), type_map=parse_pairs(args.type_map, "--type-map"),
                       mapping_file=args.mapping, claimed_by=args.claimed_by)
    elif args.map or args.type_map or args.mapping:
        print("error: --map, --type-map and --mapping go with --format csv", file=sys.stderr)
        return 2
    stated = {k: v for k, v in (("licence", args.licence), ("attribution", args.attribution),
                                 ("redistributable", args.redistributable)) if v is not None}
    m = _storage(args).import_dataset(args.format, args.path, args.dataset_name, replace=args.replace,
                                      licence=stated or None, **options)
    print(f"{m['dataset']}: read {m['rows_read']:,}, imported {m['imported']:,}, rejected {m['rejected']:,} "
          f"in {m['seconds']:.2f} s ({m['source_encoding']}) -> {m['stored_at']}")
    if m["rejected"]:
        print("rejected rows with line numbers and reasons: " + (
            m["rejects_path"] or f"python -m events datasets rejects {m['dataset']} (with the same --db)"))
    if m.get("flagged"):
        print(f"{m['flagged']:,} imported row(s) carry geo_flags (see the notes)")
    for note in m["notes"]:
        print(f"note: {note}")
    return 0


def cmd_corroborate(args) -> int:
    from events.atomic import write_bytes_atomic
    from events.corroborate import against, to_bytes

    store = _storage(args)
    if args.decide:
        from events.corroborate import decide, read_decisions
        from events.storage import current_actor

        chosen = read_decisions(args.decide)
        done = decide(store, chosen, user=current_actor())
        for event_id, n in done:
            print(f"{event_id}: {counted(n, 'link')} added", file=sys.stderr)
        print(f"{counted(len(chosen), 'decision')} read from {args.decide}; "
              f"{counted(sum(n for _, n in done), 'link')} written", file=sys.stderr)
        return 0
    if not args.against or not args.out:
        raise EventsError("corroborate: name --against DATASET and --out PATH (or --decide FILE)")
    f = _filter(args)
    _check_store_datasets(f, store)
    unknown = sorted(set(args.against) - set(store.datasets()))
    if unknown:
        print(f"error: --against {unknown[0]}: no such dataset; they are: {', '.join(store.datasets())}",
              file=sys.stderr)
        return 2
    found = against(store, f, args.against, min_score=args.min_score)
    if args.accept_above is not None:
        from events.corroborate import accept
        from events.storage import current_actor

        done = accept(store, found, above=args.accept_above, relation=args.relation, user=current_actor())
        for event_id, n in done:
            print(f"{event_id}: {n} '{args.relation}' link{'s' if n != 1 else ''} added", file=sys.stderr)
        if not done:
            print(f"no curated event has a new candidate scoring {args.accept_above:g} or more", file=sys.stderr)
    data = to_bytes(found, args.format)
    if args.out == "-":
        sys.stdout.buffer.write(data)
    else:
        write_bytes_atomic(Path(args.out), data)
    events = found["event_id"].nunique()
    print(f"{len(found):,} candidate{'s' if len(found) != 1 else ''} for {events:,} "
          f"event{'s' if events != 1 else ''}" + (f" -> {args.out}" if args.out != "-" else ""), file=sys.stderr)
    return 0


def cmd_datasets(args) -> int:
    store = _storage(args)
    if args.action in ("remove", "rejects") and not args.name:
        raise EventsError(f"datasets {args.action}: name the dataset")
    if args.action == "remove":
        m = store.remove_dataset(args.name)
        held = f" ({counted(m['imported'], 'event')})" if m.get("imported") is not None else ""
        print(f"removed dataset {args.name!r}{held}")
        return 0
    if args.action == "rejects":
        sys.stdout.buffer.write(store.rejects(args.name))
        return 0
    rows = store.manifests()
    if not rows:
        print("no datasets imported (python -m events import --format acled|ucdp|geojson PATH --dataset NAME)")
    for m in rows:
        print(f"{m['dataset']:<24} {m['format']:<8} {m['imported']:>10,} events  {m['rejected']:>8,} rejected  "
              f"{m['imported_at']}  {m['source_file']}")
    return 0


def cmd_territory(args) -> int:
    from events.territory.snapshots import parse_status_map

    store = _storage(args)
    if args.territory_cmd == "import":
        r = store.import_snapshots(args.paths, args.source, fmt=args.format, status=args.status,
                                   status_map=parse_status_map(args.status_map))
        span = f"{r.dates[0]} .. {r.dates[-1]}" if r.dates else "no dates"
        print(f"{r.source}: {r.files} file(s), {len(r.dates)} snapshot date(s) ({span}), {r.features:,} area(s), "
              f"{r.skipped:,} other feature(s) skipped, {r.rejected:,} refused -> "
              f"{r.path if store.kind == 'embedded' else 'the database'}")
        if r.replaced:
            print(f"replaced {len(r.replaced)} date(s) already stored: {', '.join(r.replaced[:10])}"
                  + (" ..." if len(r.replaced) > 10 else ""))
        if r.rejected:
            print(f"refused features with reasons: {r.path / 'rejects.csv'}" if store.kind == "embedded" else
                  "refused features with reasons: kept with the source in the database")
        return 0
    archive = store.archive
    if args.territory_cmd == "list":
        sources = archive.sources()
        if not sources:
            print("no control snapshots (python -m events territory import PATH... --source NAME)")
        for s in sources:
            m = archive.manifest(s)
            dates = archive.dates(s)
            print(f"{s:<16} {len(dates):>6} snapshot(s)  {dates[0]} .. {dates[-1]}  {m.get('rejected', 0):,} refused  "
                  f"imported {m.get('imported_at', '?')}")
        return 0
    # check: every capture claim that passes the filter, with its verdict
    f = _filter(args)
    _check_store_datasets(f, store)
    checks = store.control_checks()
    shown = store.select(f, ["id", "date", "location_name", "claimed_by"])
    shown = shown[shown["id"].astype(str).isin(set(checks.index.astype(str)))]
    if not archive.sources():
        print("note: no control snapshots imported; every claim is 'no_snapshot'", file=sys.stderr)
    if shown.empty:
        print("no capture claims match")
        return 0
    for _, row in shown.iterrows():
        c = checks.loc[row["id"]]
        print(f"{row['date']:%Y-%m-%d}  {row['id']:<48} {c['control_check']:<16} {c['control_check_note']}")
    return 0


def cmd_draft(args) -> int:
    """Candidate events from one article: YAML records (why in comments) or one JSON array."""
    import datetime as dt

    from events.draft import MAX_CHARS, DraftError, draft_article
    from events.draft.output import to_yaml

    path = Path(args.article)
    try:
        raw = path.read_bytes() if str(path) != "-" else sys.stdin.buffer.read(MAX_CHARS * 4 + 1)
    except OSError as exc:
        raise DraftError(f"{path}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_CHARS * 4:
        raise DraftError(f"{path}: {len(raw):,} bytes; one article is at most {MAX_CHARS:,} characters")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DraftError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        published = dt.date.fromisoformat(args.published)
    except ValueError:
        raise DraftError(f"--published {args.published!r}: give the date as YYYY-MM-DD") from None
    try:
        drafts = draft_article(text, published=published, outlet=args.outlet, url=args.url)
    except DraftError as exc:
        raise DraftError(f"{path}: {exc}") from None
    if args.format == "json":
        out = json.dumps([d.as_json() for d in drafts], ensure_ascii=False, indent=2, default=str)
        if args.out:
            from events.atomic import write_bytes_atomic

            Path(args.out).mkdir(parents=True, exist_ok=True)
            target = Path(args.out) / f"{path.stem}.drafts.json"
            write_bytes_atomic(target, out.encode("utf-8"))
            print(f"{len(drafts)} candidate(s) -> {target}", file=sys.stderr)
        else:
            print(out)
        return 0
    if args.out:
        from events.atomic import write_bytes_atomic

        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        for d in drafts:
            target = folder / f"{d.record['id']}.yaml"
            if target.exists():
                print(f"skipped {target}: exists (a draft is never written over a record)", file=sys.stderr)
                continue
            write_bytes_atomic(target, to_yaml(d).encode("utf-8"))
            print(target)
        print(f"{len(drafts)} candidate(s) from {path}; check every field, then `python -m events validate`",
              file=sys.stderr)
        return 0
    print("\n---\n".join(to_yaml(d) for d in drafts), end="")
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
    ap.add_argument("--db", default=None, metavar="URL",
                    help="PostgreSQL + PostGIS store (default: $EVENTS_DB; without one, the embedded store)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    # --catalog is accepted after the sub-command too: `python -m events validate --catalog DIR`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--catalog", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--data", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    _read_commands(sub, common)
    _dataset_commands(sub, common)
    _db_command(sub, common)
    _event_command(sub, common)
    _territory_command(sub, common)
    _article_commands(sub, common)
    return ap


def _read_commands(sub, common: argparse.ArgumentParser) -> None:
    """Validate, list, export and publish: what reads the store."""
    v = sub.add_parser("validate", parents=[common], help="check every record; one line per problem")
    v.set_defaults(func=cmd_validate)
    li = sub.add_parser("list", parents=[common], help="a table of the (filtered) events")
    _add_filters(li)
    li.add_argument("--format", choices=["table", "csv", "json"], default="table",
                    help="a table that fits the terminal (default), or CSV or JSON with every value whole")
    li.add_argument("--wide", action="store_true", help="the table with every cell whole, however wide")
    li.set_defaults(func=cmd_list)
    ex = sub.add_parser("export", parents=[common], help="write the (filtered) events as GeoJSON or CSV")
    ex.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    ex.add_argument("--out", required=True, metavar="PATH", help="output file, or - for stdout")
    ex.add_argument("--skip-invalid", action="store_true", help="export the valid records, name the others")
    ex.add_argument("--raw", action="store_true",
                    help="CSV for machines: cells exactly as stored (no apostrophe before formula-like cells)")
    _add_filters(ex)
    ex.set_defaults(func=cmd_export)
    pb = sub.add_parser("publish", parents=[common], help="the (filtered, approved) events as a static site")
    pb.add_argument("--out", required=True, metavar="DIR", help="folder to write the site into (made if missing)")
    pb.add_argument("--title", default="Conflict event map", help="the page's title")
    pb.add_argument("--i-have-permission", dest="permitted", action="append", default=[], metavar="DATASET",
                    help="publish this dataset although its recorded licence does not allow republishing (you have "
                         "the source's permission; the manifest says so); repeatable")
    _add_filters(pb)
    pb.set_defaults(func=cmd_publish)


def _dataset_commands(sub, common: argparse.ArgumentParser) -> None:
    """Import, corroborate and datasets: the bulk datasets."""
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
    im.add_argument("--licence", metavar="TEXT", help="the source's licence (default: the format's source's, e.g. "
                    "CC BY 4.0 for UCDP; 'not stated' for csv and geojson)")
    im.add_argument("--attribution", metavar="TEXT", help="the credit the source asks for, shown on published pages")
    rd = im.add_mutually_exclusive_group()
    rd.add_argument("--redistributable", dest="redistributable", action="store_true", default=None,
                    help="the licence lets others republish the rows (publish may include them)")
    rd.add_argument("--no-redistribution", dest="redistributable", action="store_false",
                    help="the licence forbids republishing the rows (publish refuses them)")
    im.set_defaults(func=cmd_import)
    co = sub.add_parser("corroborate", parents=[common],
                        help="candidate matches of the (filtered) events in other datasets: who else saw it")
    co.add_argument("--against", action="append", metavar="DATASET",
                    help="a dataset to look in (repeatable; the filtered events' own dataset finds duplicates)")
    co.add_argument("--format", choices=["csv", "json"], default="csv")
    co.add_argument("--out", metavar="PATH", help="output file, or - for stdout")
    co.add_argument("--decide", metavar="FILE",
                    help="write the decisions of a candidate file (its `decision` column: a relation, or reject; "
                         "blank leaves a candidate for later): links through the store; a rejected pair is never "
                         "proposed again")
    co.add_argument("--min-score", type=float, default=0.0, metavar="S", help="leave out candidates scoring below S (0-1)")
    co.add_argument("--accept-above", type=float, default=None, metavar="S",
                    help="write the candidates scoring S or more as related links of their curated events "
                         "(a saved version and a history line each; run without it first to see them)")
    co.add_argument("--relation", choices=RELATIONS, default="corroborates",
                    help="the relation --accept-above writes (default corroborates)")
    _add_filters(co)
    co.set_defaults(func=cmd_corroborate)
    ds = sub.add_parser("datasets", parents=[common], help="list imported datasets and their manifests, "
                        "or remove one (datasets remove NAME)")
    ds.add_argument("action", nargs="?", choices=["remove", "rejects"],
                    help="remove: take the dataset NAME out of the store; rejects: print its rejected rows (CSV)")
    ds.add_argument("name", nargs="?", help="the dataset to remove, or whose rejects to print")
    ds.set_defaults(func=cmd_datasets)


def _db_command(sub, common: argparse.ArgumentParser) -> None:
    """Db: the PostGIS store."""
    db = sub.add_parser("db", parents=[common], help="the PostGIS store: init (create/migrate), push, pull")
    dbs = db.add_subparsers(dest="db_cmd", required=True)
    dbs.add_parser("init", parents=[common], help="create the schema or apply new migrations")
    dbs.add_parser("push", parents=[common], help="load the YAML catalogue and imported datasets (one transaction)")
    pl = dbs.add_parser("pull", parents=[common], help="write the curated events back as YAML files")
    pl.add_argument("--out", required=True, metavar="DIR")
    db.set_defaults(func=cmd_db)


def _event_command(sub, common: argparse.ArgumentParser) -> None:
    """Event: curated records, one at a time."""
    ev = sub.add_parser("event", parents=[common], help="curated events: get, save, review, retract, history "
                                                        "(who: $EVENTS_USER)")
    evs = ev.add_subparsers(dest="event_cmd", required=True)
    g = evs.add_parser("get", parents=[common], help="print a record and its version")
    g.add_argument("id")
    sv = evs.add_parser("save", parents=[common], help="create (no --version) or change a record from a YAML file")
    sv.add_argument("file")
    sv.add_argument("--version", default=None, help="the version you read (from `event get`); refused if stale")
    rv = evs.add_parser("review", parents=[common], help="in_review, approved, rejected or draft")
    rv.add_argument("id")
    rv.add_argument("state")
    rv.add_argument("--version", required=True)
    rv.add_argument("--note", default="")
    rt = evs.add_parser("retract", parents=[common], help="remove a record (kept in the history)")
    rt.add_argument("id")
    rt.add_argument("--version", required=True)
    rt.add_argument("--note", default="")
    hi = evs.add_parser("history", parents=[common], help="every change of a record, refused attempts included")
    hi.add_argument("id")
    ev.set_defaults(func=cmd_event)


def _territory_command(sub, common: argparse.ArgumentParser) -> None:
    """Territory: control snapshots."""
    te = sub.add_parser("territory", parents=[common], help="control snapshots: import, list, check claims")
    tes = te.add_subparsers(dest="territory_cmd", required=True)
    ti = tes.add_parser("import", parents=[common], help="store control snapshots (DeepStateMap API JSON, daily "
                                                         "archive files, GeoJSON with date and status)")
    ti.add_argument("paths", nargs="+", metavar="PATH")
    ti.add_argument("--source", required=True, metavar="NAME", help="who drew them: deepstate, isw ...")
    ti.add_argument("--format", choices=["auto", "deepstate", "geojson", "archive"], default="auto")
    ti.add_argument("--status", choices=["occupied", "contested", "held"], default=None,
                    help="the status of areas whose file says none (an archive of occupied areas: occupied)")
    ti.add_argument("--status-map", action="append", default=[], metavar="LABEL=STATUS",
                    help="what one of the source's own labels means (repeatable)")
    tes.add_parser("list", parents=[common], help="sources, dates and refused features")
    tc = tes.add_parser("check", parents=[common], help="each capture claim against the snapshots")
    _add_filters(tc)
    te.set_defaults(func=cmd_territory)


def _article_commands(sub, common: argparse.ArgumentParser) -> None:
    """Draft and schema: what needs no store."""
    dr = sub.add_parser("draft", help="candidate events from one news article (offline), each a draft record "
                        "with why each field was proposed")
    dr.add_argument("article", help="the article as a UTF-8 text file ('-': standard input)")
    dr.add_argument("--published", required=True, help="publication date, YYYY-MM-DD ('on Thursday' is counted back "
                    "from it)")
    dr.add_argument("--outlet", required=True, help="who published it, e.g. 'The Moscow Times'")
    dr.add_argument("--url", default=None, help="the article's http(s) address (leave out when not known)")
    dr.add_argument("--format", choices=["yaml", "json"], default="yaml")
    dr.add_argument("--out", default=None, metavar="DIR", help="write one YAML file per candidate (or the JSON) there")
    dr.set_defaults(func=cmd_draft)
    sc = sub.add_parser("schema", help="print (or --write) the JSON Schema of a record")
    sc.add_argument("--write", action="store_true")
    sc.set_defaults(func=cmd_schema)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except StoreUnavailable as exc:  # its own code: a script can wait and try again
        print(f"error: {exc}; nothing was changed, try again once the database is back", file=sys.stderr)
        return 3
    except EventsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a disk or permission failure outside our own checks: one line, no traceback
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"error:{where} {exc.strerror or exc}", file=sys.stderr)
        return 1


def _exit(code: int) -> None:
    """Leave without native teardown. Arrow's C++ thread pools, torn down during interpreter
    finalisation, now and then abort a finished run ("terminate called without an active
    exception", exit -6: apache/arrow#34314); every file and transaction is closed by now, so
    the streams are flushed and the process ends as os._exit does, with the command's own code."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away, or the stream is closed
            pass
    os._exit(code)


if __name__ == "__main__":
    _exit(main())
