"""`datasets remove NAME`: the dataset leaves the store and the list, in one step, and never while
another command holds it."""
import fcntl

from benchmarks.synth import synthetic_events
from events.export import acled_frame
from tests.conftest import run_cli


def _cli(tmp_path, *args):
    return run_cli("-m", "events", *args, env={"EVENTS_DATA": str(tmp_path / "data")})


def test_a_removed_dataset_leaves_the_store_and_the_list(tmp_path):
    for name, seed in (("gone", 1), ("stays", 2)):
        csv = tmp_path / f"{name}.csv"
        acled_frame(synthetic_events(25, seed=seed)).to_csv(csv, index=False)
        assert _cli(tmp_path, "import", "--format", "acled", str(csv), "--dataset", name).returncode == 0
    assert "gone" in _cli(tmp_path, "datasets").stdout
    total = _cli(tmp_path, "list").stdout.splitlines()[-1]

    done = _cli(tmp_path, "datasets", "remove", "gone")
    assert done.returncode == 0 and "removed dataset 'gone' (25 events)" in done.stdout, done.stderr
    listed = _cli(tmp_path, "datasets").stdout
    assert "gone" not in listed and "stays" in listed
    assert not [p.name for p in (tmp_path / "data").iterdir() if p.name.startswith(".gone.v") or p.name == "gone"]
    before, after = (int(t.split(" of ")[1].split()[0].replace(",", "")) for t in
                     (total, _cli(tmp_path, "list").stdout.splitlines()[-1]))
    assert after == before - 25  # the store holds the other dataset and the catalogue, not the removed one

    again = _cli(tmp_path, "datasets", "remove", "gone")
    assert again.returncode != 0 and "no dataset 'gone'" in again.stderr and "Traceback" not in again.stderr


def test_removal_is_refused_while_another_command_holds_the_dataset(tmp_path):
    csv = tmp_path / "held.csv"
    acled_frame(synthetic_events(10, seed=3)).to_csv(csv, index=False)
    assert _cli(tmp_path, "import", "--format", "acled", str(csv), "--dataset", "held").returncode == 0
    with open(tmp_path / "data" / ".held.lock", "a+") as fh:  # as an import of it running now holds it
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write("pid 4242")
        fh.flush()
        done = _cli(tmp_path, "datasets", "remove", "held")
    assert done.returncode != 0 and "being imported by pid 4242" in done.stderr, done.stderr
    assert "held" in _cli(tmp_path, "datasets").stdout
