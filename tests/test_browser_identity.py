"""Identity in Chromium against the dashboard as `make run` starts it, behind a real sign-in proxy
(tests/signin_proxy.py, relaying from 127.0.0.2, the only address listed in EVENTS_TRUSTED_PROXIES):
the user header is believed from the proxy, ignored from anyone else, and a forged header cannot
make an author the second reviewer of their own change."""
from __future__ import annotations

import hashlib
import shutil
import socket
from urllib.parse import urlparse

import pytest

from events.storage.embedded import EmbeddedStorage
from tests.conftest import SEED_CATALOG
from tests.signin_proxy import SigninProxy
from tests.test_browser import CHROMIUM, Page, start_app, stop_app  # noqa: F401


def _second_loopback_usable() -> bool:
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.2", 0))
        return True
    except OSError:
        return False


pytestmark = [pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no Chromium"),
              pytest.mark.skipif(not _second_loopback_usable(), reason="cannot bind 127.0.0.2")]

EVENT = "pokrovsk-casualties-2025-01-10"


@pytest.fixture()
def app(tmp_path):
    catalog = tmp_path / "catalog"
    shutil.copytree(SEED_CATALOG, catalog)
    proc, base = start_app(catalog, tmp_path / "data", launcher=True,
                           env={"EVENTS_TRUSTED_PROXIES": "127.0.0.2/32", "EVENTS_USER": "the-server-account"})
    yield base, catalog, proc
    stop_app(proc)


def _edit_page(p: Page, base: str):
    page = p.page
    page.goto(f"{base}/add?edit={EVENT}")
    page.get_by_text("Edit an existing event").wait_for(timeout=60_000)
    page.get_by_role("button", name="Save changes").wait_for(timeout=60_000)
    return page


def _state(catalog) -> tuple[str, int]:
    """The record file's bytes (hashed) and the number of lines in its history."""
    history = catalog / ".history" / f"{EVENT}.jsonl"
    lines = len(history.read_text(encoding="utf-8").splitlines()) if history.exists() else 0
    return hashlib.sha256((catalog / f"{EVENT}.yaml").read_bytes()).hexdigest(), lines


def test_the_header_is_used_through_the_listed_proxy_and_ignored_from_anyone_else(app, browser):  # noqa: F811
    base, catalog, proc = app
    port = urlparse(base).port
    # Straight to the dashboard with a forged header: not signed in, buttons off, the attempt logged.
    with Page(browser, height=1400, headers={"X-Forwarded-User": "alice"}) as p:
        page = _edit_page(p, base)
        page.get_by_text("Read-only:").wait_for(timeout=30_000)
        assert page.get_by_role("button", name="Save changes").is_disabled()
        assert page.get_by_text("Editing as").count() == 0
    log = open(proc.log_path, encoding="utf-8", errors="replace").read()
    assert "ignored the X-Forwarded-User header from 127.0.0.1: not in EVENTS_TRUSTED_PROXIES" in log
    assert "missing ScriptRunContext" not in log  # no warning a newcomer must learn to ignore
    # Through the proxy: alice, and the history says which header and address vouched for her.
    with SigninProxy(port, "alice") as proxy, Page(browser, height=1400) as p:
        page = _edit_page(p, proxy.url)
        page.get_by_text("Editing as alice (X-Forwarded-User from 127.0.0.2)").wait_for(timeout=30_000)
        page.get_by_role("button", name="Save changes").click()
        page.get_by_text(f"Saved {EVENT}").wait_for(timeout=30_000)
    last = EmbeddedStorage(catalog, None).history(EVENT)[-1]
    assert (last.who, last.action, last.via) == ("alice", "edit", "X-Forwarded-User from 127.0.0.2")


def test_a_forged_header_cannot_make_the_author_her_own_second_reviewer(app, browser):  # noqa: F811
    base, catalog, _ = app
    port = urlparse(base).port
    with SigninProxy(port, "alice") as proxy, Page(browser, height=1600) as p:
        page = _edit_page(p, proxy.url)
        page.get_by_role("button", name="Save changes").click()  # alice's change: the event goes to review
        page.get_by_text("review: in_review").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Approve").click()  # signed in, but the author
        page.get_by_text("someone else must review it").wait_for(timeout=30_000)
    before = _state(catalog)
    assert EmbeddedStorage(catalog, None).get(EVENT).review == "in_review"
    # alice again, straight to the port, claiming to be bob: the header is not believed, Approve is off.
    with Page(browser, height=1600, headers={"X-Forwarded-User": "bob"}) as p:
        page = _edit_page(p, base)
        page.get_by_text("Read-only:").wait_for(timeout=30_000)
        approve = page.get_by_role("button", name="Approve")
        approve.wait_for(timeout=30_000)
        assert approve.is_disabled()
        approve.click(force=True)  # a disabled button does nothing even when clicked
        page.wait_for_timeout(1500)
    assert _state(catalog) == before  # nothing changed, not even a refused line in the history
    assert EmbeddedStorage(catalog, None).get(EVENT).review == "in_review"
    # The real bob, through the proxy, can.
    with SigninProxy(port, "bob") as proxy, Page(browser, height=1600) as p:
        page = _edit_page(p, proxy.url)
        page.get_by_role("button", name="Approve").click()
        page.get_by_text(f"{EVENT}: approved").wait_for(timeout=30_000)
    last = EmbeddedStorage(catalog, None).history(EVENT)[-1]
    assert (last.who, last.action, last.via) == ("bob", "review:approved", "X-Forwarded-User from 127.0.0.2")
