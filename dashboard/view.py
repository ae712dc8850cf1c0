"""The page: sidebar filters (mirrored in the URL), metrics, map, timeline, table, downloads."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import streamlit as st

from dashboard.urlstate import KEYS, parse_query, to_query
from events.errors import EventsError, FilterError
from events.filters import Filter, key, make_filter, unknown_datasets
from events.vocab import CLAIM_STATUSES, EVENT_TYPES, SUB_EVENT_TYPES

TYPE_OPTIONS = list(EVENT_TYPES) + list(SUB_EVENT_TYPES)
TABLE_ROWS = 2000  # the table shows the newest events; a browser table of a million rows helps nobody
TABLE_COLUMNS = ("date", "end_date", "title", "claim_status", "claimed_by", "event_type", "sub_event_type",
                 "location_name", "admin1", "country", "fatalities", "injured", "source_urls", "date_precision",
                 "geo_precision", "uncertainty_km", "dataset", "id")
DOWNLOAD_MAX = 200_000  # larger exports belong to the CLI, which streams


# On a phone Streamlit stacks columns: four metrics would fill the first screen before the map.
# Kept on one line there, smaller; the title shrinks too.
PHONE_CSS = """<style>
@media (max-width: 640px) {
  .st-key-ce-metrics [data-testid="stHorizontalBlock"] { flex-wrap: nowrap !important; gap: .25rem; }
  .st-key-ce-metrics [data-testid="stColumn"] { min-width: 0 !important; width: 25% !important; flex: 1 1 0 !important; }
  .st-key-ce-metrics [data-testid="stMetricValue"] { font-size: 1.05rem; }
  .st-key-ce-metrics [data-testid="stMetricLabel"] p { font-size: .62rem; white-space: nowrap; overflow: hidden;
                                                       text-overflow: ellipsis; }
  h1 { font-size: 1.35rem !important; padding: .2rem 0 !important; }
}
</style>"""


def filter_key(f: Filter) -> tuple:
    return key(f)


def _init_from_url(known_datasets=()) -> None:
    """Seed the widgets from the URL once per session; later the widgets lead."""
    if st.session_state.get("_ce_init"):
        return
    params = {k: st.query_params.get_all(k) for k in KEYS}
    f, notices = parse_query(params)
    unknown = unknown_datasets(f, known_datasets)
    if unknown:  # like any other bad value: named, dropped, the rest applied
        notices.append(f"Ignored URL parameter dataset: unknown dataset(s) {', '.join(map(repr, unknown))}; "
                       f"known: {', '.join(sorted(known_datasets)) or 'none'}")
        f = dataclasses.replace(f, datasets=tuple(d for d in f.datasets if d not in unknown))
    st.session_state["_ce_notices"] = notices
    st.session_state["f_from"] = f.date_from
    st.session_state["f_to"] = f.date_to
    st.session_state["f_types"] = list(f.types)
    st.session_state["f_regions"] = list(f.regions)
    st.session_state["f_claims"] = list(f.claims)
    st.session_state["f_actors"] = list(f.actors)
    st.session_state["f_claimants"] = list(f.claimants)
    st.session_state["f_q"] = f.q
    st.session_state["f_datasets"] = list(f.datasets)
    st.session_state["_ce_review_url"] = list(f.review)
    st.session_state["f_unreviewed"] = bool(f.review)
    st.session_state["f_check"] = list(f.check)
    st.session_state["f_seen"] = f.seen or ""
    st.session_state["_ce_event"] = (st.query_params.get("event") or "").strip()[:200] or None
    st.session_state["f_unc"] = (st.query_params.get("unc") or "") in ("1", "true", "yes")
    st.session_state["f_tiles"] = (st.query_params.get("tiles") or "") in ("1", "true", "yes")
    _view_from_url(notices)
    _control_from_url(notices)
    st.session_state["_ce_init"] = True


def _view_from_url(notices: list[str]) -> None:
    """The map view a link carries (view=LAT,LON,ZOOM): it opens there, until the filter changes."""
    from dashboard.mapview import parse_view

    raw = (st.query_params.get("view") or "").strip()
    view, notice = parse_view(raw) if raw else (None, None)
    if notice:
        notices.append(notice)
    st.session_state["_ce_view"], st.session_state["_ce_view_for"] = view, None


def map_view(fkey: tuple, fitted: tuple[list[float], int]) -> tuple[list[float], int]:
    """Where the map opens: the link's view while the filter is the one the link opened with,
    else the view that fits the filtered events."""
    view = st.session_state.get("_ce_view")
    if view is None:
        return fitted
    if st.session_state.get("_ce_view_for") is None:
        st.session_state["_ce_view_for"] = fkey
    if st.session_state["_ce_view_for"] != fkey:
        st.session_state["_ce_view"] = None  # the user changed the filter: fit its events
        return fitted
    return view


def _control_from_url(notices: list[str]) -> None:
    """The control map's state from the URL: control=SOURCE, control_date=YYYY-MM-DD, changes=1."""
    source = (st.query_params.get("control") or "").strip()
    st.session_state["f_control"] = bool(source)
    st.session_state["_ce_control_source_url"] = source
    raw = (st.query_params.get("control_date") or "").strip()
    st.session_state["f_control_date"] = None
    if raw:
        try:
            st.session_state["f_control_date"] = dt.date.fromisoformat(raw)
        except ValueError:
            notices.append(f"Ignored URL parameter control_date: {raw!r} is not a date (use YYYY-MM-DD)")
    st.session_state["f_changes"] = (st.query_params.get("changes") or "") in ("1", "true", "yes")


def control_sidebar(sb, store) -> dict[str, str]:
    """The control map's widgets (only when snapshots are imported); returns its URL parameters."""
    sources = store.archive.sources()
    if not sources:
        return {}
    sb.divider()
    sb.toggle("Control map (front-line snapshots)", key="f_control",
              help="Who held the ground on a date, from imported DeepStateMap/ISW snapshots, under the events")
    if not st.session_state.get("f_control"):
        return {}
    wanted = st.session_state.get("_ce_control_source_url")
    if "f_control_source" not in st.session_state:
        if wanted and wanted not in sources:
            st.session_state.setdefault("_ce_notices", []).append(
                f"Ignored URL parameter control: unknown source {wanted!r}; known: {', '.join(sources)}")
        st.session_state["f_control_source"] = wanted if wanted in sources else sources[0]
    sb.selectbox("Snapshot source", sources, key="f_control_source")
    sb.date_input("Control as of", key="f_control_date", value=None, min_value=dt.date(2014, 1, 1),
                  format="YYYY-MM-DD", help="Default: the filter's To date, else the latest snapshot")
    sb.toggle("Show ground that changed hands between From and To", key="f_changes")
    out = {"control": st.session_state["f_control_source"]}
    if st.session_state.get("f_control_date"):
        out["control_date"] = st.session_state["f_control_date"].isoformat()
    if st.session_state.get("f_changes"):
        out["changes"] = "1"
    return out


def control_request(store, f: Filter) -> tuple[str, dt.date, dt.date | None] | None:
    """(source, as-of date, changes-from date) of the control map to draw, or None."""
    if not st.session_state.get("f_control") or not store.archive.sources():
        return None
    source = st.session_state.get("f_control_source")
    if source not in store.archive.sources():
        return None
    as_of = st.session_state.get("f_control_date") or f.date_to or store.archive.dates(source)[-1]
    start = f.date_from if st.session_state.get("f_changes") else None
    return source, as_of, start


def sidebar(store, fingerprint: str, user: str = "") -> Filter:
    from dashboard import shared

    facts = shared.facts(fingerprint, store)
    _init_from_url(facts.datasets)
    _apply_brush()
    sb = st.sidebar
    sb.header("Filters")
    # One box a row: two side by side at the sidebar's width cut the date to its year.
    c1 = c2 = sb
    lo = facts.first or dt.date(2022, 1, 1)
    hi = facts.last or dt.date.today()
    c1.date_input("From", key="f_from", value=None, min_value=dt.date(1989, 1, 1), format="YYYY-MM-DD",
                  help=f"Earliest event: {lo}")
    c2.date_input("To", key="f_to", value=None, min_value=dt.date(1989, 1, 1), format="YYYY-MM-DD",
                  help=f"Latest event: {hi}")
    sb.multiselect("Event type or sub-type", TYPE_OPTIONS, key="f_types")
    sb.multiselect("Region (country or admin-1)",
                   list(dict.fromkeys([*facts.regions, *st.session_state.get("f_regions", [])])),
                   key="f_regions", help="Country code or oblast; any spelling works in the URL")
    sb.multiselect("Claim status", list(CLAIM_STATUSES), key="f_claims",
                   help="reported · claimed (one side, unverified) · confirmed · disputed")
    for label, key_, columns, help_ in (
            ("Actor (either side)", "f_actors", ("actor1", "actor2"),
             "Pick a name, or type a part of one (e.g. 'Forces of Russia') and press Enter"),
            ("Claimed by", "f_claimants", ("claimed_by",),
             "Who asserts it. Pick a name, or type a part of one (e.g. 'Ministry of Defence')")):
        options = shared.names(fingerprint, columns, store)
        sb.multiselect(label, list(dict.fromkeys([*options, *st.session_state.get(key_, [])])), key=key_,
                       accept_new_options=True, help=help_)
    sb.text_input("Search text", key="f_q", help="Title, summary, notes and source quotes")
    datasets = list(facts.datasets)
    if len(datasets) > 1 or st.session_state.get("f_datasets"):
        sb.multiselect("Dataset", list(dict.fromkeys([*datasets, *st.session_state.get("f_datasets", [])])),
                       key="f_datasets", help="'curated' is the hand-curated catalogue; the others are imports")
    if store.archive.sources() or st.session_state.get("f_check"):
        from events.filters import CHECKS

        sb.multiselect("Capture claims: control check", list(CHECKS), key="f_check",
                       help="What front-line snapshots say of a capture claim: corroborated, already held "
                            "before, not corroborated, no snapshot covers the date")
    from events.filters import SEEN

    sb.selectbox("Seen by other sources", ["", *SEEN], key="f_seen",
                 format_func=lambda v: {"": "any", "corroborated": "corroborated (a linked report from another source)",
                                        "uncorroborated": "uncorroborated (nobody else's report linked)"}[v],
                 help="Links accepted with python -m events corroborate --accept-above (corroborates, same-incident)")
    sb.toggle("Show unreviewed events too", key="f_unreviewed",
              help="Drafts, events in review and rejected ones; by default the map shows approved events only")
    review = (st.session_state.get("_ce_review_url") or ["all"]) if st.session_state.get("f_unreviewed") else []
    try:
        f = make_filter(date_from=st.session_state.get("f_from"), date_to=st.session_state.get("f_to"),
                        types=st.session_state.get("f_types"), regions=st.session_state.get("f_regions"),
                        claims=st.session_state.get("f_claims"), actors=st.session_state.get("f_actors"),
                        claimants=st.session_state.get("f_claimants"), q=st.session_state.get("f_q"),
                        datasets=st.session_state.get("f_datasets"), review=review,
                        check=st.session_state.get("f_check"), seen=st.session_state.get("f_seen") or None)
    except FilterError as exc:
        from dashboard.safe import notice_html

        sb.html(notice_html(f"Filter ignored: {exc}", "error"))
        f = Filter()
    control = control_sidebar(sb, store)
    event = st.session_state.get("_ce_event")
    view_params = {**({"event": event} if event else {}), **({"unc": "1"} if st.session_state.get("f_unc") else {}),
                   **({"tiles": "1"} if st.session_state.get("f_tiles") else {})}
    # view= is the map's own to write (ViewInUrl): it puts it back after this rewrite.
    st.query_params.from_dict({**to_query(f), **view_params, **control})
    if event:  # a link to one event: that event alone, the sidebar's filters kept for "show all"
        f = dataclasses.replace(f, ids=(event,))
    # A notice about a bad URL value is about the page as the link opened it: once the user
    # changes the filter (the bad value is long gone from the URL), it has said its piece.
    st.session_state.setdefault("_ce_notices_for", key(f))
    if st.session_state["_ce_notices_for"] != key(f):
        st.session_state["_ce_notices"] = []
    sb.caption("The filters live in the URL: copy it to share this view.")
    sb.divider()
    sb.toggle("Draw every uncertainty shape", key="f_unc",
              help="Circles of approximate places and regions of region-level events. By default each shows "
                   "when its event is hovered or opened, and all of them only when few events have one.")
    sb.toggle("Online basemap (OpenStreetMap)", key="f_tiles",
              help="Needs internet. Without it the offline boundaries and labels stay readable.")
    sb.text(f"Store: {'PostGIS' if store.kind == 'postgis' else 'embedded (YAML + GeoParquet)'} · "
            f"{user or 'read-only'}")  # text, not markdown: the name comes from a header
    return f


def render(store, export: Callable[[Filter, str], bytes], fingerprint: str, user: str = "") -> None:
    from dashboard import foliummap, mapview, shared
    from dashboard.safe import notice_html
    from dashboard.timeline import BRUSH as BRUSH_MODE

    f = sidebar(store, fingerprint, user)
    fkey = filter_key(f)
    v = shared.view(fingerprint, fkey, store)
    facts = shared.facts(fingerprint, store)
    problems = store.problems()

    st.title("Conflict event map")
    st.caption("Located incidents from news reports, with who claims what and how precise each place and date is.")
    for notice in st.session_state.get("_ce_notices", []):
        st.html(notice_html(notice))
    if problems:
        with st.container(border=True):
            st.warning(f"{len({p.path for p in problems})} invalid record file(s) are not shown; "
                       "the valid events are. Fix them and run `python -m events validate`.", icon="⚠️")
            st.code("\n".join(str(p) for p in problems), language=None)

    st.html(PHONE_CSS)
    m1, m2, m3, m4 = st.container(key="ce-metrics").columns(4)
    m1.metric("Events shown", f"{v.count:,}")
    m2.metric("Events in store", f"{facts.total:,}")
    m3.metric("Fatalities reported (shown)", f"{v.fatalities_reported:,}",
              help=f"Claimed or disputed, counted apart: {v.fatalities_claimed:,}. Injured: {v.injured:,}.")
    m4.metric("Claimed or disputed (shown)", f"{v.claimed_or_disputed:,}")

    event = st.session_state.get("_ce_event")
    if event:
        c1, c2 = st.columns([4, 1])
        c1.text(f"Showing one event: {event}" if v.count else  # text, not markdown: the id is from the URL
                f"No event with id {event!r} among the events shown (mistyped, retracted, or unreviewed: "
                "tick 'Show unreviewed events too').")
        c2.button("Show all events", key="show_all", on_click=_show_all)
    elif v.count == 0:
        st.info("No events match these filters. Widen the dates or clear a filter.", icon="🔍")

    table_key = f"table-{abs(hash(fkey))}"  # a new filter, a new table: no stale row selected
    table = shared.newest(fingerprint, fkey, store, TABLE_COLUMNS)
    open_id = event if event and v.count else None
    picked = _picked_row(table, table_key)
    many = v.count > mapview.MAX_FEATURES
    if picked and many:  # the map shows grid cells: open the event on its own, with a way back
        st.session_state["_ce_event"] = picked
        st.rerun()
    open_id = picked or open_id
    bounds = st.session_state.get("_ce_bounds") if st.session_state.get("_ce_bounds_for") == fkey else None
    kind, payload, description, in_view = shared.map_layer(fingerprint, fkey, bounds if many else None, store,
                                                           v.count)
    if in_view < v.count:
        description = f"In the map view: {description} Zoom out to see all {v.count:,}."
    st.caption(description)
    online = bool(st.session_state.get("f_tiles", False))
    rendered = foliummap.base(online)
    wanted = control_request(store, f)
    control = shared.control_map(fingerprint, *wanted, store.archive) if wanted else None
    if control is not None:
        st.caption(f"Control map: {control['source']} as of {control['date'] or 'no snapshot yet'}"
                   + (f"; ground that changed hands {control['change_span'][0]} → {control['change_span'][1]}"
                      if control.get("change_span") else "")
                   + (f" ({control['change_note']})" if control.get("change_note") else "") + ".")
    layer = foliummap.layer_js((fingerprint, fkey, bounds if many else None, online, wanted), kind, payload,
                               rendered, control, open_id, bool(st.session_state.get("f_unc")))
    center, zoom = map_view(fkey, (list(v.center), v.zoom))
    state = foliummap.show(rendered, layer, key="event_map", height=580, center=center, zoom=zoom,
                           returned_objects=["bounds"] if many else [])
    if many:  # zooming in on many events: draw what is in view, in detail once few enough
        seen = mapview.bounds_of(state)
        if seen and seen != bounds:
            st.session_state["_ce_bounds"], st.session_state["_ce_bounds_for"] = seen, fkey
            st.rerun()
    if not st.session_state.get(foliummap.DRAWN):
        # A session's first page: the map alone. Drawing the chart and the table beside it costs the
        # browser half a second of the map's time; the map says when it is drawn, and they follow.
        st.caption("The timeline and the table of events follow once the map is drawn.")
        return

    st.subheader("Timeline")
    # The timeline shows every date the other filters keep, so a brushed span can be moved or widened.
    counts = shared.timeline(fingerprint, filter_key(dataclasses.replace(f, date_from=None, date_to=None)), store)
    if counts.empty:
        st.caption("No events to chart.")
    else:
        from dashboard.timeline import CHART_KEY, chart

        st.altair_chart(chart(counts), key=CHART_KEY, on_select="rerun", selection_mode=BRUSH_MODE,
                        width="stretch")
        st.caption("Drag across the chart to set From and To. Events known only to their week or month are "
                   "spread over it.")

    st.subheader("Events")
    if v.count > TABLE_ROWS:
        st.caption(f"The newest {TABLE_ROWS:,} of {v.count:,} events; the downloads hold them all.")
    st.caption("Newest first, across the catalogue and every dataset. Select a row to open it on the map.")
    st.dataframe(table_view(table), hide_index=True, width="stretch", key=table_key, on_select="rerun",
                 selection_mode="single-row",
                 column_config={"date": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                "end_date": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                "source": st.column_config.LinkColumn("first source", display_text="open"),
                                "claim_status": "claim", "claimed_by": "claimed by"})

    if v.count > DOWNLOAD_MAX:
        st.info(f"{v.count:,} events are too many to download from the page; filter down to "
                f"{DOWNLOAD_MAX:,} or export them with `python -m events export` and the same filters.")
    else:
        d1, d2, _ = st.columns([1, 1, 3])
        # Built only when clicked (on its own thread), then kept in a cache bounded by bytes.
        d1.download_button("Download GeoJSON", lambda: export(f, "geojson"), file_name="events.geojson",
                           mime="application/geo+json", key="dl_geojson", on_click="ignore")
        d2.download_button("Download CSV", lambda: export(f, "csv"), file_name="events.csv", mime="text/csv",
                           key="dl_csv", on_click="ignore")
    history_panel(store)
    st.caption("Downloads hold exactly the events shown (CSV cells that a spreadsheet would run as formulas "
               "start with an apostrophe). Places: GeoNames (CC BY 4.0); boundaries: Natural Earth (public domain).")


def _apply_brush() -> None:
    """A span brushed on the timeline (last run) becomes the From/To filter, once per new brush;
    set before the date widgets are drawn, as Streamlit requires."""
    from dashboard.timeline import CHART_KEY, brushed

    span = brushed(st.session_state.get(CHART_KEY))
    if span and span != st.session_state.get("_ce_brush"):
        st.session_state["_ce_brush"] = span
        st.session_state["f_from"], st.session_state["f_to"] = span


def _show_all() -> None:
    st.session_state["_ce_event"] = None


def _picked_row(table, key: str) -> str | None:
    """The id of the table row the user selected (on the run that follows the click), or None."""
    state = st.session_state.get(key)
    try:
        rows = state.selection.rows
    except AttributeError:
        return None
    return str(table["id"].iloc[rows[0]]) if rows and rows[0] < len(table) else None


def table_view(table):
    """The table as shown: the first source as a link (http(s) only; anything else is left out)."""
    import re

    from events.schema import HTTP_URL

    out = table.copy()
    first = out.pop("source_urls").astype("string").str.extract(r"(https?://[^\s;|]+)", flags=re.I)[0]
    out.insert(out.columns.get_loc("fatalities"), "source", first.where(first.str.match(HTTP_URL, case=False).fillna(False).astype(bool)))
    return out


def history_panel(store) -> None:
    """Every change of one curated event (who, when, what), refused attempts included."""
    import pandas as pd

    with st.expander("History of a curated event"):
        event_id = st.text_input("Event id", key="h_id", placeholder="e.g. kurakhove-russian-capture-claim-2025-01-06")
        if not event_id:
            return
        try:
            current = store.get(event_id.strip())
            changes = store.history(event_id.strip())
        except EventsError as exc:
            from dashboard.safe import notice_html

            st.html(notice_html(str(exc), "error"))
            return
        st.text(f"Version {current.version} · review: {current.review} · last change by "  # text: never markup
                f"{current.updated_by or 'nobody recorded'} {current.updated_at or ''}")
        if not changes:
            st.caption("No recorded changes (the record predates the history, or was edited as a file).")
            return
        st.dataframe(pd.DataFrame([{"when": c.at, "who": c.who, "action": c.action, "version": c.version,
                                    "note": c.note} for c in changes]), hide_index=True, width="stretch")
