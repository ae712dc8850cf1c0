"""A large file is imported batch by batch, never whole: what one batch cannot know alone (the
file's date order, an id seen batches earlier, a line count pushed down by a newline inside an
earlier row, a skipped row) must come out exactly as if the file were one batch."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import events.importers.csvsource as base
from events.arrowtext import has_newline
from events.errors import ImportFileError
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


# --- one pass where the file allows it, two where it does not ----------------------------------------------------

def clean_acled(path: Path) -> Path:
    """The hostile file without its broken row: every trap a single pass must carry (an id back
    batches later, a rejected id coming back, newlines inside fields, dates decided by a late row)."""
    hostile_acled(path)
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(t for t in text if not t.startswith("UKR-broken")), encoding="utf-8")
    return path


def undecided_first(path: Path) -> Path:
    """No layout convention and a first batch that cannot decide: a later row says month first."""
    rows = [[f"UKR{i}", f"0{1 + i % 9}/0{2 + i % 7}/2025", "Battles", "48.28", "37.17"] for i in range(6)]
    rows.append(["UKR9", "02/14/2025", "Battles", "48.28", "37.17"])
    return write_csv(path, ["id", "date", "type", "lat", "lon"], rows)


def cp1252_at_the_end(path: Path) -> Path:
    """UTF-8 until the last row, whose place name is in Windows-1252."""
    clean_acled(path)
    import csv
    import io

    from events.vocab import ACLED_COLUMNS

    row = acled_row(event_id_cnty="UKR99", location="Zaporizhzhia – Kichkas", event_date="11/01/2025")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([row[c] for c in ACLED_COLUMNS])
    with open(path, "ab") as fh:
        fh.write(buf.getvalue().encode("cp1252"))
    return path


MAPPING = {"id": "id", "date": "date", "event_type": "type", "lat": "lat", "lon": "lon"}


@pytest.mark.parametrize("make, fmt, scans", [(clean_acled, "acled", 0), (hostile_acled, "acled", 1),
                                              (undecided_first, "csv", 1), (cp1252_at_the_end, "acled", 1)])
def test_one_pass_where_the_file_allows_it_and_the_same_import_as_two(tmp_path, monkeypatch, make, fmt, scans):
    """A file is parsed once unless a row of the wrong width, text that is not UTF-8 or a date order
    the first batch cannot settle sends it back to a first pass: either way the rows, rejects,
    notes and encoding are those of the careful two-pass read."""
    from events.importers import importer

    src = make(tmp_path / "src.csv")
    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    made: list[int] = []
    real_scan = base.CsvSource.scan
    monkeypatch.setattr(base.CsvSource, "scan", lambda self, keep: made.append(1) or real_scan(self, keep))
    options = {"columns": MAPPING} if fmt == "csv" else {}
    m = import_file(fmt, src, "ds", tmp_path / "data", **options)
    assert len(made) == scans
    careful = importer(fmt)(src, "ds", **options).again()
    pd.testing.assert_frame_equal(load_datasets(tmp_path / "data").drop(columns=["review", "path"], errors="ignore"),
                                  load_datasets(_written(careful, tmp_path)).drop(columns=["review", "path"],
                                                                                  errors="ignore"))
    assert m["notes"] == careful.notes and m["rows_read"] == careful.read and m["source_encoding"] == careful.encoding
    pd.testing.assert_frame_equal(rejects_of(tmp_path / "data", "ds"),
                                  careful.rejects.astype(str).reset_index(drop=True), check_dtype=False)


def _written(result, tmp_path: Path) -> Path:
    from events.datasets import write_dataset

    root = tmp_path / "careful"
    (root / "ds").mkdir(parents=True)
    write_dataset(result.batches(), root / "ds")
    (root / "ds" / "manifest.json").write_text(json.dumps({"dataset": "ds", "imported": 0}))
    return root


def test_dates_that_change_order_after_the_first_batch_are_refused_as_in_two_passes(tmp_path, monkeypatch):
    rows = [["UKR1", "13/01/2025", "Battles", "48.28", "37.17"], ["UKR2", "02/01/2025", "Battles", "48.28", "37.17"],
            ["UKR3", "01/14/2025", "Battles", "48.28", "37.17"]]
    src = write_csv(tmp_path / "src.csv", ["id", "date", "type", "lat", "lon"], rows)
    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    with pytest.raises(ImportFileError, match=r"dates mix day-first \(1 distinct values.*month-first \(1"):
        import_file("csv", src, "ds", tmp_path / "data", columns=MAPPING)


def test_a_later_batch_that_decides_against_the_layouts_convention_reorders_the_first(tmp_path, monkeypatch):
    """ACLED writes day first, so a first batch of ambiguous dates is read day first; a later value
    with a second part over 12 says this file is month first: every row is read month first."""
    rows = [acled_row(event_id_cnty="UKR1", event_date="01/02/2025"), acled_row(event_id_cnty="UKR2", event_date="03/04/2025"),
            acled_row(event_id_cnty="UKR3", event_date="02/14/2025")]
    src = acled_file(tmp_path / "src.csv", rows)
    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    made: list[int] = []
    real_scan = base.CsvSource.scan
    monkeypatch.setattr(base.CsvSource, "scan", lambda self, keep: made.append(1) or real_scan(self, keep))
    m = import_file("acled", src, "ds", tmp_path / "data")
    dates = load_datasets(tmp_path / "data").set_index("source_row")["date"].dt.strftime("%Y-%m-%d").to_dict()
    assert dates == {"UKR1": "2025-01-02", "UKR2": "2025-03-04", "UKR3": "2025-02-14"} and made == [1]
    assert any(n.startswith("dates: month first") for n in m["notes"])


@pytest.mark.parametrize("with_memchr", [True, False])
def test_a_line_break_is_found_only_inside_a_columns_own_values(monkeypatch, with_memchr):
    import pyarrow as pa

    if not with_memchr:
        import events.arrowtext

        monkeypatch.setattr(events.arrowtext, "_MEMCHR", None)
    broken = pa.array(["ab", "c\nd", "e"])
    cases = [(broken, True), (broken.slice(2), False), (broken.slice(0, 1), False),  # a slice's own bytes only
             (pa.array(["x\n"]).slice(1), False), (pa.array([None, "\r\n"], type=pa.large_string()), True),
             (pa.array([], type=pa.string()), False), (pa.array(["", None]), False)]
    assert [has_newline(arr) for arr, _ in cases] == [want for _, want in cases]


def test_text_read_unchecked_is_utf8_only_when_each_value_is():
    import numpy as np
    import pyarrow as pa

    def text(*values: bytes) -> pa.Array:  # values as the CSV reader hands them, bytes unchecked
        at = np.cumsum([0, *map(len, values)]).astype(np.int64)
        return pa.Array.from_buffers(pa.large_string(), len(values), [None, pa.py_buffer(at),
                                                                      pa.py_buffer(b"".join(values))])

    assert base._valid_text(text(b"Kyiv", "Запоріжжя".encode(), b""))
    assert not base._valid_text(text(b"Kyiv", b"caf\xe9"))  # cp1252
    assert not base._valid_text(text(b"\xc3", b"\xa9"))  # a character cut between two fields: each invalid
    assert not base._valid_text(text(b"ok", b"\xc3", b"\xa9x").slice(1))
    assert base._valid_text(text(b"\xa9", "é".encode()).slice(1))  # a slice's own bytes only


REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


@pytest.mark.skipif(not REAL.is_dir(), reason="shared/data/real not beside the checkout")
@pytest.mark.parametrize("fmt, name, options", [
    ("ucdp", "ucdp_ged251_ukraine_2022_2024_sample2000_21col.csv", {}),  # no where_prec: the centroid rule
    ("ucdp", "ucdp_ged_ukraine_excel_cp1252_2014_2023.csv", {}),  # Excel's dates, order decided per file
])
def test_ucdp_goes_through_the_batched_pipeline_with_whole_file_rules(tmp_path, monkeypatch, fmt, name, options):
    """Which points UCDP uses for a whole region, and the order of Excel's dates, are properties of
    the whole file: read 250 rows at a time, the import is the one-batch import."""
    whole = import_file(fmt, REAL / name, "u", tmp_path / "one", **options)
    monkeypatch.setattr(base, "BATCH_ROWS", 250)
    parts = import_file(fmt, REAL / name, "u", tmp_path / "many", **options)
    pd.testing.assert_frame_equal(load_datasets(tmp_path / "many"), load_datasets(tmp_path / "one"))
    for key in ("rows_read", "imported", "rejected", "flagged", "notes", "source_encoding"):
        assert parts[key] == whole[key], key
    assert pq.ParquetFile(tmp_path / "many" / "u" / "events.parquet").num_row_groups >= 8


def test_geojson_goes_through_the_batched_pipeline(tmp_path, monkeypatch):
    """GeoJSON features are the table pipeline's rows: a duplicate id batches apart, a feature that
    is not a point and day-first dates decided by a late feature come out as in one batch."""
    def feature(i: int, **props):
        p = {"id": f"f{i}", "date": f"0{1 + i % 9}/02/2025", "event_type": "Battles",
             "sub_event_type": "Armed clash", "fatalities": i % 3} | props
        return {"type": "Feature", "properties": p, "geometry": {"type": "Point", "coordinates": [37.1 + i / 100, 48.3]}}

    features = [feature(i) for i in range(12)]
    features[4]["geometry"] = {"type": "LineString", "coordinates": [[30, 50], [31, 50]]}
    features[9] = feature(1)  # f1 again
    features[11] = feature(11, date="25/02/2025")  # the only day over 12
    src = tmp_path / "e.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    whole = import_file("geojson", src, "g", tmp_path / "one")
    monkeypatch.setattr(base, "BATCH_ROWS", 2)
    parts = import_file("geojson", src, "g", tmp_path / "many")
    pd.testing.assert_frame_equal(load_datasets(tmp_path / "many"), load_datasets(tmp_path / "one"))
    assert (parts["imported"], parts["rejected"], parts["notes"]) == (whole["imported"], whole["rejected"], whole["notes"])
    rejects = rejects_of(tmp_path / "many", "g")
    assert [int(x) for x in rejects["line"]] == [5, 10] and "not a Point" in rejects["reason"][0] and rejects["source_id"][0] == "f4"
    assert "day first" in " ".join(parts["notes"])
    assert list(load_datasets(tmp_path / "many")["date"].dt.month.unique()) == [2]  # 01/02 is 1 February
