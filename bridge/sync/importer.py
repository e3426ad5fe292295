"""`wishbridge import FILE`: tickets from a CSV, XLSX or JSON export of any helpdesk, stored the way sync
stores them.

Contract: rows are upserted by (mapping source, id column) in chunks, one transaction each, through the same
page store as sync and with the wishes the chunk registers, so importing the same file again changes nothing.
A bad row (no id, an unparseable date, an unknown category or subcategory, an id seen on an earlier row) is
reported with its row number and reason; the other rows still import. Row numbers are those a spreadsheet
shows (the header is row 1); for JSON, the item's position in the list (from 1).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bridge.errors import MappingError, MappingIssue
from bridge.mapping.importing import ImportMapping, check_import
from bridge.mapping.kinds import KINDS
from bridge.mapping.source import Document, parse
from bridge.mapping.topics import Topics
from bridge.mapping.validate import schema_issues
from bridge.model import Marking, Organization, Person, Ticket, TicketRef
from bridge.sync.pull import Intake, SyncSummary, store_tickets

CHUNK = 500
Row = tuple[int, dict[str, str]]


class RowError(ValueError):
    """Why one row cannot be imported."""


@dataclass(frozen=True)
class BadRow:
    number: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.number}: {self.reason}"


@dataclass
class ImportSummary(SyncSummary):
    """Counts as sync keeps them (new, changed, unchanged, wishes), plus the rows read and the bad ones."""

    rows: int = 0
    bad: list[BadRow] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.rows} rows read: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                f"{len(self.bad)} bad; {self.wishes} wishes found")


def load_import_mapping(path: Path, context: Mapping[str, Document]) -> ImportMapping:
    """Read and check an import mapping; `context` must hold the "topics" document. Raises MappingError."""
    doc = parse(path)
    if isinstance(doc, MappingIssue):
        raise MappingError([doc])
    issues = list(schema_issues(doc, KINDS["import"].schema)) or list(check_import(doc, context))
    if issues:
        raise MappingError(issues)
    return ImportMapping.from_data(doc.data, Topics.from_data(context["topics"].data if "topics" in context
                                                              else {}))


# Reading files

def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(path: Path) -> tuple[list[str] | None, list[Row]]:
    """The column headers (None for JSON, whose objects may omit empty keys) and the numbered rows of a .csv,
    .xlsx or .json file; raises ValueError for a file that cannot be read as a table at all."""
    readers = {".csv": _read_csv, ".xlsx": _read_xlsx, ".json": _read_json}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"{path}: cannot import {path.suffix or 'a file without extension'} "
                         f"(use {', '.join(readers)})")
    return reader(path)


def _table(header: Sequence[Any], records: Sequence[tuple[int, Sequence[Any]]]) -> tuple[list[str], list[Row]]:
    names = [cell_text(name) for name in header]
    rows = [(number, dict(zip(names, map(cell_text, values), strict=False))) for number, values in records
            if any(cell_text(v) for v in values)]
    return names, rows


def _read_csv(path: Path) -> tuple[list[str], list[Row]]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    header, *records = list(csv.reader(io.StringIO(text), dialect)) or [[]]
    return _table(header, list(enumerate(records, start=2)))


def _read_xlsx(path: Path) -> tuple[list[str], list[Row]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        header, *records = list(workbook.worksheets[0].iter_rows(values_only=True)) or [()]
    finally:
        workbook.close()
    return _table(header, list(enumerate(records, start=2)))


def _read_json(path: Path) -> tuple[None, list[Row]]:
    try:
        items = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: broken JSON at line {error.lineno} column {error.colno}: {error.msg}") from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueError(f"{path}: must be a JSON list of objects, one per ticket")
    return None, [(n, {key: cell_text(value) for key, value in item.items()}) for n, item in enumerate(items, 1)]


# Rows to tickets

def _strptime(date_format: str, text: str) -> datetime:
    return datetime.strptime(text, date_format)


def parse_date(text: str, date_format: str | None) -> datetime | None:
    """`date_format` (strftime codes) first, then ISO 8601 (what XLSX date cells become); naive means UTC."""
    if not text:
        return None
    formats = [date_format] if date_format else []
    parsers: list[Callable[[str], datetime]] = [*(partial(_strptime, f) for f in formats), datetime.fromisoformat]
    for parser in parsers:
        try:
            moment = parser(text)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise RowError(f"unparseable date {text!r} (expected {date_format or 'ISO 8601'})")


def ticket_of(row: Mapping[str, str], mapping: ImportMapping) -> tuple[Ticket, Marking]:
    """The ticket a row describes and what it means; raises RowError."""
    def value(role: str) -> str:
        return row.get(mapping.columns[role], "") if role in mapping.columns else ""

    if not value("id"):
        raise RowError(f"missing id (column {mapping.columns['id']!r})")
    requester, organization = value("requester"), value("organization")
    ticket = Ticket(
        ref=TicketRef(mapping.source, value("id")),
        subject=value("subject"),
        body=value("body"),
        requester=Person(requester, email=requester if "@" in requester else "",
                         name="" if "@" in requester else requester) if requester else None,
        organization=Organization(organization, organization) if organization else None,
        channel=value("channel"),
        status=value("status"),
        ticket_type=value("type"),
        tags=tuple(t.strip() for t in value("tags").split(mapping.tags_separator) if t.strip()),
        fields=dict(row),
        created_at=parse_date(value("created_at"), mapping.date_format),
        raw=dict(row),
    )
    marking = mapping.marking.apply(ticket)
    if value("category") and marking.category is None:
        raise RowError(f"unknown category {value('category')!r} (not in the mapping's category.map)")
    if value("subcategory") and marking.category and marking.subcategory is None:
        raise RowError(f"unknown subcategory {value('subcategory')!r} for category '{marking.category}'")
    return ticket, marking


def _parsed(rows: Sequence[Row], mapping: ImportMapping, summary: ImportSummary) -> list[Ticket]:
    first_row: dict[str, int] = {}
    parsed = []
    for number, row in rows:
        summary.rows += 1
        try:
            ticket, _ = ticket_of(row, mapping)
            if ticket.ref.external_id in first_row:
                raise RowError(f"id {ticket.ref.external_id!r} is already on row {first_row[ticket.ref.external_id]}")
        except RowError as error:
            summary.bad.append(BadRow(number, str(error)))
            continue
        first_row[ticket.ref.external_id] = number
        parsed.append(ticket)
    return parsed


def missing_columns(headers: Sequence[str], mapping: ImportMapping) -> list[str]:
    return [f"{role} -> {name!r}" for role, name in mapping.columns.items() if name not in headers]


def import_file(engine: Engine, path: Path, mapping: ImportMapping, *, intake: Intake | None = None,
                chunk: int = CHUNK) -> ImportSummary:
    """Store every good row of `path`; raises ValueError when the file is unreadable or lacks a mapped column."""
    headers, rows = read_rows(path)
    missing = missing_columns(headers, mapping) if headers is not None else []
    if missing:
        raise ValueError(f"{path}: the mapping names columns the file does not have: {'; '.join(missing)} "
                         f"(columns: {', '.join(headers or []) or 'none'})")
    summary = ImportSummary(mapping.source)
    parsed = _parsed(rows, mapping, summary)
    for start in range(0, len(parsed), chunk):
        with engine.begin() as conn:
            wish_ids = store_tickets(conn, parsed[start:start + chunk], mapping.marking, summary)
            if intake and wish_ids:
                summary.wishes += intake(conn, wish_ids)
    return summary
