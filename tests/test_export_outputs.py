"""What `export --out` will and will not write, and CSV that spreadsheets cannot be tricked by."""
from __future__ import annotations

import csv
import io
import os

import pandas as pd
import pytest

from tests.conftest import record, run_cli, write_record

HOSTILE_NOTES = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "line one\rline two (a bare CR inside)",
    "nul\x00byte",
]


@pytest.fixture
def hostile_catalog(empty_catalog):
    for i, text in enumerate(HOSTILE_NOTES):
        write_record(empty_catalog, record(id=f"hostile-{i}", title=text.replace("\x00", "") or "x",
                                           summary=text.replace("\x00", ""), notes=text.replace("\x00", "")))
    return empty_catalog


def _export(catalog, out, *extra):
    return run_cli("-m", "events", "--catalog", str(catalog), "export", "--format", "csv", "--out", str(out), *extra)


@pytest.mark.parametrize("make", ["devnull", "fifo", "symlink", "directory"])
def test_export_refuses_to_replace_anything_but_a_regular_file(empty_catalog, tmp_path, make):
    write_record(empty_catalog, record())
    target = tmp_path / "target"
    kept = tmp_path / "kept.txt"
    kept.write_text("precious")
    if make == "devnull":
        target = "/dev/null"
    elif make == "fifo":
        os.mkfifo(target)
    elif make == "symlink":
        os.symlink(kept, target)
    else:
        target.mkdir()
    res = _export(empty_catalog, target)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.startswith("error: refusing to write") and "not a regular file" in res.stderr
    assert kept.read_text() == "precious"
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
    if make == "symlink":
        assert os.path.islink(target)


def test_export_does_not_create_missing_folders(empty_catalog, tmp_path):
    write_record(empty_catalog, record())
    res = _export(empty_catalog, tmp_path / "no" / "such" / "events.csv")
    assert res.returncode == 1 and "does not exist" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "no").exists()


def test_export_to_an_unwritable_folder_is_one_line(empty_catalog, tmp_path):
    write_record(empty_catalog, record())
    res = _export(empty_catalog, "/proc/events.csv")
    assert res.returncode == 1 and res.stderr.startswith("error: cannot write /proc/events.csv")
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_a_write_that_fails_half_way_keeps_the_old_file(empty_catalog, tmp_path):
    """A file-size limit makes the write fail like a full disk: EFBIG, mid-stream."""
    import subprocess
    import sys

    for i in range(40):
        write_record(empty_catalog, record(id=f"event-{i}", notes="n" * 2000))
    out = tmp_path / "events.csv"
    out.write_text("the previous export")
    res = subprocess.run(["bash", "-c", f'ulimit -f 8; exec "{sys.executable}" -m events --catalog '
                                        f'"{empty_catalog}" export --format csv --out "{out}"'],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1, res.stderr
    assert res.stderr.startswith(f"error: cannot write {out}") and "Traceback" not in res.stderr
    assert out.read_text() == "the previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_unknown_dataset_exits_non_zero_like_an_unknown_type(empty_catalog):
    write_record(empty_catalog, record())
    for args in (["--dataset", "nope"], ["--dataset", "curated\n"], ["--type", "Nope"]):
        res = run_cli("-m", "events", "--catalog", str(empty_catalog), "list", *args)
        assert res.returncode == 1 and res.stderr.startswith("error:"), (args, res.stderr)
    ok = run_cli("-m", "events", "--catalog", str(empty_catalog), "list", "--dataset", "curated")
    assert ok.returncode == 0 and "test-event" in ok.stdout


def test_csv_neutralises_formulas_for_spreadsheets(hostile_catalog, tmp_path):
    out = tmp_path / "events.csv"
    assert _export(hostile_catalog, out).returncode == 0
    data = out.read_bytes()
    assert b"\x00" not in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))  # a spreadsheet-style reader
    assert len(rows) == len(HOSTILE_NOTES)
    for row in rows:
        for col in ("notes", "location"):
            assert not row[col].startswith(("=", "+", "-", "@", "\t", "\r")), (col, row[col])
    notes = {r["id"]: r["notes"] for r in rows}
    assert notes["hostile-0"] == "'" + HOSTILE_NOTES[0]
    assert notes["hostile-6"] == HOSTILE_NOTES[6]  # not formula-like: unchanged, bare CR kept inside quotes
    assert notes["hostile-7"] == "nulbyte"
    numbers = pd.read_csv(out)
    assert numbers["longitude"].dtype.kind == "f" and numbers["fatalities"].tolist() == [1] * len(HOSTILE_NOTES)


def test_raw_csv_round_trips_through_our_own_importer(hostile_catalog, tmp_path):
    out = tmp_path / "events.csv"
    assert _export(hostile_catalog, out, "--raw").returncode == 0
    data = tmp_path / "data"
    res = run_cli("-m", "events", "--data", str(data), "import", "--format", "acled", str(out), "--dataset", "back")
    assert res.returncode == 0, res.stderr
    assert "rejected 0" in res.stdout
    back = pd.read_parquet(data / "back" / "events.parquet")
    got = dict(zip(back["source_row"], back["notes"]))
    # curated rows export their summary (whitespace-trimmed by the schema) as ACLED notes; each comes back as stored
    assert got == {f"hostile-{i}": t.replace("\x00", "").strip() for i, t in enumerate(HOSTILE_NOTES)}


def test_leading_tab_and_cr_cells_are_neutralised_but_numbers_are_not():
    from events.export import _safe_text

    cells = pd.Series(["\t=1+1", "\r=1+1", "＝1+1", "-12.5", "+3", "1e5", "-x", None, "plain"])
    assert _safe_text(cells, raw=False).tolist()[:7] == ["'\t=1+1", "'\r=1+1", "'＝1+1", "-12.5", "+3", "1e5", "'-x"]
    assert _safe_text(cells, raw=False).tolist()[8] == "plain"
    assert _safe_text(cells, raw=True).tolist()[:3] == ["\t=1+1", "\r=1+1", "＝1+1"]
