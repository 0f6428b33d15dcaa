"""deploy/README.md documents every configuration key: each key of monitor/defaults.toml, and each
key the config schema accepts, has a row in its section's table of the configuration reference."""

from __future__ import annotations

import re
import tomllib

import pytest
from pydantic import BaseModel

from monitor.config import Config
from tests.servers import PROJECT_ROOT

README = PROJECT_ROOT / "deploy" / "README.md"
DEFAULTS = PROJECT_ROOT / "monitor" / "defaults.toml"


def documented_keys() -> dict[str, set[str]]:
    """Section heading (`[fetch]`, `[channels.NAME]`, `[[sources]]`) → the keys its table has rows for."""
    text = README.read_text(encoding="utf-8")
    reference = text[text.index("## Configuration reference") :]
    sections: dict[str, set[str]] = {}
    for match in re.finditer(r"^### `(\[[^`]+\])`\n(.*?)(?=^#{2,3} |\Z)", reference, re.M | re.S):
        sections[match.group(1)] = set(re.findall(r"^\| `([a-z_]+)` \|", match.group(2), re.M))
    return sections


def _heading(name: str, value: object) -> str:
    if isinstance(value, list):
        return f"[[{name}]]"
    return "[channels.NAME]" if name == "channels" else f"[{name}]"


def default_keys() -> dict[str, set[str]]:
    """Section heading → the keys monitor/defaults.toml sets in it."""
    defaults = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))
    keys: dict[str, set[str]] = {}
    for name, value in defaults.items():
        entries = value if isinstance(value, list) else list(value.values()) if name == "channels" else [value]
        keys.setdefault(_heading(name, value), set()).update(key for entry in entries for key in entry)
    return keys


def schema_keys() -> dict[str, set[str]]:
    """Section heading → the keys the config schema accepts in it."""
    keys: dict[str, set[str]] = {}
    for name, field in Config.model_fields.items():
        annotation = field.annotation
        arguments = getattr(annotation, "__args__", ())
        model = next((a for a in (annotation, *arguments) if isinstance(a, type) and issubclass(a, BaseModel)), None)
        heading = f"[[{name}]]" if getattr(annotation, "__origin__", None) is list else _heading(name, {})
        assert model is not None, f"{name}: no section model found"
        keys[heading] = set(model.model_fields)
    return keys


def keys_missing(wanted: dict[str, set[str]], present: dict[str, set[str]]) -> dict[str, list[str]]:
    """Section heading → the keys of ``wanted`` that ``present`` lacks in that section."""
    return {
        heading: sorted(keys - present.get(heading, set()))
        for heading, keys in wanted.items()
        if keys - present.get(heading, set())
    }


@pytest.mark.parametrize("source", [default_keys, schema_keys], ids=["defaults.toml", "schema"])
def test_every_configuration_key_is_documented_in_the_deploy_readme(source):
    missing = keys_missing(source(), documented_keys())
    assert missing == {}, "add these to the configuration reference of deploy/README.md"


def test_the_reference_documents_no_key_that_does_not_exist():
    stale = keys_missing(documented_keys(), schema_keys())
    assert stale == {}, "these keys are documented in deploy/README.md but the config rejects them"
