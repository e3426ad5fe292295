"""A tracker's mapping, mappings/<tracker>.yaml (jira.yaml, yandex_tracker.yaml): the `epic:` section the
tracker's connector reads (its schema is the connector's `epic_schema`), and which wish stage each status,
status category or resolution means. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from bridge.errors import MappingIssue
from bridge.mapping.source import Document

TRACKER_STAGES = ("planned", "in_development", "testing", "released", "declined")
STAGE_TABLES = ("resolutions", "statuses", "categories")


def _lookup(table: Mapping[str, str], name: str | None) -> str | None:
    if not name:
        return None
    folded = name.casefold()
    return next((stage for key, stage in table.items() if key.casefold() == folded), None)


def stage_for(data: Mapping[str, Any], status: str | None, category: str | None,
              resolution: str | None) -> str | None:
    """The stage of an issue: its resolution if listed, else its status name, else its status category."""
    return (_lookup(data.get("resolutions") or {}, resolution)
            or _lookup(data.get("statuses") or {}, status)
            or _lookup(data.get("categories") or {}, category))


def check_tracker(doc: Document, _context: Mapping[str, Document]) -> Iterator[MappingIssue]:
    for table in STAGE_TABLES:
        for name, stage in (doc.data.get(table) or {}).items():
            if stage not in TRACKER_STAGES:
                yield doc.issue([table, name],
                                f"unknown stage '{stage}' (known: {', '.join(TRACKER_STAGES)})")
