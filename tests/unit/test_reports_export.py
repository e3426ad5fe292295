"""The same report as a terminal table, CSV, XLSX (flat data + pivot + chart) and an accessible SVG chart."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from bridge.reports import (
    UNMARKED,
    Partial,
    Period,
    TopicReport,
    TopicRow,
    export_csv,
    export_xlsx,
    svg_chart,
    text_table,
    text_top_growing,
)

SVG = "{http://www.w3.org/2000/svg}"
CO = "Reports & <Co>"


@pytest.fixture
def report() -> TopicReport:
    periods = (Period("2026-W01", date(2025, 12, 29), date(2026, 1, 5)),
               Period("2026-W02", date(2026, 1, 5), date(2026, 1, 12)))
    export = TopicRow("reports", "export", "Export", (1, 3), 2, 200.0, CO)
    rows = (
        TopicRow("reports", None, CO, (1, 3), 2, 200.0, CO),
        export,
        TopicRow("billing", None, "Billing", (2, 0), -2, -100.0, "Billing"),
        TopicRow("billing", UNMARKED, "(none)", (2, 0), -2, -100.0, "Billing"),
    )
    return TopicReport("week", "tickets", "en", periods, rows, (3, 3), (export,))


def test_text_table_aligns_topics_periods_and_change(report: TopicReport) -> None:
    assert text_table(report).splitlines() == [
        "Tickets by week, 2026-W01 – 2026-W02",
        "",
        "Topic           2026-W01  2026-W02  Change  Change %",
        "Reports & <Co>         1         3      +2   +200.0%",
        "  Export               1         3      +2   +200.0%",
        "Billing                2         0      -2   -100.0%",
        "  (none)               2         0      -2   -100.0%",
        "Total                  3         3",
    ]


def test_top_growing_text_names_topic_change_and_volumes(report: TopicReport) -> None:
    assert text_top_growing(report) == (
        "Top growing topics (≥ 3 in 2026-W02):\n  1. Reports & <Co> / Export: +2 (+200.0%), 1 → 3\n")


def test_csv_has_one_row_per_topic_then_totals(report: TopicReport) -> None:
    assert export_csv(report).splitlines() == [
        "Category,Subcategory,2026-W01,2026-W02,Change,Change %",
        "Reports & <Co>,,1,3,2,200.0",
        "Reports & <Co>,Export,1,3,2,200.0",
        "Billing,,2,0,-2,-100.0",
        "Billing,(none),2,0,-2,-100.0",
        "Total,,3,3,,",
    ]


def test_xlsx_data_sheet_is_flat_for_an_excel_pivot(report: TopicReport) -> None:
    data = load_workbook(io.BytesIO(export_xlsx(report)))["Data"]
    assert [[c.value for c in row] for row in data.iter_rows()] == [
        ["Period", "Start", "Category", "Subcategory", "Count", "Days counted"],
        ["2026-W01", datetime(2025, 12, 29), CO, "Export", 1, 7],
        ["2026-W02", datetime(2026, 1, 5), CO, "Export", 3, 7],
        ["2026-W01", datetime(2025, 12, 29), "Billing", "(none)", 2, 7],
        ["2026-W02", datetime(2026, 1, 5), "Billing", "(none)", 0, 7],
    ]
    assert (data.freeze_panes, data.auto_filter.ref) == ("A2", "A1:F5")


def test_xlsx_pivot_sheet_has_topics_by_period_totals_and_a_chart(report: TopicReport) -> None:
    book = load_workbook(io.BytesIO(export_xlsx(report)))
    assert book.sheetnames == ["Data", "Pivot"]
    pivot = book["Pivot"]
    assert [[c.value for c in row] for row in pivot.iter_rows()] == [
        ["Category", "Subcategory", "2026-W01", "2026-W02", "Change", "Change %"],
        [CO, None, 1, 3, 2, 2.0],
        [CO, "Export", 1, 3, 2, 2.0],
        ["Billing", None, 2, 0, -2, -1.0],
        ["Billing", "(none)", 2, 0, -2, -1.0],
        ["Total", None, 3, 3, None, None],
    ]
    assert (pivot.freeze_panes, pivot.auto_filter.ref) == ("C2", "A1:F5")
    assert pivot["A2"].font.b and not pivot["A3"].font.b
    assert pivot.row_dimensions[3].outline_level == 1
    assert pivot["F2"].number_format == "+0.0%;-0.0%;0.0%"
    assert len(pivot._charts) == 1


def test_svg_chart_is_well_formed_accessible_and_escapes_labels(report: TopicReport) -> None:
    svg = svg_chart(report)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "Tickets by week, 2026-W01 – 2026-W02"
    assert root.findtext(f"{SVG}desc") == "2026-W01: 3; 2026-W02: 3"
    segments = [rect.findtext(f"{SVG}title") for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title")
                is not None]
    assert segments == [f"{CO}, 2026-W01: 1", "Billing, 2026-W01: 2", f"{CO}, 2026-W02: 3"]
    assert "Reports &amp; &lt;Co&gt;" in svg and CO not in svg
    assert "<script" not in svg


def test_svg_chart_turns_period_labels_when_there_are_many(report: TopicReport) -> None:
    texts = ET.fromstring(svg_chart(report, width=300)).iter(f"{SVG}text")
    assert any(t.text == "2026-W01" and "rotate" in (t.get("transform") or "") for t in texts)


@pytest.fixture
def partial() -> TopicReport:
    """Week 2 on its Wednesday: 3 of 7 days, compared with Monday to Wednesday of week 1 (a baseline of 2
    where the whole week 1 had 5)."""
    periods = (Period("2026-W01", date(2025, 12, 29), date(2026, 1, 5)),
               Period("2026-W02", date(2026, 1, 5), date(2026, 1, 12)))
    baseline = Period("2025-12-29 – 2025-12-31", date(2025, 12, 29), date(2026, 1, 1))
    export = TopicRow("reports", "export", "Export", (5, 3), 1, 50.0, "Reports", 2)
    rows = (TopicRow("reports", None, "Reports", (5, 3), 1, 50.0, "Reports", 2), export)
    return TopicReport("week", "tickets", "en", periods, rows, (5, 3), (export,), Partial(3, 7, baseline), 4, 2)


NOTES = ["2026-W02 is not over yet: 3 of 7 days so far. Its change compares it with the same 3 days of the period "
         "before (2025-12-29 – 2025-12-31), not with the whole period.",
         "4 of the counted tickets have no date from the helpdesk: they are counted on the day the bridge first saw "
         "them."]


def test_text_marks_the_partial_period_shows_its_baseline_and_says_why(partial: TopicReport) -> None:
    lines = text_table(partial).splitlines()
    assert lines[2].split("  ")[0] == "Topic"
    assert "2026-W02 (partial: 3 of 7 days)" in lines[2]
    assert "2025-12-29 – 2025-12-31 (same days)" in lines[2]
    assert lines[3].split() == ["Reports", "5", "3", "2", "+1", "+50.0%"]
    assert lines[-3:] == ["", *NOTES]
    assert "2 → 3" in text_top_growing(partial)


def test_csv_and_xlsx_mark_the_partial_period_and_carry_the_notes(partial: TopicReport) -> None:
    lines = export_csv(partial).splitlines()
    assert lines[0] == ("Category,Subcategory,2026-W01,2026-W02 (partial: 3 of 7 days),"
                        "2025-12-29 – 2025-12-31 (same days),Change,Change %")
    assert lines[1:4] == ["Reports,,5,3,2,1,50.0", "Reports,Export,5,3,2,1,50.0", "Total,,5,3,2,,"]
    assert [line.strip('"') for line in lines[5:]] == NOTES
    book = load_workbook(io.BytesIO(export_xlsx(partial)))
    pivot = [[c.value for c in row] for row in book["Pivot"].iter_rows()]
    assert pivot[0][3:5] == ["2026-W02 (partial: 3 of 7 days)", "2025-12-29 – 2025-12-31 (same days)"]
    assert pivot[1] == ["Reports", None, 5, 3, 2, 1, 0.5]
    assert [row[0] for row in pivot[-2:]] == NOTES
    assert [row[-1].value for row in book["Data"].iter_rows(min_row=2)] == [7, 3]


def test_svg_chart_draws_the_partial_period_paler_and_explains_its_star(partial: TopicReport) -> None:
    root = ET.fromstring(svg_chart(partial))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "2026-W02*" in texts and "* 2026-W02 (partial: 3 of 7 days)" in texts
    pale = [rect.findtext(f"{SVG}title") for rect in root.iter(f"{SVG}rect") if rect.get("fill-opacity")]
    assert pale == ["Reports, 2026-W02 (partial: 3 of 7 days): 3"]
