import shutil
from pathlib import Path

import pytest

from bridge.errors import MappingError
from bridge.mapping import MappingHolder, check_mappings, load_mappings
from bridge.model import Organization, Person, Ticket, TicketRef

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mappings_dir(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, fragment: str, occurrence: int = 1) -> int:
    lines = [n for n, line in enumerate(path.read_text().splitlines(), 1) if fragment in line]
    return lines[occurrence - 1]


def issue_lines(directory: Path) -> list[str]:
    return [str(issue) for issue in check_mappings(directory)[1]]


def test_the_shipped_mappings_are_valid():
    mappings = load_mappings(ROOT / "mappings")
    assert "zendesk" in mappings.helpdesks
    assert mappings.topics.parent_of("aggregation") == "marking"


def test_broken_yaml_names_file_line_and_column(mappings_dir):
    path = mappings_dir / "zendesk.yaml"
    edit(path, "  nested: true", "  nested: [true")
    [issue] = issue_lines(mappings_dir)
    assert issue.startswith(f"{path}:{line_of(path, 'nested: [true')}:")
    assert "(syntax): a list opened with '[' here is never closed with ']'" in issue


def test_a_duplicate_key_points_at_both_places(mappings_dir):
    path = mappings_dir / "topics.yaml"
    edit(path, "  reports:\n", "  marking:\n    label: {en: Again}\n  reports:\n")
    [issue] = issue_lines(mappings_dir)
    assert issue == (f"{path}:{line_of(path, 'marking:', 2)}:3: marking: duplicate key "
                     f"(first defined at line {line_of(path, 'marking:')})")


def test_an_unknown_key_is_reported_at_its_own_line(mappings_dir):
    path = mappings_dir / "zendesk.yaml"
    edit(path, "  nested: true\n", "  nested: true\n  nestd: false\n")
    assert issue_lines(mappings_dir) == [f"{path}:{line_of(path, 'nestd:')}:3: category.nestd: unknown key"]


def test_a_wrong_type_is_reported_with_what_was_expected(mappings_dir):
    path = mappings_dir / "zendesk.yaml"
    edit(path, "  nested: true", "  nested: sometimes")
    assert issue_lines(mappings_dir) == [
        f"{path}:{line_of(path, 'nested: sometimes')}:3: category.nested: must be true or false, not str 'sometimes'"
    ]


def test_a_subcategory_under_the_wrong_category_is_refused(mappings_dir):
    path = mappings_dir / "zendesk.yaml"
    edit(path, "reports: {Выгрузка: export,", "reports: {Выгрузка: aggregation,")
    line = line_of(path, "Выгрузка: aggregation")
    column = path.read_text().splitlines()[line - 1].index("Выгрузка") + 1
    assert issue_lines(mappings_dir) == [
        f"{path}:{line}:{column}: subcategory.map.reports.Выгрузка: subcategory 'aggregation' belongs to 'marking', "
        "not 'reports'"
    ]


def test_unknown_transforms_categories_and_placeholders_are_all_reported_at_once(mappings_dir):
    zendesk, messages = mappings_dir / "zendesk.yaml", mappings_dir / "messages.yaml"
    edit(zendesk, "transform: [lower]", "transform: [lowercase]")
    edit(zendesk, "Оплата: billing", "Оплата: biling")
    edit(messages, "Причина: {reason}", "Причина: {reasn}")
    issues = issue_lines(mappings_dir)
    assert len(issues) == 3
    assert f"{zendesk}:{line_of(zendesk, 'Оплата: biling')}:5: category.map.Оплата: unknown category 'biling'" \
        in issues
    assert any(i.startswith(f"{zendesk}:{line_of(zendesk, '[lowercase]')}:") and "unknown transform 'lowercase'"
               in i for i in issues)
    assert any(i.startswith(f"{messages}:") and "unknown placeholder '{reasn}'" in i for i in issues)


def test_a_missing_required_key_is_named(mappings_dir):
    path = mappings_dir / "zendesk.yaml"
    edit(path, "source: zendesk\n", "")
    assert issue_lines(mappings_dir) == [f"{path}:1:1: (top): 'source' is required"]


def test_a_running_process_keeps_the_last_good_mappings(mappings_dir):
    holder = MappingHolder(mappings_dir)
    edit(mappings_dir / "topics.yaml", "categories:", "categories: [")
    issues = holder.reload()
    assert issues and "topics.yaml" in str(issues[0])
    assert holder.current.topics.parent_of("aggregation") == "marking"
    with pytest.raises(MappingError):
        load_mappings(mappings_dir)


def zendesk_ticket(fields: dict[str, str], **extra) -> Ticket:
    return Ticket(
        ref=TicketRef("zendesk", "1"), subject="Нужна агрегация", fields=fields,
        requester=Person("7", "Ирина", "irina@example.ru", "ru"),
        organization=Organization("9", "Ромашка", {"tier": "Enterprise", "paid_accounts": 40}), **extra,
    )


def test_a_nested_dropdown_gives_category_and_subcategory():
    mapping = load_mappings(ROOT / "mappings").helpdesk("zendesk")
    assert mapping is not None
    marking = mapping.apply(zendesk_ticket({"360000000001": "Маркировка::Агрегация"}, tags=("пожелание",)))
    assert (marking.category, marking.subcategory) == ("marking", "aggregation")
    assert (marking.segment, marking.paid_accounts, marking.language, marking.is_wish) == ("enterprise", 40, "ru",
                                                                                            True)


def test_a_conditional_subcategory_field_is_read_for_its_category():
    mapping = load_mappings(ROOT / "mappings").helpdesk("zendesk")
    assert mapping is not None
    marking = mapping.apply(zendesk_ticket({"360000000001": "Отчёты", "360000000012": "Дашборды"},
                                           ticket_type="question"))
    assert (marking.category, marking.subcategory, marking.is_wish) == ("reports", "dashboards", False)


def test_a_wish_rule_on_a_field_value_marks_the_ticket():
    mapping = load_mappings(ROOT / "mappings").helpdesk("zendesk")
    assert mapping is not None
    assert mapping.apply(zendesk_ticket({"360000000003": "Feature request"})).is_wish


def test_three_mistakes_in_three_files_are_reported_at_once_with_a_syntax_error_in_plain_words(mappings_dir):
    routing = mappings_dir / "routing.yaml"
    routing.write_text(routing.read_text(encoding="utf-8") + "\nbroken: [unclosed\n", encoding="utf-8")
    zendesk = mappings_dir / "zendesk.yaml"
    zendesk.write_text(zendesk.read_text(encoding="utf-8").replace("source: zendesk", "source: zendesk\ncolour: red",
                                                                   1), encoding="utf-8")
    messages = mappings_dir / "messages.yaml"
    messages.write_text(messages.read_text(encoding="utf-8").replace(
        "«{wish_title}» зарегистрировано", "«{wish_nazvanie}» зарегистрировано", 1), encoding="utf-8")

    _, issues = check_mappings(mappings_dir)

    text = [f"{Path(i.path).name}:{i.line}: {i.message}" for i in issues]
    assert len(issues) == 3, text
    broken_line = routing.read_text(encoding="utf-8").splitlines().index("broken: [unclosed") + 1
    assert f"routing.yaml:{broken_line}: a list opened with '[' here is never closed with ']'" in text
    assert any(t.startswith("zendesk.yaml") and "unknown key" in t for t in text)
    assert any(t.startswith("messages.yaml") and "{wish_nazvanie}" in t for t in text)
