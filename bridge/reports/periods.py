"""Calendar maths for reports: ISO weeks, months and quarters as half-open date ranges. Pure, no I/O."""

from __future__ import annotations

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


def seven_day_windows(start: date, count: int) -> tuple[Period, ...]:
    """`count` consecutive seven-day periods from `start`, each labelled with its first day."""
    days = [start + timedelta(days=7 * i) for i in range(count)]
    return tuple(Period(day.isoformat(), day, day + timedelta(days=7)) for day in days)
