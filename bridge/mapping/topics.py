"""The topic tree (topics.yaml): categories, each with the subcategories that belong to it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bridge.errors import MappingIssue
from bridge.mapping.source import Document


@dataclass(frozen=True)
class Topics:
    labels: Mapping[str, Mapping[str, str]]
    children: Mapping[str, Mapping[str, Mapping[str, str]]]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Topics:
        categories = data.get("categories", {})
        return cls(
            labels={cid: c["label"] for cid, c in categories.items()},
            children={cid: c.get("subcategories", {}) for cid, c in categories.items()},
        )

    def parent_of(self, subcategory: str) -> str | None:
        return next((cid for cid, subs in self.children.items() if subcategory in subs), None)

    def label(self, topic: str | None, language: str = "en") -> str:
        if topic is None:
            return "—"
        for cid, subs in self.children.items():
            names = self.labels[cid] if topic == cid else subs.get(topic)
            if names:
                return names.get(language) or names["en"]
        return topic


def check_topics(doc: Document, _context: Mapping[str, Document]) -> Iterator[MappingIssue]:
    seen: dict[str, str] = {}
    for cid, category in doc.data.get("categories", {}).items():
        for sub in (category.get("subcategories") or {}):
            if sub in seen:
                yield doc.issue(["categories", cid, "subcategories", sub],
                                f"subcategory '{sub}' is already under '{seen[sub]}'")
            seen[sub] = cid
