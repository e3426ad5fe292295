"""The words of a group a customer reads, chosen for the customer's language: the group's title and the reason of
a decision. Each choice says whether it carries text not written in that language; bridge.outbox.notify holds such
a message until the product manager translates it or sends it as it is. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bridge.text.normalize import written_in
from bridge.text.reasons import STANDARD_REASONS, standard_reason

SEPARATOR = " — "   # between a standard reason and the product manager's own words


@dataclass(frozen=True)
class Wording:
    text: str
    foreign: bool = False   # carries text not written in the reader's language


@dataclass(frozen=True)
class Reason:
    """Why a group was declined or deferred: a standard reason (written in every language), the product
    manager's own words per language, and words of unknown language (a tracker's resolution, a reason typed on
    the command line) that reach a customer only when they read as the customer's language."""

    code: str | None = None
    texts: Mapping[str, str] = field(default_factory=dict)
    original: str = ""

    def __post_init__(self) -> None:
        if self.code is not None and self.code not in STANDARD_REASONS:
            raise ValueError(f"unknown standard reason '{self.code}' (known: {', '.join(STANDARD_REASONS)})")

    @classmethod
    def of(cls, value: Reason | Mapping[str, Any] | str | None) -> Reason:
        """A Reason from itself, its as_json form, or plain text of unknown language."""
        if isinstance(value, Reason):
            return value
        if isinstance(value, Mapping):
            return cls(value.get("code"), {k: v for k, v in (value.get("texts") or {}).items() if v},
                       value.get("original") or "")
        return cls(original=(value or "").strip())

    def __bool__(self) -> bool:
        return bool(self.code or self.texts or self.original)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "texts": dict(self.texts), "original": self.original}

    def with_texts(self, texts: Mapping[str, str]) -> Reason:
        """This reason with the product manager's words for some languages added or replaced."""
        return Reason(self.code, {**self.texts, **{k: v.strip() for k, v in texts.items() if v.strip()}},
                      self.original)

    def in_language(self, language: str) -> Wording:
        """The reason as a reader of `language` gets it: the standard reason in that language, then the
        words written for it (or, failing those, other words that read as that language). Words only
        available in another language are included as they are, and the wording is foreign."""
        own = self.texts.get(language)
        others = [text for lang, text in self.texts.items() if lang != language]
        if self.original and not self.code:   # a known resolution is said by its standard reason
            others.append(self.original)
        foreign = False
        if own is None and others:
            own = next((text for text in others if written_in(text, language)), None)
            if own is None:
                own, foreign = others[0], True
        parts = [standard_reason(self.code, language)] if self.code else []
        return Wording(SEPARATOR.join([*parts, *([own] if own else [])]), foreign)


def title_in(titles: Mapping[str, str], own: str, language: str) -> Wording:
    """The title a reader of `language` gets: the group's title written for that language, else the customer's
    own wish title, foreign when it does not read as that language."""
    if titles.get(language):
        return Wording(titles[language])
    return Wording(own, foreign=not written_in(own, language))
