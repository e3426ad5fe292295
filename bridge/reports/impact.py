"""Release impact: how many tickets of a released epic's topic came in, week by week, before and after."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from bridge.mapping import Mappings
from bridge.reports.counting import Topic, count_by_topic, ticket_topics
from bridge.reports.periods import Period, seven_day_windows
from bridge.store.schema import audit, tickets, tracker_links, wish_groups, wish_tickets, wishes

RELEASED = "released"


@dataclass(frozen=True)
class ReleaseImpact:
    """Weekly ticket counts of the group's topic. `before` ends on the release day (UTC, exclusive) and
    `after` starts on it; `after` holds only the weeks that have begun by the day the impact was computed."""

    group_id: int
    title: str
    issue_key: str
    category: str | None
    subcategory: str | None
    label: str
    released_at: datetime
    before: tuple[Period, ...]
    before_counts: tuple[int, ...]
    after: tuple[Period, ...]
    after_counts: tuple[int, ...]

    @property
    def weekly_before(self) -> float:
        return sum(self.before_counts) / len(self.before_counts) if self.before_counts else 0.0

    @property
    def weekly_after(self) -> float:
        return sum(self.after_counts) / len(self.after_counts) if self.after_counts else 0.0

    @property
    def change_pct(self) -> float | None:
        """The weekly average after against the weekly average before, in percent; None without a before."""
        if not self.after_counts or not self.weekly_before:
            return None
        return round(100 * (self.weekly_after - self.weekly_before) / self.weekly_before, 1)


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the store writes UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _reached_done(action: str, details: Mapping[str, Any] | None) -> bool:
    return action == "done" or (details or {}).get("to") == "done"


def release_time(conn: Connection, group_id: int, link_updated_at: datetime) -> datetime:
    """The latest audited transition of the group to done (action "done" or details.to "done"), else the
    moment its tracker link last changed."""
    trail = conn.execute(
        select(audit.c.action, audit.c.details, audit.c.at)
        .where(audit.c.entity == "group", audit.c.entity_id == str(group_id))
        .order_by(audit.c.at.desc(), audit.c.id.desc())
    )
    done = next((row.at for row in trail if _reached_done(row.action, row.details)), None)
    return _utc(done or link_updated_at)


def _group_topic(conn: Connection, group_id: int, own: Topic) -> Topic:
    """The group's own marking, else the most frequent marking among its tickets."""
    if own != (None, None):
        return own
    common = conn.execute(
        select(tickets.c.category, tickets.c.subcategory)
        .join(wish_tickets, wish_tickets.c.ticket_id == tickets.c.id)
        .join(wishes, wishes.c.id == wish_tickets.c.wish_id)
        .where(wishes.c.group_id == group_id, ~tickets.c.deleted,
               (tickets.c.category.is_not(None)) | (tickets.c.subcategory.is_not(None)))
        .group_by(tickets.c.category, tickets.c.subcategory)
        .order_by(func.count().desc(), tickets.c.category, tickets.c.subcategory)
        .limit(1)
    ).first()
    return (common.category, common.subcategory) if common else (None, None)


def _label(mappings: Mappings, topic: Topic, language: str) -> str:
    topics = mappings.topics
    category, subcategory = topic
    category = category or (topics.parent_of(subcategory) if subcategory else None)
    names = [topics.label(t, language) for t in (category, subcategory) if t]
    return " / ".join(names)


def released_groups(conn: Connection) -> list[int]:
    """Ids of the groups whose tracker stage is released, most recently changed first."""
    return list(conn.scalars(
        select(tracker_links.c.group_id).where(tracker_links.c.stage == RELEASED)
        .order_by(tracker_links.c.updated_at.desc(), tracker_links.c.group_id)
    ))


def release_impact(
    conn: Connection, mappings: Mappings, group_id: int, *, weeks: int = 8, language: str = "en",
    today: date | None = None,
) -> ReleaseImpact | None:
    """Tickets of the group's topic (its subcategory when it has one, else its category; deleted tickets
    excluded) in the `weeks` seven-day windows before the release day and up to `weeks` after it.

    None when the group's tracker stage is not released or the group has no topic to measure."""
    found = conn.execute(
        select(wish_groups.c.id, wish_groups.c.title, wish_groups.c.category, wish_groups.c.subcategory,
               tracker_links.c.issue_key, tracker_links.c.updated_at)
        .join(tracker_links, tracker_links.c.group_id == wish_groups.c.id)
        .where(wish_groups.c.id == group_id, tracker_links.c.stage == RELEASED)
    ).first()
    if found is None:
        return None
    topic = _group_topic(conn, group_id, (found.category or None, found.subcategory or None))
    if topic == (None, None):
        return None
    released_at = release_time(conn, group_id, found.updated_at)
    day = released_at.date()
    before = seven_day_windows(day - timedelta(days=7 * weeks), weeks)
    until = today or datetime.now(UTC).date()
    after = tuple(p for p in seven_day_windows(day, weeks) if p.start <= until)
    source = ticket_topics()
    narrow = source.c.subcategory == topic[1] if topic[1] else source.c.category == topic[0]
    counts = count_by_topic(conn, source, before + after, where=[narrow]).values()
    totals = tuple(sum(numbers[i] for numbers in counts) for i in range(len(before + after)))
    return ReleaseImpact(
        group_id, found.title, found.issue_key, topic[0], topic[1], _label(mappings, topic, language),
        released_at, before, totals[:weeks], after, totals[weeks:],
    )
