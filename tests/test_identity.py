"""Who the dashboard believes a request is from (dashboard.identity), and that the history keeps where
each name came from on the embedded store (the PostGIS store: tests/test_postgis.py)."""
from __future__ import annotations

import pytest

from dashboard.identity import SettingError, from_environment, identify, trusted_proxies
from events.storage import Actor
from events.storage.embedded import EmbeddedStorage
from tests.conftest import record, write_record

PROXY = trusted_proxies("10.0.0.2, 172.28.0.0/24")
LOCAL = Actor("owner", "EVENTS_USER, local connection to the dashboard")


def who(headers, peer, proxies=PROXY, **kw):
    return identify(headers, peer, proxies=proxies, local_user=lambda: LOCAL, **kw)


def test_the_header_is_believed_from_a_listed_proxy_and_says_where_it_came_from():
    got = who({"X-Forwarded-User": "alice"}, "172.28.0.7")
    assert got.name == "alice" and got.via == "X-Forwarded-User from 172.28.0.7" and not got.warning
    assert who([("x-forwarded-user", "bob")], "10.0.0.2").name == "bob"  # header names are case-insensitive


def test_the_header_from_any_other_address_is_ignored_with_a_warning_and_the_page_is_read_only():
    for peer in ("10.0.0.3", "127.0.0.1", "::1", "192.168.1.20", None):
        got = who({"X-Forwarded-User": "alice"}, peer)
        assert got.name is None and not got.signed_in, peer
        assert "ignored the X-Forwarded-User header" in got.warning
        assert "sign-in proxy" in got.why_read_only
        with pytest.raises(SettingError):
            got.actor()


def test_a_listed_proxy_that_sends_no_name_or_two_names_signs_nobody_in():
    assert who({}, "10.0.0.2").name is None
    two = who([("X-Forwarded-User", "alice"), ("X-Forwarded-User", "bob")], "10.0.0.2")
    assert two.name is None and "2 X-Forwarded-User headers" in two.why_read_only
    assert who({"X-Forwarded-User": "al\x00ice"}, "10.0.0.2").name is None
    assert who({"X-Forwarded-User": "   "}, "10.0.0.2").name is None


def test_another_header_name_can_be_set_and_then_only_it_counts():
    got = who({"X-Auth-Request-User": "carol", "X-Forwarded-User": "mallory"}, "10.0.0.2",
              header="X-Auth-Request-User")
    assert got.name == "carol" and got.via.startswith("X-Auth-Request-User from")


def test_with_no_proxy_listed_only_the_local_connection_edits_as_the_local_user():
    got = who({"X-Forwarded-User": "mallory"}, "127.0.0.1", proxies=())
    assert got.name == "owner" and got.via.endswith("from 127.0.0.1")  # the header is not the name
    assert "no EVENTS_TRUSTED_PROXIES is set" in got.warning
    assert who({}, "::1", proxies=()).name == "owner"
    assert who({}, "::ffff:127.0.0.1", proxies=()).name == "owner"
    remote = who({}, "192.168.1.20", proxies=())
    assert remote.name is None and "only the person at the server" in remote.why_read_only


def test_an_unlisted_proxy_on_the_server_does_not_turn_every_visitor_into_the_local_user():
    got = who({"X-Forwarded-For": "203.0.113.9"}, "127.0.0.1", proxies=())
    assert got.name is None and "X-Forwarded-For" in got.why_read_only.replace("x-forwarded-for", "X-Forwarded-For")


def test_without_the_launcher_a_rewritable_peer_address_is_not_trusted():
    got = who({"X-Forwarded-User": "alice"}, "10.0.0.2", forwarded_allow_ips=None)
    assert got.name is None and "dashboard.serve" in got.why_read_only


def test_a_bad_trusted_proxies_setting_names_the_setting_and_the_entry():
    with pytest.raises(SettingError, match=r"EVENTS_TRUSTED_PROXIES: 'proxy\.local'"):
        trusted_proxies("10.0.0.2, proxy.local")
    with pytest.raises(SettingError, match="EVENTS_TRUSTED_PROXIES"):
        from_environment({}, "10.0.0.2", {"EVENTS_TRUSTED_PROXIES": "10.0.0.300"})


def test_from_environment_reads_every_setting():
    env = {"EVENTS_TRUSTED_PROXIES": "10.0.0.0/8", "EVENTS_USER_HEADER": "X-User", "FORWARDED_ALLOW_IPS": ""}
    assert from_environment({"X-User": "dana"}, "10.1.2.3", env).name == "dana"
    assert from_environment({"X-Forwarded-User": "dana"}, "10.1.2.3", env).name is None


def test_the_history_keeps_where_each_name_came_from(tmp_path):
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    write_record(catalog, record())
    store = EmbeddedStorage(catalog, tmp_path / "data")
    event_id = record()["id"]
    current = store.get(event_id)
    edited = store.save(dict(current.record, notes="checked"), version=current.version,
                        user=Actor("alice", "X-Forwarded-User from 10.0.0.2"))
    store.review(event_id, "approved", version=edited.version, user="bob")  # a bare name still works
    last_two = store.history(event_id)[-2:]
    assert [(c.who, c.via) for c in last_two] == [("alice", "X-Forwarded-User from 10.0.0.2"), ("bob", "")]


def test_the_compose_example_trusts_only_the_proxy_and_publishes_no_dashboard_port():
    import yaml

    from tests.conftest import ROOT

    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))["services"]
    proxy_ip = services["oauth2-proxy"]["networks"]["events"]["ipv4_address"]
    dash = services["dashboard"]
    assert "ports" not in dash
    assert trusted_proxies(dash["environment"]["EVENTS_TRUSTED_PROXIES"]) == trusted_proxies(f"{proxy_ip}/32")
    assert "dashboard.serve" in dash["command"]  # the launcher keeps uvicorn from rewriting peer addresses
    upstream = next(a for a in services["oauth2-proxy"]["command"] if a.startswith("--upstream="))
    assert dash["networks"]["events"]["ipv4_address"] in upstream
