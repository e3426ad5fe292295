"""Checks a parsed mapping file against its kind's JSON Schema, naming unknown keys at their own line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from bridge.errors import MappingIssue
from bridge.mapping.source import Document


def _unknown_keys(error: ValidationError) -> list[str]:
    allowed = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
    patterns = error.schema.get("patternProperties", {}) if isinstance(error.schema, dict) else {}
    instance = error.instance if isinstance(error.instance, dict) else {}
    if patterns:
        return []
    return sorted(key for key in instance if key not in allowed)


def _message(error: ValidationError) -> str:
    if error.validator == "type":
        return f"must be {_article(error.validator_value)}, not {type(error.instance).__name__} {error.instance!r}"
    if error.validator == "required":
        return str(error.message).replace("is a required property", "is required")
    if error.validator == "enum":
        return f"{error.instance!r} is not one of " + ", ".join(repr(v) for v in error.validator_value)
    return str(error.message)


REQUIRED = re.compile(r"^'([^']+)' is required$")


def region(issue: MappingIssue) -> str:
    """The dotted path of the part of the file a schema issue is about: where it stands, or for a missing key,
    that key's own path."""
    missing = REQUIRED.match(issue.message)
    if not missing:
        return issue.where
    return missing.group(1) if issue.where == "(top)" else f"{issue.where}.{missing.group(1)}"


def _article(kind: Any) -> str:
    names = kind if isinstance(kind, list) else [kind]
    words = {"object": "a mapping", "array": "a list", "string": "text", "integer": "a whole number",
             "number": "a number", "boolean": "true or false", "null": "empty"}
    return " or ".join(words.get(str(n), str(n)) for n in names)


def schema_issues(doc: Document, schema: dict[str, Any]) -> Iterator[MappingIssue]:
    validator = Draft202012Validator(schema)
    for error in validator.iter_errors(doc.data):
        where = list(error.absolute_path)
        if error.validator == "additionalProperties":
            for key in _unknown_keys(error):
                yield doc.issue([*where, key], "unknown key")
            continue
        yield doc.issue(where, _message(error))
