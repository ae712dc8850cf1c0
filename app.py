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


from events.datasets import data_dir  # noqa: E402
from events.store import catalog_dir, fingerprint  # noqa: E402

directory, data = str(catalog_dir()), str(data_dir())
fp = fingerprint(directory, data)
catalog = get_catalog(directory, data, fp)


def export(f, fmt: str) -> bytes:
    """Exactly what `python -m events export` writes for the same filter; built on the first click,
    shared by every session through a cache bounded by bytes."""
    from dashboard.shared import downloads
    from events.export import export_bytes
    from events.query import apply

    return downloads.get((fp, view.filter_key(f), fmt), lambda: export_bytes(apply(catalog.events, f), fmt))


view.render(catalog, export=export, fingerprint=fp)

from dashboard.shared import tidy_memory  # noqa: E402

tidy_memory()
