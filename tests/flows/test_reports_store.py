"""Topic reports and release impact read from the store, on SQLite and PostgreSQL; and `wishbridge report`.
Every ticket counts on its own date, a partial current period is compared like with like, and a release's
impact waits until enough days have passed."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Connection

from bridge.cli import main
from bridge.reports import (
    UNMARKED,
    Partial,
    Period,
    ReleaseImpact,
    release_impact,
    released_groups,
    text_impact,
    text_table,
    topic_report,
)
from bridge.reports.periods import last_periods
from bridge.runtime import Runtime
from bridge.store import open_engine, upgrade
from bridge.store.audit import record
from bridge.store.schema import tickets, tracker_links, wish_groups, wish_tickets, wishes
from bridge.sync.importer import import_file, load_import_mapping
from bridge.workflow.lifecycle import intake_tickets

ROOT = Path(__file__).resolve().parents[2]
_ids = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def add_ticket(conn: Connection, created: datetime, category: str | None, subcategory: str | None = None,
               *, deleted: bool = False) -> int:
    number = next(_ids)
    key = conn.execute(tickets.insert().values(
        source="zendesk", external_id=str(number), category=category, subcategory=subcategory, deleted=deleted,
        created_at=created, first_seen_at=created, last_seen_at=created, content_hash=f"h{number}",
    )).inserted_primary_key
    assert key is not None
    return int(key[0])


def add_group(conn: Connection, category: str | None = None, subcategory: str | None = None) -> int:
    key = conn.execute(wish_groups.insert().values(
        title="Export to Excel", state="done", category=category, subcategory=subcategory,
        created_at=at(2025, 1, 1), updated_at=at(2025, 1, 1),
    )).inserted_primary_key
    assert key is not None
    return int(key[0])


def add_wish(conn: Connection, group_id: int, created: datetime, *ticket_ids: int) -> None:
    key = conn.execute(wishes.insert().values(group_id=group_id, door="helpdesk", title="wish",
                                              created_by="test", created_at=created)).inserted_primary_key
    assert key is not None
    for ticket_id in ticket_ids:
        conn.execute(wish_tickets.insert().values(wish_id=key[0], ticket_id=ticket_id, linked_by="test",
                                                  linked_at=created))


def link(conn: Connection, group_id: int, stage: str, updated: datetime) -> None:
    conn.execute(tracker_links.insert().values(
        group_id=group_id, tracker="jira", issue_key=f"PROD-{group_id}", stage=stage, created_at=updated,
        updated_at=updated))


# today = Wed 2026-01-07; three weeks: W52 (Dec 22-28), W01 (Dec 29 - Jan 4, ISO week 1 of a year that starts
# on a Thursday), W02 (Jan 5-11).
WEEKLY = [
    (at(2025, 12, 21, 23, 59, 59), "billing", "invoices"),        # the second before W52: outside
    (at(2025, 12, 22), "billing", "invoices"),                    # W52
    (at(2025, 12, 28, 23, 59, 59), "billing", "invoices"),        # W52, its last second
    (at(2025, 12, 24), "reports", "export"),                      # W52
    (at(2025, 12, 29), "billing", "invoices"),                    # W01, its first second
    (at(2025, 12, 30), "billing", None),                          # W01, no subcategory
    (at(2025, 12, 31), "reports", "export"),                      # W01
    (at(2026, 1, 1), "reports", "export"),                        # W01
    (at(2026, 1, 2), None, "export"),                             # W01, subcategory only: under Reports
    (at(2026, 1, 3), "integrations", "api"),                      # W01
    (at(2026, 1, 5), "billing", "invoices"),                      # W02 from here
    (at(2026, 1, 6), "billing", "invoices"),
    (at(2026, 1, 7), "billing", "invoices"),
    (at(2026, 1, 11, 23, 59, 59), "billing", "invoices"),
    (at(2026, 1, 6), "reports", "export"),
    (at(2026, 1, 6), None, None),
    (at(2026, 1, 6), "legacy", "old_sub"),
    (at(2026, 1, 7), "legacy", "old_sub"),
    (at(2026, 1, 5), "integrations", "api"),
    (at(2026, 1, 6), "integrations", "api"),
    (at(2026, 1, 7), "integrations", "api"),
    (at(2026, 1, 12), "billing", "invoices"),                     # the week after: outside
]


@pytest.fixture
def weekly(runtime: Runtime) -> Runtime:
    with runtime.engine.begin() as conn:
        for created, category, subcategory in WEEKLY:
            add_ticket(conn, created, category, subcategory)
        add_ticket(conn, at(2026, 1, 6), "billing", "invoices", deleted=True)
    return runtime


def test_weekly_ticket_counts_per_topic_across_the_new_year(weekly: Runtime) -> None:
    with weekly.engine.connect() as conn:   # on the last day of W02: a whole week
        report = topic_report(conn, weekly.mappings, period="week", periods=3, today=date(2026, 1, 11))
    assert report.partial is None
    assert [p.label for p in report.periods] == ["2025-W52", "2026-W01", "2026-W02"]
    assert [(r.category, r.subcategory, r.counts, r.change, r.change_pct) for r in report.rows] == [
        ("reports", None, (1, 3, 1), -2, -66.7),
        ("reports", "export", (1, 3, 1), -2, -66.7),
        ("integrations", None, (0, 1, 3), 2, 200.0),
        ("integrations", "api", (0, 1, 3), 2, 200.0),
        ("billing", None, (2, 2, 4), 2, 100.0),
        ("billing", "invoices", (2, 1, 4), 3, 300.0),
        ("billing", UNMARKED, (0, 1, 0), -1, -100.0),
        ("legacy", None, (0, 0, 2), 2, None),
        ("legacy", "old_sub", (0, 0, 2), 2, None),
        (None, None, (0, 0, 1), 1, None),
        (None, UNMARKED, (0, 0, 1), 1, None),
    ]
    assert report.totals == (3, 6, 11)
    assert [r.full_label for r in report.top_growing] == ["Billing / Invoices", "Integrations / API"]


def test_monthly_counts_split_on_the_first_of_january(weekly: Runtime) -> None:
    with weekly.engine.connect() as conn:
        report = topic_report(conn, weekly.mappings, period="month", periods=2, today=date(2026, 1, 31),
                              language="ru")
    assert [p.label for p in report.periods] == ["2025-12", "2026-01"]
    assert report.totals == (7, 15)
    billing = next(r for r in report.rows if r.category == "billing" and r.subcategory == "invoices")
    assert (billing.label, billing.counts, billing.change) == ("Счета", (4, 5), 1)   # Dec 21, 22, 28, 29


def test_quarterly_counts_put_new_years_eve_in_the_fourth_quarter(weekly: Runtime) -> None:
    with weekly.engine.connect() as conn:
        report = topic_report(conn, weekly.mappings, period="quarter", periods=2, today=date(2026, 1, 1))
    assert [p.label for p in report.periods] == ["2025-Q4", "2026-Q1"]
    assert report.totals == (7, 15)
    assert report.rows[0].counts == (2, 3)   # Reports / Export: Dec 24, 31 | Jan 1, 2, 6


def test_an_empty_store_gives_no_rows_and_zero_totals(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn:
        report = topic_report(conn, runtime.mappings, period="month", periods=4, today=date(2026, 1, 1))
    assert (report.rows, report.totals, report.top_growing) == ((), (0, 0, 0, 0), ())


def test_a_partial_week_is_marked_and_compared_with_the_same_days_of_the_week_before(weekly: Runtime) -> None:
    with weekly.engine.connect() as conn:   # Wednesday of W02: Monday to Wednesday against Dec 29 - 31
        report = topic_report(conn, weekly.mappings, period="week", periods=3, today=date(2026, 1, 7))
    assert report.partial == Partial(3, 7, Period("2025-12-29 – 2025-12-31", date(2025, 12, 29), date(2026, 1, 1)))
    assert [(r.category, r.subcategory, r.counts, r.baseline, r.change, r.change_pct) for r in report.rows] == [
        ("reports", None, (1, 3, 1), 1, 0, 0.0),
        ("reports", "export", (1, 3, 1), 1, 0, 0.0),
        ("integrations", None, (0, 1, 3), 0, 3, None),
        ("integrations", "api", (0, 1, 3), 0, 3, None),
        ("billing", None, (2, 2, 4), 2, 2, 100.0),
        ("billing", "invoices", (2, 1, 4), 1, 3, 300.0),
        ("billing", UNMARKED, (0, 1, 0), 1, -1, -100.0),
        ("legacy", None, (0, 0, 2), 0, 2, None),
        ("legacy", "old_sub", (0, 0, 2), 0, 2, None),
        (None, None, (0, 0, 1), 0, 1, None),
        (None, UNMARKED, (0, 0, 1), 0, 1, None),
    ]
    assert (report.totals, report.baseline_total) == ((3, 6, 11), 3)


@pytest.fixture
def early_march(runtime: Runtime) -> Runtime:
    """Invoices every day of February and of March so far; three exports late in February, none in March yet."""
    with runtime.engine.begin() as conn:
        for day in range(1, 29):
            add_ticket(conn, at(2026, 2, day, 10), "billing", "invoices")
        for day in (1, 2, 3):
            add_ticket(conn, at(2026, 3, day, 10), "billing", "invoices")
        for day in (20, 21, 22):
            add_ticket(conn, at(2026, 2, day, 10), "reports", "export")
    return runtime


def test_the_third_of_march_is_marked_partial_and_shows_no_collapse(early_march: Runtime) -> None:
    with early_march.engine.connect() as conn:
        report = topic_report(conn, early_march.mappings, period="month", periods=2, today=date(2026, 3, 3))
    assert report.partial == Partial(3, 31, Period("2026-02-01 – 2026-02-03", date(2026, 2, 1), date(2026, 2, 4)))
    rows = {(r.category, r.subcategory): r for r in report.rows}
    invoices, export = rows["billing", "invoices"], rows["reports", "export"]
    assert (invoices.counts, invoices.baseline, invoices.change, invoices.change_pct) == ((28, 3), 3, 0, 0.0)
    assert (export.counts, export.baseline, export.change, export.change_pct) == ((3, 0), 0, 0, None)
    assert all(row.change_pct != -100.0 for row in report.rows)   # against all of February: -89 % and -100 %
    table = text_table(report)
    assert "2026-03 (partial: 3 of 31 days)" in table and "2026-02-01 – 2026-02-03 (same days)" in table
    assert "compares it with the same 3 days of the period before" in table


def import_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A helpdesk export in the shape mappings/import.yaml reads: (id, created time) per wish about exports."""
    header = ("Ticket ID,Subject,Description,Status,Source,Type,Request kind,Created time,Requester email,"
              "Company Name,Company tier,Tags,Category,Subcategory")
    lines = [f"{number},Выгрузка отчёта {number},Нужна выгрузка отчёта в Excel,Open,Email,Feature Request,,{created},"
             f"user{number}@example.ru,Org {number},SMB,wish,Отчёты,Выгрузка" for number, created in rows]
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def test_a_six_month_import_is_counted_in_its_own_months_not_in_the_month_of_the_import(
        runtime: Runtime, tmp_path: Path) -> None:
    today = datetime.now(UTC).date()
    months = last_periods("month", 6, today)
    rows = [(f"{index}{n}", f"{month.start + timedelta(days=9)} 10:00:00")   # 1 in the oldest month ... 5
            for index, month in enumerate(months[:-1], 1) for n in range(index)]
    rows += [("900", ""), ("901", "")]                                         # the export gave no date
    mapping = load_import_mapping(ROOT / "mappings" / "import.yaml", runtime.mappings.documents)
    summary = import_file(runtime.engine, import_csv(tmp_path / "export.csv", rows), mapping,
                          intake=lambda conn, ids: intake_tickets(conn, ids, runtime.mappings, door="import"))
    assert (summary.new, summary.bad) == (17, [])
    with runtime.engine.connect() as conn:
        by_ticket = topic_report(conn, runtime.mappings, period="month", periods=6, today=today)
        by_wish = topic_report(conn, runtime.mappings, period="month", periods=6, today=today, measure="wishes")
    for report in (by_ticket, by_wish):
        export = next(row for row in report.rows if row.subcategory == "export")
        assert export.counts == (1, 2, 3, 4, 5, 2), report.measure   # the two undated ones: the import's month
        assert report.undated == 2
    assert "2 of the counted tickets have no date from the helpdesk" in text_table(by_ticket)


def test_wishes_count_on_their_first_tickets_own_date_with_its_topic(runtime: Runtime) -> None:
    with runtime.engine.begin() as conn:
        group = add_group(conn, "marking", "aggregation")
        first = add_ticket(conn, at(2025, 12, 30), "billing", "invoices")
        second = add_ticket(conn, at(2025, 11, 2), "reports", "export")
        add_wish(conn, group, at(2026, 1, 6), first, second)            # W01: its first ticket's day and topic
        add_wish(conn, group, at(2026, 1, 5))                           # W02, no ticket: the group's topic, its day
        gone = add_ticket(conn, at(2025, 12, 30), "reports", "export", deleted=True)
        add_wish(conn, group, at(2026, 1, 6), gone)                     # W02, deleted ticket: like no ticket
        add_wish(conn, group, at(2026, 1, 6), add_ticket(conn, at(2025, 12, 31), None))   # W01, unmarked
        add_wish(conn, group, at(2026, 1, 6), add_ticket(conn, at(2026, 1, 12), "billing", "invoices"))  # later
    with runtime.engine.connect() as conn:
        report = topic_report(conn, runtime.mappings, period="week", periods=2, today=date(2026, 1, 11),
                              measure="wishes")
    assert [(r.category, r.subcategory, r.counts) for r in report.rows] == [
        ("marking", None, (0, 2)), ("marking", "aggregation", (0, 2)),
        ("billing", None, (1, 0)), ("billing", "invoices", (1, 0)),
        (None, None, (1, 0)), (None, UNMARKED, (1, 0)),
    ]
    assert (report.measure, report.undated) == ("wishes", 0)


def test_an_unknown_measure_is_refused(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn, pytest.raises(ValueError, match="measure"):
        topic_report(conn, runtime.mappings, measure="calls")


# Released Tue 2026-03-10 12:00 UTC; the release day counts after.
EXPORT_TICKETS = [
    at(2026, 2, 23, 23, 59, 59),   # 15 days before
    at(2026, 2, 24),               # 14 days before
    at(2026, 3, 5), at(2026, 3, 9, 23, 59, 59),   # the week before
    at(2026, 3, 10),               # the release day
    at(2026, 3, 18),               # the second week after
    at(2026, 3, 24),               # the third week after
]


@pytest.fixture
def released(runtime: Runtime) -> int:
    with runtime.engine.begin() as conn:
        group = add_group(conn, "reports", "export")
        link(conn, group, "released", at(2026, 3, 10, 12))
        for created in EXPORT_TICKETS:
            add_ticket(conn, created, "reports", "export")
        add_ticket(conn, at(2026, 3, 5), "reports", "dashboards")
        add_ticket(conn, at(2026, 3, 11), "reports", "export", deleted=True)
    return group


def impact_on(runtime: Runtime, group: int, today: date, **options: int) -> ReleaseImpact:
    with runtime.engine.connect() as conn:
        impact = release_impact(conn, runtime.mappings, group, today=today, **options)
    assert impact is not None
    return impact


def test_release_impact_compares_two_weeks_after_with_two_weeks_before(runtime: Runtime, released: int) -> None:
    impact = impact_on(runtime, released, date(2026, 3, 30), weeks=2)
    assert (impact.issue_key, impact.label, impact.released_at) == (f"PROD-{released}", "Reports / Export",
                                                                   at(2026, 3, 10, 12))
    assert [p.label for p in impact.before] == ["2026-02-24 – 2026-03-02", "2026-03-03 – 2026-03-09"]
    assert [p.label for p in impact.after] == ["2026-03-10 – 2026-03-16", "2026-03-17 – 2026-03-23"]
    assert (impact.before_counts, impact.after_counts, impact.days) == ((1, 2), (1, 1), 14)
    assert (impact.too_early, impact.weekly_before, impact.weekly_after, impact.change_pct) == (False, 1.5, 1.0, -33.3)


def test_ten_days_after_a_release_both_sides_cover_ten_days(runtime: Runtime, released: int) -> None:
    impact = impact_on(runtime, released, date(2026, 3, 20))
    assert [p.label for p in impact.before] == ["2026-02-28 – 2026-03-02", "2026-03-03 – 2026-03-09"]
    assert [p.label for p in impact.after] == ["2026-03-10 – 2026-03-16", "2026-03-17 – 2026-03-19"]
    assert (impact.before_counts, impact.after_counts, impact.change_pct) == ((0, 2), (1, 1), 0.0)


@pytest.mark.parametrize("today", [date(2026, 3, 10), date(2026, 3, 16)])
def test_right_after_a_release_the_impact_is_too_early_to_tell(runtime: Runtime, released: int, today: date) -> None:
    impact = impact_on(runtime, released, today)
    assert impact.too_early and impact.change_pct is None
    assert impact.ready_on == date(2026, 3, 17)
    assert sum(p.days for p in impact.before) == sum(p.days for p in impact.after) == impact.days < 7
    assert "Too early to tell" in text_impact(impact) and "%" not in text_impact(impact)


def test_once_the_window_has_passed_the_impact_has_a_real_figure(runtime: Runtime, released: int) -> None:
    impact = impact_on(runtime, released, date(2026, 3, 17))
    assert (impact.too_early, impact.before_counts, impact.after_counts, impact.change_pct) == (
        False, (2,), (1,), -50.0)
    assert text_impact(impact).splitlines()[1] == (
        "  Before the release (7 d): 2, 2.0 tickets a week · After the release (7 d): 1, 1.0 tickets a week · -50.0%")


def test_the_minimum_window_is_a_setting(runtime: Runtime, released: int) -> None:
    early = impact_on(runtime, released, date(2026, 3, 14), min_days=3)   # Mar 6 - 9 against Mar 10 - 13
    assert (early.too_early, early.before_counts, early.after_counts, early.change_pct) == (False, (1,), (1,), 0.0)
    assert impact_on(runtime, released, date(2026, 3, 14)).too_early


def test_an_audited_transition_to_done_dates_the_release(runtime: Runtime, released: int) -> None:
    with runtime.engine.begin() as conn:
        record(conn, "group", released, "done", "pm", now=at(2026, 3, 3, 9))
    impact = impact_on(runtime, released, date(2026, 3, 20), weeks=2)
    assert impact.released_at == at(2026, 3, 3, 9)
    assert [p.label for p in impact.before] == ["2026-02-17 – 2026-02-23", "2026-02-24 – 2026-03-02"]
    assert (impact.before_counts, impact.after_counts) == ((1, 1), (2, 1))


def test_a_group_without_a_topic_is_measured_on_its_tickets_most_common_topic(runtime: Runtime) -> None:
    with runtime.engine.begin() as conn:
        group = add_group(conn)
        link(conn, group, "released", at(2026, 3, 10))
        for category, subcategory in [("reports", "export"), ("billing", "invoices"), ("reports", "export")]:
            add_wish(conn, group, at(2026, 3, 5), add_ticket(conn, at(2026, 3, 5), category, subcategory))
    with runtime.engine.connect() as conn:
        impact = release_impact(conn, runtime.mappings, group, weeks=1, today=date(2026, 3, 20), language="ru")
    assert impact is not None
    assert (impact.subcategory, impact.label, impact.before_counts) == ("export", "Отчёты / Выгрузка", (2,))


def test_only_released_groups_have_an_impact(runtime: Runtime) -> None:
    with runtime.engine.begin() as conn:
        building = add_group(conn, "reports", "export")
        link(conn, building, "in_development", at(2026, 3, 10))
        unlinked = add_group(conn, "reports", "export")
        shipped = add_group(conn, "reports", "export")
        link(conn, shipped, "released", at(2026, 3, 1))
    with runtime.engine.connect() as conn:
        assert release_impact(conn, runtime.mappings, building) is None
        assert release_impact(conn, runtime.mappings, unlinked) is None
        assert released_groups(conn) == [shipped]


def test_report_command_prints_the_table_and_writes_csv_and_xlsx(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = open_engine(database)
    upgrade(engine)
    with engine.begin() as conn:
        for created, category, subcategory in WEEKLY:
            add_ticket(conn, created, category, subcategory)
        group = add_group(conn, "billing", "invoices")
        link(conn, group, "released", at(2026, 1, 1))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("WISHBRIDGE_MAPPINGS", str(ROOT / "mappings"))
    monkeypatch.setenv("WISHBRIDGE_SECRET_KEY", "test-secret")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--env-file", "/dev/null", "report", "--period", "week", "--periods", "3",
                                       "--today", "2026-01-07", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Tickets by week, 2025-W52 – 2026-W02" in result.output
    assert "2026-W02 (partial: 3 of 7 days)" in result.output
    assert "2. Billing / Invoices: +3 (+300.0%), 1 → 4" in result.output   # Monday to Wednesday: 1 → 4
    assert f"PROD-{group} «Export to Excel» released 2026-01-01: Billing / Invoices" in result.output
    assert "Too early to tell: 6 of 7 days since the release; the figure comes on 2026-01-08." in result.output
    assert f"wrote {out / 'topics-week.csv'} and {out / 'topics-week.xlsx'}" in result.output
    csv_text = (out / "topics-week.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].endswith(",2026-W02 (partial: 3 of 7 days),2025-12-29 – 2025-12-31 (same days),"
                                             "Change,Change %")
    assert csv_text.splitlines()[6] == "Billing,Invoices,2,1,4,1,3,300.0"
    assert load_workbook(out / "topics-week.xlsx").sheetnames == ["Data", "Pivot"]
