"""The report as files: CSV (one row per topic) and XLSX (flat data to pivot, plus a ready pivot with a chart).

Pure: both return the file's content; the caller writes it."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bridge.reports.text import count_headings, notes, row_counts, title, total_counts
from bridge.reports.topics import TopicReport, TopicRow
from bridge.text.catalogue import translate

BOLD = Font(bold=True)


def _names(row: TopicRow) -> list[str]:
    """Category and subcategory labels; a category row leaves the subcategory blank."""
    return [row.category_label, "" if row.is_category else row.label]


def _header(report: TopicReport) -> list[str]:
    lang = report.language
    return [translate("field.category", lang), translate("field.subcategory", lang), *count_headings(report),
            translate("reports.change", lang), translate("reports.change_pct", lang)]


def csv_writer(out: io.StringIO, language: str) -> Any:
    """A CSV writer as Excel in `language` reads it: ';' between the fields of a Russian file (that Excel's
    decimal separator is the comma), ',' otherwise. The file must start with a byte-order mark (utf-8-sig)."""
    return csv.writer(out, delimiter=";" if language == "ru" else ",")


def export_csv(report: TopicReport) -> str:
    """Wide CSV: category, subcategory, one column per period (a partial last one marked in its heading and
    followed by its baseline column), change, change % (blank when there was nothing to compare with).
    Category rows have a blank subcategory; then a row of totals, then the report's notes, one a row after a
    blank row. Separated and written as csv_writer says."""
    out = io.StringIO()
    writer = csv_writer(out, report.language)
    writer.writerow(_header(report))
    for row in report.rows:
        writer.writerow([*_names(row), *row_counts(report, row), row.change,
                         "" if row.change_pct is None else row.change_pct])
    writer.writerow([translate("reports.total", report.language), "", *total_counts(report), "", ""])
    said = notes(report)
    writer.writerows([[], *([note] for note in said)] if said else [])
    return out.getvalue()


def _finish(sheet: Worksheet, freeze: str, last_row: int, widths: list[int]) -> None:
    """Bold frozen header, autofilter over the header and `last_row` rows, column widths."""
    for cell in sheet[1]:
        cell.font = BOLD
    sheet.freeze_panes = freeze
    sheet.auto_filter.ref = f"A1:{get_column_letter(sheet.max_column)}{last_row}"
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _data_sheet(sheet: Worksheet, report: TopicReport) -> None:
    """One row per subcategory and period; "days counted" is the period's length, or the days of the partial
    last period so far."""
    lang = report.language
    sheet.append([translate(key, lang) for key in ("reports.period", "reports.start", "field.category",
                                                   "field.subcategory", "reports.count", "reports.days_counted")])
    days = [p.days for p in report.periods]
    if report.partial:
        days[-1] = report.partial.days
    for row in report.subcategory_rows:
        for period, count, counted in zip(report.periods, row.counts, days, strict=True):
            sheet.append([period.label, period.start, *_names(row), count, counted])
    for cell in sheet["B"][1:]:
        cell.number_format = "yyyy-mm-dd"
    _finish(sheet, "A2", sheet.max_row, [12, 12, 28, 28, 10, 12])


def _pivot_sheet(sheet: Worksheet, report: TopicReport) -> None:
    sheet.append(_header(report))
    for row in report.rows:
        sheet.append([*_names(row), *row_counts(report, row), row.change,
                      None if row.change_pct is None else row.change_pct / 100])
        if row.is_category:
            for cell in sheet[sheet.max_row]:
                cell.font = BOLD
        else:
            sheet.row_dimensions[sheet.max_row].outline_level = 1
        sheet.cell(sheet.max_row, sheet.max_column).number_format = "+0.0%;-0.0%;0.0%"
    last_topic = sheet.max_row
    sheet.append([translate("reports.total", report.language), "", *total_counts(report)])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for note in notes(report):
        sheet.append([note])
    columns = len(report.periods) + bool(report.partial)
    _finish(sheet, "C2", last_topic, [28, 28, *[11] * columns, 11, 11])
    sheet.add_chart(_chart(sheet, report), f"{get_column_letter(sheet.max_column + 2)}2")


def _chart(sheet: Worksheet, report: TopicReport) -> BarChart:
    """Stacked columns: one bar per period, one colour per category."""
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title = title(report)
    chart.width, chart.height = 24, 12
    first, last = 3, 2 + len(report.periods)
    for index, row in enumerate(report.rows, 2):
        if row.is_category:
            values = Reference(sheet, min_col=first, max_col=last, min_row=index)
            chart.series.append(Series(values, title=row.label))
    chart.set_categories(Reference(sheet, min_col=first, max_col=last, min_row=1))
    return chart


def export_xlsx(report: TopicReport) -> bytes:
    """A workbook with "Data" (period, start, category, subcategory, count: one row per subcategory and
    period, ready for an Excel pivot table) and "Pivot" (topic × period with change and totals, categories
    bold with their subcategories grouped under them, and a stacked column chart); sheets and headers are in
    the report's language."""
    book = Workbook()
    data = book.active
    assert data is not None
    data.title = translate("reports.sheet.data", report.language)
    _data_sheet(data, report)
    _pivot_sheet(book.create_sheet(translate("reports.sheet.pivot", report.language)), report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
