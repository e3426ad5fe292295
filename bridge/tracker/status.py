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
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from bridge.mapping import Mappings
from bridge.mapping.tracker import stage_for
from bridge.model import STATUS_CHANGED, IssueState, WebhookEvent
from bridge.outbox.notify import notify
from bridge.outbox.wording import Reason
from bridge.ports import Tracker
from bridge.store import audit
from bridge.store.cursors import load_cursor, record_run, save_cursor
from bridge.store.schema import tracker_links, wish_groups
from bridge.text.reasons import reason_of_resolution
from bridge.workflow.changes import change

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


def observe(conn: Connection, mappings: Mappings, tracker: str, state: IssueState, *,
            now: datetime | None = None) -> bool:
    """Record what `tracker` says about a linked issue; on a new stage, notify every ticket of its group and settle
    the group (released -> done, declined -> declined). True when the stage changed here."""
    now = now or datetime.now(UTC)
    link = conn.execute(
        select(tracker_links).where(tracker_links.c.tracker == tracker, tracker_links.c.issue_key == state.issue_key)
    ).first()
    if link is None or _older(state.as_of, link.observed_at):
        return False
    stage = stage_for(mappings.get(tracker), state.status, state.status_category, state.resolution)
    values: dict[str, Any] = {"status": state.status, "status_category": state.status_category,
                              "resolution": state.resolution, "fix_version": state.fix_version, "updated_at": now,
                              **({"observed_at": state.as_of} if state.as_of else {})}
    row = update(tracker_links).where(tracker_links.c.id == link.id)
    if stage is None or stage == link.stage:
        conn.execute(row.values(**values))
        return False
    moved = conn.execute(row.where(tracker_links.c.stage.is_not_distinct_from(link.stage)).values(**values,
                                                                                                 stage=stage))
    if not moved.rowcount:
        return False
    group = conn.execute(select(wish_groups).where(wish_groups.c.id == link.group_id)).one()
    notify(conn, mappings, group.id, stage, context_for(group, link, state), epoch=group.epoch)
    _settle_group(conn, tracker, group, link.stage, stage, state)
    log.info("tracker.stage_changed", extra={"issue": state.issue_key, "group": group.id, "from": link.stage,
                                             "to": stage})
    return True


def handle_tracker_event(conn: Connection, mappings: Mappings, event: WebhookEvent) -> bool:
    """One stored tracker webhook event. Events without a status, resolution or fix-version change, and the
    bridge's own writes, are ignored."""
    if event.kind != STATUS_CHANGED or not event.issue_key or event.payload.get("by_bridge"):
        return False
    return observe(conn, mappings, event.source, IssueState.from_record(event.issue_key, event.payload))


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
