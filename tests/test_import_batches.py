"""A large file is imported batch by batch, never whole: what one batch cannot know alone (the
file's date order, an id seen batches earlier, a line count pushed down by a newline inside an
earlier row, a skipped row) must come out exactly as if the file were one batch."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import events.importers.base as base
from events.datasets import import_file, load_datasets
from tests.test_import_truth import acled_file, acled_row, rejects_of, write_csv


def hostile_acled(path: Path) -> Path:
    """Real ACLED layout with every cross-batch trap, in file order."""
    rows = [
        acled_row(event_id_cnty="UKR1", event_date="03/01/2025"),
        acled_row(event_id_cnty="UKR2", event_date="04/01/2025",
                  notes="First line of the notes.\nSecond line, inside the quoted field."),
        acled_row(event_id_cnty="UKR3", event_date="yesterday"),  # rejected: its id comes back later
        acled_row(event_id_cnty="UKR4", event_date="05/01/2025", admin1="Kharkiv"),  # point in Donetsk: flagged
        acled_row(event_id_cnty="UKR5", event_date="06/01/2025", latitude="", longitude=""),  # geocoded
        acled_row(event_id_cnty="UKR1", event_date="07/01/2025"),  # duplicate of a row batches back
        acled_row(event_id_cnty="UKR3", event_date="08/01/2025"),  # the first UKR3 was rejected: kept
        acled_row(event_id_cnty="UKR6", event_date="09/01/2025", notes="a\nb\nc"),
        acled_row(event_id_cnty="UKR7", event_date="10/01/2025", admin1="Kharkiv"),
        acled_row(event_id_cnty="UKR8", event_date="25/01/2025"),  # the only value deciding day-first
    ]
    acled_file(path, rows)
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    text.insert(6, 'UKR-broken,2025-01-06,too few fields\n')  # a row the reader must skip, mid-file
    path.write_text("".join(text), encoding="utf-8")
    return path


def reduced_without_ids(path: Path) -> Path:
    """A reduced extract with no id column and identical rows far apart: ids are derived."""
    header = ["event_date", "event_type", "location", "latitude", "longitude", "fatalities"]
    same = ["2025-01-10", "Battles", "Pokrovsk", "48.2801", "37.1771", "0"]
    rows = [same, ["2025-01-11", "Battles", "Kurakhove", "47.9847", "37.2828", "1"], same,
            ["2025-01-12", "Riots", "Bakhmut", "48.5956", "38.0004", ""], same, same]
    return write_csv(path, header, rows)


def _import_in(batch_rows: int, src: Path, root: Path, monkeypatch) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    monkeypatch.setattr(base, "BATCH_ROWS", batch_rows)
    m = import_file("acled", src, "ds", root)
    return load_datasets(root), rejects_of(root, "ds"), m


@pytest.mark.parametrize("make", [hostile_acled, reduced_without_ids])
@pytest.mark.parametrize("batch_rows", [1, 2, 3])
def test_a_file_read_in_small_batches_imports_exactly_as_in_one(tmp_path, monkeypatch, make, batch_rows):
    src = make(tmp_path / "src.csv")
    whole, whole_rejects, m1 = _import_in(1_000_000, src, tmp_path / "one", monkeypatch)
    parts, part_rejects, m2 = _import_in(batch_rows, src, tmp_path / "many", monkeypatch)
    pd.testing.assert_frame_equal(parts, whole)
    pd.testing.assert_frame_equal(part_rejects, whole_rejects)
    for key in ("rows_read", "imported", "rejected", "flagged", "notes", "extra_columns", "source_encoding"):
        assert m2[key] == m1[key], key
    groups = pq.ParquetFile(tmp_path / "many" / "ds" / "events.parquet").num_row_groups
    assert 2 <= groups <= -(-m2["rows_read"] // batch_rows)  # written batch by batch


def test_the_traps_of_the_hostile_file_are_each_caught(tmp_path, monkeypatch):
    """The reference the batch test compares against is itself right."""
    src = hostile_acled(tmp_path / "src.csv")
    df, rejects, m = _import_in(2, src, tmp_path / "data", monkeypatch)
    by_id = df.set_index("source_row")
    assert str(by_id.loc["UKR1", "date"].date()) == "2025-01-03"  # day first, decided by the last row
    assert str(by_id.loc["UKR3", "date"].date()) == "2025-01-08"
    assert by_id.loc["UKR5", "geocoded_by"] == "gazetteer (place name)"
    reasons = dict(zip(rejects["line"].astype(int), rejects["reason"]))
    # header 1, UKR1 2, UKR2 3-4, UKR3 5, UKR4 6, broken 7, UKR5 8, UKR1 again 9, UKR3 10, UKR6 11-13, ...
    assert sorted(reasons) == [5, 7, 9]
    assert "event_date" in reasons[5] and "field" in reasons[7] and "duplicated id" in reasons[9]
    assert m["flagged"] == 2 and any("admin1: 2 row(s)" in n for n in m["notes"])
    assert any(n.startswith("coordinates: 1 row(s)") for n in m["notes"])
    assert json.loads((tmp_path / "data" / "ds" / "manifest.json").read_text())["rows_read"] == 11
