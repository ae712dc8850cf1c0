"""The page: sidebar filters (mirrored in the URL), metrics, map, timeline, table, downloads."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import foliummap, mapview, shared
from dashboard.urlstate import ViewState
from events.errors import EventsError, FilterError
from events.filters import TERMS, URL_KEYS, Filter, from_query, key, make_filter, to_query, unknown_datasets
from events.vocab import EXPORT_FORMATS, FORMAT_NAMES, MEDIA_TYPES

TABLE_ROWS = 2000  # the table shows the newest events; a browser table of a million rows helps nobody
TABLE_COLUMNS = ("date", "end_date", "title", "claim_status", "claimed_by", "event_type", "sub_event_type",
                 "location_name", "admin1", "country", "fatalities", "injured", "source_urls", "date_precision",
                 "geo_precision", "uncertainty_km", "dataset", "id")
# The map's height: under the one-line heading and numbers it fills a 1440x900 window to within a
# tenth and a 390x844 phone to its foot. (A frame sized by the stylesheet to the window left Leaflet
# measuring one size and showing another: popups opened off the map.)
MAP_HEIGHT = 660
DOWNLOAD_MAX = 200_000  # larger exports belong to the CLI, which streams


PAGE_CSS = Path(__file__).resolve().parent.parent / "static" / "page.css"  # the page's own style


def filter_key(f: Filter) -> tuple:
    return key(f)


def _init_from_url(known_datasets=()) -> None:
    """Seed the widgets from the URL once per session; later the widgets lead."""
    if st.session_state.get("_ce_init"):
        return
    params = {k: st.query_params.get_all(k) for k in (*URL_KEYS, *ViewState.KEYS)}
    f, notices = from_query(params)
    unknown = unknown_datasets(f, known_datasets)
    if unknown:  # like any other bad value: named, dropped, the rest applied
        notices.append(f"Ignored URL parameter dataset: unknown dataset(s) {', '.join(map(repr, unknown))}; "
                       f"known: {', '.join(sorted(known_datasets)) or 'none'}")
        f = dataclasses.replace(f, datasets=tuple(d for d in f.datasets if d not in unknown))
    for t in TERMS:
        if t.widget:
            st.session_state[t.widget.key] = t.to_widget(getattr(f, t.name))
            st.session_state["_ce_url_" + t.name] = getattr(f, t.name)
    state, more = ViewState.from_query(params)
    st.session_state["_ce_notices"] = notices + more
    st.session_state["_ce_event"] = state.event
    st.session_state["f_unc"], st.session_state["f_tiles"] = state.unc, state.tiles
    st.session_state["_ce_view"], st.session_state["_ce_view_for"] = state.view, None
    st.session_state["f_control"] = bool(state.control)
    st.session_state["_ce_control_source_url"] = state.control
    st.session_state["f_control_date"] = state.control_date
    st.session_state["f_changes"] = state.changes
    st.session_state["_ce_init"] = True


class _PageFacts:
    """What a filter's widget may offer (events.filters.Facts), from the store's cached facts."""

    def __init__(self, facts, fingerprint: str, store) -> None:
        self.regions, self.datasets = facts.regions, facts.datasets
        self.first, self.last = facts.first, facts.last
        self.sources = store.archive.sources()
        self._fingerprint, self._store = fingerprint, store

    def names(self, columns: tuple[str, ...]) -> list[str]:
        return shared.names(self._fingerprint, columns, self._store)


def draw_term(sb, term, facts: _PageFacts) -> None:
    """One filter's widget, as its Term declares it; a value the choices lack (from a link, or
    typed) stays among them."""
    w = term.widget
    if w.shown and not w.shown(facts) and not st.session_state.get(w.key):
        return
    help_ = w.help.format(first=facts.first or "none", last=facts.last or "none") or None
    if w.kind == "date":
        sb.date_input(w.label, key=w.key, value=None, min_value=dt.date(1989, 1, 1), format="YYYY-MM-DD", help=help_)
    elif w.kind == "many":
        options = list(dict.fromkeys([*w.choices(facts), *st.session_state.get(w.key, [])]))
        sb.multiselect(w.label, options, key=w.key, accept_new_options=w.free, help=help_)
    elif w.kind == "one":
        labels = w.labels or {}
        sb.selectbox(w.label, list(w.choices(facts)), key=w.key, format_func=lambda v: labels.get(v, v), help=help_)
    elif w.kind == "toggle":
        sb.toggle(w.label, key=w.key, help=help_)
    else:
        sb.text_input(w.label, key=w.key, help=help_)


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


def control_sidebar(sb, store) -> dict:
    """The control map's widgets (only when snapshots are imported); returns its ViewState fields."""
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
    return {"control": st.session_state["f_control_source"], "control_date": st.session_state.get("f_control_date"),
            "changes": bool(st.session_state.get("f_changes"))}


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
    facts = _PageFacts(shared.facts(fingerprint, store), fingerprint, store)
    _init_from_url(facts.datasets)
    _apply_brush()
    if st.session_state.get("_ce_area_pending"):  # set before the widget is drawn, as Streamlit requires
        st.session_state["f_area"] = st.session_state.pop("_ce_area_pending")
    sb = st.sidebar
    sb.header("Filters")
    # One box a row: two side by side at the sidebar's width cut the date to its year.
    for t in TERMS:
        if t.widget:
            draw_term(sb, t, facts)
    try:
        f = make_filter(**{t.name: t.from_widget(st.session_state.get(t.widget.key), st.session_state.get(
            "_ce_url_" + t.name, t.default)) for t in TERMS if t.widget})
    except FilterError as exc:
        from dashboard.safe import notice_html

        sb.html(notice_html(f"Filter ignored: {exc}", "error"))
        f = Filter()
    control = control_sidebar(sb, store)
    event = st.session_state.get("_ce_event")
    state = ViewState(event=event, unc=bool(st.session_state.get("f_unc")),
                      tiles=bool(st.session_state.get("f_tiles")), **control)
    # view= is the map's own to write (ViewInUrl): it puts it back after this rewrite.
    st.query_params.from_dict({**to_query(f), **state.to_query()})
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
    """The page, top to bottom: the sidebar's filter, the heading and notices, the numbers, the map,
    then (once the map says it is drawn) the timeline, the table, the downloads and the history."""
    f = sidebar(store, fingerprint, user)
    fkey = filter_key(f)
    v = shared.view(fingerprint, fkey, store)
    _heading(store)
    _metrics(v, shared.facts(fingerprint, store))
    table_key = f"table-{abs(hash(fkey))}"  # a new filter, a new table: no stale row selected
    table = shared.newest(fingerprint, fkey, store, TABLE_COLUMNS)
    if not _map(store, f, v, fingerprint, _picked_row(table, table_key)):
        # A session's first page: the map alone. Drawing the chart and the table beside it costs the
        # browser half a second of the map's time; the map says when it is drawn, and they follow.
        st.caption("The timeline and the table of events follow once the map is drawn.")
        return
    _timeline(store, f, fingerprint)
    _table(table, table_key, v.count, store.link_counts()[0])
    _downloads(export, f, v.count)
    history_panel(store)
    st.caption("Downloads hold exactly the events shown (CSV cells that a spreadsheet would run as formulas "
               "start with an apostrophe). Places: GeoNames (CC BY 4.0); boundaries: Natural Earth (public domain).")


def _heading(store) -> None:
    from dashboard.safe import notice_html

    problems = store.problems()
    with st.container(key="ce-heading"):
        st.title("Conflict event map")
        st.caption("Located incidents from news reports, with who claims what and how precise each place and "
                   "date is.")
    for notice in st.session_state.get("_ce_notices", []):
        st.html(notice_html(notice))
    if problems:
        with st.container(border=True):
            st.warning(f"{len({p.path for p in problems})} invalid record file(s) are not shown; "
                       "the valid events are. Fix them and run `python -m events validate`.", icon="⚠️")
            st.code("\n".join(str(p) for p in problems), language=None)
    st.html(PAGE_CSS)


def _metrics(v, facts) -> None:
    m1, m2, m3, m4 = st.container(key="ce-metrics").columns(4)
    m1.metric("Events shown", f"{v.count:,}")
    m2.metric("Events in store", f"{facts.total:,}")
    m3.metric("Fatalities reported (shown)", f"{v.fatalities_reported:,}",
              help=f"Claimed or disputed, counted apart: {v.fatalities_claimed:,}. Injured: {v.injured:,}.")
    m4.metric("Claimed or disputed (shown)", f"{v.claimed_or_disputed:,}")


def _map(store, f: Filter, v, fingerprint: str, picked: str | None) -> bool:
    """The map of the filtered events (one event's alone when a link or a table row asks), with the
    control map under it when asked; True once the map has said it is drawn."""
    fkey = filter_key(f)
    event = st.session_state.get("_ce_event")
    if event:
        c1, c2 = st.columns([4, 1])
        c1.text(f"Showing one event: {event}" if v.count else  # text, not markdown: the id is from the URL
                f"No event with id {event!r} among the events shown (mistyped, retracted, or unreviewed: "
                "tick 'Show unreviewed events too').")
        c2.button("Show all events", key="show_all", on_click=_show_all)
    elif v.count == 0:
        st.info("No events match these filters. Widen the dates or clear a filter.", icon="🔍")
    many = v.count > mapview.MAX_FEATURES
    if picked and many:  # the map shows grid cells: open the event on its own, with a way back
        st.session_state["_ce_event"] = picked
        st.rerun()
    open_id = picked or (event if event and v.count else None)
    bounds = st.session_state.get("_ce_bounds") if st.session_state.get("_ce_bounds_for") == fkey else None
    kind, payload, description, in_view = shared.map_layer(fingerprint, fkey, bounds if many else None, store,
                                                           v.count)
    if in_view < v.count:
        description = f"In the map view: {description} Zoom out to see all {v.count:,}."
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
    with st.container(key="ce-map"):
        state = foliummap.show(rendered, layer, key="event_map", height=MAP_HEIGHT, center=center, zoom=zoom,
                               returned_objects=["bounds"] if many else [])
    st.caption(description)  # under the map: what it shows, after it
    drawn = state.get("ce_area") if isinstance(state, dict) else None
    if drawn and drawn != st.session_state.get("_ce_area_seen"):  # a box drawn on the map: the area filter
        st.session_state["_ce_area_seen"] = st.session_state["_ce_area_pending"] = drawn
        st.rerun()
    if many:  # zooming in on many events: draw what is in view, in detail once few enough
        seen = mapview.bounds_of(state)
        if seen and seen != bounds:
            st.session_state["_ce_bounds"], st.session_state["_ce_bounds_for"] = seen, fkey
            st.rerun()
    return bool(st.session_state.get(foliummap.DRAWN))


def _timeline(store, f: Filter, fingerprint: str) -> None:
    from dashboard.timeline import BRUSH as BRUSH_MODE

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


def _table(table, table_key: str, count: int, seen: dict | None = None) -> None:
    st.subheader("Events")
    if count > TABLE_ROWS:
        st.caption(f"The newest {TABLE_ROWS:,} of {count:,} events; the downloads hold them all.")
    st.caption("Newest first, across the catalogue and every dataset. Select a row to open it on the map.")
    st.dataframe(table_view(table, seen), hide_index=True, width="stretch", key=table_key, on_select="rerun",
                 selection_mode="single-row",
                 column_config={"date": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                "end_date": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                "source": st.column_config.LinkColumn("first source", display_text="open"),
                                "claim_status": "claim", "claimed_by": "claimed by",
                                "seen_by": st.column_config.NumberColumn(
                                    "seen by", help="other sources of the same incident (accepted links)")})


def _downloads(export: Callable[[Filter, str], bytes], f: Filter, count: int) -> None:
    if count > DOWNLOAD_MAX:
        st.info(f"{count:,} events are too many to download from the page; filter down to "
                f"{DOWNLOAD_MAX:,} or export them with `python -m events export` and the same filters.")
        return

    # Built only when clicked (on its own thread), then kept in a cache bounded by bytes.
    for column, fmt in zip(st.columns([1] * len(EXPORT_FORMATS) + [5 - len(EXPORT_FORMATS)]), EXPORT_FORMATS):
        column.download_button(f"Download {FORMAT_NAMES[fmt]}", lambda fmt=fmt: export(f, fmt), file_name=f"events.{fmt}",
                               mime=MEDIA_TYPES[fmt], key=f"dl_{fmt}", on_click="ignore")


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


def table_view(table, seen: dict | None = None):
    """The table as shown: the first source as a link (http(s) only; anything else is left out), and
    how many other sources saw each event (Storage.link_counts) beside who claims it."""
    from events.schema import HTTP_URL

    out = table.copy()
    first = out.pop("source_urls").astype("string").str.extract(r"(https?://[^\s;|]+)", flags=re.I)[0]
    out.insert(out.columns.get_loc("fatalities"), "source", first.where(first.str.match(HTTP_URL, case=False).fillna(False).astype(bool)))
    out.insert(out.columns.get_loc("claimed_by") + 1, "seen_by",
               out["id"].astype(str).map(seen or {}).fillna(0).astype(int))
    return out


def history_panel(store) -> None:
    """Every change of one curated event (who, when, what), refused attempts included."""
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
