"""Who looks first at a wish group: the first rule of mappings/routing.yaml that matches names the queue.

Pure: no I/O. Keywords match word forms through Snowball stems («закон» matches «закона», «законом»; a
keyword of several words matches those words in a row).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bridge.text.normalize import stem, words

QUEUES = ("analyst", "legal")


def stems(text: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in words(text))


@dataclass(frozen=True)
class Rule:
    name: str
    queue: str
    categories: frozenset[str] = frozenset()
    subcategories: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    keywords: tuple[tuple[str, ...], ...] = ()

    def matches(self, text_stems: tuple[str, ...], category: str | None, subcategory: str | None,
                tags: Iterable[str]) -> bool:
        return bool(
            (category is not None and category in self.categories)
            or (subcategory is not None and subcategory in self.subcategories)
            or self.tags & {tag.casefold() for tag in tags}
            or any(_contains(text_stems, keyword) for keyword in self.keywords)
        )


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return size > 0 and any(haystack[i:i + size] == needle for i in range(len(haystack) - size + 1))


@dataclass(frozen=True)
class RoutingRules:
    default: str = "analyst"
    rules: tuple[Rule, ...] = ()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RoutingRules:
        return cls(
            default=data.get("default", "analyst"),
            rules=tuple(
                Rule(
                    name=spec.get("name") or f"rule {index + 1}",
                    queue=spec["queue"],
                    categories=frozenset(spec.get("categories", ())),
                    subcategories=frozenset(spec.get("subcategories", ())),
                    tags=frozenset(tag.casefold() for tag in spec.get("tags", ())),
                    keywords=tuple(stems(keyword) for keyword in spec.get("keywords", ())),
                )
                for index, spec in enumerate(data.get("rules", ()))
            ),
        )


def route_for(text: str, rules: RoutingRules, *, category: str | None = None, subcategory: str | None = None,
              tags: Iterable[str] = ()) -> tuple[str, Rule | None]:
    """The queue for a wish (or a group's texts), and the rule that chose it (None: the default queue)."""
    text_stems = stems(text)
    tags = tuple(tags)
    for rule in rules.rules:
        if rule.matches(text_stems, category, subcategory, tags):
            return rule.queue, rule
    return rules.default, None
