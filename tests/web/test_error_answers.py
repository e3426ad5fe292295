"""Requests the app refuses get a 4xx naming what is wrong, never a 500, and nothing is stored for them."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select

from bridge.runtime import Runtime
from bridge.store.schema import inbox
from bridge.web.app import create_app
from tests.web.support import TOKEN, add_group, post, sign_in

SECRET = "jira-webhook-secret"
API_KEY = "product-key"


def inbox_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(inbox)).scalar_one())


@pytest.fixture
def jira_client(web_runtime: Runtime) -> FlaskClient:
    web_runtime.settings = web_runtime.settings.replace(JIRA_URL="https://jira.example", JIRA_EMAIL="bot@example",
                                                        JIRA_API_TOKEN="t", JIRA_WEBHOOK_SECRET=SECRET)
    return create_app(runtime=web_runtime).test_client()


def jira_signed(body: bytes) -> dict[str, str]:
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature": f"sha256={signature}", "Content-Type": "application/json"}


@pytest.mark.parametrize(("body", "named"), [
    ([{"webhookEvent": "jira:issue_updated"}], "got an array"),
    ("jira:issue_updated", "got a string"),
    (None, "got null"),
])
def test_a_signed_jira_webhook_that_is_not_an_object_is_400_naming_what_was_expected(
        jira_client: FlaskClient, web_runtime: Runtime, body: object, named: str) -> None:
    raw = json.dumps(body).encode()
    answer = jira_client.post("/webhooks/jira", data=raw, headers=jira_signed(raw))
    assert answer.status_code == 400
    assert answer.json == {"error": f"malformed jira webhook: expected a Jira webhook event as a JSON object, {named}"}
    assert inbox_count(web_runtime.engine) == 0


@pytest.mark.parametrize("body", [{"issue": ["WISH-1"]}, {"webhookEvent": "jira:issue_updated", "changelog": [1]},
                                  {"issue": {"key": "WISH-1", "fields": {"status": "Done"}}}])
def test_a_signed_jira_webhook_with_misshapen_parts_is_400(jira_client: FlaskClient, web_runtime: Runtime,
                                                            body: object) -> None:
    raw = json.dumps(body).encode()
    answer = jira_client.post("/webhooks/jira", data=raw, headers=jira_signed(raw))
    assert answer.status_code == 400 and answer.json["error"].startswith("malformed jira webhook: ")
    assert inbox_count(web_runtime.engine) == 0


@pytest.mark.parametrize("headers", [{}, {"X-Wishbridge-Secret": "anything"}])
def test_a_freshdesk_delivery_while_freshdesk_is_not_configured_is_404(client: FlaskClient, web_runtime: Runtime,
                                                                        headers: dict[str, str]) -> None:
    answer = client.post("/webhooks/freshdesk?secret=x", json={"freshdesk_webhook": {"ticket_id": 1}},
                         headers=headers)
    assert answer.status_code == 404
    assert answer.json == {"error": "the freshdesk connector is not configured"}
    assert inbox_count(web_runtime.engine) == 0


def int_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, rule) of every route with an <int:...> part, its other parts filled with a plain word."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((method, re.sub(r"<(?!int:)(?:\w+:)?\w+>", "merge", rule.rule)))
    return found


@pytest.mark.parametrize("huge", ["9" * 20, str(2**31)])
def test_an_id_too_large_for_the_store_is_404_on_every_route(app: Flask, client: FlaskClient, huge: str) -> None:
    routes = int_routes(app)
    assert {rule for _, rule in routes} >= {"/api/v1/wishes/<int:wish_id>", "/admin/groups/<int:group_id>",
                                            "/admin/groups/<int:group_id>/merge",
                                            "/admin/operations/outbox/<int:item_id>/retry",
                                            "/admin/reports/release/<int:group_id>"}
    sign_in(client, "admin")
    for method, rule in routes:
        path = re.sub(r"<int:\w+>", huge, rule)
        answer = client.open(path, method=method, headers={"X-API-Key": API_KEY}, data={"csrf_token": TOKEN})
        assert answer.status_code == 404, f"{method} {path}"


def test_the_largest_id_the_store_holds_still_reaches_its_page(client: FlaskClient) -> None:
    sign_in(client, "admin")
    answer = client.get(f"/admin/groups/{2**31 - 1}")
    assert answer.status_code == 404 and "2147483647" in answer.get_data(as_text=True)


@pytest.mark.parametrize(("action", "form"), [("merge", {"target_id": "#" + "9" * 20}),
                                              ("split", {"wish_ids": ["9" * 20]})])
def test_an_id_too_large_for_the_store_in_a_form_is_400_not_a_database_error(
        app: Flask, client: FlaskClient, web_runtime: Runtime, action: str, form: dict[str, object]) -> None:
    group_id = add_group(web_runtime.engine, web_runtime.mappings, "Выгрузка отчётов в Excel")
    sign_in(client, "product_manager")
    answer = post(client, f"/admin/groups/{group_id}/{action}", form)
    assert answer.status_code == 400
