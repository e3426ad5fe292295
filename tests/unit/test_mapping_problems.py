"""Every mapping mistake at once, each as `file:line:column: what is wrong` in plain words: YAML syntax errors
never show the parser's own text, a file with schema errors still has its meaning checked, and the mappings page's
outline says what each file holds and where."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bridge.mapping import check_mappings
from bridge.mapping.outline import Entry, outline, survey
from bridge.mapping.source import Document, parse

ROOT = Path(__file__).resolve().parents[2]
PARSER_WORDS = re.compile(r"while (?:parsing|scanning)|<block end>|<scalar>|<stream end>|token|expected|"
                          r"\bmark\b|line \d+, column", re.IGNORECASE)


@pytest.fixture
def mappings_dir(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", target)
    return target


@pytest.mark.parametrize(("text", "line", "column", "message"), [
    ("source: zendesk\ncategory:\n  map: [a, b\n", 3, 8, "a list opened with '[' here is never closed with ']'"),
    ("source: zendesk\ncategory: {a: b\n", 2, 11, "a mapping opened with '{' here is never closed with '}'"),
    ("a: {b: 1, c: 2]\n", 1, 15, "']' inside a mapping in '{}'; put that item in quotes, or close the mapping "
                                 "with '}' before it"),
    ("source: 'zendesk\nx: 1\n", 1, 9, "a quote opened here is never closed"),
    ("source: zendesk: x\n", 1, 16, "a ': ' inside a value; put the whole value in quotes, or fix the indentation"),
    ("source: zendesk\n\tcategory: x\n", 2, 1, "a tab; indent with spaces"),
    ("source: zendesk\ncategory\nx: 1\n", 2, 1,
     "a line with no ':' inside a mapping; add the colon or fix the indentation"),
    ("a:\n  b: 1\n c: 2\n", 3, 2, "this line is indented differently from the keys around it"),
    ("a: b\n- c\n", 2, 1, "a list item ('- ') among the keys of a mapping; indent it under the key it belongs to"),
    ("a:\n  - x\n  y: 1\n", 3, 3, "a key among the items of a list; line it up with the keys above the list, or "
                                  "start it with '- '"),
    ("a: [1, 2]]\n", 1, 10, "a ']' with no '[' opened before it"),
    ("a: 'x' y\n", 1, 8, "more text after a closed quote; put the whole value inside the quotes"),
    ("a: *unknown\n", 1, 4, "'*unknown' repeats an anchor '&unknown' that no line above defines"),
    ("a: @x\n", 1, 4, "a value cannot start with '@'; put the value in quotes"),
    ("a: b\n---\nc: d\n", 2, 1, "a second document ('---') in the file; a mapping file holds one"),
    ("%YAML 1.1\n%YAML 1.1\n---\na: 1\n", 2, 1, "not valid YAML here; check the quotes, colons, brackets and "
                                               "indentation of this line and the one above it"),
])
def test_a_syntax_error_is_said_in_plain_words_at_the_line_to_look_at(tmp_path: Path, text: str, line: int,
                                                                      column: int, message: str) -> None:
    path = tmp_path / "zendesk.yaml"
    path.write_text(text, encoding="utf-8")
    issue = parse(path)
    assert not isinstance(issue, Document)
    assert str(issue) == f"{path}:{line}:{column}: (syntax): {message}"
    assert PARSER_WORDS.search(issue.message) is None


def test_three_mistakes_in_one_file_are_reported_at_once(mappings_dir: Path) -> None:
    path = mappings_dir / "zendesk.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (("  nested: true\n", "  nested: true\n  colour: red\n"),   # a key the schema does not know
                     ("Оплата: billing", "Оплата: payments"),                   # a category topics.yaml lacks
                     ("transform: [lower]", "transform: [lowercase]")):         # a transform that does not exist
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()

    _, issues = check_mappings(mappings_dir)

    def at(fragment: str) -> int:
        return next(number for number, line in enumerate(lines, 1) if fragment in line)

    assert [(issue.line, issue.message.split(" (known")[0]) for issue in issues] == sorted([
        (at("colour: red"), "unknown key"),
        (at("Оплата: payments"), "unknown category 'payments'"),
        (at("transform: [lowercase]"), "unknown transform 'lowercase'"),
    ])
    assert all(issue.path == str(path) for issue in issues)


def test_a_section_of_the_wrong_shape_is_named_and_the_rest_of_the_file_is_still_checked(mappings_dir: Path) -> None:
    path = mappings_dir / "zendesk.yaml"
    text = path.read_text(encoding="utf-8").replace("Оплата: billing", "Оплата: payments", 1)
    path.write_text(text.replace("segment:\n  organization_field: tier\n  transform: [lower]\n",
                                 "segment:\n  organization_field: tier\n  transform: lower\n", 1), encoding="utf-8")
    _, issues = check_mappings(mappings_dir)
    assert [(issue.where, issue.message) for issue in issues] == [
        ("category.map.Оплата", "unknown category 'payments'"),
        ("segment.transform", "must be a list, not str 'lower'")]


def test_the_outline_holds_every_key_and_item_with_its_line() -> None:
    document = parse(ROOT / "mappings" / "zendesk.yaml")
    assert isinstance(document, Document)
    entries = outline(document)
    lines = (ROOT / "mappings" / "zendesk.yaml").read_text(encoding="utf-8").splitlines()
    source = next(entry for entry in entries if entry.key == "source")
    assert (source.depth, source.value) == (0, "zendesk") and lines[source.line - 1] == "source: zendesk"
    assert Entry(1, "nested", "true", lines.index("  nested: true") + 1) in entries
    assert Entry(1, "transform", "[strip]", lines.index("  transform: [strip]") + 1) in entries
    mapped = next(entry for entry in entries if entry.key == "Оплата")
    assert (mapped.depth, mapped.value) == (2, "billing")
    assert all(lines[entry.line - 1].lstrip("- ").startswith(entry.key) for entry in entries if entry.key != "-")


def test_the_survey_names_each_file_its_kind_and_its_problems_even_an_unreadable_one(mappings_dir: Path) -> None:
    (mappings_dir / "routing.yaml").write_text("rules: [unclosed\n", encoding="utf-8")
    files, general = survey(mappings_dir)
    by_name = {file.name: file for file in files}
    assert general == []
    assert (by_name["jira.yaml"].kind, by_name["zendesk.yaml"].kind, by_name["topics.yaml"].kind) == (
        "tracker", "helpdesk", "topics")
    routing = by_name["routing.yaml"]
    assert routing.entries == () and [str(i) for i in routing.issues] == [
        f"{mappings_dir / 'routing.yaml'}:1:8: (syntax): a list opened with '[' here is never closed with ']'"]
    assert by_name["zendesk.yaml"].entries and by_name["zendesk.yaml"].issues == ()
    assert survey(mappings_dir / "absent")[1][0].message == "no such mappings folder"
