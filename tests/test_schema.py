import json
from pathlib import Path

import jsonschema
import yaml

from events.schema import json_schema
from tests.conftest import SEED_CATALOG

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "events" / "event.schema.json"


def test_committed_json_schema_matches_the_pydantic_models():
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == json_schema(), "run: python -m events schema --write"


def test_seed_records_pass_the_json_schema_as_an_editor_would_check_them():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for path in SEED_CATALOG.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        # YAML gives dates as date objects; editors see strings
        data = json.loads(json.dumps(data, default=str))
        errors = list(validator.iter_errors(data))
        assert not errors, f"{path.name}: {errors[0].message}"


def test_json_schema_rejects_an_unknown_event_type():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    bad = json.loads(json.dumps(yaml.safe_load(next(SEED_CATALOG.glob("*.yaml")).read_text()), default=str))
    bad["event_type"] = "Alien invasion"
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
