"""The group page's explanations in the reader's language: what an audit row's details say, and why a part of
the score counts what it does (the parts bridge.workflow.priority computes). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

from bridge.text.catalogue import TEXTS, label, translate

VALUE_KINDS = {"door": "door", "join_mode": "join", "queue": "queue", "previous_queue": "queue",
               "previous_state": "state", "from": "state", "to": "state", "importance": "importance"}
NUMBERED = frozenset({"wish", "ticket", "comment", "comments", "into", "source", "wishes"})
HIDDEN = frozenset({"epic_url"})  # the group page links the epic already


class ScorePart(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def weight(self) -> float: ...
    @property
    def points(self) -> float: ...
    @property
    def explanation(self) -> str: ...


def _value(name: str, value: Any, language: str) -> str:
    if isinstance(value, list):
        return ", ".join(_value(name, item, language) for item in value)
    if name in VALUE_KINDS:
        return label(VALUE_KINDS[name], str(value), language)
    if name in NUMBERED:
        return f"#{value}"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def audit_details(details: Mapping[str, Any] | None, language: str) -> list[str]:
    """One "label: value" line per detail of an audit row, in its order; empty ones are left out. Our values
    (states, queues, doors) are named in `language`, row ids get a '#', anything else shows as recorded."""
    return [f"{label('audit.detail', name, language)}: {_value(name, value, language)}"
            for name, value in (details or {}).items() if name not in HIDDEN and value not in (None, "", [])]


def score_part(part: ScorePart, language: str, *, importance: str | None = None,
               deadline: date | None = None) -> tuple[str, str]:
    """(name, explanation) of one part of a group's score; `importance` and `deadline` are the group's, which
    those parts count. A part this catalogue does not know keeps the workflow's own words."""
    kind, _, segment = part.name.partition(":")
    if f"score.{kind}" not in TEXTS:
        return part.name, part.explanation
    values: dict[str, Any] = {"value": part.value, "weight": part.weight}
    name = translate(f"score.{kind}", language)
    if kind == "segment":
        name = translate("score.segment", language, segment=label("segment", segment, language))
    elif kind == "importance":
        values["importance"] = label("importance", importance or "", language)
    elif kind == "legal_deadline":
        days = int(part.value)
        share = part.points / part.weight if part.weight else 0.0
        key = "score.legal_deadline.overdue" if days < 0 else "score.legal_deadline.ahead"
        return name, translate(key, language, date=deadline.isoformat() if deadline else "—", days=abs(days),
                               share=share, weight=part.weight)
    return name, translate(f"score.{kind}.why", language, **values)
