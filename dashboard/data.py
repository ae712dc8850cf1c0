"""The store the dashboard shows, loaded once per process and shared by every session.

A module of its own (not app.py, which Streamlit re-runs as a script) so that the
launcher (dashboard/serve.py) can load the store in the background when the server
starts, into the same cache the page reads: the first visitor does not pay for it.
"""
from __future__ import annotations

import streamlit as st

from events.datasets import data_dir
from events.store import catalog_dir, fingerprint


def location() -> tuple[str, str, str]:
    """(catalogue folder, datasets folder, fingerprint of their current contents)."""
    directory, data = str(catalog_dir()), str(data_dir())
    return directory, data, fingerprint(directory, data)


@st.cache_resource(show_spinner="Loading the event store…", max_entries=2)
def get_catalog(directory: str, data: str, fingerprint: str):
    """The curated catalogue plus every dataset, loaded once per process and state."""
    from events.store import load_store

    return load_store(directory, data)


def warm() -> int:
    """Load the store and compute the default view and the base map, as the first visitor would."""
    from dashboard import foliummap, shared
    from dashboard.view import filter_key
    from events.query import Filter

    directory, data, fp = location()
    catalog = get_catalog(directory, data, fp)
    shared.facts(fp, catalog.events)
    v = shared.view(fp, filter_key(Filter()), catalog.events)
    shared.timeline(fp, filter_key(Filter()), catalog.events, v)
    foliummap.base(False)
    return len(catalog.events)
