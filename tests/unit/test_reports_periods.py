"""Calendar maths of reports: ISO weeks across a new year, months, quarters, all as UTC half-open ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bridge.reports.periods import Partial, Period, last_periods, partial_of, period_containing, windows_around


def test_iso_week_1_of_a_year_starting_on_thursday_begins_in_december() -> None:
    assert period_containing("week", date(2026, 1, 1)) == Period("2026-W01", date(2025, 12, 29), date(2026, 1, 5))


def test_the_sunday_before_belongs_to_the_last_week_of_the_old_year() -> None:
    assert period_containing("week", date(2025, 12, 28)).label == "2025-W52"


def test_last_weeks_cross_the_new_year_oldest_first() -> None:
    weeks = last_periods("week", 3, date(2026, 1, 7))
    assert [w.label for w in weeks] == ["2025-W52", "2026-W01", "2026-W02"]
    assert [(w.start, w.end) for w in weeks] == [
        (date(2025, 12, 22), date(2025, 12, 29)), (date(2025, 12, 29), date(2026, 1, 5)),
        (date(2026, 1, 5), date(2026, 1, 12))]


def test_last_months_cross_the_new_year() -> None:
    months = last_periods("month", 3, date(2026, 1, 31))
    assert [(m.label, m.start, m.end) for m in months] == [
        ("2025-11", date(2025, 11, 1), date(2025, 12, 1)), ("2025-12", date(2025, 12, 1), date(2026, 1, 1)),
        ("2026-01", date(2026, 1, 1), date(2026, 2, 1))]


def test_quarters_split_on_the_first_day_of_the_quarter() -> None:
    assert period_containing("quarter", date(2025, 12, 31)) == Period("2025-Q4", date(2025, 10, 1),
                                                                     date(2026, 1, 1))
    assert [q.label for q in last_periods("quarter", 3, date(2026, 1, 1))] == ["2025-Q3", "2025-Q4", "2026-Q1"]
    assert period_containing("quarter", date(2026, 6, 30)).end == date(2026, 7, 1)


def test_period_bounds_are_utc_midnights() -> None:
    week = period_containing("week", date(2026, 1, 7))
    assert week.start_at == datetime(2026, 1, 5, tzinfo=UTC)
    assert week.end_at == datetime(2026, 1, 12, tzinfo=UTC)


def test_windows_around_a_day_cover_as_many_days_on_each_side() -> None:
    before, after = windows_around(date(2026, 3, 10), 10)
    assert after == (Period("2026-03-10 – 2026-03-16", date(2026, 3, 10), date(2026, 3, 17)),
                     Period("2026-03-17 – 2026-03-19", date(2026, 3, 17), date(2026, 3, 20)))
    assert before == (Period("2026-02-28 – 2026-03-02", date(2026, 2, 28), date(2026, 3, 3)),
                      Period("2026-03-03 – 2026-03-09", date(2026, 3, 3), date(2026, 3, 10)))
    assert sum(p.days for p in before) == sum(p.days for p in after) == 10
    assert windows_around(date(2026, 3, 10), 0) == ((), ())
    assert windows_around(date(2026, 3, 10), 1)[0] == (Period("2026-03-09", date(2026, 3, 9), date(2026, 3, 10)),)


@pytest.mark.parametrize(("kind", "today", "expected"), [
    # Wednesday of ISO week 2: three days, against Monday to Wednesday of week 1
    ("week", date(2026, 1, 7), Partial(3, 7, Period("2025-12-29 – 2025-12-31", date(2025, 12, 29), date(2026, 1, 1)))),
    # March 30th: the 30th day of 31, against the whole of February (28 days)
    ("month", date(2026, 3, 30), Partial(30, 31, Period("2026-02-01 – 2026-02-28", date(2026, 2, 1),
                                                           date(2026, 3, 1)))),
    ("month", date(2026, 1, 1), Partial(1, 31, Period("2025-12-01", date(2025, 12, 1), date(2025, 12, 2)))),
    ("quarter", date(2026, 2, 15), Partial(46, 90, Period("2025-10-01 – 2025-11-15", date(2025, 10, 1),
                                                             date(2025, 11, 16)))),
    ("week", date(2026, 1, 11), None),     # its last day: the week counts as whole
    ("month", date(2026, 1, 31), None),
])
def test_the_current_period_is_partial_until_its_last_day_with_the_same_days_before_as_its_baseline(
        kind: str, today: date, expected: Partial | None) -> None:
    periods = last_periods(kind, 3, today)
    assert partial_of(kind, periods, today) == expected


def test_a_report_that_ended_before_today_has_no_partial_period() -> None:
    assert partial_of("month", last_periods("month", 2, date(2026, 1, 15)), date(2026, 3, 1)) is None


@pytest.mark.parametrize(("kind", "count"), [("year", 1), ("week", 0)])
def test_unknown_period_or_no_periods_is_refused(kind: str, count: int) -> None:
    with pytest.raises(ValueError):
        last_periods(kind, count, date(2026, 1, 1))
