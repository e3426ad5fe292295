"""The kinds of mapping file, by file name: each has a JSON Schema and a check of its meaning.

A file whose name is not a kind below (zendesk.yaml, rt.yaml, ...) is a helpdesk mapping.
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
from bridge.mapping.jira import check_jira
from bridge.mapping.messages import check_messages
from bridge.mapping.source import Document
from bridge.mapping.topics import check_topics
from bridge.mapping.workflow import check_grouping, check_priority, check_routing

SCHEMAS = Path(__file__).with_name("schemas")
Check = Callable[[Document, Mapping[str, Document]], Iterator[MappingIssue]]


@dataclass(frozen=True)
class Kind:
    name: str
    check: Check

    @property
    def schema(self) -> dict[str, Any]:
        return _schema(self.name)


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


HELPDESK = Kind("helpdesk", check_helpdesk)
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("topics", check_topics),
        Kind("messages", check_messages),
        Kind("jira", check_jira),
        Kind("routing", check_routing),
        Kind("priority", check_priority),
        Kind("grouping", check_grouping),
        Kind("import", check_import),
    )
}


def kind_of(path: Path) -> Kind:
    return KINDS.get(path.stem, HELPDESK)
