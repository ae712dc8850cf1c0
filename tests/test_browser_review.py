"""The "Review matches" page in Chromium: find the candidates of the curated events among a
dataset's rows, accept the best in bulk, and find that the links are written through the store (the
record on disk, its history) and that a decided pair is not proposed again."""
from __future__ import annotations

import shutil

import pytest
import yaml

from tests.conftest import SEED_CATALOG, run_cli
from tests.test_browser import CHROMIUM, Page, start_app, stop_app  # noqa: F401
from tests.test_corroborate import MAPPING, _mini_dataset

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="no Chromium")
CLAIM = "kurakhove-russian-capture-claim-2025-01-06"


def test_candidates_are_accepted_in_bulk_and_not_proposed_again(tmp_path, browser):  # noqa: F811
    from events.datasets import import_file

    catalog = tmp_path / "catalog"
    shutil.copytree(SEED_CATALOG, catalog)
    data = tmp_path / "data"
    rows = [["acl-1", "2025-01-06", "Battles", "Armed clash", "47.99", "37.29", "Kurakhove"],
            ["acl-3", "2025-01-06", "Battles", "Armed clash", "47.98", "37.30", "Kurakhove"]]
    import_file("csv", _mini_dataset(tmp_path / "mini.csv", rows), "mini", data, columns=MAPPING)
    proc, base = start_app(catalog, data, env={"EVENTS_USER": "reviewer1"})
    try:
        with Page(browser, width=1440, height=900) as p:
            p.page.goto(base + "/review")
            p.page.get_by_text("Deciding as reviewer1").wait_for(timeout=30_000)
            p.page.get_by_role("button", name="Find candidates").click()
            p.page.get_by_text("undecided candidate").wait_for(timeout=30_000)
            import re

            n = int(re.search(r"([\d,]+) undecided candidates? for", p.page.inner_text("body")).group(1))
            assert n >= 2
            box = p.page.get_by_label("for every candidate scoring at least")
            box.fill("0.3")
            box.press("Enter")
            p.page.get_by_role("button", name="Accept all scoring 0.3 or more").click()
            p.page.get_by_text("links written for").wait_for(timeout=30_000)
            rec = yaml.safe_load((catalog / f"{CLAIM}.yaml").read_text(encoding="utf-8"))
            linked = {r["id"]: r["relation"] for r in rec.get("related") or [] if r["id"].startswith("mini")}
            assert linked == {"mini-acl-1": "corroborates", "mini-acl-3": "corroborates"}
            p.page.get_by_role("button", name="Find candidates").click()
            # every candidate scored 0.5 or more (the page's floor) and was accepted: none is proposed again
            p.page.get_by_text("No undecided candidate").wait_for(timeout=30_000)
            assert p.blocked == []
    finally:
        stop_app(proc)
    history = run_cli("-m", "events", "--catalog", str(catalog), "event", "history", CLAIM).stdout
    assert "reviewer1" in history
