"""`events list`: a table that fits the terminal, whole with --wide, CSV or JSON for machines, and
empty values shown empty."""
import csv
import io
import json

import pytest

from tests.conftest import SEED_CATALOG, run_cli

LONG_ID = "kursk-north-korean-soldiers-captured-died-2024-12"


def _list(tmp_path, *args, columns=80):
    done = run_cli("-m", "events", "list", *args, env={"EVENTS_CATALOG": str(SEED_CATALOG),
                                                       "EVENTS_DATA": str(tmp_path / "data"), "COLUMNS": str(columns)})
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_the_table_fits_the_terminal_and_says_what_it_cut(tmp_path, columns):
    out = _list(tmp_path, columns=columns)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns, out
    assert "…" in out and LONG_ID not in out
    for word in ("None", "nan", "NaT", "<NA>"):
        assert word not in out, word


def test_wide_prints_every_value_whole(tmp_path):
    out = _list(tmp_path, "--wide", columns=60)
    assert LONG_ID in out and "…" not in out
    assert "None" not in out


def test_csv_and_json_hold_every_value_and_empty_ones_empty(tmp_path):
    rows = list(csv.DictReader(io.StringIO(_list(tmp_path, "--format", "csv"))))
    assert len(rows) == 8 and LONG_ID in {r["id"] for r in rows}
    undated = [r for r in rows if r["id"] == "kurakhove-russian-capture-claim-2025-01-06"][0]
    assert undated["end_date"] == "" and undated["fatalities"] == ""
    objects = json.loads(_list(tmp_path, "--format", "json"))
    assert len(objects) == 8
    one = [o for o in objects if o["id"] == "kurakhove-russian-capture-claim-2025-01-06"][0]
    assert one["end_date"] is None and one["date"] == "2025-01-06"
