"""Topic statistics: counts per category and subcategory per period, the change against the previous period
and the fastest growing topics. `shape_rows` and `top_growing` are pure; `topic_report` reads the store.

The current period is partial until its last day: it is marked so, and its change compares it with the same
number of days at the start of the period before (like with like), so a week on its Wednesday never reads
as −60 % against a whole week."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection

from bridge.mapping import Mappings
from bridge.mapping.topics import Topics
from bridge.reports.counting import Topic, count_by_topic, count_undated, ticket_topics, wish_topics
from bridge.reports.periods import Partial, Period, last_periods, partial_of
from bridge.text.catalogue import translate

UNMARKED = "(none)"          # the subcategory of a category's rows that have no subcategory
MIN_GROWTH_VOLUME = 3        # a growing topic needs this many in the last period: 1 -> 2 is not news
TOP_GROWING = 5
MEASURES = {"tickets": ticket_topics, "wishes": wish_topics}


@dataclass(frozen=True)
class TopicRow:
    """One topic. A category row has `subcategory` None and counts its whole category; a subcategory row has
    a subcategory id, or UNMARKED for the category's rows without one. `category` None is the unmarked
    category. `label` names the row itself; `category_label` names its category. `baseline` is the count of
    the same days of the period before when the last period is partial (the change compares with it)."""

    category: str | None
    subcategory: str | None
    label: str
    counts: tuple[int, ...]
    change: int
    change_pct: float | None
    category_label: str = ""
    baseline: int | None = None

    @property
    def is_category(self) -> bool:
        return self.subcategory is None

    @property
    def before(self) -> int:
        """The count the change compares with: the baseline of a partial period, else the period before."""
        if self.baseline is not None:
            return self.baseline
        return self.counts[-2] if len(self.counts) > 1 else 0

    @property
    def full_label(self) -> str:
        return self.label if self.is_category else f"{self.category_label} / {self.label}"


@dataclass(frozen=True)
class TopicReport:
    """Rows in topic-tree order (each category row, then its subcategory rows); `top_growing` holds up to
    TOP_GROWING subcategory rows with the largest positive change and at least MIN_GROWTH_VOLUME in the
    last period (UNMARKED rows never count as growing). `partial` is set while the last period is not over,
    and `baseline_total` then adds up the category rows' baselines; `undated` counts the rows in the report's
    periods dated by when the bridge first saw them, because the helpdesk gave no date."""

    period: str
    measure: str
    language: str
    periods: tuple[Period, ...]
    rows: tuple[TopicRow, ...]
    totals: tuple[int, ...]
    top_growing: tuple[TopicRow, ...]
    partial: Partial | None = None
    undated: int = 0
    baseline_total: int | None = None

    @property
    def category_rows(self) -> tuple[TopicRow, ...]:
        return tuple(row for row in self.rows if row.is_category)

    @property
    def subcategory_rows(self) -> tuple[TopicRow, ...]:
        return tuple(row for row in self.rows if not row.is_category)


def change_of(counts: Sequence[int], baseline: int | None = None) -> tuple[int, float | None]:
    """Last count minus the one before (or minus `baseline`, the same days of the period before, when the last
    period is partial), and that in percent of it (None when it was 0)."""
    if len(counts) < 2:
        return 0, None
    before = counts[-2] if baseline is None else baseline
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
         counts: tuple[int, ...], baselined: bool) -> TopicRow:
    periods, baseline = (counts[:-1], counts[-1]) if baselined else (counts, None)
    change, pct = change_of(periods, baseline)
    return TopicRow(category, subcategory, label, periods, change, pct, category_label, baseline)


def shape_rows(counts: Mapping[Topic, tuple[int, ...]], topics: Topics, language: str,
               width: int, *, baselined: bool = False) -> tuple[TopicRow, ...]:
    """Category rows, each followed by its subcategory rows, in the order of topics.yaml (unknown topics after
    the known ones, unmarked last). The subcategory rows of a category add up to its category row; every
    count tuple has `width` periods, and with `baselined` one more at its end: the baseline of a partial last
    period."""
    width += baselined
    leaves = _normalized(counts, topics, width)
    none = translate("reports.none", language)
    rows: list[TopicRow] = []
    for category in sorted({c for c, _ in leaves}, key=lambda c: _order_key(list(topics.children), c)):
        category_label = topics.label(category, language) if category else none
        subs = {s: n for (c, s), n in leaves.items() if c == category}
        rows.append(_row(category, None, category_label, category_label, _sum(list(subs.values()), width),
                         baselined))
        known = list(topics.children.get(category or "", {}))
        for sub in sorted(subs, key=lambda s: _order_key(known, s)):
            label = none if sub == UNMARKED else topics.label(sub, language)
            rows.append(_row(category, sub, label, category_label, subs[sub], baselined))
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

    measure "tickets": tickets on their own date (see counting), deleted ones excluded; "wishes": wishes on
    the date of their first ticket, with its marking (see counting.wish_topics). While the last period is
    partial, the change compares it with its baseline (periods.Partial)."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}: use one of {', '.join(MEASURES)}")
    day = today or datetime.now(UTC).date()
    spans = last_periods(period, periods, day)
    partial = partial_of(period, spans, day)
    source = MEASURES[measure]()
    counted = spans + ((partial.baseline,) if partial else ())
    rows = shape_rows(count_by_topic(conn, source, counted), mappings.topics, language, len(spans),
                      baselined=partial is not None)
    categories = [row for row in rows if row.is_category]
    totals = _sum([row.counts for row in categories], len(spans))
    baseline_total = sum(row.baseline or 0 for row in categories) if partial else None
    return TopicReport(period, measure, language, spans, rows, totals, top_growing(rows), partial,
                       count_undated(conn, source, spans), baseline_total)
