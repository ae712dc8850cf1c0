"""The page logic through Streamlit's AppTest: filters from the URL, metrics, warnings."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.conftest import record, write_record

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(monkeypatch, catalog=None, drawn: bool = True, **params) -> AppTest:
    """The page as a browser that has drawn its map sees it (drawn=False: a session's first page,
    before the map's signal; the timeline and the table follow it)."""
    if catalog is not None:
        monkeypatch.setenv("EVENTS_CATALOG", str(catalog))
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    if drawn:
        at.session_state["_ce_drawn"] = True
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_default_view_shows_every_event(monkeypatch, seed_catalog):
    at = run_app(monkeypatch, seed_catalog)
    assert metric(at, "Events shown") == "8" and metric(at, "Events in store") == "8"
    assert not at.warning


def test_filters_come_from_the_url(monkeypatch, seed_catalog):
    at = run_app(monkeypatch, seed_catalog, region=["Donetsk Oblast"], claim=["claimed"])
    assert metric(at, "Events shown") == "3"
    assert at.multiselect(key="f_regions").value == ["Donetsk Oblast"]
    at2 = run_app(monkeypatch, seed_catalog, **{"from": "2025-01-11", "to": "2025-01-11", "type": ["Battles"]})
    assert metric(at2, "Events shown") == "3"  # Kursk capture (9-11 Jan), Shevchenko, Kurakhove area


def test_a_bad_url_value_falls_back_with_a_visible_notice(monkeypatch, seed_catalog):
    at = run_app(monkeypatch, seed_catalog, **{"from": "not-a-date", "region": "Atlantis"})
    assert metric(at, "Events shown") == "8"
    notices = " ".join(str(h.proto.body) for h in at.get("html"))  # plain-text notices
    assert "not-a-date" in notices and "Atlantis" in notices


def test_changing_a_widget_updates_the_count_and_the_url(monkeypatch, seed_catalog):
    at = run_app(monkeypatch, seed_catalog)
    at.multiselect(key="f_claims").set_value(["reported"]).run()
    assert metric(at, "Events shown") == "3"
    assert at.query_params["claim"] == ["reported"] or at.query_params["claim"] == "reported"


def test_invalid_records_get_a_warning_panel_and_valid_events_still_show(monkeypatch, seed_catalog):
    write_record(seed_catalog, record(id="broken-one", event_type="Alien invasion"))
    (seed_catalog / "mangled.yaml").write_text("id: [unclosed\n")
    at = run_app(monkeypatch, seed_catalog)
    assert metric(at, "Events shown") == "8"
    assert "2 invalid record file(s)" in at.warning[0].value
    listing = at.code[0].value
    assert "broken-one.yaml: event_type: unknown event type" in listing and "mangled.yaml: (yaml)" in listing


def test_an_empty_result_says_so(monkeypatch, seed_catalog):
    at = run_app(monkeypatch, seed_catalog, q="nothing matches this")
    assert metric(at, "Events shown") == "0"
    assert any("No events match" in i.value for i in at.info)


def test_actor_and_claimant_filters_come_from_the_url_and_the_sidebar(monkeypatch, seed_catalog):
    at = run_app(monkeypatch, seed_catalog, actor=["forces of russia"], claimant=["Ministry of Defence"])
    assert metric(at, "Events shown") == "2"  # the two Russian capture claims
    assert at.multiselect(key="f_actors").value == ["forces of russia"]
    at = run_app(monkeypatch, seed_catalog)
    assert "Russian Ministry of Defence" in at.multiselect(key="f_claimants").options
    at.multiselect(key="f_claimants").set_value(["Russian Ministry of Defence"]).run()
    assert metric(at, "Events shown") == "2"
    assert at.query_params["claimant"] in (["Russian Ministry of Defence"], "Russian Ministry of Defence")


def test_url_notices_name_the_value_once_and_go_when_the_filter_changes(monkeypatch, seed_catalog):
    at = run_app(monkeypatch, seed_catalog, region="Atlantis", dataset="nosuch")
    notices = [str(h.proto.body) for h in at.get("html") if "Ignored" in str(h.proto.body)]
    text = " ".join(notices)
    assert "Atlantis" in text and "region: region:" not in text
    assert "nosuch" in text and "curated" in text  # an unknown dataset is named, with the known ones
    assert metric(at, "Events shown") == "8"  # the bad values are dropped, not applied
    at.multiselect(key="f_claims").set_value(["reported"]).run()
    assert not [h for h in at.get("html") if "Ignored" in str(h.proto.body)]


def test_a_sessions_first_page_is_the_map_alone_until_the_map_says_it_is_drawn(monkeypatch, seed_catalog):
    """The chart and the table would slow the map's first drawing: they follow its signal."""
    at = run_app(monkeypatch, seed_catalog, drawn=False)
    assert not at.dataframe and not [s for s in at.subheader if s.value == "Timeline"]
    assert any("follow once the map is drawn" in c.value for c in at.caption)
    at.session_state["_ce_drawn"] = True  # what the map's signal sets (tests/test_browser.py sends it for real)
    at.run()
    assert at.dataframe and [s for s in at.subheader if s.value == "Timeline"]
    assert not any("follow once the map is drawn" in c.value for c in at.caption)


def test_the_seen_filter_comes_from_the_url_and_its_widget(monkeypatch, seed_catalog):
    """The seeds hold one 'contradicts' link and no corroboration: every claim is uncorroborated."""
    claimed = metric(run_app(monkeypatch, seed_catalog, claim=["claimed"]), "Events shown")
    at = run_app(monkeypatch, seed_catalog, seen="uncorroborated", claim=["claimed"])
    assert metric(at, "Events shown") == claimed != "0" and at.selectbox(key="f_seen").value == "uncorroborated"
    at = run_app(monkeypatch, seed_catalog, seen="corroborated")
    assert metric(at, "Events shown") == "0"
    at.selectbox(key="f_seen").set_value("").run()
    assert metric(at, "Events shown") == "8" and "seen" not in at.query_params
