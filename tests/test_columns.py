"""The table's column contract is declared once and checked, never silently conformed."""
from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from events.columns import ALL_COLUMNS, CATEGORY_COLUMNS, COLUMNS, LIST_COLUMNS, conform
from events.errors import ColumnError

ROOT = Path(__file__).resolve().parent.parent


def test_a_misspelt_column_is_an_error_that_names_it_and_its_likely_meaning():
    with pytest.raises(ColumnError, match=r"'fatalites' \(did you mean 'fatalities'\?\)"):
        conform(pd.DataFrame({"id": ["a"], "fatalites": [3]}))


def test_a_sources_own_columns_travel_under_the_extra_prefix_and_ours_come_out_whole_and_typed():
    out = conform(pd.DataFrame({"id": ["a"], "fatalities": [3], "x_data_id": ["9"]}))
    assert list(out.columns) == ALL_COLUMNS  # x_* are their caller's to keep, beside the table
    assert str(out["fatalities"].dtype) == "Int64" and out["lat"].isna().all()


def test_every_kind_names_only_declared_columns():
    assert set(CATEGORY_COLUMNS) <= set(ALL_COLUMNS) and set(LIST_COLUMNS) <= set(COLUMNS)
    assert len(ALL_COLUMNS) == len(set(ALL_COLUMNS))


def test_the_store_modules_no_longer_import_each_other_in_a_circle():
    """events/storage/files.py (the merged view) uses datasets; datasets and records use only the contract."""
    def imports(path: Path) -> set[str]:
        tree = ast.parse(path.read_text())
        return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}

    assert "events.storage.files" not in imports(ROOT / "events" / "datasets.py")
    assert "events.storage.files" not in imports(ROOT / "events" / "records.py")
    assert "events.storage.files" not in imports(ROOT / "events" / "columns.py")
    assert {"events.datasets", "events.records"} <= imports(ROOT / "events" / "storage" / "files.py")
