"""messages.yaml: what each stage of a wish tells the customer and changes on every originating ticket."""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from typing import Any

from bridge.errors import MappingIssue
from bridge.mapping.source import Document

STAGES = (
    "registered", "in_analysis", "question", "approved", "planned", "in_development", "testing",
    "released", "declined", "deferred", "follow_up",
)
PLACEHOLDERS = frozenset({
    "wish_title", "number", "wish_id", "reason", "question", "epic_key", "epic_status", "epic_url", "fix_version",
})
LANGUAGES = ("ru", "en")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(template: str, context: Mapping[str, Any]) -> str:
    """Fill {placeholders}; a value the context lacks renders as an empty string."""
    return template.format_map({name: context.get(name) or "" for name in placeholders(template)})


def check_messages(doc: Document, _context: Mapping[str, Document]) -> Iterator[MappingIssue]:
    for stage, spec in doc.data.get("stages", {}).items():
        if stage not in STAGES:
            yield doc.issue(["stages", stage], f"unknown stage '{stage}' (known: {', '.join(STAGES)})")
        for language, template in (spec.get("message") or {}).items():
            try:
                unknown = placeholders(template) - PLACEHOLDERS
            except ValueError as error:
                yield doc.issue(["stages", stage, "message", language], f"broken template: {error}")
                continue
            for name in sorted(unknown):
                yield doc.issue(["stages", stage, "message", language],
                                f"unknown placeholder '{{{name}}}' (known: {', '.join(sorted(PLACEHOLDERS))})")
