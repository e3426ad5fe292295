"""The same report as a terminal table, CSV, XLSX (flat data + pivot + chart) and an accessible SVG chart."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from bridge.reports import (
    UNMARKED,
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
        ["Period", "Start", "Category", "Subcategory", "Count"],
        ["2026-W01", datetime(2025, 12, 29), CO, "Export", 1],
        ["2026-W02", datetime(2026, 1, 5), CO, "Export", 3],
        ["2026-W01", datetime(2025, 12, 29), "Billing", "(none)", 2],
        ["2026-W02", datetime(2026, 1, 5), "Billing", "(none)", 0],
    ]
    assert (data.freeze_panes, data.auto_filter.ref) == ("A2", "A1:E5")


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
