"""Declining and deferring a group so that nothing irreversible happens by one click: the reason per language, a
preview of exactly what each customer will read (rendered by the outbox's own `plan`), the decision with a short
undo window, and the undo.

Contract: `preview` and `refuse` render through bridge.outbox.notify.plan with the same inputs, so the preview's
text is the text queued. `refuse` queues its messages to go out only after the undo window; within it `undo`
withdraws every one of them (bridge.store.outbox.withdraw: only items no worker has claimed, all or nothing) and
puts back the group's state and reason, audited. A message carrying text not written in its reader's language is
held unless the product manager agreed to send it as it is (`as_is`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from bridge.errors import WorkflowError
from bridge.mapping import Mappings
from bridge.outbox.keys import stage_keys_of_epoch
from bridge.outbox.notify import group_titles, plan
from bridge.outbox.wording import Reason
from bridge.store import outbox
from bridge.store.audit import trail
from bridge.workflow.changes import change, load_group, notify_stage, require, stage_context

REFUSALS = {"decline": "declined", "defer": "deferred"}
STATE_ACTIONS = (*REFUSALS, "undo", "reopen", "approve", "route", "confirm", "grouped", "done", "merge", "unmerge",
                 "reopened_in_jira")
"""Audited actions that set a group's state: only the latest of them can be an undoable decision."""


@dataclass(frozen=True)
class PreviewLine:
    language: str
    text: str                    # the message exactly as it will be queued
    tickets: int
    foreign: tuple[str, ...]     # placeholders carrying text not written in `language`


@dataclass(frozen=True)
class LanguagePreview:
    """The preview's lines for the readers of one language: those carrying foreign text first, then the most read."""

    language: str
    lines: tuple[PreviewLine, ...]

    @property
    def tickets(self) -> int:
        return sum(line.tickets for line in self.lines)

    @property
    def foreign(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for line in self.lines for name in line.foreign))


@dataclass(frozen=True)
class Preview:
    decision: str
    lines: tuple[PreviewLine, ...]

    def by_language(self) -> list[LanguagePreview]:
        languages = dict.fromkeys(line.language for line in self.lines)
        return [LanguagePreview(language, tuple(line for line in self.lines if line.language == language))
                for language in languages]

    @property
    def digest(self) -> str:
        """A fingerprint of everything shown: a confirmation carrying another one saw something else."""
        shown = [self.decision, *[[line.language, line.text, line.tickets, list(line.foreign)] for line in self.lines]]
        return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:32]

    def unconfirmed(self, as_is: Collection[str]) -> list[str]:
        """Languages whose messages carry foreign text the product manager has not agreed to send as is."""
        return sorted({line.language for line in self.lines if line.foreign and line.language not in as_is})


@dataclass(frozen=True)
class UndoOffer:
    action: str
    until: datetime


def _refusal(decision: str) -> str:
    if decision not in REFUSALS:
        raise WorkflowError(f"unknown decision '{decision}' (allowed: {', '.join(REFUSALS)})")
    return REFUSALS[decision]


def preview(conn: Connection, mappings: Mappings, group_id: int, decision: str, reason: Reason, *,
            titles: Mapping[str, str] | None = None) -> Preview:
    """What declining or deferring the group with `reason` would tell its customers, one line per language and
    text with the number of tickets reading it; `titles` add to or replace the group's titles. Reads only."""
    stage = _refusal(decision)
    group = load_group(conn, group_id)
    require(group, decision)
    messages = plan(conn, mappings, group_id, stage, {**stage_context(conn, group), "reason": reason},
                    epoch=group.epoch, titles={**group_titles(conn, [group_id])[group_id], **(titles or {})})
    counted = Counter((message.language, message.patch.comment or "", message.foreign) for message in messages)
    lines = [PreviewLine(language, text, tickets, foreign) for (language, text, foreign), tickets in counted.items()]
    return Preview(decision, tuple(sorted(lines, key=lambda line: (line.language, not line.foreign, -line.tickets,
                                                                   line.text))))


def _reason_details(reason: Reason) -> dict[str, Any]:
    return {"reason_code": reason.code, "reason_original": reason.original or None,
            **{f"reason_{language}": text for language, text in sorted(reason.texts.items())}}


def refuse(conn: Connection, mappings: Mappings, group_id: int, decision: str, actor: str,
           reason: Reason | str | None, *, titles: Mapping[str, str] | None = None, as_is: Collection[str] = (),
           undo: timedelta = timedelta(0), now: datetime | None = None) -> int:
    """Decline or defer the group with `reason` (required), writing `titles` (per language) first when given;
    its customers are told once per epoch, not before `undo` has passed (until then `undo` takes it all back).
    Returns the messages queued."""
    stage = _refusal(decision)
    group = load_group(conn, group_id)
    require(group, decision)
    reason = Reason.of(reason)
    if not reason:
        raise WorkflowError(f"a reason is required to {decision}")
    shown = reason.in_language(mappings.get("messages").get("default_language", "en")).text
    until = (now or datetime.now(UTC)) + undo
    new_titles = {language: title for language, title in (titles or {}).items()
                  if title and (group.titles or {}).get(language) != title}
    values = {"state": stage, "reason": shown, "reasons": reason.as_json(),
              **({"titles": {**(group.titles or {}), **new_titles}} if new_titles else {})}
    change(conn, group_id, decision, actor, shown, values=values, **_reason_details(reason),
           **{f"title_{language}": title for language, title in sorted(new_titles.items())},
           as_is=", ".join(sorted(as_is)) or None, previous_state=group.state,
           previous_reason=group.reason, previous_reasons=group.reasons, epoch=group.epoch,
           undo_until=until.isoformat(timespec="seconds") if undo else None)
    return notify_stage(conn, mappings, group_id, stage, as_is=as_is, not_before=until if undo else None)


def _last_decision(conn: Connection, group_id: int) -> dict[str, Any] | None:
    """The group's latest audit row that set its state by a person's decision (or undid one)."""
    return next((row for row in reversed(trail(conn, "group", group_id))
                 if row["action"] in STATE_ACTIONS), None)


def undo_offer(conn: Connection, group_id: int, now: datetime | None = None) -> UndoOffer | None:
    """The decline or deferral that can still be undone, with the moment its window closes; None otherwise.
    Reads only."""
    group = load_group(conn, group_id)
    last = _last_decision(conn, group_id)
    if last is None or last["action"] not in REFUSALS or not last["details"].get("undo_until"):
        return None
    until = datetime.fromisoformat(last["details"]["undo_until"])
    if group.state != REFUSALS[last["action"]] or group.epoch != last["details"].get("epoch") or \
            until <= (now or datetime.now(UTC)):
        return None
    return UndoOffer(last["action"], until)


def undo(conn: Connection, group_id: int, actor: str, *, now: datetime | None = None) -> int:
    """Undo the group's decline or deferral within its window: its messages not yet claimed by a worker are
    withdrawn (all of them, or the undo is refused) and the group gets back its state and reason. Returns the
    messages withdrawn."""
    offer = undo_offer(conn, group_id, now)
    last = _last_decision(conn, group_id)
    if offer is None or last is None:
        raise WorkflowError(f"group {group_id} has no decision left to undo")
    group = load_group(conn, group_id)
    taken = outbox.withdraw(conn, stage_keys_of_epoch(REFUSALS[offer.action], group_id, group.epoch))
    if taken.gone:
        raise WorkflowError(f"too late to undo: {taken.gone} messages of group {group_id} are already going out")
    details = last["details"]
    change(conn, group_id, "undo", actor, values={"state": details["previous_state"],
                                                  "reason": details.get("previous_reason"),
                                                  "reasons": details.get("previous_reasons")},
           undone=offer.action, previous_state=group.state, withdrawn=taken.withdrawn)
    return taken.withdrawn
