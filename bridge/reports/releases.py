"""What was released, and when: the epics whose tracker stage is released, the moment each was released,
releases (the epics of one fix version, or of one week when the tracker gave no fix version), and which of
them are critical changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from bridge.config import Settings
from bridge.reports.periods import period_containing
from bridge.store.schema import audit, tickets, tracker_links, wish_groups, wish_tickets, wishes

RELEASED = "released"
WEEK = "week:"   # the key prefix of a release without a fix version


@dataclass(frozen=True)
class ReleaseRules:
    """What the settings say about released changes: which organisations are key accounts (`key_paid` paid
    accounts or more, 0 for none by size; or a segment in `key_segments`), which changes are critical (a group
    importance in `critical_importance`, or a ticket tag in `critical_tags`), and how many days after a release
    the requesters of a critical change are asked how it works for them (0: never)."""

    key_paid: int = 100
    key_segments: tuple[str, ...] = ("enterprise",)
    critical_importance: tuple[str, ...] = ("critical",)
    critical_tags: tuple[str, ...] = ()
    follow_up_days: int = 14

    @classmethod
    def from_settings(cls, settings: Settings) -> ReleaseRules:
        return cls(int(settings["WISHBRIDGE_KEY_ACCOUNT_PAID"]), tuple(settings["WISHBRIDGE_KEY_ACCOUNT_SEGMENTS"]),
                   tuple(settings["WISHBRIDGE_FOLLOW_UP_IMPORTANCE"]), tuple(settings["WISHBRIDGE_FOLLOW_UP_TAGS"]),
                   int(settings["WISHBRIDGE_FOLLOW_UP_DAYS"]))

    def key_account(self, segment: str | None, paid_accounts: int) -> bool:
        return (0 < self.key_paid <= paid_accounts) or (segment or "") in self.key_segments


@dataclass(frozen=True)
class ReleasedEpic:
    group_id: int
    title: str
    issue_key: str
    url: str
    fix_version: str | None
    released_at: datetime


@dataclass(frozen=True)
class Release:
    """The epics released under one fix version (`version`), or, for epics without one, in one ISO week
    (`week`, "2026-W11"). `key` names it in addresses and on the command line; `released_at` is its latest
    epic's release moment. Epics in release order."""

    key: str
    version: str | None
    week: str | None
    released_at: datetime
    epics: tuple[ReleasedEpic, ...]


def release_times(conn: Connection, links: dict[int, datetime]) -> dict[int, datetime]:
    """Group id -> when it was released: its latest audited transition to done (the tracker's release, or a
    product manager's), else the moment its tracker link last changed (`links`: group id -> that moment)."""
    done = {row[0]: row[1] for row in conn.execute(
        select(audit.c.entity_id, func.max(audit.c.at))
        .where(audit.c.entity == "group", audit.c.action == "done", audit.c.entity_id.in_([str(g) for g in links]))
        .group_by(audit.c.entity_id)
    )}
    return {group_id: _utc(done.get(str(group_id)) or changed) for group_id, changed in links.items()}


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the store writes UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def released_groups(conn: Connection) -> list[int]:
    """Ids of the groups whose tracker stage is released, most recently changed first."""
    return list(conn.scalars(
        select(tracker_links.c.group_id).where(tracker_links.c.stage == RELEASED)
        .order_by(tracker_links.c.updated_at.desc(), tracker_links.c.group_id)
    ))


def released_epics(conn: Connection, group_ids: Sequence[int] | None = None) -> list[ReleasedEpic]:
    """Every epic the tracker reports released (only those of `group_ids` when given), oldest release first."""
    query = (select(wish_groups.c.id, wish_groups.c.title, tracker_links.c.issue_key, tracker_links.c.url,
                    tracker_links.c.fix_version, tracker_links.c.updated_at)
             .join(tracker_links, tracker_links.c.group_id == wish_groups.c.id)
             .where(tracker_links.c.stage == RELEASED))
    if group_ids is not None:
        query = query.where(wish_groups.c.id.in_(list(group_ids)))
    rows = conn.execute(query).all()
    when = release_times(conn, {row.id: row.updated_at for row in rows})
    epics = [ReleasedEpic(row.id, row.title, row.issue_key, row.url or "", row.fix_version or None, when[row.id])
             for row in rows]
    return sorted(epics, key=lambda epic: (epic.released_at, epic.group_id))


def release_key(epic: ReleasedEpic) -> str:
    return epic.fix_version or WEEK + period_containing("week", epic.released_at.date()).label


def releases(epics: Sequence[ReleasedEpic]) -> list[Release]:
    """The releases these epics make up, newest first. Pure."""
    grouped: dict[str, list[ReleasedEpic]] = {}
    for epic in sorted(epics, key=lambda e: (e.released_at, e.group_id)):
        grouped.setdefault(release_key(epic), []).append(epic)
    found = []
    for key, members in grouped.items():
        week = key.removeprefix(WEEK) if key.startswith(WEEK) else None
        found.append(Release(key, None if week else key, week, members[-1].released_at, tuple(members)))
    return sorted(found, key=lambda release: release.released_at, reverse=True)


def find_release(conn: Connection, key: str | None = None) -> Release | None:
    """The release named `key` (a fix version, or "week:2026-W11"), or the newest one when `key` is None."""
    found = releases(released_epics(conn))
    return next((release for release in found if key is None or release.key == key), None)


def critical_groups(conn: Connection, group_ids: Iterable[int], rules: ReleaseRules) -> set[int]:
    """The groups among `group_ids` that are critical changes (ReleaseRules): their importance is critical, or
    one of their live tickets carries a critical tag (case does not matter)."""
    ids = list(group_ids)
    found = set(conn.scalars(select(wish_groups.c.id).where(
        wish_groups.c.id.in_(ids), wish_groups.c.importance.in_(list(rules.critical_importance)))))
    wanted = {tag.casefold() for tag in rules.critical_tags}
    if wanted:
        rows = conn.execute(select(wishes.c.group_id, tickets.c.tags)
                            .join(wish_tickets, wish_tickets.c.wish_id == wishes.c.id)
                            .join(tickets, tickets.c.id == wish_tickets.c.ticket_id)
                            .where(wishes.c.group_id.in_(ids), ~tickets.c.deleted))
        found |= {row.group_id for row in rows if wanted & {str(tag).casefold() for tag in row.tags or ()}}
    return found
