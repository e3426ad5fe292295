"""A helpdesk mapping (e.g. mappings/zendesk.yaml): which fields and tags mean what. `apply` is pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bridge.errors import MappingIssue
from bridge.mapping.source import Document
from bridge.mapping.topics import Topics
from bridge.mapping.transforms import TRANSFORMS, apply_transforms
from bridge.model import Marking, Ticket
from bridge.registry import known_sources
from bridge.text.normalize import detect_language


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class HelpdeskMapping:
    source: str
    data: Mapping[str, Any]
    topics: Topics

    def field(self, ticket: Ticket, field_id: Any) -> str:
        return _text(ticket.fields.get(str(field_id)))

    def is_wish(self, ticket: Ticket) -> bool:
        tags = {t.casefold() for t in ticket.tags}
        for rule in self.data["wish"]["any"]:
            if "type" in rule and ticket.ticket_type.casefold() == rule["type"].casefold():
                return True
            if "tags" in rule and tags & {t.casefold() for t in rule["tags"]}:
                return True
            if "field" in rule and self.field(ticket, rule["field"]["id"]) == _text(rule["field"]["equals"]):
                return True
        return False

    def _category_value(self, ticket: Ticket) -> tuple[str, str]:
        """The helpdesk's category value (transformed) and, for nested options, the subcategory part."""
        spec = self.data["category"]
        raw = self.field(ticket, spec["field"])
        if not raw:
            return "", ""
        nested_child = raw.split("::", 1)[1].strip() if spec.get("nested") and "::" in raw else ""
        value = apply_transforms(spec.get("transform", []), raw.split("::", 1)[0].strip() if spec.get("nested")
                                 else raw)
        return value, nested_child

    def _subcategory_value(self, ticket: Ticket, category: str, nested_child: str) -> str:
        spec = self.data.get("subcategory")
        if not spec:
            return ""
        raw = nested_child
        field_id = spec.get("fields", {}).get(category)
        if not raw and field_id is not None:
            raw = self.field(ticket, field_id)
        return apply_transforms(spec.get("transform", []), raw) if raw else ""

    def category(self, ticket: Ticket) -> tuple[str | None, str | None]:
        value, nested_child = self._category_value(ticket)
        category = self.data["category"]["map"].get(value) if value else None
        if category is None:
            return None, None
        return category, self.subcategory(ticket, category, nested_child)

    def subcategory(self, ticket: Ticket, category: str, nested_child: str) -> str | None:
        value = self._subcategory_value(ticket, category, nested_child)
        return self.data["subcategory"]["map"].get(category, {}).get(value) if value else None

    def unmapped(self, ticket: Ticket) -> tuple[tuple[str, str], ...]:
        """The ticket's helpdesk values the mapping has no entry for: ("category", value), or, under a mapped
        category, ("subcategory", value)."""
        value, nested_child = self._category_value(ticket)
        if not value:
            return ()
        category = self.data["category"]["map"].get(value)
        if category is None:
            return (("category", value),)
        child = self._subcategory_value(ticket, category, nested_child)
        if child and self.subcategory(ticket, category, nested_child) is None:
            return (("subcategory", child),)
        return ()

    def lookup(self, name: str, ticket: Ticket) -> str | None:
        spec = self.data.get(name)
        if not spec:
            return None
        if "organization_field" in spec:
            raw = _text(ticket.organization.fields.get(spec["organization_field"])) if ticket.organization else ""
        else:
            raw = self.field(ticket, spec.get("field", ""))
        value = apply_transforms(spec.get("transform", []), raw)
        return spec.get("map", {}).get(value, value or None) if spec.get("map") else (value or spec.get("default"))

    def paid_accounts(self, ticket: Ticket) -> int | None:
        spec = self.data.get("paid_accounts")
        if not spec:
            return None
        if "organization_field" in spec:
            raw = ticket.organization.fields.get(spec["organization_field"]) if ticket.organization else None
        else:
            raw = ticket.fields.get(str(spec.get("field")))
        try:
            return int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def channel(self, ticket: Ticket) -> str | None:
        spec = self.data.get("channel", {})
        return spec.get("map", {}).get(ticket.channel, ticket.channel or spec.get("default")) or None

    def language(self, ticket: Ticket) -> str:
        spec = self.data.get("language", {})
        locale = ticket.requester.locale if ticket.requester else ""
        if spec.get("from_requester_locale", True) and locale:
            return "ru" if locale.lower().startswith("ru") else "en"
        if spec.get("detect_from_text", True):
            text = f"{ticket.subject} {ticket.body}"
            if any(ch.isalpha() for ch in text):
                return detect_language(text)
        return str(spec.get("default", "en"))

    def apply(self, ticket: Ticket) -> Marking:
        category, subcategory = self.category(ticket)
        segment = self.lookup("segment", ticket)
        if segment is None and self.data.get("segment"):
            segment = self.data["segment"].get("default")
        return Marking(
            is_wish=self.is_wish(ticket),
            category=category,
            subcategory=subcategory,
            segment=segment,
            paid_accounts=self.paid_accounts(ticket),
            channel=self.channel(ticket),
            language=self.language(ticket),
            tags=tuple(sorted(set(ticket.tags))),
            account_manager=self.lookup("account_manager", ticket),
        )


def _transform_issues(doc: Document, where: Sequence[str | int], names: Sequence[str]) -> Iterator[MappingIssue]:
    for index, name in enumerate(names):
        if name not in TRANSFORMS:
            yield doc.issue([*where, index], f"unknown transform '{name}' (known: {', '.join(sorted(TRANSFORMS))})")


def check_helpdesk(doc: Document, context: Mapping[str, Document]) -> Iterator[MappingIssue]:
    data = doc.data
    sources = known_sources()
    if sources and data.get("source") not in sources:
        yield doc.issue(["source"], f"unknown source '{data.get('source')}' (installed: {', '.join(sources)})")
    topics = Topics.from_data(context["topics"].data) if "topics" in context else None
    category = data.get("category", {})
    yield from _transform_issues(doc, ["category", "transform"], category.get("transform", []))
    for value, topic in category.get("map", {}).items():
        if topics and topic not in topics.labels:
            yield doc.issue(["category", "map", value], f"unknown category '{topic}'")
    sub = data.get("subcategory", {})
    yield from _transform_issues(doc, ["subcategory", "transform"], sub.get("transform", []))
    for parent in sub.get("fields", {}):
        if topics and parent not in topics.labels:
            yield doc.issue(["subcategory", "fields", parent], f"unknown category '{parent}'")
    for parent, values in sub.get("map", {}).items():
        if topics and parent not in topics.labels:
            yield doc.issue(["subcategory", "map", parent], f"unknown category '{parent}'")
            continue
        for value, topic in values.items():
            owner = topics.parent_of(topic) if topics else parent
            if owner is None:
                yield doc.issue(["subcategory", "map", parent, value], f"unknown subcategory '{topic}'")
            elif owner != parent:
                yield doc.issue(["subcategory", "map", parent, value],
                                f"subcategory '{topic}' belongs to '{owner}', not '{parent}'")
    for name in ("segment", "account_manager"):
        yield from _transform_issues(doc, [name, "transform"], data.get(name, {}).get("transform", []))
