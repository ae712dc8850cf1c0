"""A team that keeps its catalogue in git does not commit the catalogue's working files."""
import shutil
import subprocess

import pytest

from tests.conftest import ROOT


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
@pytest.mark.parametrize("path", ["events/catalog/.catalog.lock", "events/catalog/.history/some-event.jsonl",
                                  "somewhere/else/.history/other.jsonl"])
def test_the_catalogues_lock_and_history_are_ignored(path):
    assert subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT).returncode == 0, path
