"""Hostile and careless catalogue files: each is named with a one-line reason, the valid
records still load, and nothing crashes the reader (or the process that hosts it)."""
from __future__ import annotations

import os
import sys

import pytest

from events.records import load_catalog
from events.storage.files import fingerprint
from tests.conftest import record, run_cli, write_record


def _yaml_with(field_line: str, drop: str) -> str:
    """A valid record's YAML with one top-level line replaced by hand-written YAML."""
    import yaml

    rec = {k: v for k, v in record(id="bad-one").items() if k != drop}
    return yaml.safe_dump(rec, sort_keys=False) + field_line + "\n"


@pytest.mark.parametrize("line, drop, field", [
    ("date: 2025-02-30", "date", "date"),
    ("date: 2025-13-01", "date", "date"),
    ("date: 2025-01-01T25:00:00", "date", "date"),
    ("date: 0000-01-01", "date", "date"),
    ("fatalities: " + "9" * 5000, "fatalities", "fatalities"),
])
def test_impossible_values_are_named_by_field_not_a_traceback(empty_catalog, line, drop, field):
    write_record(empty_catalog, record(id="good-one"))
    (empty_catalog / "bad-one.yaml").write_text(_yaml_with(line, drop))
    cat = load_catalog(empty_catalog)
    probs = [p for p in cat.problems if p.path.endswith("bad-one.yaml")]
    assert probs and probs[0].field == field, [str(p) for p in cat.problems]
    assert list(cat.events["id"]) == ["good-one"]


def test_an_impossible_publication_date_is_named(empty_catalog):
    rec = record(id="bad-one")
    rec["sources"][0]["published"] = "2025-02-29"
    write_record(empty_catalog, rec)
    cat = load_catalog(empty_catalog)
    assert [p.field for p in cat.problems] == ["sources.0.published"]


def test_validate_cli_survives_impossible_dates_and_giant_integers(empty_catalog):
    write_record(empty_catalog, record(id="good-one"))
    (empty_catalog / "bad-one.yaml").write_text(_yaml_with("date: 2025-02-30", "date"))
    (empty_catalog / "bad-two.yaml").write_text(
        _yaml_with("fatalities: " + "9" * 5000, "fatalities").replace("bad-one", "bad-two"))
    res = run_cli("-m", "events", "validate", "--catalog", str(empty_catalog))
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    assert "bad-one.yaml: date:" in res.stdout and "bad-two.yaml: fatalities:" in res.stdout
    assert res.stdout.strip().splitlines()[-1] == "3 files, 1 valid, 2 problem(s) in 2 file(s)"


def test_deep_nesting_is_refused_before_the_parser_overflows(empty_catalog):
    """50,000 nested brackets segfault libyaml's composer; the check runs in a child process so a
    regression shows as a failed test, not a dead test run."""
    write_record(empty_catalog, record(id="good-one"))
    (empty_catalog / "deep.yaml").write_text("notes: " + "[" * 50_000 + "]" * 50_000 + "\n")
    res = run_cli("-m", "events", "validate", "--catalog", str(empty_catalog))
    assert res.returncode == 1, (res.returncode, res.stderr[-500:])
    assert "deep.yaml: (yaml): nested deeper than 32 levels at line 1" in res.stdout


def test_duplicate_keys_are_refused_with_both_lines(empty_catalog):
    text = _yaml_with("fatalities: 999", "injured")  # the record already has fatalities: 1
    (empty_catalog / "bad-one.yaml").write_text(text)
    cat = load_catalog(empty_catalog)
    assert len(cat.problems) == 1
    p = cat.problems[0]
    assert p.field == "(yaml)" and "'fatalities' appears twice" in p.message and "line" in p.message
    assert cat.events.empty


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")
def test_odd_entries_are_named_and_never_followed(empty_catalog, tmp_path):
    write_record(empty_catalog, record(id="good-one"))
    secret = tmp_path / "secret.txt"
    secret.write_text("id: secret\nTOP SECRET CONTENT\n")
    os.symlink(secret, empty_catalog / "outside.yaml")
    os.symlink(tmp_path / "missing.yaml", empty_catalog / "dangling.yaml")
    os.mkfifo(empty_catalog / "pipe.yaml")
    (empty_catalog / "folder.yaml").mkdir()
    write_record(empty_catalog, record(id="upper-case"), name="upper-case")
    os.rename(empty_catalog / "upper-case.yaml", empty_catalog / "upper-case.YAML")
    cat = load_catalog(empty_catalog)  # a FIFO that was opened would block here forever
    by_file = {p.path.rsplit("/", 1)[-1]: p.message for p in cat.problems}
    assert "symbolic link" in by_file["outside.yaml"] and "symbolic link" in by_file["dangling.yaml"]
    assert "FIFO" in by_file["pipe.yaml"] and "directory" in by_file["folder.yaml"]
    assert not any("TOP SECRET" in str(p) for p in cat.problems)
    assert sorted(cat.events["id"]) == ["good-one", "upper-case"]


def test_fingerprint_still_sees_edits_next_to_odd_entries(empty_catalog, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (empty_catalog / "folder.yaml").mkdir()
    (data / ".acled.importing-1234").mkdir()  # a killed import's leftover: no manifest inside
    (data / ".acled.old-99").mkdir()
    os.symlink(tmp_path / "nowhere", empty_catalog / "dangling.yaml")
    path = write_record(empty_catalog, record(id="zz-last"))
    before = fingerprint(empty_catalog, data)
    path.write_text(path.read_text().replace("Something happened.", "Something else happened."))
    os.utime(path, ns=(1, 1))
    assert fingerprint(empty_catalog, data) != before
    mid = fingerprint(empty_catalog, data)
    (data / "ucdp").mkdir()
    (data / "ucdp" / "manifest.json").write_text("{}")
    assert fingerprint(empty_catalog, data) != mid

