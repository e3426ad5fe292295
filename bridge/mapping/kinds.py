"""The kinds of mapping file, by file name: each has a JSON Schema and a check of its meaning.

A file named after an installed tracker connector (jira.yaml) is that tracker's mapping; a file whose name is
neither a kind below nor a tracker (zendesk.yaml, rt.yaml, ...) is a helpdesk mapping.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bridge.errors import MappingIssue
from bridge.mapping.helpdesk import check_helpdesk
from bridge.mapping.importing import check_import
from bridge.mapping.messages import check_messages
from bridge.mapping.source import Document
from bridge.mapping.topics import check_topics
from bridge.mapping.tracker import check_tracker
from bridge.mapping.workflow import check_grouping, check_priority, check_routing
from bridge.registry import connector_class, names_of_role

SCHEMAS = Path(__file__).with_name("schemas")
Check = Callable[[Document, Mapping[str, Document]], Iterator[MappingIssue]]


@dataclass(frozen=True)
class Kind:
    name: str
    check: Check
    schema_name: str = ""  # schemas/<schema_name or name>.json
    epic_schema: Mapping[str, Any] | None = None  # a tracker's `epic:` section, declared by its connector

    @property
    def schema(self) -> dict[str, Any]:
        schema = _schema(self.schema_name or self.name)
        if self.epic_schema is None:
            return schema
        return {**schema, "properties": {**schema["properties"], "epic": dict(self.epic_schema)}}


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


HELPDESK = Kind("helpdesk", check_helpdesk)
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("topics", check_topics),
        Kind("messages", check_messages),
        Kind("routing", check_routing),
        Kind("priority", check_priority),
        Kind("grouping", check_grouping),
        Kind("import", check_import),
    )
}


@cache
def tracker_kind(name: str) -> Kind:
    return Kind(name, check_tracker, "tracker", connector_class(name).epic_schema)


def kind_of(path: Path) -> Kind:
    if path.stem in KINDS:
        return KINDS[path.stem]
    return tracker_kind(path.stem) if path.stem in names_of_role("tracker") else HELPDESK
