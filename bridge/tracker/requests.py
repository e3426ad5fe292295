"""Asking for epic work: the outbox items that create a group's epic, link a ticket to it and keep its
description current. Enqueue only: nothing here calls a tracker (bridge/tracker/epics.py does, from the outbox).

Kinds (target TRACKER): `create_epic` (key `epic:g{group}`, payload `{group_id}` or `{group_id, issue_key}` to
adopt an existing issue), `link_ticket` (key `link:g{group}:t{ticket}`) and `update_epic` (key
`epic-update:g{group}:v{version}:n{count}`, payload `{group_id, version}`). `version` is a hash of what the
description says; an update is asked for only when it differs from the last one asked for, in the group's lane
`epic-update:g{group}`, where it supersedes the updates still waiting, so repeats coalesce.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, select

from bridge.errors import WorkflowError
from bridge.model import EpicBrief, TicketLine, TicketLink, TicketRef
from bridge.outbox.keys import epic_key, epic_update_key, epic_update_lane, link_key
from bridge.store.outbox import enqueue
from bridge.store.schema import outbox, tracker_links, wish_groups, wishes
from bridge.store.tickets import group_tickets
from bridge.text.numbers import public_number
from bridge.workflow.popularity import popularity

TRACKER = "tracker"  # the outbox target of epic work, whichever tracker is configured
CREATE_EPIC = "create_epic"
LINK_TICKET = "link_ticket"
UPDATE_EPIC = "update_epic"


def request_epic(conn: Connection, group_id: int, issue_key: str | None = None) -> bool:
    """Ask for the group's epic (or to adopt `issue_key` instead); False when it was asked for before."""
    payload: dict[str, Any] = {"group_id": group_id}
    if issue_key:
        payload["issue_key"] = issue_key
    return enqueue(conn, epic_key(group_id), TRACKER, CREATE_EPIC, payload)


def has_epic(conn: Connection, group_id: int) -> bool:
    """Whether the group's hand-over to the tracker succeeded: its epic (or linked issue) is stored."""
    return conn.execute(select(tracker_links.c.id).where(tracker_links.c.group_id == group_id)).first() is not None


def request_ticket_link(conn: Connection, group_id: int, ticket_id: int) -> bool:
    """Link a ticket that joined the group to its epic. False when the group has no epic and none is asked
    for (the epic's creation links every ticket it finds), or when the link was asked for before."""
    asked = conn.execute(select(outbox.c.id).where(outbox.c.idempotency_key == epic_key(group_id))).first()
    if not (has_epic(conn, group_id) or asked):
        return False
    return enqueue(conn, link_key(group_id, ticket_id), TRACKER, LINK_TICKET,
                   {"group_id": group_id, "ticket_id": ticket_id})


def ticket_title(row: Any) -> str:
    return f"{row.source} #{row.external_id}: {row.subject}"[:255]


def ticket_link(row: Any) -> TicketLink:
    return TicketLink(TicketRef(row.source, row.external_id), row.url, ticket_title(row),
                      row.organization_name or row.requester_name or "")


def epic_brief(conn: Connection, group_id: int) -> EpicBrief:
    """Everything the description says about a group, read from the store."""
    group = conn.execute(select(wish_groups).where(wish_groups.c.id == group_id)).first()
    if group is None:
        raise WorkflowError(f"no wish group {public_number(group_id)}")
    texts = conn.execute(select(wishes.c.text).where(wishes.c.group_id == group_id).order_by(wishes.c.id)).scalars()
    summary = group.description or next((text for text in texts if text), "")
    return EpicBrief(
        group_id=group_id, title=group.title, summary=summary, notes=group.notes, importance=group.importance,
        popularity=popularity(conn, group_id), legal_reference=group.legal_reference,
        legal_deadline=group.legal_deadline,
        tickets=tuple(TicketLine(ticket_title(row), row.url) for row in group_tickets(conn, group_id)),
    )


def brief_version(brief: EpicBrief) -> str:
    """A short hash of everything the description says."""
    text = json.dumps(asdict(brief), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _update_items(conn: Connection, group_id: int) -> list[Any]:
    return list(conn.execute(select(outbox.c.id, outbox.c.payload)
                             .where(outbox.c.kind == UPDATE_EPIC, outbox.c.lane == epic_update_lane(group_id))
                             .order_by(outbox.c.id)))


def request_epic_update(conn: Connection, group_id: int) -> bool:
    """Ask for the group's epic description to be rewritten, when the group has an epic the tracker still has
    and what the description says differs from the last update asked for. False when nothing is asked."""
    link = conn.execute(select(tracker_links.c.missing_at).where(tracker_links.c.group_id == group_id)).first()
    if link is None or link.missing_at is not None:
        return False
    version = brief_version(epic_brief(conn, group_id))
    asked = _update_items(conn, group_id)
    if asked and asked[-1].payload.get("version") == version:
        return False
    return enqueue(conn, epic_update_key(group_id, version, len(asked)), TRACKER, UPDATE_EPIC,
                   {"group_id": group_id, "version": version}, lane=epic_update_lane(group_id),
                   supersedable=True, supersedes=True)
