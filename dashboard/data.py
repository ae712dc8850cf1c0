"""The store the dashboard shows, opened once per process and shared by every session.

A module of its own (not app.py, which Streamlit re-runs as a script) so that the
launcher (dashboard/serve.py) can load the store in the background when the server
starts, into the same cache the page reads: the first visitor does not pay for it.
EVENTS_DB=postgresql://... shows the team's PostGIS store instead of the embedded one.
"""
from __future__ import annotations

import os

import streamlit as st

from events.datasets import data_dir
from events.storage import database_url
from events.records import catalog_dir
from events.store import fingerprint

# The header the team's sign-in proxy sets to the signed-in user's name (oauth2-proxy:
# X-Forwarded-User / X-Auth-Request-User). Only trust it behind such a proxy.
USER_HEADER = os.environ.get("EVENTS_USER_HEADER", "X-Forwarded-User")


def location() -> tuple[str, str, str, str]:
    """(database URL or '', catalogue folder, datasets folder, fingerprint of the current contents)."""
    db = database_url() or ""
    directory, data = str(catalog_dir()), str(data_dir())
    if db:
        return db, directory, data, get_storage(db, directory, data, "").fingerprint()
    return db, directory, data, fingerprint(directory, data)


@st.cache_resource(show_spinner="Loading the event store…", max_entries=2)
def get_storage(db: str, directory: str, data: str, fingerprint: str):
    """The store, opened once per process (and, for the embedded store, per version of its files:
    a database tells its own version, so one connection serves every version)."""
    from events.storage import open_storage

    store = open_storage(db or None, directory, data)
    if not db:
        _ = store.table  # load now, under the spinner
    return store


def storage():
    """(the store, the fingerprint views are cached on: the store's and the control snapshots')."""
    db, directory, data, fp = location()
    store = get_storage(db, directory, data, "" if db else fp)
    return store, f"{fp}|{store.archive.fingerprint()}"


def user() -> str:
    """Who is using the page: the sign-in proxy's header, else $EVENTS_USER, else the server's login."""
    from events.storage import current_user

    try:
        header = st.context.headers.get(USER_HEADER)
    except Exception:  # noqa: BLE001 - no request context (background warm-up)
        header = None
    return current_user(header)


def warm() -> int:
    """Open the store and compute what the first visitor's page asks for with no filter: the
    counts, timeline, table, sidebar choices, the base map and the map's layer."""
    from dashboard import foliummap, shared
    from dashboard.view import TABLE_COLUMNS
    from events.filters import Filter, key

    store, fp = storage()
    k = key(Filter())
    shared.facts(fp, store)
    v = shared.view(fp, k, store)
    shared.timeline(fp, k, store)
    shared.newest(fp, k, store, TABLE_COLUMNS)
    for columns in (("actor1", "actor2"), ("claimed_by",)):
        shared.names(fp, columns, store)
    kind, payload, _, _ = shared.map_layer(fp, k, None, store, v.count)
    foliummap.layer_js((fp, k, None, False, None), kind, payload, foliummap.base(False))
    return shared.facts(fp, store).total
