"""The page: sidebar filters (mirrored in the URL), metrics, map, timeline, table, downloads."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import astuple

import pandas as pd
import streamlit as st

from dashboard.urlstate import KEYS, parse_query, to_query
from events.errors import FilterError
from events.query import Filter, apply, make_filter
from events.vocab import CLAIM_STATUSES, EVENT_TYPES, SUB_EVENT_TYPES

TYPE_OPTIONS = list(EVENT_TYPES) + list(SUB_EVENT_TYPES)
TABLE_ROWS = 2000  # the table shows the latest events; a browser table of a million rows helps nobody
DOWNLOAD_MAX = 200_000  # larger exports belong to the CLI, which streams


def filter_key(f: Filter) -> tuple:
    return astuple(f)


def _init_from_url(df: pd.DataFrame) -> None:
    """Seed the widgets from the URL once per session; later the widgets lead."""
    if st.session_state.get("_ce_init"):
        return
    params = {k: st.query_params.get_all(k) for k in KEYS}
    f, notices = parse_query(params)
    st.session_state["_ce_notices"] = notices
    st.session_state["f_from"] = f.date_from
    st.session_state["f_to"] = f.date_to
    st.session_state["f_types"] = list(f.types)
    st.session_state["f_regions"] = list(f.regions)
    st.session_state["f_claims"] = list(f.claims)
    st.session_state["f_q"] = f.q
    st.session_state["f_datasets"] = list(f.datasets)
    st.session_state["_ce_init"] = True


def _region_options(df: pd.DataFrame, chosen: list[str]) -> list[str]:
    countries = sorted(df["country"].dropna().unique())
    admin1 = sorted(df["admin1"].dropna().unique())
    return list(dict.fromkeys([*countries, *admin1, *chosen]))


def sidebar(df: pd.DataFrame) -> Filter:
    _init_from_url(df)
    sb = st.sidebar
    sb.header("Filters")
    c1, c2 = sb.columns(2)
    lo = df["date"].min().date() if len(df) else dt.date(2022, 1, 1)
    hi = df["date"].max().date() if len(df) else dt.date.today()
    c1.date_input("From", key="f_from", value=None, min_value=dt.date(1989, 1, 1), format="YYYY-MM-DD",
                  help=f"Earliest event: {lo}")
    c2.date_input("To", key="f_to", value=None, min_value=dt.date(1989, 1, 1), format="YYYY-MM-DD",
                  help=f"Latest event: {hi}")
    sb.multiselect("Event type or sub-type", TYPE_OPTIONS, key="f_types")
    sb.multiselect("Region (country or admin-1)", _region_options(df, st.session_state.get("f_regions", [])),
                   key="f_regions", help="Country code or oblast; any spelling works in the URL")
    sb.multiselect("Claim status", list(CLAIM_STATUSES), key="f_claims",
                   help="reported · claimed (one side, unverified) · confirmed · disputed")
    sb.text_input("Search text", key="f_q", help="Title, summary, notes and source quotes")
    datasets = sorted(df["dataset"].dropna().unique()) if len(df) else []
    if len(datasets) > 1 or st.session_state.get("f_datasets"):
        sb.multiselect("Dataset", list(dict.fromkeys([*datasets, *st.session_state.get("f_datasets", [])])),
                       key="f_datasets", help="'curated' is the hand-curated catalogue; the others are imports")
    try:
        f = make_filter(date_from=st.session_state.get("f_from"), date_to=st.session_state.get("f_to"),
                        types=st.session_state.get("f_types"), regions=st.session_state.get("f_regions"),
                        claims=st.session_state.get("f_claims"), q=st.session_state.get("f_q"),
                        datasets=st.session_state.get("f_datasets"))
    except FilterError as exc:
        sb.error(f"Filter ignored: {exc}")
        f = Filter()
    st.query_params.from_dict(to_query(f))
    sb.caption("The filters live in the URL: copy it to share this view.")
    sb.divider()
    sb.toggle("Online basemap (OpenStreetMap)", key="f_tiles", value=False,
              help="Needs internet. Without it the offline boundaries and labels stay readable.")
    return f


def render(catalog, export: Callable[[Filter, str], bytes]) -> None:
    from dashboard import mapview
    from dashboard.timeline import colours, per_day_by_type

    df = catalog.events
    f = sidebar(df)
    shown = apply(df, f)

    st.title("Conflict event map")
    st.caption("Located incidents from news reports, with who claims what and how precise each place and date is.")
    for notice in st.session_state.get("_ce_notices", []):
        st.info(notice, icon="🔗")
    if catalog.problems:
        with st.container(border=True):
            st.warning(f"{len(catalog.invalid_files)} invalid record file(s) are not shown; "
                       "the valid events are. Fix them and run `python -m events validate`.", icon="⚠️")
            st.code("\n".join(str(p) for p in catalog.problems), language=None)

    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Events shown", f"{len(shown):,}")
    m2.metric("Events in store", f"{len(df):,}")
    m3.metric("Fatalities (shown)", f"{int(shown['fatalities'].sum(skipna=True)):,}")
    m4.metric("Claimed or disputed (shown)", f"{int(shown['claim_status'].isin(['claimed', 'disputed']).sum()):,}")

    if shown.empty:
        st.info("No events match these filters. Widen the dates or clear a filter.", icon="🔍")

    from streamlit_folium import st_folium

    center, zoom = mapview.fit_view(shown)
    many = len(shown) > mapview.MAX_FEATURES
    fkey = filter_key(f)
    bounds = st.session_state.get("_ce_bounds") if st.session_state.get("_ce_bounds_for") == fkey else None
    drawn = mapview.within(shown, bounds) if many and bounds else shown
    group, description = mapview.event_group(drawn)
    if len(drawn) < len(shown):
        description = f"In the map view: {description} Zoom out to see all {len(shown):,}."
    st.caption(description)
    state = st_folium(mapview.base_map(online_tiles=st.session_state.get("f_tiles", False)),
                      feature_group_to_add=group, center=center, zoom=zoom,
                      returned_objects=["bounds"] if many else [], key="event_map", height=580,
                      use_container_width=True)
    if many:  # zooming in on many events: draw what is in view, in detail once few enough
        seen = mapview.bounds_of(state)
        if seen and seen != bounds:
            st.session_state["_ce_bounds"], st.session_state["_ce_bounds_for"] = seen, fkey
            st.rerun()

    st.subheader("Timeline")
    counts = per_day_by_type(shown)
    if counts.empty:
        st.caption("No events to chart.")
    else:
        st.bar_chart(counts, color=colours(counts.columns), height=220, x_label="date", y_label="events per day")

    st.subheader("Events")
    if len(shown) > TABLE_ROWS:
        st.caption(f"The latest {TABLE_ROWS:,} of {len(shown):,} events; the downloads hold them all.")
    table = shown.iloc[-TABLE_ROWS:].iloc[::-1][["date", "end_date", "date_precision", "title", "event_type", "sub_event_type", "location_name",
                   "admin1", "country", "geo_precision", "uncertainty_km", "fatalities", "injured",
                   "claim_status", "claimed_by", "id"]]
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"date": st.column_config.DateColumn(format="YYYY-MM-DD"),
                                "end_date": st.column_config.DateColumn(format="YYYY-MM-DD")})

    if len(shown) > DOWNLOAD_MAX:
        st.info(f"{len(shown):,} events are too many to download from the page; filter down to "
                f"{DOWNLOAD_MAX:,} or export them with `python -m events export` and the same filters.")
    else:
        d1, d2, _ = st.columns([1, 1, 3])
        d1.download_button("Download GeoJSON", export(f, "geojson"), file_name="events.geojson",
                           mime="application/geo+json", key="dl_geojson")
        d2.download_button("Download CSV", export(f, "csv"), file_name="events.csv", mime="text/csv", key="dl_csv")
    st.caption("Downloads hold exactly the events shown. Places: GeoNames (CC BY 4.0); boundaries: "
               "Natural Earth (public domain).")
