"""An approved group's hand-over to the tracker as the product manager follows and steers it: the `create_epic`
outbox item (bridge/tracker/requests.py) read until the group has its epic, and handing it over again, at once,
to the same or another existing issue or to a new epic, when it failed or keeps failing (an audited command).

States: `waiting` (queued, or being tried right now), `retrying` (tries failed; the outbox tries again later),
`failed` (dead: a fatal answer, such as an unknown issue, or 72 hours of failures). `error` is the outbox row's
last error; `issue_key` the existing issue asked for (None: a new epic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from bridge.errors import WorkflowError
from bridge.outbox.keys import epic_key
from bridge.store import outbox as outbox_items
from bridge.store.schema import outbox, tracker_links
from bridge.store.tickets import as_utc
from bridge.tracker.requests import has_epic, request_epic
from bridge.workflow.changes import load_group, log, require


@dataclass(frozen=True)
class Handover:
    state: str
    issue_key: str | None
    error: str | None
    attempts: int
    next_attempt_at: datetime | None

    @property
    def failing(self) -> bool:
        return self.state in ("retrying", "failed")


def _item(conn: Connection, group_id: int) -> Any:
    return conn.execute(select(outbox).where(outbox.c.idempotency_key == epic_key(group_id))).first()


def handover(conn: Connection, group_id: int) -> Handover | None:
    """The group's hand-over while the group has no epic; None once it has one, or when none was asked for."""
    item = _item(conn, group_id)
    if item is None or item.state == "done" or has_epic(conn, group_id):
        return None
    state = "failed" if item.state == "dead" else "retrying" if item.last_error else "waiting"
    return Handover(state, item.payload.get("issue_key"), item.last_error, item.attempts,
                    as_utc(item.next_attempt_at))


def ask_for_epic(conn: Connection, group_id: int, issue_key: str | None = None) -> None:
    """An approval's hand-over: ask for the group's epic, or to link `issue_key`. A group that kept its epic from an
    earlier round keeps it (naming another issue is refused); one whose hand-over of an earlier round never
    succeeded has it asked again now, with this round's key."""
    kept = conn.execute(select(tracker_links.c.issue_key).where(tracker_links.c.group_id == group_id)).scalar()
    if kept is not None:
        if issue_key and issue_key != kept:
            raise WorkflowError(f"group {group_id} keeps its epic {kept} from before: it cannot be linked to "
                                f"{issue_key} instead")
        return
    if not request_epic(conn, group_id, issue_key):
        item = _item(conn, group_id)
        outbox_items.retry(conn, item.id, waiting=True, payload=_payload(group_id, issue_key))


def _payload(group_id: int, issue_key: str | None) -> dict[str, Any]:
    return {"group_id": group_id, **({"issue_key": issue_key} if issue_key else {})}


def hand_over_again(conn: Connection, group_id: int, actor: str, issue_key: str | None = None) -> None:
    """Try the approved group's hand-over again now, to `issue_key` (an existing issue the caller has checked
    with the tracker: bridge.tracker.keys) or to a new epic when None. Allowed while it has no epic and its
    hand-over is not being tried at this very moment; audited with the key it had and its last error."""
    require(load_group(conn, group_id), "handover")
    item = _item(conn, group_id)
    if item is None or has_epic(conn, group_id):
        raise WorkflowError(f"group {group_id} has no hand-over to try again: it has its epic, or none was asked")
    if not outbox_items.retry(conn, item.id, waiting=True, payload=_payload(group_id, issue_key)):
        raise WorkflowError(f"the hand-over of group {group_id} is being tried right now: look again in a minute")
    log(conn, group_id, "handover_retry", actor, issue_key=issue_key or "",
        previous_key=item.payload.get("issue_key") or "", error=item.last_error or "")
