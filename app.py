"""Conflict event map: the dashboard. A thin view over events/ and geodata/.

Run with `make run` (or `streamlit run app.py`). EVENTS_CATALOG=DIR shows
another catalogue.
"""
from __future__ import annotations

import streamlit as st

from dashboard import view

st.set_page_config(page_title="Conflict event map", page_icon="🗺️", layout="wide")


@st.cache_resource(show_spinner="Loading the event store…", max_entries=2)
def get_catalog(directory: str, data: str, fingerprint: str):
    """The curated catalogue plus every dataset, loaded once per process and state,
    shared by every session."""
    from events.store import load_store

    return load_store(directory, data)


@st.cache_data(show_spinner=False, max_entries=16)
def get_export(directory: str, data: str, fingerprint: str, filter_key: tuple, fmt: str) -> bytes:
    """Exactly what `python -m events export` writes for the same filter (cached on plain values)."""
    from events.export import export_bytes
    from events.query import Filter, apply

    cat = get_catalog(directory, data, fingerprint)
    return export_bytes(apply(cat.events, Filter(*filter_key)), fmt)


from events.datasets import data_dir  # noqa: E402
from events.store import catalog_dir, fingerprint  # noqa: E402

directory, data = str(catalog_dir()), str(data_dir())
fp = fingerprint(directory, data)
catalog = get_catalog(directory, data, fp)
view.render(catalog, export=lambda f, fmt: get_export(directory, data, fp, view.filter_key(f), fmt))
