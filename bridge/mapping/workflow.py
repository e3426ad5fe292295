"""Meaning checks of the workflow's mapping kinds: routing.yaml, priority.yaml and grouping.yaml."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from bridge.errors import MappingIssue
from bridge.mapping.source import Document
from bridge.mapping.topics import Topics
from bridge.text.encoders import available
from bridge.text.normalize import words


def check_routing(doc: Document, context: Mapping[str, Document]) -> Iterator[MappingIssue]:
    topics = Topics.from_data(context["topics"].data) if "topics" in context else None
    for index, rule in enumerate(doc.data.get("rules", [])):
        where: list[str | int] = ["rules", index]
        for position, category in enumerate(rule.get("categories", [])):
            if topics and category not in topics.labels:
                yield doc.issue([*where, "categories", position],
                                f"unknown category '{category}' (known: {', '.join(topics.labels)})")
        for position, subcategory in enumerate(rule.get("subcategories", [])):
            if topics and topics.parent_of(subcategory) is None:
                yield doc.issue([*where, "subcategories", position], f"unknown subcategory '{subcategory}'")
        for position, keyword in enumerate(rule.get("keywords", [])):
            if not words(keyword):
                yield doc.issue([*where, "keywords", position], f"keyword {keyword!r} has no letters")


def known_segments(context: Mapping[str, Document]) -> set[str] | None:
    """Segments the helpdesk mappings can produce, or None when some mapping passes raw values through."""
    known = {"unknown"}
    for name, doc in context.items():
        spec = doc.data.get("segment") if name.startswith("helpdesk:") else None
        if not spec:
            continue
        if not spec.get("map"):
            return None
        known.update(str(value) for value in spec["map"].values())
        if spec.get("default"):
            known.add(str(spec["default"]))
    return known


def check_priority(doc: Document, context: Mapping[str, Document]) -> Iterator[MappingIssue]:
    known = known_segments(context)
    for segment in doc.data.get("segments", {}):
        if known is not None and segment not in known:
            yield doc.issue(["segments", segment],
                            f"unknown segment '{segment}' (known: {', '.join(sorted(known))})")


def check_grouping(doc: Document, _context: Mapping[str, Document]) -> Iterator[MappingIssue]:
    data = doc.data
    if "auto_join" in data and data.get("suggest_min", 0) > data["auto_join"]:
        yield doc.issue(["suggest_min"], f"must not exceed auto_join ({data['auto_join']})")
    if data.get("text_weight", 1) + data.get("marking_weight", 1) <= 0:
        yield doc.issue(["text_weight"], "text_weight and marking_weight cannot both be 0")
    if "encoder" in data and data["encoder"] not in available():
        yield doc.issue(["encoder"], f"unknown encoder '{data['encoder']}' (known: {', '.join(available())})")
