"""Each role sees and does only what the permission table allows; everything else is a 403 page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from bridge.runtime import Runtime
from bridge.store import outbox
from bridge.store.users import ROLES
from bridge.web.roles import PERMISSIONS, allowed
from tests.web.support import add_group, dead_letter, in_queue, page, post, sign_in


def test_the_permission_table_has_a_row_for_every_role() -> None:
    assert set(PERMISSIONS) == set(ROLES)


@pytest.mark.parametrize(("role", "action", "queue", "expected"), [
    ("support", "comment", None, True),
    ("support", "approve", "analyst", False),
    ("analyst", "analyse", "analyst", True),
    ("analyst", "analyse", "legal", False),
    ("analyst", "ask", None, False),
    ("legal", "ask", "legal", True),
    ("legal", "route", "legal", False),
    ("product_manager", "merge", None, True),
    ("product_manager", "operations", None, False),
    ("admin", "users", None, True),
])
def test_given_a_role_then_the_table_decides_the_action(role: str, action: str, queue: str | None,
                                                        expected: bool) -> None:
    assert allowed(role, action, queue) is expected


@pytest.mark.parametrize(("role", "status"), [("support", 403), ("analyst", 403), ("product_manager", 200),
                                              ("admin", 200)])
def test_only_deciders_may_decline_a_group(client: FlaskClient, web_runtime: Runtime, role: str,
                                           status: int) -> None:
    group_id = add_group(web_runtime.engine, web_runtime.mappings, "Export reports to PDF")
    sign_in(client, role)
    response = post(client, f"/admin/groups/{group_id}/decline", {"reason_en": "out of scope"})   # its preview
    assert response.status_code == status
    if status == 403:
        assert "Your role does not allow this action" in page(response)


@pytest.mark.parametrize(("role", "queue", "status"), [
    ("analyst", "analyst", 302), ("analyst", "legal", 403), ("legal", "legal", 302), ("legal", "analyst", 403),
])
def test_analysts_and_legal_experts_record_analysis_only_in_their_own_queue(
        client: FlaskClient, web_runtime: Runtime, role: str, queue: str, status: int) -> None:
    group_id = in_queue(web_runtime.engine, web_runtime.mappings, "Mark goods with a new code format", queue)
    sign_in(client, role)
    response = post(client, f"/admin/groups/{group_id}/analyse", {"notes": "needs a law change"})
    assert response.status_code == status


def test_given_a_group_page_then_forms_are_offered_only_for_the_role(client: FlaskClient,
                                                                   web_runtime: Runtime) -> None:
    group_id = in_queue(web_runtime.engine, web_runtime.mappings, "Offline scanning in the warehouse", "analyst")
    sign_in(client, "support")
    support_view = page(client.get(f"/admin/groups/{group_id}"))
    sign_in(client, "product_manager")
    manager_view = page(client.get(f"/admin/groups/{group_id}"))
    assert 'id="comment-form"' in support_view and 'id="approve-form"' not in support_view
    assert 'id="approve-form"' in manager_view and 'id="analyse-form"' in manager_view


@pytest.mark.parametrize("role", ["support", "analyst", "legal", "product_manager"])
def test_only_admins_open_operations_and_users(client: FlaskClient, role: str) -> None:
    sign_in(client, role)
    assert client.get("/admin/operations/").status_code == 403
    assert client.get("/admin/users/").status_code == 403
    assert "/admin/operations/" not in page(client.get("/admin/inbox"))


def test_only_admins_retry_a_dead_letter(client: FlaskClient, web_runtime: Runtime) -> None:
    item_id = dead_letter(web_runtime.engine, "epic:g1", "FatalError: 400 from /rest/api/2/issue")
    sign_in(client, "product_manager")
    assert post(client, f"/admin/operations/outbox/{item_id}/retry").status_code == 403
    sign_in(client, "admin")
    assert post(client, f"/admin/operations/outbox/{item_id}/retry").status_code == 302
    with web_runtime.engine.connect() as conn:
        assert outbox.counts(conn) == {"pending": 1}


def test_a_helpdesk_link_sends_a_signed_in_agent_to_that_tickets_sidebar_under_their_name(
        client: FlaskClient) -> None:
    assert "/admin/login" in client.get("/admin/tickets/rt/42/sidebar").location
    sign_in(client, "support")
    response = client.get("/admin/tickets/rt/42/sidebar")
    assert response.status_code == 302 and "/sidebar/t/" in response.location
    opened = client.get(urlsplit(response.location).path)
    assert opened.status_code == 200 and "Wishbridge has not read ticket rt#42 yet" in page(opened)
