"""The reports page marks a partial period and compares it like with like, says "too early" right after a release,
and links the release digest; the digest page and its Markdown and CSV files; in English and Russian."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from bridge.runtime import Runtime
from tests.report_scenes import Releases, add_group, add_ticket, at, release, release_scene
from tests.web.support import page, post, sign_in


@pytest.fixture
def support(client: FlaskClient) -> FlaskClient:
    sign_in(client, "support")
    return client


def test_the_report_marks_the_partial_month_and_compares_it_with_the_same_days(
        support: FlaskClient, web_runtime: Runtime) -> None:
    with web_runtime.engine.begin() as conn:
        for day in range(1, 29):
            add_ticket(conn, at(2026, 2, day, 10), "billing", "invoices")
        for day in (1, 2, 3):
            add_ticket(conn, at(2026, 3, day, 10), "billing", "invoices")
        add_ticket(conn, None, "billing", "invoices", seen=at(2026, 3, 2))
    html = page(support.get("/admin/reports/?period=month&periods=2&today=2026-03-03"))
    assert '<th class="num partial">2026-03 (partial: 3 of 31 days)</th>' in html
    assert '<th class="num partial">2026-02-01 – 2026-02-03 (same days)</th>' in html
    assert "compares it with the same 3 days of the period before (2026-02-01 – 2026-02-03)" in html
    assert "1 of the counted tickets have no date from the helpdesk" in html
    assert "▲ +1 (+33%)" in html and "▼" not in html   # 3 (and 1 undated) against 3, not against 28
    csv = support.get("/admin/reports/topics.csv?period=month&periods=2&today=2026-03-03").data
    assert csv.startswith("\ufeff".encode())   # Excel reads it as UTF-8 only with the byte-order mark
    assert "2026-03 (partial: 3 of 31 days)" in csv.decode("utf-8-sig").splitlines()[0]
    russian = support.get("/admin/reports/topics.csv?period=month&periods=2&today=2026-03-03&language=ru").data
    assert russian.decode("utf-8-sig").splitlines()[0].startswith("Категория;Подкатегория;2026-02;2026-03 (неполный")


def test_right_after_a_release_the_reports_say_too_early(support: FlaskClient, web_runtime: Runtime) -> None:
    with web_runtime.engine.begin() as conn:
        group = add_group(conn, "Export to Excel", category="reports", subcategory="export")
        release(conn, group, datetime.now(UTC) - timedelta(minutes=5), "5.2")
    html = page(support.get("/admin/reports/"))
    assert "Too early to tell: 0 of 7 days since the release" in html and "tickets a week" not in html
    detail = page(support.get(f"/admin/reports/release/{group}"))
    assert 'id="impact-figure">Too early to tell: 0 of 7 days since the release' in detail


@pytest.fixture
def scene(web_runtime: Runtime) -> Releases:
    return release_scene(web_runtime.engine)


def test_the_digest_page_shows_the_newest_release_and_any_other_on_request(support: FlaskClient,
                                                                           scene: Releases) -> None:
    newest = page(support.get("/admin/reports/digest"))
    assert "Release digest: version 5.3, released 2026-03-20" in newest
    html = page(support.get("/admin/reports/digest?release=5.2"))
    assert "Release digest: version 5.2, released 2026-03-11" in html
    assert f'<section class="card digest-change" id="change-{scene.export}">' in html
    assert f"W-{scene.export} Export to Excel" in html and f"W-{scene.theme} Dark theme" in html
    assert "Big Retail (paid accounts: 300) — no manager recorded" in html
    assert "ООО Ромашка (paid accounts: 120) — manager: Ирина Соколова" in html
    assert "Export to Excel: what is new and how to use it" in html
    assert html.count("Its requesters are asked how it works for them 14 days after the release.") == 1
    assert support.get("/admin/reports/digest?release=9.9").status_code == 404


def test_the_digest_downloads_as_markdown_and_csv_in_the_readers_language(support: FlaskClient,
                                                                           scene: Releases) -> None:
    markdown = support.get("/admin/reports/digest.md?release=5.2")
    assert markdown.headers["Content-Disposition"] == "attachment; filename=release-digest-5.2.md"
    assert markdown.data.decode().startswith("# Release digest: version 5.2, released 2026-03-11")
    post(support, "/admin/language", {"language": "ru"})
    csv = support.get("/admin/reports/digest.csv?release=week:2026-W10")
    assert csv.headers["Content-Disposition"] == "attachment; filename=release-digest-week-2026-W10.csv"
    assert csv.data.decode("utf-8").startswith("\ufeffНомер;Название;")
    html = page(support.get("/admin/reports/digest?release=5.2"))
    assert "Дайджест релиза: версия 5.2, выпущен 2026-03-11" in html and "менеджер не указан" in html


def test_without_releases_the_digest_page_says_so(support: FlaskClient) -> None:
    assert "Nothing released yet" in page(support.get("/admin/reports/digest"))
    assert support.get("/admin/reports/digest.md").status_code == 404
