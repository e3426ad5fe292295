"""Calendar maths of reports: ISO weeks across a new year, months, quarters, all as UTC half-open ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bridge.reports.periods import Period, last_periods, period_containing, seven_day_windows


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


def test_seven_day_windows_are_labelled_by_their_first_day() -> None:
    assert seven_day_windows(date(2026, 3, 3), 2) == (
        Period("2026-03-03", date(2026, 3, 3), date(2026, 3, 10)),
        Period("2026-03-10", date(2026, 3, 10), date(2026, 3, 17)))


@pytest.mark.parametrize(("kind", "count"), [("year", 1), ("week", 0)])
def test_unknown_period_or_no_periods_is_refused(kind: str, count: int) -> None:
    with pytest.raises(ValueError):
        last_periods(kind, count, date(2026, 1, 1))
