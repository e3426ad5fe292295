"""Release impact: how many tickets of a released epic's topic came in after the release, against as many days
just before it. Until enough days have passed it says "too early" instead of a figure: minutes after a release
the after side is empty, and a −100 % would be noise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, func, select

from bridge.mapping import Mappings
from bridge.reports.counting import Topic, count_by_topic, ticket_topics
from bridge.reports.periods import Period, windows_around
from bridge.reports.releases import RELEASED, release_times
from bridge.store.schema import tickets, tracker_links, wish_groups, wish_tickets, wishes

MIN_DAYS = 7   # the default of WISHBRIDGE_IMPACT_MIN_DAYS


@dataclass(frozen=True)
class ReleaseImpact:
    """Ticket counts of the group's topic on both sides of its release day, in seven-day windows. `after`
    covers the whole days from the release day (which counts after) to the day the impact was computed, at
    most `weeks` weeks; `before` covers as many days just before the release day (periods.windows_around).
    Below `min_days` days the impact is `too_early` and has no change."""

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
    days: int
    min_days: int = MIN_DAYS

    @property
    def too_early(self) -> bool:
        return self.days < self.min_days

    @property
    def ready_on(self) -> date:
        """The first day the impact has a figure."""
        return self.released_at.date() + timedelta(days=self.min_days)

    @property
    def weekly_before(self) -> float:
        return 7 * sum(self.before_counts) / self.days if self.days else 0.0

    @property
    def weekly_after(self) -> float:
        return 7 * sum(self.after_counts) / self.days if self.days else 0.0

    @property
    def change_pct(self) -> float | None:
        """The after side against the before side, in percent; None while too early or without a before."""
        before = sum(self.before_counts)
        if self.too_early or not before:
            return None
        return round(100 * (sum(self.after_counts) - before) / before, 1)


def group_topic(conn: Connection, group_id: int, own: Topic) -> Topic:
    """The group's own marking (blank parts as None), else the most frequent marking among its tickets."""
    own = (own[0] or None, own[1] or None)
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


def topic_label(mappings: Mappings, topic: Topic, language: str) -> str:
    """"Reports / Export": the topic's category and subcategory names."""
    topics = mappings.topics
    category, subcategory = topic
    category = category or (topics.parent_of(subcategory) if subcategory else None)
    names = [topics.label(t, language) for t in (category, subcategory) if t]
    return " / ".join(names)


def release_impact(
    conn: Connection, mappings: Mappings, group_id: int, *, weeks: int = 8, language: str = "en",
    today: date | None = None, min_days: int = MIN_DAYS,
) -> ReleaseImpact | None:
    """Tickets of the group's topic (its subcategory when it has one, else its category; deleted tickets
    excluded, each on its own date) on both sides of the release, up to `weeks` weeks a side.

    None when the group's tracker stage is not released or the group has no topic to measure."""
    found = conn.execute(
        select(wish_groups.c.id, wish_groups.c.title, wish_groups.c.category, wish_groups.c.subcategory,
               tracker_links.c.issue_key, tracker_links.c.updated_at)
        .join(tracker_links, tracker_links.c.group_id == wish_groups.c.id)
        .where(wish_groups.c.id == group_id, tracker_links.c.stage == RELEASED)
    ).first()
    if found is None:
        return None
    topic = group_topic(conn, group_id, (found.category, found.subcategory))
    if topic == (None, None):
        return None
    released_at = release_times(conn, {group_id: found.updated_at})[group_id]
    day = released_at.date()
    days = max(0, min(((today or datetime.now(UTC).date()) - day).days, 7 * weeks))
    before, after = windows_around(day, days)
    totals: tuple[int, ...] = ()
    if days:
        source = ticket_topics()
        narrow = source.c.subcategory == topic[1] if topic[1] else source.c.category == topic[0]
        counts = count_by_topic(conn, source, before + after, where=[narrow]).values()
        totals = tuple(sum(numbers[i] for numbers in counts) for i in range(len(before + after)))
    return ReleaseImpact(
        group_id, found.title, found.issue_key, topic[0], topic[1], topic_label(mappings, topic, language),
        released_at, before, totals[:len(before)], after, totals[len(before):], days, min_days,
    )
