"""After a critical change is released, ask its requesters how it works for them: the messages.yaml stage
`follow_up`, queued `ReleaseRules.follow_up_days` days after the release for every ticket that asked for the
change before it shipped, in each customer's own language (outbox.notify renders it per ticket).

Contract: once per ticket and epoch of its group (key `follow_up:e{epoch}:g{group}:t{ticket}`, keys.occasion_key);
never for a change that is not critical (releases.critical_groups); nothing while the days have not passed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select

from bridge.mapping import Mappings
from bridge.outbox.notify import notify
from bridge.reports.releases import ReleaseRules, critical_groups, released_epics
from bridge.store.schema import wish_groups, wish_tickets, wishes

log = logging.getLogger(__name__)
FOLLOW_UP = "follow_up"


def _asked_before(conn: Connection, group_id: int, released_at: datetime) -> set[int]:
    """The group's tickets that joined it by the release."""
    return set(conn.scalars(select(wish_tickets.c.ticket_id).join(wishes, wishes.c.id == wish_tickets.c.wish_id)
                            .where(wishes.c.group_id == group_id, wish_tickets.c.linked_at <= released_at)))


def queue_follow_ups(conn: Connection, mappings: Mappings, rules: ReleaseRules, *,
                     now: datetime | None = None) -> int:
    """Queue the follow-up of every critical change released at least `rules.follow_up_days` days before
    `now`; returns the items added (0 once every ticket has its own)."""
    if not rules.follow_up_days:
        return 0
    due = (now or datetime.now(UTC)) - timedelta(days=rules.follow_up_days)
    epics = [epic for epic in released_epics(conn) if epic.released_at <= due]
    critical = critical_groups(conn, [epic.group_id for epic in epics], rules)
    epochs = {row.id: row.epoch for row in conn.execute(
        select(wish_groups.c.id, wish_groups.c.epoch).where(wish_groups.c.id.in_(list(critical))))}
    added = 0
    for epic in epics:
        if epic.group_id not in critical:
            continue
        context = {"wish_title": epic.title, "wish_id": epic.group_id, "epic_key": epic.issue_key,
                   "epic_url": epic.url, "fix_version": f" ({epic.fix_version})" if epic.fix_version else ""}
        added += notify(conn, mappings, epic.group_id, FOLLOW_UP, context,
                        ticket_ids=_asked_before(conn, epic.group_id, epic.released_at),
                        occasion=f"e{epochs[epic.group_id]}")
    if added:
        log.info("follow_up.queued", extra={"items": added})
    return added
