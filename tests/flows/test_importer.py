import contextlib
import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bridge.errors import MappingError
from bridge.mapping import load_mappings
from bridge.mapping.importing import ImportMapping
from bridge.store.schema import tickets
from bridge.sync.importer import BadRow, import_file, load_import_mapping
from tests.conftest import MAPPINGS, ROOT

SAMPLE = ROOT / "tests" / "fixtures" / "import" / "tickets.csv"
GOOD_IDS = ["1001", "1002", "1003", "1004", "1008"]


@pytest.fixture(scope="module")
def mapping() -> ImportMapping:
    return load_import_mapping(MAPPINGS / "import.yaml", load_mappings(MAPPINGS).documents)


def stored(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {row.external_id: row._asdict() for row in conn.execute(select(tickets))}


def xlsx_from(csv_path: Path, target: Path) -> Path:
    """The CSV as Excel would save it: ids as numbers, times as date cells."""
    workbook = Workbook()
    sheet = workbook.active
    header, *records = list(csv.reader(csv_path.open(encoding="utf-8")))
    sheet.append(header)
    for record in records:
        cells: list[object] = list(record)
        if record[0].isdigit():
            cells[0] = int(record[0])
        with contextlib.suppress(ValueError):
            cells[7] = datetime.strptime(record[7], "%Y-%m-%d %H:%M:%S")
        sheet.append(cells)
    sheet.append([None] * len(header))
    workbook.save(target)
    return target


def test_the_sample_csv_stores_good_rows_and_names_each_bad_row(engine, mapping):
    summary = import_file(engine, SAMPLE, mapping)

    assert (summary.rows, summary.new, summary.changed, summary.unchanged) == (8, 5, 0, 0)
    assert summary.bad == [
        BadRow(6, "missing id (column 'Ticket ID')"),
        BadRow(7, "unparseable date '09/02/2024' (expected %Y-%m-%d %H:%M:%S)"),
        BadRow(8, "unknown category 'Склад' (not in the mapping's category.map)"),
    ]
    assert sorted(stored(engine)) == GOOD_IDS


def test_rows_are_marked_by_the_mapping(engine, mapping):
    import_file(engine, SAMPLE, mapping)
    rows = stored(engine)
    first = rows["1001"]
    assert (first["source"], first["category"], first["subcategory"], first["segment"]) == (
        "import", "reports", "export", "enterprise")
    assert (first["channel"], first["language"], first["tags"]) == ("email", "ru", ["reports", "wish"])
    assert (first["requester_email"], first["organization_name"]) == ("buh@romashka.example", "ООО Ромашка")
    assert first["created_at"].replace(tzinfo=UTC) == datetime(2024, 2, 5, 9, 14, tzinfo=UTC)
    assert {key: row["is_wish"] for key, row in rows.items()} == {
        "1001": True, "1002": False, "1003": True, "1004": True, "1008": True}
    assert rows["1003"]["body"].endswith("with one sheet per warehouse.")
    assert (rows["1003"]["language"], rows["1004"]["requester_name"]) == ("en", "Пётр Склад")
    assert (rows["1004"]["segment"], rows["1004"]["subcategory"]) == ("free", "offline")


def test_importing_the_same_file_again_changes_nothing(engine, mapping):
    import_file(engine, SAMPLE, mapping)
    again = import_file(engine, SAMPLE, mapping)
    assert (again.new, again.changed, again.unchanged, again.wishes) == (0, 0, 5, 0)


def test_a_row_edited_in_the_helpdesk_is_updated_on_the_next_import(engine, mapping, tmp_path):
    import_file(engine, SAMPLE, mapping)
    edited = tmp_path / "tickets.csv"
    edited.write_text(SAMPLE.read_text(encoding="utf-8").replace("Не приходит счёт", "Счёт не приходит"),
                      encoding="utf-8")
    summary = import_file(engine, edited, mapping)
    assert (summary.new, summary.changed, summary.unchanged) == (0, 1, 4)
    assert stored(engine)["1002"]["subject"] == "Счёт не приходит"


def test_wish_rows_go_to_intake_inside_their_chunk(engine, mapping):
    calls: list[list[int]] = []

    def intake(conn, ids: list[int]) -> int:
        assert conn.in_transaction()
        calls.append(ids)
        return len(ids)

    summary = import_file(engine, SAMPLE, mapping, intake=intake, chunk=2)
    ids = {row["external_id"]: row["id"] for row in stored(engine).values()}
    assert calls == [[ids["1001"]], [ids["1003"], ids["1004"]], [ids["1008"]]]
    assert summary.wishes == 4


def test_an_xlsx_export_imports_like_the_csv(engine, mapping, tmp_path):
    summary = import_file(engine, xlsx_from(SAMPLE, tmp_path / "tickets.xlsx"), mapping)
    assert (summary.rows, summary.new, [bad.number for bad in summary.bad]) == (8, 5, [6, 7, 8])
    row = stored(engine)["1001"]
    assert (row["category"], row["is_wish"]) == ("reports", True)
    assert row["created_at"].replace(tzinfo=UTC) == datetime(2024, 2, 5, 9, 14, tzinfo=UTC)


def test_a_json_list_of_objects_imports_with_iso_dates(engine, mapping):
    summary = import_file(engine, SAMPLE.with_suffix(".json"), mapping)
    assert (summary.rows, summary.new, summary.bad) == (3, 3, [])
    row = stored(engine)["1003"]
    assert (row["subcategory"], row["created_at"].replace(tzinfo=UTC)) == (
        "export", datetime(2024, 2, 7, 16, 45, tzinfo=UTC))


def test_an_id_repeated_in_the_file_is_a_bad_row_not_a_flip_flop(engine, mapping, tmp_path):
    doubled = tmp_path / "tickets.json"
    doubled.write_text(json.dumps([{"Ticket ID": "7", "Subject": "a"}, {"Ticket ID": "7", "Subject": "b"}]))
    summary = import_file(engine, doubled, mapping)
    assert summary.bad == [BadRow(2, "id '7' is already on row 1")]


def test_an_unknown_subcategory_is_a_bad_row(engine, mapping, tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps([{"Ticket ID": 1, "Category": "Отчёты", "Subcategory": "Графики"}]))
    assert import_file(engine, path, mapping).bad == [
        BadRow(1, "unknown subcategory 'Графики' for category 'reports'")]


def test_a_file_without_a_mapped_column_is_refused_before_any_row(engine, mapping, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Ticket ID;Subject\n1;a\n", encoding="utf-8")
    with pytest.raises(ValueError, match="body -> 'Description'") as error:
        import_file(engine, path, mapping)
    assert "(columns: Ticket ID, Subject)" in str(error.value)
    assert stored(engine) == {}


@pytest.mark.parametrize(("name", "content", "message"), [
    ("t.json", '{"Ticket ID": 1}', "must be a JSON list of objects"),
    ("t.json", "[1, 2]", "must be a JSON list of objects"),
    ("t.json", "[{", "broken JSON at line 1 column 3"),
    ("t.txt", "x", "cannot import .txt"),
])
def test_a_file_that_is_not_a_table_is_refused(engine, mapping, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        import_file(engine, path, mapping)


def test_a_broken_import_mapping_lists_every_problem_with_its_line(tmp_path):
    path = tmp_path / "import.yaml"
    path.write_text("columns:\n  id: N\n  created_at: {column: C, format: 'day'}\n"
                    "category:\n  transform: [shout]\n  map: {X: nowhere}\n")
    with pytest.raises(MappingError) as error:
        load_import_mapping(path, load_mappings(MAPPINGS).documents)
    assert [str(issue).removeprefix(str(path)) for issue in error.value.issues] == [
        ":3:27: columns.created_at.format: not a usable date format: it has no directives such as %d.%m.%Y",
        ":5:15: category.transform[0]: unknown transform 'shout' (known: casefold, lower, nested_child, "
        "nested_parent, strip, underscores_to_spaces)",
        ":6:9: category.map.X: unknown category 'nowhere'",
    ]
