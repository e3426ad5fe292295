"""A group's words in every language: the titles and the decision's reason the product manager writes per
language, and the messages held because they would carry text not written in their reader's language. Writing a
translation renders the held messages again (those now fully in their reader's language go out); the manager may
instead send a language's held messages as they are. Every change is audited; `group_words` is what the group page
shows of it all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bridge.errors import WorkflowError
from bridge.mapping import Mappings
from bridge.outbox.keys import message_keys_of_group
from bridge.outbox.notify import patch_payload, render_for, stored_context
from bridge.outbox.wording import Reason
from bridge.store import outbox
from bridge.text.catalogue import LANGUAGES
from bridge.text.normalize import detect_language
from bridge.workflow.changes import change, load_group, log
from bridge.workflow.decisions import UndoOffer, undo_offer


def _written(texts: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(texts) - set(LANGUAGES))
    if unknown:
        raise WorkflowError(f"unknown language {', '.join(unknown)} (known: {', '.join(LANGUAGES)})")
    return {language: text.strip() for language, text in texts.items() if text and text.strip()}


def translate(conn: Connection, mappings: Mappings, group_id: int, actor: str, *,
              titles: Mapping[str, str] | None = None, reasons: Mapping[str, str] | None = None) -> int:
    """Write the group's title and/or its decision's reason for some languages (a blank one leaves that language
    as it was). The group's held messages are rendered again, and those now written in their reader's language
    go out. Returns the messages released."""
    group = load_group(conn, group_id)
    reason = Reason.of(group.reasons or group.reason)
    new_titles = {language: text for language, text in _written(titles or {}).items()
                  if (group.titles or {}).get(language) != text}
    new_reasons = {language: text for language, text in _written(reasons or {}).items()
                   if reason.texts.get(language) != text}
    values: dict[str, Any] = {}
    if new_titles:
        values["titles"] = {**(group.titles or {}), **new_titles}
    if new_reasons:
        if not reason:
            raise WorkflowError(f"group {group_id} has no reason to translate")
        values["reasons"] = reason.with_texts(new_reasons).as_json()
    if not values:
        raise WorkflowError("nothing new to write: give a title or a reason in some language")
    change(conn, group_id, "translate", actor, values=values,
           **{f"title_{language}": text for language, text in sorted(new_titles.items())},
           **{f"reason_{language}": text for language, text in sorted(new_reasons.items())})
    return _render_held(conn, mappings, group_id)


def _render_held(conn: Connection, mappings: Mappings, group_id: int) -> int:
    """Render the group's held messages with its current titles and reason; release those no longer foreign."""
    group = load_group(conn, group_id)
    reason = Reason.of(group.reasons) if group.reasons else None
    released = 0
    for item in outbox.held_items(conn, message_keys_of_group(group_id)):
        payload, held = item["payload"], item["payload"]["held"]
        context = {**held["context"], **({"reason": reason} if reason and "reason" in held["context"] else {})}
        patch, foreign = render_for(mappings, payload["stage"], item["target"], held["language"], context,
                                    group.titles or {})
        rendered = {key: value for key, value in payload.items() if key != "held"} | {"patch": patch_payload(patch)}
        if foreign:
            outbox.rewrite_held(conn, item["id"], {**rendered, "held": {
                "language": held["language"], "foreign": list(foreign), "context": stored_context(context)}})
        else:
            released += outbox.release_held(conn, item["id"], rendered)
    return released


def send_as_is(conn: Connection, group_id: int, language: str, actor: str) -> int:
    """Send the group's held messages to readers of `language` as they are (the product manager has read them).
    Returns the messages released."""
    load_group(conn, group_id)
    items = [item for item in outbox.held_items(conn, message_keys_of_group(group_id))
             if item["payload"]["held"]["language"] == language]
    if not items:
        raise WorkflowError(f"group {group_id} has no held messages in '{language}'")
    for item in items:
        outbox.release_held(conn, item["id"], {key: value for key, value in item["payload"].items() if key != "held"})
    log(conn, group_id, "send_as_is", actor, language=language, messages=len(items))
    return len(items)


@dataclass(frozen=True)
class HeldMessages:
    """Held messages of one stage to readers of one language, with what they lack and one of their texts."""

    stage: str
    language: str
    foreign: tuple[str, ...]
    count: int
    text: str


@dataclass(frozen=True)
class GroupWords:
    """What the group page shows of a group's languages."""

    title: str
    title_language: str                # the language the original title reads as
    titles: dict[str, str]             # written per language
    reason: Reason | None              # the decision's reason, when it has one
    held: tuple[HeldMessages, ...]
    undo: UndoOffer | None

    def reason_in(self, language: str) -> str:
        return self.reason.in_language(language).text if self.reason else ""


def group_words(conn: Connection, group_id: int, now: datetime | None = None) -> GroupWords:
    """The group's titles and reason per language, its held messages and the decision it can still undo;
    WorkflowError for an unknown id. Reads only."""
    group = load_group(conn, group_id)
    items = outbox.held_items(conn, message_keys_of_group(group_id))
    counted = Counter((item["payload"]["stage"], item["payload"]["held"]["language"],
                       tuple(item["payload"]["held"]["foreign"])) for item in items)
    samples = {(item["payload"]["stage"], item["payload"]["held"]["language"],
                tuple(item["payload"]["held"]["foreign"])): item["payload"]["patch"]["comment"] or "" for item in items}
    held = tuple(HeldMessages(stage, language, foreign, count, samples[(stage, language, foreign)])
                 for (stage, language, foreign), count in counted.items())
    return GroupWords(group.title, detect_language(group.title), dict(group.titles or {}),
                      Reason.of(group.reasons or group.reason) if (group.reasons or group.reason) else None,
                      held, undo_offer(conn, group_id, now))
