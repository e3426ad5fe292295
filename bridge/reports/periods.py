"""Calendar maths for reports: ISO weeks, months and quarters as half-open date ranges, and the part of the
current one that has passed. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

KINDS = ("week", "month", "quarter")


@dataclass(frozen=True)
class Period:
    """Days `start` (inclusive) to `end` (exclusive); `label` reads 2026-W47, 2026-11, 2026-Q4 or a start date."""

    label: str
    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return _midnight(self.start)

    @property
    def end_at(self) -> datetime:
        return _midnight(self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def span(start: date, end: date) -> Period:
    """The days `start` to `end` (exclusive), labelled by their first and last day."""
    last = end - timedelta(days=1)
    return Period(start.isoformat() if last == start else f"{start.isoformat()} – {last.isoformat()}", start, end)


@dataclass(frozen=True)
class Partial:
    """The last period of a report, not over yet: `days` of its `total` days have begun (today counts), and
    `baseline` is as many days from the start of the period before it, which the partial period is compared
    with (like with like), never the whole period before."""

    days: int
    total: int
    baseline: Period


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _month_start(year: int, month: int) -> date:
    """The first day of `month`, where months past 12 roll into the following years."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def period_containing(kind: str, day: date) -> Period:
    """The week (ISO, Monday first), month or quarter that contains `day`."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        year, week, _ = start.isocalendar()
        return Period(f"{year}-W{week:02d}", start, start + timedelta(days=7))
    if kind == "month":
        return Period(f"{day.year}-{day.month:02d}", _month_start(day.year, day.month),
                      _month_start(day.year, day.month + 1))
    if kind == "quarter":
        quarter = (day.month - 1) // 3 + 1
        first = 3 * quarter - 2
        return Period(f"{day.year}-Q{quarter}", _month_start(day.year, first), _month_start(day.year, first + 3))
    raise ValueError(f"unknown period {kind!r}: use one of {', '.join(KINDS)}")


def last_periods(kind: str, count: int, today: date) -> tuple[Period, ...]:
    """The `count` consecutive periods, oldest first, that end with the one containing `today`."""
    if count < 1:
        raise ValueError("the number of periods must be at least 1")
    found = [period_containing(kind, today)]
    while len(found) < count:
        found.append(period_containing(kind, found[-1].start - timedelta(days=1)))
    return tuple(reversed(found))


def partial_of(kind: str, periods: Sequence[Period], today: date) -> Partial | None:
    """The last of `periods` as a Partial when `today` falls in it before its last day; None when it is whole
    (today is its last day, or it ended before today)."""
    last = periods[-1]
    days = (today - last.start).days + 1
    if not 0 < days < last.days:
        return None
    previous = period_containing(kind, last.start - timedelta(days=1))
    return Partial(days, last.days, span(previous.start, min(previous.start + timedelta(days=days), previous.end)))


def windows_around(day: date, days: int) -> tuple[tuple[Period, ...], tuple[Period, ...]]:
    """(before, after): `days` days from `day` on, cut into seven-day windows (the last one shorter), and the
    same windows mirrored on the days before `day`, so both sides cover equally many days; oldest first."""
    cuts = [(start, min(start + 7, days)) for start in range(0, days, 7)]
    after = tuple(span(day + timedelta(days=a), day + timedelta(days=b)) for a, b in cuts)
    before = tuple(span(day - timedelta(days=b), day - timedelta(days=a)) for a, b in reversed(cuts))
    return before, after
