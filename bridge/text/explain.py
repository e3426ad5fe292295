"""The group page's explanations in the reader's language: what an audit row's details say, why a part of the
score counts what it does (the parts bridge.workflow.priority computes), and why an issue key was refused. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

from bridge.text.catalogue import label, translate
from bridge.text.numbers import public_number

DETAIL_NAMES = {"wish": "term.wish", "source": "term.group", "wishes": "group.wishes", "tickets": "group.tickets",
                "comments": "group.comments", "comment": "field.body", "queue": "group.queue",
                "importance": "field.importance", "notes": "field.notes", "legal_reference": "field.legal_reference",
                "legal_deadline": "field.legal_deadline", "question": "field.question", "epic_key": "group.epic"}
VALUE_KINDS = {"door": "door", "join_mode": "join", "queue": "queue", "previous_queue": "queue",
               "previous_state": "state", "from": "state", "to": "state", "importance": "importance",
               "reason_code": "reason", "undone": "audit.action", "language": "language"}
NUMBERED = frozenset({"wish", "ticket", "comment"})
GROUPS = frozenset({"into", "source"})   # shown by their public number
HIDDEN = frozenset({"epic_url", "previous_reasons"})
SCORE_NAMES = {"organizations": "group.organizations", "paid_accounts": "group.paid_accounts",
               "importance": "field.importance", "legal_deadline": "field.legal_deadline", "segment": "score.segment"}


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


class Refusal(Protocol):
    """An issue key refused (bridge.tracker.keys.KeyRefused)."""

    @property
    def why(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def tracker(self) -> str: ...
    @property
    def error(self) -> str: ...


def key_refusal(refused: Refusal, language: str) -> str:
    """Why an issue key was refused, naming the tracker, in `language`."""
    tracker = translate(f"handover.tracker.{refused.tracker}", language) if refused.tracker else ""
    return translate(f"handover.refused.{refused.why}", language, key=refused.key, tracker=tracker,
                     error=refused.error)


def _value(name: str, value: Any, language: str) -> str:
    if isinstance(value, list):
        return ", ".join(f"#{item}" for item in value)
    if name in VALUE_KINDS:
        return label(VALUE_KINDS[name], str(value), language)
    if name in NUMBERED:
        return f"#{value}"
    if name in GROUPS and isinstance(value, int):
        return public_number(value)
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _detail_name(name: str, language: str) -> str:
    return translate(DETAIL_NAMES[name], language) if name in DETAIL_NAMES else label("audit.detail", name, language)


def audit_details(details: Mapping[str, Any] | None, language: str) -> list[str]:
    """One "name: value" line per detail of an audit row, in its order; empty ones are left out, and so are the
    epic's address (the page links the epic) and a previous reason's stored form (its text is shown). Our values
    (states, queues, doors) are named in `language`, groups by their public number, other row ids and lists of
    them get a '#', anything else shows as recorded."""
    return [f"{_detail_name(name, language)}: {_value(name, value, language)}"
            for name, value in (details or {}).items() if name not in HIDDEN and value not in (None, "", [])]


def score_part(part: ScorePart, language: str, *, importance: str | None = None,
               deadline: date | None = None) -> tuple[str, str]:
    """(name, explanation) of one part of a group's score; `importance` and `deadline` are the group's, which
    those parts count. A part this catalogue does not know keeps the workflow's own words."""
    kind, _, segment = part.name.partition(":")
    if kind not in SCORE_NAMES:
        return part.name, part.explanation
    name = translate(SCORE_NAMES[kind], language, segment=label("segment", segment, language))
    if kind == "legal_deadline":
        days = int(part.value)
        share = part.points / part.weight if part.weight else 0.0
        key = "score.legal_deadline.overdue" if days < 0 else "score.legal_deadline.ahead"
        return name, translate(key, language, date=deadline.isoformat() if deadline else "—", days=abs(days),
                               share=share, weight=part.weight)
    return name, translate(f"score.{kind}.why", language, value=part.value, weight=part.weight,
                           importance=label("importance", importance or "", language))
