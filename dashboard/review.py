"""The review page: who else saw each curated event. Candidates from the datasets chosen, best
first (events.corroborate.against); a person decides them one by one in the table, or in bulk by
score, and every decision is written through the store as a link of the curated event
(events.corroborate.decide: a version and a history line each; a rejection is a 'not-same' link,
so the pair is never proposed again). Reading needs no sign-in; writing does (dashboard.identity).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.identity import Identity
from dashboard.safe import notice_html
from events.corroborate import DECISIONS, against, decide
from events.errors import EventsError
from events.filters import make_filter
from events.vocab import CURATED, RELATIONS, SEEN_RELATIONS

SHOWN = 500  # candidates in the table at once; the bulk buttons act on all of them
COLUMNS = ["decision", "score", "event_id", "match_id", "match_dataset", "km", "days", "reasons"]


def render(store, who: Identity) -> None:
    st.title("Review matches")
    st.caption("Who else saw it: each curated event's candidates among the rows of the datasets you choose, best "
               "first, with the reasons (km and days apart, the kinds, a shared place or actor). Accept or reject "
               "them here; an accepted link counts as corroboration, a rejected pair is never proposed again.")
    if who.signed_in:
        st.caption(f"Deciding as {who.name} ({who.via})")
    else:
        st.html(notice_html(f"Read-only: {who.why_read_only}.", "warning"))
    datasets = [d for d in store.datasets() if d != CURATED]
    if not datasets:
        st.info("No imported dataset to match against: import one first (python -m events import …).")
        return
    with st.form("r_find"):
        chosen = st.multiselect("Against", datasets, default=datasets[:1], key="r_against")
        floor = st.slider("Leave out candidates scoring below", 0.0, 1.0, 0.5, 0.05, key="r_floor")
        if st.form_submit_button("Find candidates", type="primary"):
            st.session_state["r_found"] = against(store, make_filter(datasets=[CURATED], review=["all"]), chosen,
                                                  min_score=floor) if chosen else pd.DataFrame()
    found = st.session_state.get("r_found")
    if found is None:
        return
    found = found[found["event_dataset"] == CURATED] if len(found) else found
    if not len(found):
        st.info("No undecided candidate: nothing else in those datasets lies near a curated event in place, "
                "time and kind.")
        return
    st.write(f"{len(found):,} undecided candidate{'s' if len(found) != 1 else ''} for "
             f"{found['event_id'].nunique():,} curated event{'s' if found['event_id'].nunique() != 1 else ''}"
             + (f"; the best {SHOWN:,} are shown" if len(found) > SHOWN else ""))
    table = found.head(SHOWN).assign(decision="")[COLUMNS]
    edited = st.data_editor(table, key="r_table", hide_index=True, width="stretch", disabled=COLUMNS[1:],
                            column_config={"decision": st.column_config.SelectboxColumn(
                                "decision", options=["", *DECISIONS], help="a relation to write, or reject")})
    c1, c2, c3 = st.columns([2, 2, 3])
    relation = c1.selectbox("Bulk relation", [r for r in RELATIONS if r in SEEN_RELATIONS] + ["contradicts"],
                            key="r_relation")
    above = c2.number_input("for every candidate scoring at least", 0.0, 1.0, 0.9, 0.05, key="r_above")
    writes = {
        "table": c3.button("Write the decisions in the table", disabled=not who.signed_in, type="primary"),
        "accept": c3.button(f"Accept all scoring {above:g} or more", disabled=not who.signed_in, key="r_accept"),
        "reject": c3.button(f"Reject all scoring below {above:g}", disabled=not who.signed_in, key="r_reject"),
    }
    if writes["table"]:
        chosen_rows = edited[edited["decision"].fillna("") != ""]
    elif writes["accept"]:
        chosen_rows = found[found["score"] >= above].assign(decision=relation)
    elif writes["reject"]:
        chosen_rows = found[found["score"] < above].assign(decision="reject")
    else:
        return
    try:
        done = decide(store, chosen_rows, user=who.actor())
    except EventsError as exc:
        st.html(notice_html(str(exc)))
        return
    written = sum(n for _, n in done)
    st.session_state.pop("r_found", None)  # decided pairs are not proposed again: find afresh
    st.success(f"{written:,} link{'s' if written != 1 else ''} written for {len(done):,} curated "
               f"event{'s' if len(done) != 1 else ''}; find again for the rest")
