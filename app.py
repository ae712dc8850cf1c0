"""Conflict event map: the dashboard. A thin view over events/ and geodata/.

Run with `make run` (python -m dashboard.serve, which loads the store as the server starts),
or `streamlit run app.py`. EVENTS_CATALOG=DIR shows another catalogue.
"""
from __future__ import annotations

import streamlit as st

from dashboard import view
from dashboard.data import get_catalog, location

st.set_page_config(page_title="Conflict event map", page_icon="🗺️", layout="wide")

directory, data, fp = location()
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
