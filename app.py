"""Conflict event map: the dashboard. A thin view over events/ and geodata/.

Run with `make run` (or `streamlit run app.py`). EVENTS_CATALOG=DIR shows
another catalogue.
"""
from __future__ import annotations

import hashlib
import os

import streamlit as st

from dashboard import view

st.set_page_config(page_title="Conflict event map", page_icon="🗺️", layout="wide")


@st.cache_resource(show_spinner="Loading the event store…", max_entries=4)
def get_catalog(directory: str, fingerprint: str):
    """Loaded once per process and catalogue state, shared by every session."""
    from events.store import load_catalog

    return load_catalog(directory)


@st.cache_data(show_spinner=False, max_entries=64)
def get_export(directory: str, fingerprint: str, filter_key: tuple, fmt: str) -> bytes:
    """Exactly what `python -m events export` writes for the same filter (cached on plain values)."""
    from events.export import export_bytes
    from events.query import Filter, apply

    cat = get_catalog(directory, fingerprint)
    return export_bytes(apply(cat.events, Filter(*filter_key)), fmt)


def fingerprint(directory: str) -> str:
    """Changes when a record is added, removed or edited, so edits show without a restart."""
    h = hashlib.sha1()
    try:
        with os.scandir(directory) as it:
            for e in sorted(it, key=lambda e: e.name):
                if e.name.endswith((".yaml", ".yml")):
                    s = e.stat()
                    h.update(f"{e.name}:{s.st_mtime_ns}:{s.st_size};".encode())
    except OSError:
        pass
    return h.hexdigest()


from events.store import catalog_dir  # noqa: E402

directory = str(catalog_dir())
fp = fingerprint(directory)
catalog = get_catalog(directory, fp)
view.render(catalog, export=lambda f, fmt: get_export(directory, fp, view.filter_key(f), fmt))
