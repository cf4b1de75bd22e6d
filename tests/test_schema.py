"""JSON Schema export: valid draft-07, and it agrees with the validator."""

from __future__ import annotations

import json

import jsonschema
import yaml
from click.testing import CliRunner

from daoshi.cli.main import main
from daoshi.records.formfiles import load_forms
from daoshi.records.schema import all_schemas

from .conftest import TALK, School


def test_every_schema_is_valid_draft_07() -> None:
    forms = load_forms()
    schemas = all_schemas(forms)
    assert len(schemas) == len(forms.kinds) + len(forms.files)  # one per kind and data file
    for schema in schemas.values():
        jsonschema.Draft7Validator.check_schema(schema)
    talk = schemas["talk.schema.json"]
    assert talk["properties"]["kind"]["const"] == "talk"
    assert talk["additionalProperties"] is False
    assert set(talk["required"]) == {"kind", "mentor", "student", "date", "areas"}
    assert (
        talk["properties"]["areas"]["items"]["enumDescriptions"][0] == "思想引导 Thought guidance"
    )


def _front_matter(text: str) -> object:
    return yaml.safe_load(text.split("---\n")[1].replace("date: ", "date: !!str "))


def test_schema_command_writes_files_that_accept_a_valid_record(school: School) -> None:
    result = CliRunner().invoke(main, ["schema", str(school.root)])
    assert result.exit_code == 0, result.output
    forms = load_forms()
    assert f"已写出 {len(forms.kinds) + len(forms.files)} 个 JSON Schema" in result.output
    schema = json.loads((school.root / "schemas" / "talk.schema.json").read_text("utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    good = _front_matter((school.root / TALK).read_text("utf-8"))
    assert list(validator.iter_errors(good)) == []
    bad = dict(good, areas=["nope"], colour="red")  # type: ignore[arg-type]
    messages = sorted(e.message for e in validator.iter_errors(bad))
    assert messages == [
        "'nope' is not one of ['thought', 'study', 'life', 'psych', 'creativity']",
        "Additional properties are not allowed ('colour' was unexpected)",
    ]
    # the school's schema folder is not part of the records layout, and is not reported
    code, _ = school.validate()
    assert code == 0
