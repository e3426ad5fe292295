"""Usedesk webhooks: the documented bodies parse, a wrong or missing `secret` is refused, malformed bodies are
ValueErrors, and what the sandbox POSTs on a new ticket, comment and change reads back as events."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request

from bridge.errors import InvalidSignature
from bridge.model import Patch, TicketRef, TicketWrite
from connectors.usedesk import UsedeskConnector
from sandboxes.usedesk import create_sandbox, sandbox_of, serve_in_thread
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "usedesk"
SECRET = "0e8f678d8327eb3292a28c8165957b282a1b2f8b"  # the documented examples' secret
JSON = {"Content-Type": "application/json"}


def documented(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"webhook_{name}.json").read_text(encoding="utf-8"))["body"]
    return body


def connector(secret: str = SECRET) -> UsedeskConnector:
    return UsedeskConnector("https://api.usedesk.ru", "token", user_id=545, webhook_secret=secret)


def parse(body: dict[str, Any] | bytes, secret: str = SECRET) -> list[Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return connector(secret).parse_webhook(JSON, raw)


def test_the_documented_new_ticket_delivery_names_its_ticket_and_is_one_delivery_per_ticket() -> None:
    [event] = parse(documented("ticket_created"))

    assert (event.kind, event.ref, event.delivery_id) == (
        "ticket.created", TicketRef("usedesk", "2261907"), "create:2261907")


def test_a_new_comment_is_an_event_of_its_ticket_identified_by_the_comment() -> None:
    [event] = parse(documented("comment_created"))

    assert (event.kind, event.ref.external_id, event.delivery_id) == (  # type: ignore[union-attr]
        "ticket.comment_created", "2261907", "comment:2658301")
    assert event.payload == {"comment_id": "2658301", "from": "client", "type": "public"}


def test_a_change_carries_its_old_and_new_status_and_what_changed() -> None:
    [event] = parse(documented("ticket_changed"))

    assert (event.kind, event.ref.external_id, event.delivery_id) == (  # type: ignore[union-attr]
        "ticket.changed", "2261907", "change:99120")
    assert event.payload == {"old_status": 1, "new_status": 2, "targets": ["status_id"]}


def test_a_change_listed_at_the_top_level_as_the_parameter_table_has_it_reads_the_same() -> None:
    body = documented("ticket_changed")
    flat = {**body, **body.pop("trigger")}

    assert parse(flat)[0].delivery_id == "change:99120"


def test_a_delivery_without_an_id_is_identified_by_its_body() -> None:
    body = documented("ticket_changed")
    del body["trigger"]["id"]

    assert len(parse(body)[0].delivery_id) == 64


def test_a_customers_rating_is_verified_and_gives_no_event() -> None:
    assert parse({"secret": SECRET, "csi": {"ticket_id": 1, "rating": 5}}) == []


@pytest.mark.parametrize("secret", ["a guessed secret", "", None, 12345])
def test_a_wrong_or_missing_secret_is_refused(secret: object) -> None:
    body = documented("ticket_created")
    body["secret"] = secret

    with pytest.raises(InvalidSignature, match="secret"):
        parse(body)


def test_without_a_configured_secret_every_delivery_is_refused() -> None:
    with pytest.raises(InvalidSignature, match="USEDESK_WEBHOOK_SECRET is not set"):
        parse(documented("ticket_created"), secret="")


def test_broken_json_is_a_value_error_naming_the_position_not_the_content() -> None:
    with pytest.raises(ValueError, match=r"broken JSON at line 1 column \d+") as caught:
        parse('{"secret": "0e8f", "ticket": {"id": "Анна'.encode())

    assert "Анна" not in str(caught.value)


@pytest.mark.parametrize(("body", "message"), [
    (["secret"], "expected a Usedesk webhook as a JSON object, got an array"),
    ({"secret": SECRET, "ticket": "2261907"}, "`ticket` of a Usedesk webhook must be an object"),
    ({"secret": SECRET, "ticket": {"id": "abc"}}, "numeric id"),
    ({"secret": SECRET, "comment": {"id": "1"}}, "numeric id"),
    ({"secret": SECRET, "chat_id": 5}, "expected `ticket`, `comment` or `trigger`"),
])
def test_a_verified_body_of_the_wrong_shape_is_a_value_error(body: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(json.dumps(body).encode())


@pytest.fixture
def received() -> Iterator[tuple[str, list[bytes]]]:
    """A receiver standing in for POST /webhooks/usedesk; it keeps every body."""
    bodies: list[bytes] = []
    lock = threading.Lock()
    app = Flask(__name__)

    @app.post("/webhooks/usedesk")
    def keep() -> tuple[str, int]:
        with lock:
            bodies.append(request.get_data())
        return "", 202

    url, stop = serve_in_thread(app)
    yield f"{url}/webhooks/usedesk", bodies
    stop()


def test_the_sandbox_posts_a_new_ticket_a_comment_and_a_change_with_the_channels_secret(
        received: tuple[str, list[bytes]]) -> None:
    url, bodies = received
    app = create_sandbox(api_token="channel-token", agents={7: "Wishbridge"}, webhook_url=url)
    sandbox = sandbox_of(app)
    base_url, stop = serve_in_thread(app)
    try:
        ticket_id = sandbox.add_ticket("Выгрузка", "Добавьте выгрузку")
        reader = UsedeskConnector(base_url, "channel-token", user_id=7, webhook_secret="channel-token")
        reader.apply([TicketWrite(TicketRef("usedesk", str(ticket_id)),
                                  Patch(comment="Принято", tags_add=("wish_registered",)), "stage:registered")])
        sandbox.wait_for_webhooks()
    finally:
        stop()

    events = [event for body in bodies for event in reader.parse_webhook(JSON, body)]
    assert [(e.kind, e.ref.external_id) for e in events] == [  # type: ignore[union-attr]
        ("ticket.created", "1"), ("ticket.comment_created", "1"), ("ticket.changed", "1")]
    assert events[2].payload["targets"] == ["new_tags"]
    assert "Добавьте выгрузку" in bodies[0].decode("utf-8")


def test_the_inbox_keeps_a_delivery_without_the_channel_secret_it_carries(settings) -> None:
    from sqlalchemy import select

    from bridge.runtime import Runtime
    from bridge.store.schema import inbox
    from bridge.web.app import create_app

    runtime = Runtime(settings.replace(USEDESK_URL="https://api.usedesk.ru", USEDESK_API_TOKEN="token",
                                       USEDESK_USER_ID="545", USEDESK_WEBHOOK_SECRET=SECRET))
    body = json.dumps(documented("ticket_created"), ensure_ascii=False).encode()

    answer = create_app(runtime=runtime).test_client().post("/webhooks/usedesk", data=body, headers=JSON)

    assert answer.status_code == 202
    with runtime.engine.connect() as conn:
        [stored] = conn.execute(select(inbox)).mappings().all()
    assert SECRET not in json.dumps(dict(stored), default=str) and stored["events"]
