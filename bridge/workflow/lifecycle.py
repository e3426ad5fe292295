"""The wish lifecycle: the product manager's and analyst's actions on a wish group, each audited and, where
the customers should know, told to every originating ticket once per stage per epoch.

States (see ARCHITECTURE.md): new → grouped → in_analysis (queue analyst or legal) → approved → done;
declined and deferred need a reason; reopen brings declined, deferred and done back to grouped with the
next epoch; merged is undone by unmerge. Every function raises WorkflowError for an unknown id or a
transition the state does not allow, naming the state and the allowed actions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection

from bridge.errors import WorkflowError
from bridge.grouping.regroup import RegroupSummary, regroup
from bridge.mapping import Mappings
from bridge.outbox.keys import QUESTION, question_occasion
from bridge.outbox.notify import notify
from bridge.store.schema import comments
from bridge.sync.intake import WishRef, add_wish, attach_ticket, intake_tickets
from bridge.text.numbers import public_number
from bridge.tracker.requests import has_epic, request_epic_update
from bridge.workflow.changes import allowed_actions, change, load_group, log, notify_stage, require, require_reason
from bridge.workflow.decisions import REFUSALS, refuse
from bridge.workflow.handover import ask_for_epic
from bridge.workflow.merging import merge, merge_pair, split, unmerge
from bridge.workflow.priority import IMPORTANCE
from bridge.workflow.routing import QUEUES

DECISIONS = {"approve": "approved", "decline": "declined", "defer": "deferred"}

__all__ = [
    "DECISIONS", "RegroupSummary", "WishRef", "acknowledge", "add_comment", "add_wish", "allowed_actions",
    "ask_customers", "attach_ticket", "confirm", "decide", "intake_tickets", "mark_done", "merge", "merge_pair",
    "notify_stage", "record_analysis", "regroup", "reopen", "route", "split", "unmerge",
]


def confirm(conn: Connection, group_id: int, actor: str) -> None:
    """The product manager confirms a `new` group as reviewed: it becomes `grouped`."""
    require(load_group(conn, group_id), "confirm")
    change(conn, group_id, "confirm", actor, values={"state": "grouped"})


def route(conn: Connection, mappings: Mappings, group_id: int, queue: str, actor: str,
          reason: str | None = None) -> None:
    """Send the group to the analyst or legal queue (or re-route it); customers hear `in_analysis` once."""
    if queue not in QUEUES:
        raise WorkflowError(f"unknown queue '{queue}' (allowed: {', '.join(QUEUES)})")
    group = load_group(conn, group_id)
    require(group, "route")
    if group.state == "in_analysis" and group.queue == queue:
        raise WorkflowError(f"group {public_number(group_id)} is already in the {queue} queue")
    change(conn, group_id, "route", actor, reason, values={"state": "in_analysis", "queue": queue},
           queue=queue, previous_state=group.state, previous_queue=group.queue)
    notify_stage(conn, mappings, group_id, "in_analysis")


def record_analysis(conn: Connection, group_id: int, actor: str, *, importance: str | None = None,
                    notes: str | None = None, legal_reference: str | None = None,
                    legal_deadline: date | None = None) -> None:
    """Record what the analyst found; only the given fields change. After approval, the epic's description
    follows."""
    if importance is not None and importance not in IMPORTANCE:
        raise WorkflowError(f"unknown importance '{importance}' (allowed: {', '.join(IMPORTANCE)})")
    require(load_group(conn, group_id), "analyse")
    values: dict[str, Any] = {name: value for name, value in (
        ("importance", importance), ("notes", notes), ("legal_reference", legal_reference),
        ("legal_deadline", legal_deadline)) if value is not None}
    if not values:
        raise WorkflowError("nothing to record: give importance, notes, a legal reference or a deadline")
    change(conn, group_id, "analyse", actor, values=values,
           **{name: str(value) for name, value in values.items()})
    if load_group(conn, group_id).state == "approved":

        request_epic_update(conn, group_id)


def _insert_comment(conn: Connection, group_id: int, author: str, body: str) -> int:
    if not body.strip():
        raise WorkflowError("a comment needs text")
    inserted = conn.execute(comments.insert().values(group_id=group_id, author=author, body=body.strip(),
                                                     created_at=datetime.now(UTC))).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


def add_comment(conn: Connection, group_id: int, author: str, body: str) -> int:
    """An internal comment on the group; returns its id."""
    require(load_group(conn, group_id), "comment")
    comment_id = _insert_comment(conn, group_id, author, body)
    log(conn, group_id, "comment", author, comment=comment_id)
    return comment_id


def ask_customers(conn: Connection, mappings: Mappings, group_id: int, question: str, actor: str) -> int:
    """Put the analyst's question on every originating helpdesk ticket (each question once per ticket);
    the question is kept as a comment. Returns the number of tickets asked."""
    group = load_group(conn, group_id)
    require(group, "ask")
    comment_id = _insert_comment(conn, group_id, actor, question)
    asked = notify(conn, mappings, group_id, QUESTION, {"wish_title": group.title, "wish_id": group_id,
                                                        "question": question}, occasion=question_occasion(comment_id))
    log(conn, group_id, "ask", actor, question=question, comment=comment_id, tickets=asked)
    return asked


def decide(conn: Connection, mappings: Mappings, group_id: int, decision: str, actor: str,
           reason: str | None = None, issue_key: str | None = None) -> None:
    """approve (hands over to the tracker: a `create_epic` outbox item, or a link to `issue_key`, which the
    caller has checked with the tracker: bridge.tracker.keys), decline or defer (a reason is required: see
    decisions.refuse, which the admin pages call with a preview and an undo window). Customers hear the decision
    once per epoch; an approval only once the group has its epic (at once when it kept one from an earlier
    epoch, else when the hand-over succeeds: bridge/tracker/epics.py), because the message says the wish is
    handed to development."""
    if decision not in DECISIONS:
        raise WorkflowError(f"unknown decision '{decision}' (allowed: {', '.join(DECISIONS)})")
    if decision in REFUSALS:
        refuse(conn, mappings, group_id, decision, actor, reason)
        return
    require(load_group(conn, group_id), decision)
    state = DECISIONS[decision]
    if decision == "approve":
        ask_for_epic(conn, group_id, issue_key)
    change(conn, group_id, decision, actor, reason, values={"state": state, "reason": reason},
           **({"issue_key": issue_key} if issue_key else {}))
    if decision == "approve" and not has_epic(conn, group_id):
        return
    notify_stage(conn, mappings, group_id, state)


def reopen(conn: Connection, mappings: Mappings, group_id: int, actor: str, reason: str) -> None:
    """Bring a declined, deferred or done group back to `grouped` in its next epoch, so every later stage
    is told to the customers again. `mappings` is kept for symmetry with the other transitions."""
    group = load_group(conn, group_id)
    require(group, "reopen")
    change(conn, group_id, "reopen", actor, require_reason(reason, "reopen"),
           values={"state": "grouped", "reason": None, "reasons": None, "epoch": group.epoch + 1},
           previous_state=group.state, epoch=group.epoch + 1)


def mark_done(conn: Connection, group_id: int, actor: str, reason: str | None = None) -> None:
    """An approved group's work is released."""
    require(load_group(conn, group_id), "done")
    change(conn, group_id, "done", actor, reason, values={"state": "done"})


def acknowledge(conn: Connection, group_id: int, actor: str) -> None:
    """The product manager has seen the demand raised on a declined or deferred group."""
    require(load_group(conn, group_id), "acknowledge")
    log(conn, group_id, "acknowledge", actor)

