"""The store the dashboard shows, opened once per process and shared by every session.

A module of its own (not app.py, which Streamlit re-runs as a script) so that the
launcher (dashboard/serve.py) can load the store in the background when the server
starts, into the same cache the page reads: the first visitor does not pay for it.
EVENTS_DB=postgresql://... shows the team's PostGIS store instead of the embedded one.
"""
from __future__ import annotations

import logging
import os

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import foliummap, shared
from events.datasets import data_dir
from events.errors import StorageError, StoreUnavailable
from events.filters import Filter, key
from events.records import catalog_dir
from events.storage import database_url, open_storage


def location() -> tuple[str, str, str, str]:
    """(database URL or '', catalogue folder, datasets folder, fingerprint of the current contents),
    the fingerprint told by the store itself: the embedded store's files are looked at through a
    store object that reads no rows (_probe), a database tells its own version."""
    db = database_url() or ""
    directory, data = str(catalog_dir()), str(data_dir())
    store = get_storage(db, directory, data, "") if db else _probe(directory, data)
    return db, directory, data, store.fingerprint()


@st.cache_resource(show_spinner=False, max_entries=2)
def _probe(directory: str, data: str):
    """An embedded store opened but never loaded, kept to ask what version its files are at."""
    return open_storage(None, directory, data)


# The team store's open pools, so that a lost database's pool can be closed (not left retrying).
_OPEN: dict[str, object] = {}
# How often an open page asks whether the team store changed or went away, and, while it is away,
# whether it is back (seconds).
WATCH_S = float(os.environ.get("EVENTS_DB_WATCH_S", "3") or 3)


@st.cache_resource(show_spinner="Loading the event store…", max_entries=2)
def get_storage(db: str, directory: str, data: str, fingerprint: str):
    """The store, opened once per process (and, for the embedded store, per version of its files:
    a database tells its own version, so one connection serves every version)."""
    store = open_storage(db or None, directory, data)
    if not db:
        _ = store.table  # load now, under the spinner
    else:
        _OPEN[db] = store
    return store


def run_page(page) -> None:
    """Run the page; on the team store, follow it while it is open (watch), and when the database
    goes away show only a notice until it is back. A failure found after the page had drawn part of
    itself reruns it at once, so nothing drawn from the database before stays on screen beside
    the notice."""
    db = database_url() or ""
    down = st.session_state.get("_db_down")
    if db and down:
        from events.storage.postgis import reachable

        if not reachable(db):
            return _unavailable(db, down)
        st.session_state.pop("_db_down", None)
    try:
        if db:
            shown = _state()
            _say_lag(shown[1])
        page.run()
        if db:
            watch(shown)
    except StoreUnavailable as exc:
        st.session_state["_db_down"] = str(exc)
        _forget(db)
        st.rerun()


def _forget(db: str) -> None:
    """Drop the lost database's store: its pool would keep retrying with a growing back-off, and the
    next page run opens a fresh one as soon as the server answers."""
    get_storage.clear()
    old = _OPEN.pop(db, None)
    if old is not None:
        old.close()


def _unavailable(db: str, why: str) -> None:
    from dashboard.safe import notice_html

    st.html(notice_html(f"The event database is not reachable ({why}). Nothing from it is shown until it is "
                        f"back; this page checks every {WATCH_S:g} s and reloads by itself.", "error"))
    _wait_for_database(db)


@st.fragment(run_every=WATCH_S)
def _wait_for_database(db: str) -> None:
    from events.storage.postgis import reachable

    if reachable(db):
        st.rerun(scope="app")


def _state() -> tuple[str, dict | None]:
    """What the page shows (the fingerprint of the store it reads) and, with a read replica, how far
    that replica is behind the primary."""
    store, fp = storage()
    return fp, store.lag()


def _say_lag(lag: dict | None) -> None:
    if not lag or not lag["behind"]:
        return
    from dashboard.safe import notice_html

    ago = f"; it last replayed a change {lag['seconds']:.0f} s ago" if lag["seconds"] is not None else ""
    st.html(notice_html(f"This page reads a replica that is behind the primary: it holds store version "
                        f"{lag['replica']}, the primary {lag['primary']}{ago}. The newest edits are not shown yet; "
                        "the page updates by itself when the replica has them.", "warning"))


@st.fragment(run_every=WATCH_S)
def watch(shown: tuple[str, dict | None]) -> None:
    """On the team store, rerun the page when the data it shows changed (someone's edit, a push),
    when its replica falls behind or catches up, or when the database went away: what is on screen
    is never older than WATCH_S without saying so."""
    try:
        fp, lag = _state()
        now = (fp, bool(lag and lag["behind"]))
    except StorageError:
        now = None
    if now != (shown[0], bool(shown[1] and shown[1]["behind"])):
        st.rerun(scope="app")


def storage():
    """(the store, the fingerprint views are cached on: the store's and the control snapshots')."""
    db, directory, data, fp = location()
    store = get_storage(db, directory, data, "" if db else fp)
    return store, f"{fp}|{store.archive.fingerprint()}"


def identity():
    """Who is at this page (dashboard.identity decides whether the sign-in header is believed).
    A bad EVENTS_TRUSTED_PROXIES makes everyone read-only, with the setting named."""
    from dashboard.identity import Identity, SettingError, from_environment

    try:
        headers = [(k, v) for k in st.context.headers.keys() for v in st.context.headers.get_all(k)]
    except Exception:  # noqa: BLE001 - no request context (background warm-up)
        headers = []
    try:
        who = from_environment(headers, _peer())
    except SettingError as exc:
        who = Identity(None, "", str(exc), str(exc))
    if who.warning and st.session_state.get("_identity_warned") != who.warning:
        st.session_state["_identity_warned"] = who.warning  # once per session, not on every rerun
        logging.getLogger("dashboard.identity").warning(who.warning)
    return who


def _peer() -> str | None:
    """The TCP peer's address of this session's connection. st.context.ip_address hides loopback
    (None, the same as "unknown"), which is the one distinction the identity rules need."""

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return None
    client = runtime.get_instance().get_client(ctx.session_id)
    context = getattr(client, "client_context", None)
    return getattr(context, "remote_ip", None)


def warm() -> int:
    """Open the store and compute what the first visitor's page asks for with no filter: the
    counts, timeline, table, sidebar choices, the base map and the map's layer."""
    from dashboard.view import TABLE_COLUMNS

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
