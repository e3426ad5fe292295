"""The release digest (what a release shipped, who asked, key accounts and their managers, a help-article
outline), its Markdown and CSV, `wishbridge release`, and the follow-up the requesters of a critical change get
N days after its release; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bridge.cli import main
from bridge.outbox.follow_up import queue_follow_ups
from bridge.reports import (
    ReleaseDigest,
    ReleaseRules,
    digest_csv,
    digest_markdown,
    find_release,
    release_digest,
    released_epics,
    releases,
)
from bridge.runtime import Runtime
from bridge.store import open_engine, upgrade
from bridge.store.schema import outbox
from bridge.worker import jobs
from bridge.worker.scheduler import build_scheduler
from tests.conftest import MAPPINGS
from tests.report_scenes import Releases, at, release_scene

RULES = ReleaseRules()   # key accounts: 100 paid accounts or enterprise; critical: importance critical; 14 days


@pytest.fixture
def scene(runtime: Runtime) -> Releases:
    return release_scene(runtime.engine)


def digest_of(runtime: Runtime, key: str | None, language: str = "en", rules: ReleaseRules = RULES) -> ReleaseDigest:
    with runtime.engine.connect() as conn:
        found = find_release(conn, key)
        assert found is not None
        return release_digest(conn, runtime.mappings, found, rules, language=language)


def test_releases_are_fix_versions_or_weeks_newest_first(runtime: Runtime, scene: Releases) -> None:
    with runtime.engine.connect() as conn:
        found = releases(released_epics(conn))
        newest = find_release(conn)
    assert [(r.key, r.version, r.week, [e.group_id for e in r.epics]) for r in found] == [
        ("5.3", "5.3", None, [scene.later]),
        ("5.2", "5.2", None, [scene.export, scene.theme]),
        ("week:2026-W10", None, "2026-W10", [scene.unversioned]),
    ]
    assert found[1].released_at == at(2026, 3, 11, 9)   # the audited release, not the link's last change
    assert newest is not None and newest.key == "5.3"


def test_the_digest_of_a_release_with_two_changes_names_who_asked_and_the_key_accounts(
        runtime: Runtime, scene: Releases) -> None:
    digest = digest_of(runtime, "5.2")
    export, theme = digest.changes
    assert (export.group_id, export.number, export.epic_key, export.epic_url, export.topic) == (
        scene.export, f"W-{scene.export}", f"PROD-{scene.export}", f"https://jira.example/browse/PROD-{scene.export}",
        "Reports / Export")
    assert (export.critical, export.asked.tickets, export.asked.organizations, export.asked.paid_accounts) == (
        True, 5, 4, 424)
    assert export.asked.by_segment == {"business": 1, "enterprise": 1, "smb": 2}
    assert [(a.name, a.segment, a.paid_accounts, a.manager) for a in export.key_accounts] == [
        ("Big Retail", "business", 300, None),                        # by its size, no manager recorded
        ("ООО Ромашка", "enterprise", 120, "Ирина Соколова"),       # its largest figure, its manager
    ]
    assert (theme.group_id, theme.critical, theme.key_accounts, theme.asked.organizations) == (
        scene.theme, False, (), 1)
    assert (digest.organizations, digest.key_accounts) == (5, 2)


def test_the_key_account_threshold_is_a_setting(runtime: Runtime, scene: Releases) -> None:
    export = digest_of(runtime, "5.2", rules=ReleaseRules(key_paid=0, key_segments=("smb",))).changes[0]
    assert [a.name for a in export.key_accounts] == ["Northwind", "Latecomer"]   # 3 and 1 paid accounts


def test_each_change_has_a_draft_help_article_outline_in_the_readers_language(
        runtime: Runtime, scene: Releases) -> None:
    export, theme = digest_of(runtime, "5.2").changes
    assert export.outline.title == "Export to Excel: what is new and how to use it"
    assert export.outline.changed == ("Any report exports to XLSX.", "one sheet per warehouse")
    assert export.outline.benefits == ("Organisations that asked for it: 4 (small business 2, business 1, "
                                       "enterprise 1); tickets: 5; topic: Reports / Export.")
    assert export.outline.asked == ("Нужна выгрузка отчёта в Excel", "Выгрузка по складам",
                                    "Export the stock report to XLSX")
    assert export.outline.steps[0] == "Where to find it: … (fill in)" and len(export.outline.steps) == 3
    assert theme.outline.changed == ("Describe the change in a sentence or two: no analyst notes were recorded.",)
    russian = digest_of(runtime, "5.2", "ru").changes[0].outline
    assert russian.title == "Export to Excel: что нового и как этим пользоваться"
    assert russian.benefits.startswith("Об этом просили организаций: 4 (малый бизнес 2, средний бизнес 1")


def test_the_markdown_export_reads_as_the_page_does(runtime: Runtime, scene: Releases) -> None:
    text = digest_markdown(digest_of(runtime, "5.2"), RULES)
    lines = text.splitlines()
    assert lines[0] == "# Release digest: version 5.2, released 2026-03-11"
    assert ("For support, sales and customer success: changes: 2; organisations that asked: 5, of them key "
            "accounts: 2.") in lines
    assert "_Key accounts: at least 100 paid accounts or segment enterprise._" in lines
    assert f"## W-{scene.export} Export to Excel" in lines
    assert "- Big Retail (paid accounts: 300) — no manager recorded" in lines
    assert "- ООО Ромашка (paid accounts: 120) — manager: Ирина Соколова" in lines
    assert text.count("Its requesters are asked how it works for them 14 days after the release.") == 1
    assert "- No key account asked for it." in lines
    assert "> Export the stock report to XLSX" in lines and "1. Where to find it: … (fill in)" in lines
    russian = digest_markdown(digest_of(runtime, "5.2", "ru"), RULES)
    assert "менеджер: Ирина Соколова" in russian and "менеджер не указан" in russian


def test_the_csv_export_has_a_row_per_change_and_russian_uses_semicolons(runtime: Runtime, scene: Releases) -> None:
    rows = list(csv.reader(io.StringIO(digest_csv(digest_of(runtime, "5.2")))))
    assert rows[0][:3] == ["Number", "Title", "Tracker epic"]
    assert [row[0] for row in rows[1:]] == [f"W-{scene.export}", f"W-{scene.theme}"]
    assert rows[1][6:10] == ["yes", "5", "4", "424"]
    assert rows[1][11] == ("Big Retail (paid accounts: 300) — no manager recorded; ООО Ромашка (paid accounts: 120) — "
                           "manager: Ирина Соколова")
    russian = list(csv.reader(io.StringIO(digest_csv(digest_of(runtime, "5.2", "ru"))), delimiter=";"))
    assert russian[0][0] == "Номер" and russian[1][6] == "да" and len(russian) == 3


def follow_up_items(runtime: Runtime) -> dict[str, dict[str, object]]:
    with runtime.engine.connect() as conn:
        return {row.idempotency_key: row.payload for row in conn.execute(
            select(outbox.c.idempotency_key, outbox.c.payload).where(outbox.c.idempotency_key.like("follow_up:%")))}


def test_the_requesters_of_a_critical_change_are_asked_once_after_n_days(runtime: Runtime, scene: Releases) -> None:
    released = at(2026, 3, 10, 12)
    with runtime.engine.begin() as conn:
        assert queue_follow_ups(conn, runtime.mappings, RULES, now=released + timedelta(days=13)) == 0
        assert queue_follow_ups(conn, runtime.mappings, RULES, now=released + timedelta(days=14)) == 4
        assert queue_follow_ups(conn, runtime.mappings, RULES, now=released + timedelta(days=40)) == 0
    items = follow_up_items(runtime)
    asked = [scene.tickets[name] for name in ("romashka_old", "romashka", "northwind", "retail")]
    assert sorted(items) == sorted(f"follow_up:e0:g{scene.export}:t{ticket}" for ticket in asked)
    russian = items[f"follow_up:e0:g{scene.export}:t{scene.tickets['romashka']}"]["patch"]
    english = items[f"follow_up:e0:g{scene.export}:t{scene.tickets['northwind']}"]["patch"]
    assert "Недавно мы выпустили доработку «Выгрузка по складам» (5.2)" in russian["comment"]  # type: ignore[index]
    assert english["comment"].startswith('We recently released "Export the stock report to XLSX" (5.2)')  # type: ignore[index]
    assert english["tags_add"] == [] and english["tags_remove"] == []  # type: ignore[index]


def test_a_change_that_is_not_critical_gets_no_follow_up_and_zero_days_turns_them_off(
        runtime: Runtime, scene: Releases) -> None:
    later = at(2026, 6, 1)
    with runtime.engine.begin() as conn:
        assert queue_follow_ups(conn, runtime.mappings, ReleaseRules(follow_up_days=0), now=later) == 0
        assert queue_follow_ups(conn, runtime.mappings, RULES, now=later) == 4
    assert all(f":g{scene.theme}:" not in key for key in follow_up_items(runtime))
    with runtime.engine.begin() as conn:   # a configured ticket tag makes the dark theme critical too
        assert queue_follow_ups(conn, runtime.mappings, ReleaseRules(critical_tags=("VIP",)), now=later) == 1
    assert f"follow_up:e0:g{scene.theme}:t{scene.tickets['lavka']}" in follow_up_items(runtime)


def test_the_worker_looks_for_due_follow_ups(runtime: Runtime, scene: Releases) -> None:
    assert "follow_up" in {job.id for job in build_scheduler(runtime).get_jobs()}
    assert jobs.follow_up_releases(runtime) == 4   # today is long after March 2026
    assert jobs.follow_up_releases(runtime) == 0


def test_release_commands_list_the_releases_and_print_and_write_a_digest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = open_engine(database)
    upgrade(engine)
    scene = release_scene(engine)
    engine.dispose()
    for name, value in {"DATABASE_URL": database, "WISHBRIDGE_MAPPINGS": str(MAPPINGS),
                        "WISHBRIDGE_SECRET_KEY": "test-secret", "WISHBRIDGE_KEY_ACCOUNT_PAID": "250"}.items():
        monkeypatch.setenv(name, value)
    cli, out = CliRunner(), tmp_path / "out"
    listed = cli.invoke(main, ["--env-file", "/dev/null", "release", "list"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines()[2] == "week:2026-W10\tweek 2026-W10 (no fix version)\t2026-03-04\t1"
    shown = cli.invoke(main, ["--env-file", "/dev/null", "release", "digest", "--version", "5.2", "--language", "ru",
                              "--out", str(out)])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("# Дайджест релиза: версия 5.2, выпущен 2026-03-11")
    assert "_Ключевые клиенты: от 250 платных аккаунтов или сегмент крупный бизнес._" in shown.output
    assert f"## W-{scene.export} Export to Excel" in shown.output
    assert (out / "release-digest.md").read_text(encoding="utf-8") in shown.output
    assert (out / "release-digest.csv").read_bytes().startswith("\ufeffНомер;".encode())
    week = cli.invoke(main, ["--env-file", "/dev/null", "release", "digest", "--week", "2026-W10"])
    assert "# Release digest: week 2026-W10 (no fix version), released 2026-03-04" in week.output
    missing = cli.invoke(main, ["--env-file", "/dev/null", "release", "digest", "--version", "9.9"])
    assert (missing.exit_code, missing.output) == (1, "error: no release 9.9: see `wishbridge release list`\n")
