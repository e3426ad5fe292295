"""Topic statistics: counts per category and subcategory per period, the change against the previous period
and the fastest growing topics. `shape_rows` and `top_growing` are pure; `topic_report` reads the store."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection

from bridge.mapping import Mappings
from bridge.mapping.topics import Topics
from bridge.reports.counting import Topic, count_by_topic, ticket_topics, wish_topics
from bridge.reports.periods import Period, last_periods
from bridge.text.catalogue import translate

UNMARKED = "(none)"          # the subcategory of a category's rows that have no subcategory
MIN_GROWTH_VOLUME = 3        # a growing topic needs this many in the last period: 1 -> 2 is not news
TOP_GROWING = 5
MEASURES = {"tickets": ticket_topics, "wishes": wish_topics}


@dataclass(frozen=True)
class TopicRow:
    """One topic. A category row has `subcategory` None and counts its whole category; a subcategory row has
    a subcategory id, or UNMARKED for the category's rows without one. `category` None is the unmarked
    category. `label` names the row itself; `category_label` names its category."""

    category: str | None
    subcategory: str | None
    label: str
    counts: tuple[int, ...]
    change: int
    change_pct: float | None
    category_label: str = ""

    @property
    def is_category(self) -> bool:
        return self.subcategory is None

    @property
    def full_label(self) -> str:
        return self.label if self.is_category else f"{self.category_label} / {self.label}"


@dataclass(frozen=True)
class TopicReport:
    """Rows in topic-tree order (each category row, then its subcategory rows); `top_growing` holds up to
    TOP_GROWING subcategory rows with the largest positive change and at least MIN_GROWTH_VOLUME in the
    last period (UNMARKED rows never count as growing)."""

    period: str
    measure: str
    language: str
    periods: tuple[Period, ...]
    rows: tuple[TopicRow, ...]
    totals: tuple[int, ...]
    top_growing: tuple[TopicRow, ...]

    @property
    def category_rows(self) -> tuple[TopicRow, ...]:
        return tuple(row for row in self.rows if row.is_category)

    @property
    def subcategory_rows(self) -> tuple[TopicRow, ...]:
        return tuple(row for row in self.rows if not row.is_category)


def change_of(counts: Sequence[int]) -> tuple[int, float | None]:
    """Last count minus the one before, and that in percent of the one before (None when it was 0)."""
    if len(counts) < 2:
        return 0, None
    before = counts[-2]
    change = counts[-1] - before
    return change, (round(100 * change / before, 1) if before else None)


def _sum(rows: Sequence[Sequence[int]], width: int) -> tuple[int, ...]:
    return tuple(sum(row[i] for row in rows) for i in range(width))


def _normalized(counts: Mapping[Topic, tuple[int, ...]], topics: Topics, width: int) -> dict[Topic, tuple[int, ...]]:
    """Blank markings become None or UNMARKED; a known subcategory without a category gets its parent."""
    merged: dict[Topic, list[tuple[int, ...]]] = {}
    for (category, subcategory), numbers in counts.items():
        category = category or (topics.parent_of(subcategory) if subcategory else None)
        merged.setdefault((category, subcategory or UNMARKED), []).append(numbers)
    return {key: _sum(parts, width) for key, parts in merged.items()}


def _order_key(known: Sequence[str], topic: str | None) -> tuple[int, int, str]:
    """Known topics in tree order, then unknown ones by id, then the unmarked one."""
    if topic is None or topic == UNMARKED:
        return 2, 0, ""
    return (0, known.index(topic), "") if topic in known else (1, 0, topic)


def _row(category: str | None, subcategory: str | None, label: str, category_label: str,
         counts: tuple[int, ...]) -> TopicRow:
    change, pct = change_of(counts)
    return TopicRow(category, subcategory, label, counts, change, pct, category_label)


def shape_rows(counts: Mapping[Topic, tuple[int, ...]], topics: Topics, language: str,
               width: int) -> tuple[TopicRow, ...]:
    """Category rows, each followed by its subcategory rows, in the order of topics.yaml (unknown topics after
    the known ones, unmarked last). The subcategory rows of a category add up to its category row; every
    count tuple has `width` periods."""
    leaves = _normalized(counts, topics, width)
    none = translate("reports.none", language)
    rows: list[TopicRow] = []
    for category in sorted({c for c, _ in leaves}, key=lambda c: _order_key(list(topics.children), c)):
        category_label = topics.label(category, language) if category else none
        subs = {s: n for (c, s), n in leaves.items() if c == category}
        rows.append(_row(category, None, category_label, category_label, _sum(list(subs.values()), width)))
        known = list(topics.children.get(category or "", {}))
        for sub in sorted(subs, key=lambda s: _order_key(known, s)):
            label = none if sub == UNMARKED else topics.label(sub, language)
            rows.append(_row(category, sub, label, category_label, subs[sub]))
    return tuple(rows)


def top_growing(rows: Sequence[TopicRow], limit: int = TOP_GROWING) -> tuple[TopicRow, ...]:
    """Subcategory rows that grew and reached MIN_GROWTH_VOLUME: largest change first, then largest percent
    (growth from zero counts as infinite), then label."""
    growing = [row for row in rows if row.subcategory not in (None, UNMARKED)
               and row.change > 0 and row.counts[-1] >= MIN_GROWTH_VOLUME]
    growing.sort(key=lambda r: (-r.change, -(r.change_pct if r.change_pct is not None else math.inf),
                                r.full_label))
    return tuple(growing[:limit])


def topic_report(
    conn: Connection, mappings: Mappings, *, period: str = "week", periods: int = 6, today: date | None = None,
    language: str = "en", measure: str = "tickets",
) -> TopicReport:
    """Counts per topic over the last `periods` periods ending with the one containing `today` (UTC).

    measure "tickets": tickets by created_at, deleted ones excluded; "wishes": wishes by created_at, each
    with the marking of its first ticket (see counting.wish_topics)."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}: use one of {', '.join(MEASURES)}")
    spans = last_periods(period, periods, today or datetime.now(UTC).date())
    rows = shape_rows(count_by_topic(conn, MEASURES[measure](), spans), mappings.topics, language, len(spans))
    totals = _sum([row.counts for row in rows if row.is_category], len(spans))
    return TopicReport(period, measure, language, spans, rows, totals, top_growing(rows))
