"""A broken record names the line and column where the broken construct starts, not the end of the
file where the parser gave up."""
import shutil

import pytest

from events.safe_yaml import YamlError, load
from tests.conftest import SEED_CATALOG, run_cli


@pytest.mark.parametrize("text, where", [
    ('id: x\ntitle: "abc\nsummary: y\nnotes: z\n', "line 2, column 8: a quote opened here is not closed"),
    ("id: x\nnote: 'it''s\nb: 1\n", "line 2, column 7: a quote opened here is not closed"),
    ("a: [1, 2\nb: 3\n", "line 1, column 4: parsing a flow sequence"),
])
def test_the_error_is_placed_where_the_construct_starts(text, where):
    with pytest.raises(YamlError, match=where):
        load(text)


def test_quotes_closed_on_their_line_and_across_lines_still_load():
    assert load('a: "x \\" y"\nb: \'it\'\'s\'\n') == {"a": 'x " y', "b": "it's"}


def test_validate_names_the_file_and_the_line_of_the_open_quote(tmp_path):
    catalog = tmp_path / "catalog"
    shutil.copytree(SEED_CATALOG, catalog)
    path = catalog / "kotovsk-drone-impacts-2025-01-11.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[n] = 'title: "Drones hit apartment buildings'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_cli("-m", "events", "validate", env={"EVENTS_CATALOG": str(catalog), "EVENTS_DATA": str(tmp_path / "d")})
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert f"{path.name}" in out and f"line {n + 1}, column 8: a quote opened here is not closed" in out, out
