"""Conflict event map: the dashboard. A thin view over the store (events/storage).

Run with `make run` (python -m dashboard.serve, which opens the store as the server starts),
or `streamlit run app.py`. EVENTS_CATALOG=DIR shows another catalogue; EVENTS_DB=postgresql://...
the team's PostGIS store. Three pages: the map, "Add events" (draft from an article, edit), and
"Review matches" (who else saw each curated event: accept or reject candidates in bulk).
"""
from __future__ import annotations

import streamlit as st

from dashboard import view
from dashboard.data import identity, run_page, storage

st.set_page_config(page_title="Conflict event map", page_icon="🗺️", layout="wide")


def map_page() -> None:
    store, fp = storage()

    def export(f, fmt: str) -> bytes:
        """Exactly what `python -m events export` writes for the same filter; built on the first click,
        shared by every session through a cache bounded by bytes."""
        from dashboard.shared import downloads

        return downloads.get((fp, view.filter_key(f), fmt), lambda: b"".join(store.export(f, fmt)))

    view.render(store, export=export, fingerprint=fp, user=identity().label)


def add_page() -> None:
    from dashboard import curate

    store, _ = storage()
    curate.render(store, identity())


def review_page() -> None:
    from dashboard import review

    store, _ = storage()
    review.render(store, identity())


page = st.navigation([st.Page(map_page, title="Map", icon="🗺️", url_path="map", default=True),
                      st.Page(add_page, title="Add events", icon="✍️", url_path="add"),
                      st.Page(review_page, title="Review matches", icon="🔗", url_path="review")])
run_page(page)

from dashboard.shared import tidy_memory  # noqa: E402

tidy_memory()
