"""Operations, users and reports pages, rendered with data."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from bridge.config import Settings
from bridge.model import Ticket, TicketRef
from bridge.runtime import Runtime
from bridge.store import outbox
from bridge.store.cursors import record_run, save_cursor
from bridge.sync.pull import sync_once
from bridge.web.app import create_app
from tests.conftest import MAPPINGS
from tests.doubles import MemoryHelpdesk
from tests.web.support import PASSWORD, TOKEN, add_group, add_role_users, dead_letter, page, post, sign_in


def test_operations_shows_sync_status_outbox_counts_and_dead_letters(client: FlaskClient,
                                                                   web_runtime: Runtime) -> None:
    with web_runtime.engine.begin() as conn:
        save_cursor(conn, "zendesk", "1732431600")
        record_run(conn, "zendesk", stats={"new": 3}, error="RetriableError: 429 from /api/v2/incremental",
                   now=datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
        outbox.enqueue(conn, "stage:declined:g1:e0:t1", "zendesk", "ticket_patch", {"external_id": "1"})
    dead_id = dead_letter(web_runtime.engine, "epic:g7", "FatalError: project WISH does not exist")
    sign_in(client, "admin")
    html = page(client.get("/admin/operations/"))
    assert "zendesk" in html and "1732431600" in html and "2026-11-24 07:00" in html and "429" in html
    assert "pending: 1" in html and "dead: 1" in html
    assert "project WISH does not exist" in html and f"/outbox/{dead_id}/retry" in html
    assert "Every mapping file is valid." in html


def test_operations_lists_every_mapping_error(tmp_path: Path, settings: Settings) -> None:
    broken = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, broken)
    (broken / "priority.yaml").write_text("per_organization: -1\nsegments: []\n")
    runtime = Runtime(settings.replace(WISHBRIDGE_MAPPINGS=str(broken)))
    client = create_app(runtime=runtime).test_client()
    add_role_users(runtime.engine)
    sign_in(client, "admin")
    html = page(client.get("/admin/operations/"))
    assert "priority.yaml:1:" in html and "error(s) in the mappings" in html


def test_a_retry_is_audited_under_the_admin(client: FlaskClient, web_runtime: Runtime) -> None:
    item_id = dead_letter(web_runtime.engine, "epic:g3", "FatalError: boom")
    sign_in(client, "admin")
    response = post(client, f"/admin/operations/outbox/{item_id}/retry")
    assert "will be tried again" in page(client.get(response.location))
    assert post(client, f"/admin/operations/outbox/{item_id}/retry").status_code == 404


def test_an_admin_adds_a_user_who_can_then_log_in(app: Flask, client: FlaskClient) -> None:
    sign_in(client, "admin")
    response = post(client, "/admin/users/", {"username": "olga", "password": PASSWORD, "role": "analyst",
                                              "display_name": "Olga", "language": "ru"})
    assert response.status_code == 302
    assert "olga" in page(client.get("/admin/users/"))
    fresh = app.test_client()
    with fresh.session_transaction() as session:
        session["csrf"] = TOKEN
    logged = post(fresh, "/admin/login", {"username": "olga", "password": PASSWORD})
    assert logged.status_code == 302
    assert '<html lang="ru">' in page(fresh.get("/admin/inbox"))


def test_a_user_with_a_short_password_is_refused_with_the_reason(client: FlaskClient) -> None:
    sign_in(client, "admin")
    response = post(client, "/admin/users/", {"username": "ivan", "password": "short", "role": "support"})
    assert response.status_code == 400
    assert "at least 8 characters" in page(response)


def test_the_reports_page_shows_selectors_chart_table_and_downloads(client: FlaskClient,
                                                                    web_runtime: Runtime) -> None:
    add_group(web_runtime.engine, web_runtime.mappings, "Scheduled reports", category="reports",
              subcategory="scheduled")
    sign_in(client, "support")
    html = page(client.get("/admin/reports/?period=week&measure=wishes&periods=4"))
    assert "<svg" in html and 'id="topic-table"' in html
    assert "Scheduled delivery" in html and "Top growing topics" in html
    assert "/admin/reports/topics.csv?period=week&amp;measure=wishes" in html


def test_the_report_downloads_as_csv_and_xlsx(client: FlaskClient, web_runtime: Runtime) -> None:
    add_group(web_runtime.engine, web_runtime.mappings, "Dashboards for stores", category="reports",
              subcategory="dashboards")
    sign_in(client, "support")
    csv = client.get("/admin/reports/topics.csv?period=month&measure=tickets")
    assert csv.mimetype == "text/csv" and "topics-tickets-month.csv" in csv.headers["Content-Disposition"]
    assert "Dashboards" in page(csv) and csv.data.startswith("\ufeff".encode())
    russian = client.get("/admin/reports/topics.csv?period=month&measure=tickets&language=ru")
    assert russian.data.startswith("\ufeff".encode()) and ";" in russian.data.decode("utf-8-sig").splitlines()[0]
    xlsx = client.get("/admin/reports/topics.xlsx")
    assert xlsx.data[:2] == b"PK" and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert client.get("/admin/reports/topics.pdf").status_code == 404


def test_the_release_impact_page_is_404_until_the_epic_is_released(client: FlaskClient,
                                                                    web_runtime: Runtime) -> None:
    group_id = add_group(web_runtime.engine, web_runtime.mappings, "Anything")
    sign_in(client, "support")
    assert client.get(f"/admin/reports/release/{group_id}").status_code == 404


def test_operations_lists_the_helpdesk_values_without_a_mapping_with_their_ticket_counts(
        client: FlaskClient, web_runtime: Runtime) -> None:
    mapping = web_runtime.mappings.helpdesk("rt")
    assert mapping is not None
    desk = MemoryHelpdesk([Ticket(TicketRef("rt", str(n)), f"wish {n}", fields={"Category": "Склад"})
                           for n in range(3)])
    sync_once(web_runtime.engine, desk, mapping)
    sign_in(client, "admin")
    html = page(client.get("/admin/operations/"))
    assert "Helpdesk values without a mapping" in html
    assert "<code>Склад</code>" in html and '<td class="num">3</td>' in html
