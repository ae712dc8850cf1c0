"""Messages count in words: one day, two days; never "1 days" or "1 events"."""
import datetime as dt

from events.territory.control import Verdict
from events.wording import counted
from tests.conftest import SEED_CATALOG, run_cli


def test_counted_is_singular_for_one_only():
    assert counted(1, "day") == "1 day"
    assert counted(0, "event") == "0 events"
    assert counted(1250, "row") == "1,250 rows"
    assert counted(2, "country", "countries") == "2 countries"


def test_a_territory_verdict_one_day_after_says_one_day():
    v = Verdict(check="corroborated", source="drawn", date=dt.date(2025, 1, 7), days=1)
    assert "(1 day after the claim)" in v.text()


def test_exporting_one_event_says_one_event(tmp_path):
    out = tmp_path / "one.geojson"
    done = run_cli("-m", "events", "export", "--format", "geojson", "--id", "kotovsk-drone-impacts-2025-01-11", "--out", str(out),
                   env={"EVENTS_CATALOG": str(SEED_CATALOG), "EVENTS_DATA": str(tmp_path / "data")})
    assert done.returncode == 0, done.stderr
    assert "wrote 1 event to" in done.stderr, done.stderr
