"""The import mapping (mappings/import.yaml): which column of an exported file holds what, and what the values
mean. Its meaning is a helpdesk mapping whose fields are the file's columns, so `marking.apply` is the same
pure code that marks synced tickets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bridge.errors import MappingIssue
from bridge.mapping.helpdesk import HelpdeskMapping, check_helpdesk
from bridge.mapping.source import Document
from bridge.mapping.topics import Topics

DEFAULT_SOURCE = "import"


def _column(spec: str | Mapping[str, str]) -> str:
    return spec if isinstance(spec, str) else spec["column"]


def _option(spec: str | Mapping[str, str] | None, name: str) -> str | None:
    return spec.get(name) if isinstance(spec, Mapping) else None


def _rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    if "column" in rule:
        return {"field": {"id": rule["column"]["name"], "equals": rule["column"]["equals"]}}
    return dict(rule)


def helpdesk_data(data: Mapping[str, Any], columns: Mapping[str, str], topics: Topics) -> dict[str, Any]:
    """The import mapping restated as a helpdesk mapping over a ticket whose `fields` are the row's columns."""
    result: dict[str, Any] = {
        "source": data.get("source", DEFAULT_SOURCE),
        "wish": {"any": [_rule(rule) for rule in data.get("wish", {}).get("any", [])]},
        "category": {"field": columns.get("category", ""), **data.get("category", {"map": {}})},
        "channel": data.get("channel", {}),
        "language": {"from_requester_locale": False, **data.get("language", {})},
    }
    if "subcategory" in columns:
        result["subcategory"] = {**data.get("subcategory", {"map": {}}),
                                 "fields": dict.fromkeys(topics.labels, columns["subcategory"])}
    if "segment" in columns or "segment" in data:
        result["segment"] = {"field": columns.get("segment", ""), **data.get("segment", {})}
    if "paid_accounts" in columns:
        result["paid_accounts"] = {"field": columns["paid_accounts"]}
    return result


@dataclass(frozen=True)
class ImportMapping:
    source: str
    columns: Mapping[str, str]
    """role (id, subject, created_at, ...) -> the column's header in the file"""
    date_format: str | None
    tags_separator: str
    marking: HelpdeskMapping

    @classmethod
    def from_data(cls, data: Mapping[str, Any], topics: Topics) -> ImportMapping:
        columns = {role: _column(spec) for role, spec in data["columns"].items()}
        source = data.get("source", DEFAULT_SOURCE)
        return cls(
            source=source,
            columns=columns,
            date_format=_option(data["columns"].get("created_at"), "format"),
            tags_separator=_option(data["columns"].get("tags"), "separator") or ",",
            marking=HelpdeskMapping(source, helpdesk_data(data, columns, topics), topics),
        )


def check_import(doc: Document, context: Mapping[str, Document]) -> Iterator[MappingIssue]:
    """Topics and transforms as in a helpdesk mapping (any `source:` name is allowed), and a date format that
    can read back what it writes."""
    yield from (issue for issue in check_helpdesk(doc, context) if issue.where != "source")
    date_format = _option(doc.data["columns"].get("created_at"), "format")
    if date_format is not None:
        sample = datetime(2024, 12, 31, 23, 58, 59)
        try:
            if "%" not in date_format:
                raise ValueError("it has no directives such as %d.%m.%Y")
            datetime.strptime(sample.strftime(date_format), date_format)
        except ValueError as error:
            yield doc.issue(["columns", "created_at", "format"], f"not a usable date format: {error}")
