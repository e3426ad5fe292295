"""POST /webhooks/zendesk through the web app: verified deliveries are stored once, anything else nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bridge.runtime import Runtime
from bridge.store.schema import inbox
from bridge.web.app import create_app
from sandboxes.zendesk import create_sandbox, load_seed, sandbox_of, serve_in_thread
from tests.conftest import ROOT, shared_path

SECRET = "intake-signing-secret"


@pytest.fixture
def zendesk_runtime(runtime: Runtime) -> Runtime:
    runtime.settings = runtime.settings.replace(ZENDESK_WEBHOOK_SECRET=SECRET)
    return runtime


@pytest.fixture
def client(zendesk_runtime: Runtime) -> FlaskClient:
    return create_app(runtime=zendesk_runtime).test_client()


def signed(body: bytes, *, age: float = 0.0, secret: str = SECRET) -> dict[str, str]:
    stamp = datetime.fromtimestamp(time.time() - age, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    mac = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    return {"X-Zendesk-Webhook-Signature": base64.b64encode(mac).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp, "Content-Type": "application/json",
            "X-Zendesk-Webhook-Id": "01HZX"}


def inbox_rows(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(inbox.c.source, inbox.c.delivery_id))]


@pytest.fixture
def envelope() -> bytes:
    return shared_path("data", "webhooks", "zendesk", "event_ticket_status_changed.json").read_bytes()


def test_a_well_signed_delivery_is_accepted_and_stored_once(client: FlaskClient, zendesk_runtime: Runtime,
                                                            envelope: bytes) -> None:
    answer = client.post("/webhooks/zendesk", data=envelope, headers=signed(envelope))

    assert (answer.status_code, answer.get_json()["duplicate"]) == (202, False)
    assert inbox_rows(zendesk_runtime) == [("zendesk", "a8b9c1d2-3e4f-5a6b-7c8d-9e0f1a2b3c4d")]


def test_the_same_delivery_again_is_accepted_as_a_duplicate_and_not_stored_twice(
        client: FlaskClient, zendesk_runtime: Runtime, envelope: bytes) -> None:
    client.post("/webhooks/zendesk", data=envelope, headers=signed(envelope))

    again = client.post("/webhooks/zendesk", data=envelope, headers=signed(envelope, age=30))

    assert (again.status_code, again.get_json()["duplicate"]) == (202, True)
    assert len(inbox_rows(zendesk_runtime)) == 1


@pytest.mark.parametrize("headers", [
    pytest.param(lambda body: signed(body, secret="not-the-secret"), id="bad signature"),
    pytest.param(lambda body: signed(body, age=301), id="stale timestamp"),
    pytest.param(lambda body: {"Content-Type": "application/json"}, id="unsigned"),
])
def test_a_delivery_that_does_not_verify_gets_401_and_stores_nothing(
        client: FlaskClient, zendesk_runtime: Runtime, envelope: bytes,
        headers: Callable[[bytes], dict[str, str]]) -> None:
    answer = client.post("/webhooks/zendesk", data=envelope, headers=headers(envelope))

    assert answer.status_code == 401
    assert inbox_rows(zendesk_runtime) == []


def test_broken_json_with_a_good_signature_gets_400_naming_the_line(client: FlaskClient,
                                                                    zendesk_runtime: Runtime) -> None:
    body = b'{\n  "ticket_id": "7",\n  "tags": [wish]\n}'

    answer = client.post("/webhooks/zendesk", data=body, headers=signed(body))

    assert answer.status_code == 400
    assert "line 3 column 12" in answer.get_json()["error"]
    assert inbox_rows(zendesk_runtime) == []


@pytest.fixture
def bridge_url(zendesk_runtime: Runtime) -> Iterator[str]:
    url, stop = serve_in_thread(create_app(runtime=zendesk_runtime))
    yield url
    stop()


def test_the_sandboxs_signed_webhooks_reach_the_bridges_inbox(bridge_url: str, zendesk_runtime: Runtime) -> None:
    seed = load_seed(ROOT / "tests" / "fixtures" / "zendesk" / "seed.json")
    sandbox = sandbox_of(create_sandbox(seed, webhook_url=f"{bridge_url}/webhooks/zendesk", webhook_secret=SECRET))

    sandbox.update_ticket(101, {"comment": {"body": "Спасибо!", "public": True}})
    sandbox.update_ticket(103, {"status": "solved"})
    sandbox.wait_for_webhooks()

    with zendesk_runtime.engine.connect() as conn:
        events = [row[0][0] for row in conn.execute(select(inbox.c.events).order_by(inbox.c.id))]
    assert [(e["kind"], e["ref"]["external_id"]) for e in events] == [
        ("ticket.comment_added", "101"), ("ticket.status_changed", "103")]
