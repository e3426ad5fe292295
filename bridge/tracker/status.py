"""Tracker status back to the customers: a webhook event or a reconcile poll becomes an observed issue state,
and every observation goes through `observe`. Only the Tracker port is used here.

Contract: a stage change is acted on once. `observe` compares the issue's stage with `tracker_links.stage` and
moves it with a compare-and-set, so the same change seen by a webhook and by the poll (even at the same time)
notifies the group's tickets once; notify keys are per (stage, group, epoch, ticket) besides. An epic the tracker no
longer has (deleted, or out of the bridge's sight) is marked missing on its link and left out of later polls;
the rest of the poll goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update

from bridge.mapping import Mappings
from bridge.mapping.tracker import stage_for
from bridge.model import STATUS_CHANGED, IssueState, WebhookEvent
from bridge.outbox.notify import Audience, notify_all
from bridge.outbox.wording import Reason
from bridge.ports import Tracker
from bridge.store import audit
from bridge.store.cursors import load_cursor, record_run, save_cursor
from bridge.store.schema import tracker_links, wish_groups
from bridge.text.reasons import reason_of_resolution
from bridge.workflow.changes import change, load_group

log = logging.getLogger(__name__)
GROUP_STATE = {"released": ("done", "done"), "declined": ("declined", "decline")}  # stage: (state, action)


def context_for(group: Any, link: Any, state: IssueState) -> dict[str, Any]:
    """The message placeholders of a stage change (see messages.yaml)."""
    return {
        "wish_title": group.title, "wish_id": group.id, "epic_key": state.issue_key,
        "epic_status": state.status or "", "epic_url": link.url or "",
        "fix_version": f" ({state.fix_version})" if state.fix_version else "",
        "reason": tracker_reason(state),
    }


def tracker_reason(state: IssueState) -> Reason:
    """The tracker's resolution (or status) as a reason: the standard reason it names when we know it, else its
    words as they are, which reach only customers of their language (the others' messages are held)."""
    words = state.resolution or state.status or ""
    return Reason(reason_of_resolution(words), original=words)


def _settle_group(conn: Connection, tracker: str, group: Any, previous_stage: str | None, stage: str,
                  state: IssueState) -> None:
    """released -> done, declined -> declined with the reason, through the workflow's audited change; an epic
    Jira moves on from either puts the group back in `approved` (only when Jira itself had settled it). Jira
    decides here, so the lifecycle's own rules for people (bridge.workflow.changes.ACTIONS) are not asked."""
    if stage not in GROUP_STATE:
        settled_by_jira = previous_stage in GROUP_STATE and group.state == GROUP_STATE[previous_stage][0]
        if settled_by_jira:
            change(conn, group.id, "reopened_in_jira", tracker, state.status, values={"state": "approved"},
                   previous_state=group.state, epic_key=state.issue_key, epic_status=state.status)
        return
    if group.state in (GROUP_STATE[stage][0], "merged"):
        return
    target, action = GROUP_STATE[stage]
    reason = state.resolution or state.status
    values: dict[str, Any] = {"state": target, **({"reason": reason, "reasons": tracker_reason(state).as_json()}
                                                  if target == "declined" else {})}
    change(conn, group.id, action, tracker, reason, values=values, previous_state=group.state,
           epic_key=state.issue_key, epic_status=state.status, fix_version=state.fix_version)


def _older(moment: datetime | None, recorded: datetime | None) -> bool:
    """Whether a state is older than the one already recorded (a late webhook after a newer poll)."""
    if moment is None or recorded is None:
        return False
    return moment < (recorded if recorded.tzinfo else recorded.replace(tzinfo=UTC))


@dataclass(frozen=True)
class _Move:
    """A stage change seen in a run of observations: the epic's link, the stage it moved from and to."""

    link: Any
    previous: str | None
    stage: str
    state: IssueState


_OBSERVED = ("status", "status_category", "resolution", "fix_version", "observed_at", "updated_at")
_STORE_OBSERVED = (update(tracker_links).where(tracker_links.c.id == bindparam("link_id"))
                   .values({name: bindparam(name) for name in _OBSERVED}))
_MOVE_STAGE = (update(tracker_links)
               .where(tracker_links.c.id == bindparam("link_id"),
                      tracker_links.c.stage.is_not_distinct_from(bindparam("stage_read")))
               .values({name: bindparam(name) for name in (*_OBSERVED, "stage")}))
"""Prepared once: the worker writes every observed epic through them."""


def observe(conn: Connection, mappings: Mappings, tracker: str, state: IssueState, *,
            now: datetime | None = None) -> bool:
    """Record what `tracker` says about a linked issue; on a new stage, notify every ticket of its group and settle
    the group (released -> done, declined -> declined). True when the stage changed here."""
    return observe_many(conn, mappings, tracker, [state], now=now) == 1


def observe_many(conn: Connection, mappings: Mappings, tracker: str, states: Sequence[IssueState], *,
                 now: datetime | None = None) -> int:
    """`observe` each state in order, with one read of their links and one write per link: a link's stage moves
    with a compare-and-set from the stage read here, so a change another process recorded meanwhile is acted on
    there, not twice. Returns the stage changes acted on."""
    if not states:
        return 0
    now = now or datetime.now(UTC)
    read = {link.issue_key: link for link in conn.execute(select(tracker_links).where(
        tracker_links.c.tracker == tracker, tracker_links.c.issue_key.in_({state.issue_key for state in states})))}
    stages = {key: link.stage for key, link in read.items()}
    observed: dict[str, dict[str, Any]] = {}
    moves: list[_Move] = []
    for state in states:
        key = state.issue_key
        if key not in read:
            continue
        seen = observed.get(key, read[key]._mapping)["observed_at"]
        if _older(state.as_of, seen):
            continue
        stage = stage_for(mappings.get(tracker), state.status, state.status_category, state.resolution)
        if stage is not None and stage != stages[key]:
            moves.append(_Move(read[key], stages[key], stage, state))
            stages[key] = stage
        observed[key] = {"link_id": read[key].id, "status": state.status, "status_category": state.status_category,
                         "resolution": state.resolution, "fix_version": state.fix_version, "updated_at": now,
                         "observed_at": state.as_of or seen}
    moving = {move.state.issue_key for move in moves}
    still = [values for key, values in observed.items() if key not in moving]
    if still:
        conn.execute(_STORE_OBSERVED, still)
    moved = {key for key in moving if conn.execute(_MOVE_STAGE, {
        **observed[key], "stage_read": read[key].stage, "stage": stages[key]}).rowcount}
    acted = [move for move in moves if move.state.issue_key in moved]
    _tell(conn, mappings, tracker, acted)
    return len(acted)


def _tell(conn: Connection, mappings: Mappings, tracker: str, moves: Sequence[_Move]) -> None:
    """Notify and settle each move's group in order; a run of moves to one stage is notified together."""
    groups = {group.id: group for group in conn.execute(
        select(wish_groups).where(wish_groups.c.id.in_({move.link.group_id for move in moves})))}
    for stage, run in groupby(moves, key=lambda move: move.stage):
        batch = list(run)
        settling = stage in GROUP_STATE or any(move.previous in GROUP_STATE for move in batch)
        for wave in ([[move] for move in batch] if settling else _distinct_groups(batch)):
            notify_all(conn, mappings, stage, [
                Audience(move.link.group_id, context_for(groups[move.link.group_id], move.link, move.state),
                         groups[move.link.group_id].epoch) for move in wave])
            for move in wave:
                group = groups[move.link.group_id]
                _settle_group(conn, tracker, group, move.previous, stage, move.state)
                log.info("tracker.stage_changed", extra={"issue": move.state.issue_key, "group": group.id,
                                                         "from": move.previous, "to": stage})
            if settling:
                groups[wave[0].link.group_id] = load_group(conn, wave[0].link.group_id)


def _distinct_groups(moves: list[_Move]) -> list[list[_Move]]:
    """Consecutive waves in which no group appears twice (a group's messages keep their order)."""
    waves: list[list[_Move]] = [[]]
    for move in moves:
        if any(other.link.group_id == move.link.group_id for other in waves[-1]):
            waves.append([])
        waves[-1].append(move)
    return waves


def handle_tracker_events(conn: Connection, mappings: Mappings, tracker: str, events: Sequence[WebhookEvent]) -> int:
    """Stored webhook events of one tracker, in order. Events without a status, resolution or fix-version change,
    and the bridge's own writes, are ignored. Returns the stage changes acted on."""
    return observe_many(conn, mappings, tracker, [
        IssueState.from_record(event.issue_key, event.payload) for event in events
        if event.kind == STATUS_CHANGED and event.issue_key and not event.payload.get("by_bridge")])


def mark_missing(conn: Connection, tracker: str, keys: Sequence[str], now: datetime) -> int:
    """Flag the links of issues the tracker says do not exist, once each, with an audit line on their group."""
    rows = conn.execute(select(tracker_links.c.id, tracker_links.c.group_id, tracker_links.c.issue_key).where(
        tracker_links.c.tracker == tracker, tracker_links.c.issue_key.in_(keys), tracker_links.c.missing_at.is_(None)
    )).all()
    for row in rows:
        conn.execute(update(tracker_links).where(tracker_links.c.id == row.id).values(missing_at=now, updated_at=now))
        audit.record(conn, "group", row.group_id, "epic_missing", tracker, now=now,
                     details={"epic_key": row.issue_key})
        log.warning("tracker.epic_missing", extra={"issue": row.issue_key, "group": row.group_id})
    return len(rows)


def reconcile(engine: Engine, tracker: Tracker, mappings: Mappings, *, now: datetime | None = None) -> int:
    """Poll the linked issues updated since the last check (all of them the first time) and observe each one;
    issues the tracker no longer has are marked missing and left out from then on. The check time is stored
    under the tracker's sync cursor only once every issue was read. Returns stage changes."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        keys = list(conn.execute(select(tracker_links.c.issue_key).where(
            tracker_links.c.tracker == tracker.name, tracker_links.c.missing_at.is_(None)
        ).order_by(tracker_links.c.id)).scalars())
        cursor = load_cursor(conn, tracker.name)
    changed = missing = 0
    try:
        polled = tracker.poll(keys, datetime.fromisoformat(cursor) if cursor else None, now) if keys else None
        for state in polled.states if polled else []:
            with engine.begin() as conn:
                changed += observe(conn, mappings, tracker.name, state, now=now)
        if polled and polled.missing:
            with engine.begin() as conn:
                missing += mark_missing(conn, tracker.name, polled.missing, now)
    except Exception as error:
        with engine.begin() as conn:
            record_run(conn, tracker.name, stats={"changed": changed}, error=f"{error.__class__.__name__}: {error}")
        raise
    with engine.begin() as conn:
        save_cursor(conn, tracker.name, now.isoformat())
        record_run(conn, tracker.name, stats={"issues": len(keys), "changed": changed, "missing": missing,
                                               "api_calls": tracker.calls}, now=now)
    return changed
