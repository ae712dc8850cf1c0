"""An import that keeps no row fails, says why, and leaves the dataset as it was (or makes none)."""
import json

from benchmarks.synth import synthetic_events
from events.export import acled_frame
from tests.conftest import run_cli


def _import(tmp_path, csv, name):
    return run_cli("-m", "events", "import", "--format", "acled", str(csv), "--dataset", name,
                   env={"EVENTS_DATA": str(tmp_path / "data")})


def test_an_import_whose_rows_are_all_rejected_exits_non_zero_and_changes_nothing(tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    acled_frame(synthetic_events(40, seed=1)).to_csv(good, index=False)
    rows = acled_frame(synthetic_events(30, seed=2))
    rows["latitude"] = 123.0  # no such latitude: every row is refused
    rows.to_csv(bad, index=False)
    assert _import(tmp_path, good, "kept").returncode == 0
    manifest = (tmp_path / "data" / "kept" / "manifest.json").read_text()

    done = _import(tmp_path, bad, "kept")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "none of its 30 rows could be imported" in done.stderr and "latitude" in done.stderr, done.stderr
    assert "keeps its 40 events" in done.stderr
    assert (tmp_path / "data" / "kept" / "manifest.json").read_text() == manifest
    assert json.loads(manifest)["imported"] == 40

    fresh = _import(tmp_path, bad, "fresh")
    assert fresh.returncode != 0 and "no dataset 'fresh' was made" in fresh.stderr, fresh.stderr
    assert not (tmp_path / "data" / "fresh").exists()
    assert not [p.name for p in (tmp_path / "data").iterdir() if p.name.startswith(".fresh") and p.name != ".fresh.lock"]
