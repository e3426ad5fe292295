import re

import pytest
from click.testing import CliRunner

from bridge.cli import main
from tests.conftest import MAPPINGS


@pytest.fixture
def wish(tmp_path, monkeypatch):
    """Runs `wishbridge wish ...` on a fresh SQLite store; returns (exit code, output)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("WISHBRIDGE_MAPPINGS", str(MAPPINGS))
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(main, ["wish", *args, "--actor", "pm.olga"] if args[0] not in ("list", "show", "find")
                               else ["wish", *args])
        return result.exit_code, result.output

    return run


def added(output: str) -> tuple[int, int]:
    found = re.search(r"wish (\d+) registered .* group W-(\d+)", output)
    assert found, output
    return int(found.group(1)), int(found.group(2))


def test_a_wish_added_by_hand_shows_up_in_the_list_and_its_page(wish):
    code, output = wish("add", "--text", "Поддержите требования закона о маркировке шин", "--organization",
                        "Шинторг", "--contact", "ivan@shintorg.ru", "--channel", "meeting", "--category",
                        "marking")
    assert code == 0, output
    _, group = added(output)
    code, listing = wish("list", "--state", "new")
    assert code == 0 and re.search(rf"^\s*W-{group}\s.*\(legal\?\).*Поддержите", listing, re.M)
    code, page = wish("show", f"W-{group}")
    assert code == 0
    assert page.startswith(f"group W-{group}: ")
    assert "suggested legal by rule legislation" in page
    assert "distinct organisations" in page and "wish_added" in page


def test_route_without_a_queue_uses_the_suggestion_and_records_why(wish):
    _, group = added(wish("add", "--text", "Новое постановление о ЭДО")[1])
    code, output = wish("route", str(group))
    assert (code, output.strip()) == (0, f"group W-{group} routed to the legal queue")
    assert "suggested by routing rule legislation" in wish("show", str(group))[1]


def test_the_whole_way_from_analysis_to_a_told_decline_and_reopening(wish):
    _, group = added(wish("add", "--text", "Тёмная тема")[1])
    assert wish("route", str(group), "--queue", "analyst")[0] == 0
    assert wish("analyse", str(group), "--importance", "important", "--notes", "часто просят")[0] == 0
    assert wish("comment", str(group), "обсудили на планёрке")[0] == 0
    assert wish("decide", str(group), "decline", "--reason", "не в этом году")[0] == 0
    assert wish("reopen", str(group), "--reason", "новые клиенты")[0] == 0
    page = wish("show", str(group))[1]
    assert "state grouped" in page and "epoch 1" in page and "обсудили на планёрке" in page
    assert re.search(r"pm\.olga decline — не в этом году", page)


def test_merge_unmerge_and_split_from_the_terminal(wish):
    _, first = added(wish("add", "--text", "Выгрузка в 1С")[1])
    _, second = added(wish("add", "--text", "Сканирование без сети")[1])
    third_wish, third = added(wish("add", "--text", "Сканер в подвале без связи")[1])
    assert wish("merge", f"W-{first}", f"w{second}") == (0, f"group W-{first} merged into W-{second}\n")
    assert f"  absorbed W-{first} (their numbers lead here)" in wish("show", str(second))[1]
    assert wish("find", f"W-{first}")[1].startswith(f"W-{second} (asked W-{first}): grouped  ")
    assert wish("unmerge", str(first)) == (0, f"group W-{first} unmerged\n")
    assert wish("merge", str(third), str(second))[0] == 0
    code, output = wish("split", str(second), "--wish", str(third_wish), "--title", "Сканирование в подвале")
    assert code == 0 and f"wishes {third_wish} moved to new group W-" in output
    assert "Сканирование в подвале" in wish("list", "--state", "grouped")[1]


@pytest.mark.parametrize("args, message", [
    (("route", "999", "--queue", "legal"), "error: no wish group W-999"),
    (("decide", "GROUP", "defer"), "error: a reason is required to defer"),
    (("decide", "GROUP", "approve"), "error: group W-GROUP is new: cannot approve (allowed: "),
    (("unmerge", "GROUP"), "error: group W-GROUP is new: cannot unmerge"),
    (("decide", "GROUP", "approve", "--issue-key", "WISH-1"),
     "No tracker is configured, so the issue WISH-1 cannot be checked: nothing was changed."),
])
def test_unknown_ids_and_forbidden_transitions_exit_1_with_the_reason(wish, args, message):
    _, group = added(wish("add", "--text", "Тарифы для филиалов")[1])
    code, output = wish(*(a.replace("GROUP", str(group)) for a in args))
    assert code == 1
    assert message.replace("GROUP", str(group)) in output


def test_a_group_is_named_by_its_number_and_anything_else_is_refused_before_the_store_is_asked(wish):
    code, output = wish("route", "X-1", "--queue", "legal")
    assert code == 2 and "'X-1' is not a wish group number (W-12)" in output
    assert wish("find", "W-404") == (1, "Error: no wish group has the number or ticket 'W-404'\n")
