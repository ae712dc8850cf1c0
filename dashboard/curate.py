"""The "Add events" page: paste an article, get draft events, check and fix every field, accept.

A thin view over events.draft (the proposals) and the storage interface (save / retract with
versions): a record that would be invalid is refused by the same validation as
`python -m events validate`, and the form says which field and why. Everything shown from the
article or a record is escaped; links are http(s) only.
"""
from __future__ import annotations

import datetime as dt
import html
import json

import streamlit as st

from dashboard.identity import Identity
from events.errors import EventsError, NotFound
from events.storage.base import TRANSITIONS
from events.vocab import CLAIM_STATUSES, EVENT_TYPES, SUB_EVENT_TYPES

CLAIMS = CLAIM_STATUSES
PRECISIONS = ("day", "week", "month")


def highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    """The article with the quoted sentences marked; every character escaped."""
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out.append(html.escape(text[pos:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        pos = b
    out.append(html.escape(text[pos:]))
    return ("<div class='ce-article' style='white-space:pre-wrap;max-height:320px;overflow:auto;"
            "border:1px solid #ddd;padding:8px;font-size:0.9em'>" + "".join(out) + "</div>")


def _notice(message: str, kind: str = "error") -> None:
    from dashboard.safe import notice_html

    st.html(notice_html(message, kind))


def _number(raw: str, name: str) -> int | None:
    raw = (raw or "").strip()
    if raw == "":
        return None
    if not raw.isdigit():
        raise EventsError(f"{name}: {raw!r} is not a whole number (leave it empty when unknown)")
    return int(raw)


def _record_from_form(key: str, base: dict) -> dict:
    """The record as the form now says it (the store validates it on save)."""
    g = st.session_state
    loc = {"name": g[f"{key}_place"].strip(), "country": g[f"{key}_country"].strip().upper()}
    if g[f"{key}_admin1"].strip():
        loc["admin1"] = g[f"{key}_admin1"].strip()
    if g[f"{key}_near"].strip():
        near = {"place": g[f"{key}_near"].strip()}
        if g[f"{key}_near_km"].strip():
            try:
                near["distance_km"] = float(g[f"{key}_near_km"])
            except ValueError:
                raise EventsError(f"location.near.distance_km: {g[f'{key}_near_km']!r} is not a number") from None
        if g[f"{key}_near_bearing"].strip():
            near["bearing"] = g[f"{key}_near_bearing"].strip()
        loc["near"] = near
    if g[f"{key}_pin"].strip():
        try:
            lat, lon = (float(x) for x in g[f"{key}_pin"].replace(";", ",").split(","))
        except ValueError:
            raise EventsError(f"location.coordinates: {g[f'{key}_pin']!r} is not 'lat, lon'") from None
        loc["coordinates"] = {"lat": lat, "lon": lon}
        loc.pop("near", None)
    precision = g[f"{key}_geo_precision"]
    if precision != "auto":
        loc["precision"] = int(precision)
    record = {
        "id": g[f"{key}_id"].strip(),
        "title": g[f"{key}_title"].strip(),
        "date": g[f"{key}_date"].isoformat(),
        "date_precision": g[f"{key}_precision"],
        "event_type": g[f"{key}_type"],
        "sub_event_type": g[f"{key}_sub"],
        "actors": [a.strip() for a in g[f"{key}_actors"].split(";") if a.strip()],
        "location": loc,
        "fatalities": _number(g[f"{key}_killed"], "fatalities"),
        "injured": _number(g[f"{key}_injured"], "injured"),
        "claim": {"status": g[f"{key}_claim"], "by": g[f"{key}_by"].strip()},
        "sources": [dict(base["sources"][0], quote=g[f"{key}_quote"].strip())] + list(base["sources"][1:]),
    }
    if g[f"{key}_end"] is not None and g[f"{key}_end"] != g[f"{key}_date"]:
        record["end_date"] = g[f"{key}_end"].isoformat()
    for k in ("summary", "notes", "tags"):
        if base.get(k):
            record[k] = base[k]
    if g[f"{key}_notes"].strip():
        record["notes"] = g[f"{key}_notes"].strip()
    return record


def _form(key: str, rec: dict, why: dict | None, candidates: list[dict]) -> None:
    """Every field editable; the why of each proposal under it."""
    loc = rec.get("location", {})
    near = loc.get("near") or {}
    pin = loc.get("coordinates")
    st.text_input("Id (file name)", rec.get("id", ""), key=f"{key}_id")
    st.text_input("Title", rec.get("title", ""), key=f"{key}_title")
    c1, c2, c3 = st.columns(3)
    c1.date_input("Date", dt.date.fromisoformat(str(rec["date"])), key=f"{key}_date", min_value=dt.date(1900, 1, 1))
    end = rec.get("end_date")
    c2.date_input("End date", dt.date.fromisoformat(str(end)) if end else None, key=f"{key}_end",
                  min_value=dt.date(1900, 1, 1))
    c3.selectbox("Date precision", PRECISIONS, PRECISIONS.index(rec.get("date_precision", "day")), key=f"{key}_precision")
    _why(why, "date")
    c1, c2 = st.columns(2)
    types = list(EVENT_TYPES)
    c1.selectbox("Event type", types, types.index(rec["event_type"]) if rec.get("event_type") in types else 0,
                 key=f"{key}_type")
    subs = list(SUB_EVENT_TYPES)
    c2.selectbox("Sub-event type", subs, subs.index(rec["sub_event_type"]) if rec.get("sub_event_type") in subs else 0,
                 key=f"{key}_sub")
    _why(why, "type")
    c1, c2, c3 = st.columns(3)
    c1.text_input("Place", loc.get("name", ""), key=f"{key}_place")
    c2.text_input("Country (ISO 2)", loc.get("country", ""), key=f"{key}_country")
    c3.text_input("Admin-1 (oblast)", loc.get("admin1", "") or "", key=f"{key}_admin1")
    c1, c2, c3 = st.columns(3)
    c1.text_input("Near (reference place)", near.get("place", ""), key=f"{key}_near")
    c2.text_input("Distance from it, km", "" if near.get("distance_km") is None else str(near["distance_km"]),
                  key=f"{key}_near_km")
    c3.text_input("Bearing (N, NW, …)", near.get("bearing", "") or "", key=f"{key}_near_bearing")
    c1, c2 = st.columns(2)
    pin_key = f"{key}_pin"
    if pin_key not in st.session_state:
        st.session_state[pin_key] = f"{pin['lat']}, {pin['lon']}" if pin else ""
    c1.text_input("Manual pin 'lat, lon' (overrides the place lookup)", key=pin_key)
    options = ["auto", "1", "2", "3"]
    c2.selectbox("Geo precision", options, options.index(str(loc.get("precision", "auto"))), key=f"{key}_geo_precision",
                 help="1 the place itself, 2 near/approximate, 3 region-level")
    _why(why, "place")
    if candidates:
        st.caption("The gazetteer cannot settle this place: pick one of its candidates, or pin it on the map.")
        labels = ["—"] + [f"{c['name']} ({', '.join(x for x in (c.get('admin2'), c.get('admin1') or '?') if x)}, "
                          f"{c['country']}; pop. {c['population'] or 'unknown'}; {c['lat']:.4f}, {c['lon']:.4f})"
                          for c in candidates]
        choice = st.selectbox("Candidates", range(len(labels)), format_func=lambda i: labels[i], key=f"{key}_cand")
        if choice:
            c = candidates[choice - 1]
            st.session_state[pin_key] = f"{c['lat']}, {c['lon']}"
    c1, c2 = st.columns(2)
    c1.text_input("Fatalities (empty: unknown)", "" if rec.get("fatalities") is None else str(rec["fatalities"]),
                  key=f"{key}_killed")
    c2.text_input("Injured (empty: unknown)", "" if rec.get("injured") is None else str(rec["injured"]),
                  key=f"{key}_injured")
    _why(why, "fatalities")
    _why(why, "injured")
    claim = rec.get("claim", {})
    c1, c2 = st.columns(2)
    c1.selectbox("Claim status", CLAIMS, CLAIMS.index(claim.get("status", "reported")), key=f"{key}_claim")
    c2.text_input("Claimed by", claim.get("by", ""), key=f"{key}_by")
    _why(why, "claim")
    st.text_input("Actors (separated by ';')", "; ".join(rec.get("actors", [])), key=f"{key}_actors")
    st.text_area("Quote (verbatim)", (rec.get("sources") or [{}])[0].get("quote", ""), key=f"{key}_quote", height=120)
    st.text_area("Notes", rec.get("notes", "") or "", key=f"{key}_notes", height=80)


def _why(why: dict | None, name: str) -> None:
    if not why or name not in why:
        return
    w = why[name]
    text = f"{w.get('confidence', '?')} confidence: {w.get('how', '')}"
    if w.get("words"):
        text += f" — words: “{w['words']}”"
    st.caption(text.replace("$", "\\$"))  # caption renders markdown; no links or HTML are made from it


def _draft_map(drafts: list[dict]):
    """The candidates on the offline base map; a click there can pin the open draft."""
    import folium
    from streamlit_folium import st_folium

    from dashboard.foliummap import ensure_registered
    from dashboard.mapview import base_map

    ensure_registered()  # the launcher's warm-up may have imported streamlit-folium outside a page run
    m = base_map(False)
    points = []
    for i, d in enumerate(drafts):
        if d.get("lat") is not None:
            folium.Marker([d["lat"], d["lon"]], tooltip=f"{i + 1}. {d['record']['title']}"[:120]).add_to(m)
            points.append((d["lat"], d["lon"]))
        for c in d.get("candidates", [])[:12]:
            folium.CircleMarker([c["lat"], c["lon"]], radius=5, color="#b35806",
                                tooltip=f"{i + 1}. candidate: {c['name']} ({c.get('admin1') or c['country']})").add_to(m)
            points.append((c["lat"], c["lon"]))
    if points:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        m.fit_bounds([[min(lats) - 0.3, min(lons) - 0.3], [max(lats) + 0.3, max(lons) + 0.3]])
    return st_folium(m, key="draft_map", height=380, returned_objects=["last_clicked"], use_container_width=True)


def render(store, who: Identity) -> None:
    """The page for one person: who (dashboard.identity) decides whether its buttons write; a
    read-only visitor can still draft from an article and read a record, and is told why not more."""
    from events.draft import MAX_CHARS, DraftError, draft_article

    st.title("Add events")
    st.caption("Paste a news article: the tool proposes draft events (place, dates, type, casualties, who claims "
               "it, the quote); you decide every field. Accepted events are saved as drafts for review.")
    if store.kind not in ("embedded", "postgis"):
        _notice("This store cannot be written to.")
        return
    if who.signed_in:
        st.caption(f"Editing as {who.name} ({who.via})")
    else:
        _notice(f"Read-only: {who.why_read_only}.", "warning")
    if "_a_published_found" in st.session_state:  # a date line read last run fills the box (before it exists)
        st.session_state["a_published"] = st.session_state.pop("_a_published_found")
    with st.form("article"):
        text = st.text_area("Article text", key="a_text", height=220,
                            help=f"Plain text, up to {MAX_CHARS:,} characters")
        c1, c2, c3 = st.columns(3)
        outlet = c1.text_input("Outlet", key="a_outlet", placeholder="e.g. The Moscow Times")
        # No default: today's date is wrong for every report curated a day late. The article's own
        # date line fills it when the draft finds one.
        published = c2.date_input("Published (required)", key="a_published", value=None,
                                  min_value=dt.date(1900, 1, 1), format="YYYY-MM-DD",
                                  help="The date the outlet published the article; read from its date line when "
                                       "it has one")
        url = c3.text_input("URL (http/https; leave empty when not known)", key="a_url")
        go = st.form_submit_button("Draft events", type="primary")
    if go:
        drafts = None
        if published is None:
            from events.draft.dateline import find_dateline

            found = find_dateline(text or "")
            if found is None:
                _notice("Published: give the date the outlet published the article (the text has no date line "
                        "to read it from).")
            else:
                published = found[0]
                st.session_state["_a_published_found"] = published
                st.session_state["_curate_notices"] = [
                    (f"Published {published.isoformat()}: read from the article's date line “{found[1]}”. "
                     "Check it.", "info")]
        if published is not None:
            try:
                drafts = draft_article(text, published=published, outlet=outlet, url=url.strip() or None)
            except DraftError as exc:
                _notice(str(exc))
        if drafts is not None:
            st.session_state["_drafts"] = [dict(d.as_json(), record=d.record, spans=d.spans) for d in drafts]
            st.session_state["_draft_text"] = text
            st.session_state["_draft_round"] = st.session_state.get("_draft_round", 0) + 1
            for k in [k for k in st.session_state if str(k).startswith("d_")]:
                del st.session_state[k]
            if "_a_published_found" in st.session_state:
                st.rerun()  # the Published box shows the date the drafts were made with
    drafts = st.session_state.get("_drafts")
    for message, kind in st.session_state.pop("_curate_notices", []):
        _notice(message, kind)
    if drafts is not None:
        spans = [tuple(s) for d in drafts for s in d.get("spans", [])]
        st.subheader(f"{len(drafts)} candidate event(s)")
        st.html(highlighted(st.session_state.get("_draft_text", ""), spans))
        state = _draft_map(drafts) if drafts else None
        clicked = (state or {}).get("last_clicked")
        if clicked:
            st.caption(f"Clicked on the map: {clicked['lat']:.5f}, {clicked['lng']:.5f} — use “Pin here” on a draft.")
        for i, d in enumerate(drafts):
            rec = d["record"]
            key = f"d_{st.session_state.get('_draft_round', 0)}_{i}"
            placed = "placed" if d.get("lat") is not None else "NOT PLACED: pick a candidate or pin it"
            with st.expander(f"{i + 1}. {rec['title']} — {rec['date']} — {placed}", expanded=len(drafts) <= 3):
                if d.get("lat") is None and d.get("why", {}).get("place"):
                    st.caption("Place: " + str(d["why"]["place"].get("how", "")).replace("$", "\\$"))
                if clicked and st.button("Pin here (the point clicked on the map)", key=f"{key}_pinbtn"):
                    st.session_state[f"{key}_pin"] = f"{clicked['lat']:.5f}, {clicked['lng']:.5f}"
                _form(key, rec, d.get("why"), d.get("candidates", []))
                b1, b2, _ = st.columns([1, 1, 3])
                if b1.button("Accept", key=f"{key}_accept", type="primary", disabled=not who.signed_in):
                    _accept(store, who, key, rec, i)
                _duplicate_choice(store, who, key, rec, i)
                if b2.button("Reject", key=f"{key}_reject"):
                    drafts.pop(i)
                    st.session_state["_curate_notices"] = [(f"Discarded draft {rec['id']}.", "info")]
                    st.rerun()
    st.divider()
    _edit_existing(store, who)


def _accept(store, who: Identity, key: str, base: dict, index: int, *, anyway: bool = False) -> None:
    try:
        record = _record_from_form(key, base)
        if anyway:
            record["id"] = _free_id(store, record["id"])  # a second report of one incident: its own record
        else:
            from events.duplicates import likely_duplicates

            found = likely_duplicates(store, record)
            if len(found):  # ask first: the curator opens the existing record, adds anyway, or cancels
                st.session_state[f"{key}_dups"] = found[["match_id", "km", "days", "score", "reasons"]].head(5
                                                                                                       ).to_dict("records")
                st.rerun()
        saved = store.save(record, version=None, user=who.actor())
    except EventsError as exc:
        _notice(f"Not saved: {exc}")
        return
    st.session_state["_drafts"].pop(index)
    st.session_state["_curate_notices"] = [(f"Saved {saved.id} as a draft for review (version {saved.version}). "
                                            "The map shows it with “Show unreviewed events too”.", "info")]
    st.rerun()


def _free_id(store, wanted: str) -> str:
    """wanted, or wanted-2, -3, ... : the first id no curated event has."""
    n, candidate = 1, wanted
    while True:
        try:
            store.get(candidate)
        except NotFound:
            return candidate
        n += 1
        candidate = f"{wanted}-{n}"


def _duplicate_choice(store, who: Identity, key: str, rec: dict, index: int) -> None:
    """The question _accept asked: this draft looks like a curated record already held."""
    found = st.session_state.get(f"{key}_dups")
    if not found:
        return
    lines = []
    for m in found:
        try:
            title = store.get(m["match_id"]).record.get("title", "")
        except EventsError:
            title = ""
        lines.append(f"• {m['match_id']}: {title} ({m['reasons']}; score {m['score']:.2f})")
    _notice("This looks like an event already in the catalogue:\n" + "\n".join(lines), "warning")
    cols = st.columns([1, 1, 1, 2])
    if cols[0].button("Open it", key=f"{key}_dup_open"):
        st.session_state["e_id"] = found[0]["match_id"]  # the edit section below, before its box is drawn
        st.session_state.pop(f"{key}_dups", None)
        st.rerun()
    if cols[1].button("Add anyway", key=f"{key}_dup_add", disabled=not who.signed_in):
        st.session_state.pop(f"{key}_dups", None)
        _accept(store, who, key, rec, index, anyway=True)
    if cols[2].button("Cancel", key=f"{key}_dup_cancel"):
        st.session_state.pop(f"{key}_dups", None)
        st.rerun()


def _edit_existing(store, who: Identity) -> None:
    """Open a curated event in the same form: save a new version, move it along the review, or retract
    it (kept in the history)."""
    st.subheader("Edit an existing event")
    if "e_id" not in st.session_state:  # ?edit=ID opens it; "Open it" on a likely duplicate sets it too
        st.session_state["e_id"] = st.query_params.get("edit", "")
    event_id = st.text_input("Event id", key="e_id", placeholder="e.g. pokrovsk-casualties-2025-01-10")
    if not event_id.strip():
        return
    try:
        current = store.get(event_id.strip())
    except EventsError as exc:
        _notice(str(exc))
        return
    key = f"e_{current.id}_{current.version}"
    st.text(f"Version {current.version} · review: {current.review} · last change by "
            f"{current.updated_by or 'nobody recorded'} {current.updated_at or ''}")
    record = json.loads(json.dumps(current.record, default=str))
    _form(key, record, None, [])
    b1, b2, _ = st.columns([1, 1, 3])
    if b1.button("Save changes", key=f"{key}_save", type="primary", disabled=not who.signed_in):
        try:
            saved = store.save(_record_from_form(key, record), version=current.version, user=who.actor())
        except EventsError as exc:
            _notice(f"Not saved: {exc}")
            return
        st.session_state["_curate_notices"] = [(f"Saved {saved.id} (version {saved.version}, review: {saved.review}).",
                                                "info")]
        st.rerun()
    if b2.button("Retract (keep in the history)", key=f"{key}_retract", disabled=not who.signed_in):
        try:
            store.retract(current.id, version=current.version, user=who.actor(), note="retracted from the dashboard")
        except EventsError as exc:
            _notice(f"Not retracted: {exc}")
            return
        st.session_state["_curate_notices"] = [(f"Retracted {current.id}: it is off the map and kept in its "
                                                "history and the trash folder.", "info")]
        st.rerun()
    _review(store, who, current, key)


REVIEW_LABELS = {"in_review": "Send to review", "approved": "Approve", "rejected": "Reject", "draft": "Back to draft"}


def _review(store, who: Identity, current, key: str) -> None:
    """The review buttons the event's state allows. The store enforces the rules (an approver is not the
    last author); the page adds one: only a name we can vouch for reviews (who.actor() refuses others)."""
    states = TRANSITIONS.get(current.review, ())
    if not states:
        return
    st.markdown("**Review**")
    note = st.text_input("Review note (optional)", key=f"{key}_rnote")
    cols = st.columns(len(states) + 2)
    for col, state in zip(cols, states):
        if col.button(REVIEW_LABELS.get(state, state), key=f"{key}_review_{state}", disabled=not who.signed_in):
            try:
                saved = store.review(current.id, state, version=current.version, user=who.actor(), note=note)
            except EventsError as exc:
                _notice(f"Not reviewed: {exc}")
                return
            st.session_state["_curate_notices"] = [(f"{saved.id}: {saved.review} (version {saved.version}).", "info")]
            st.rerun()
