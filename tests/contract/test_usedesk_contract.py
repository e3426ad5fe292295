"""The sandbox Usedesk and the connector against the request/response and webhook examples of
tests/fixtures/usedesk/ (Usedesk publishes no OpenAPI document; each example names its source).

Shapes: an object has exactly the example's keys, each value of the example's JSON type; a null in either is
taken as "may be null" and an empty array as "no item to compare"."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask, request

from bridge.model import Patch, TicketRef, TicketWrite
from connectors.usedesk import UsedeskConnector
from sandboxes.usedesk import UsedeskSandbox, create_sandbox, sandbox_of, serve_in_thread
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "usedesk"
TOKEN = "contract-token"
AGENT = 545
METHODS = {"tickets": "tickets", "ticket": "ticket", "ticket/fields": "ticket_fields",
           "create/comment": "create_comment", "update/ticket": "update_ticket"}
WEBHOOKS = ("ticket_created", "comment_created", "ticket_changed")


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}[type(value)]


def mismatches(expected: Any, actual: Any, where: str = "$") -> list[str]:
    """Where `actual` differs in shape from `expected`."""
    if expected is None or actual is None:
        return []
    if kind(expected) != kind(actual):
        return [f"{where}: {kind(actual)}, the example has {kind(expected)}"]
    if isinstance(expected, dict):
        differ = sorted(set(actual) ^ set(expected))
        problems = [f"{where}: keys {differ} differ"] if differ else []
        return problems + [p for key in set(actual) & set(expected)
                           for p in mismatches(expected[key], actual[key], f"{where}.{key}")]
    if isinstance(expected, list) and expected and actual:
        return [p for index, item in enumerate(actual) for p in mismatches(expected[0], item, f"{where}[{index}]")]
    return []


@pytest.fixture
def received() -> Iterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []
    lock = threading.Lock()
    app = Flask(__name__)

    @app.post("/hook")
    def keep() -> tuple[str, int]:
        with lock:
            bodies.append(request.get_data())
        return "", 202

    url, stop = serve_in_thread(app)
    yield f"{url}/hook", bodies
    stop()


@pytest.fixture
def served(received: tuple[str, list[bytes]]) -> Iterator[tuple[str, UsedeskSandbox]]:
    app = create_sandbox(api_token=TOKEN, agents={AGENT: "Wishbridge"}, webhook_url=received[0])
    sandbox = sandbox_of(app)
    base_url, stop = serve_in_thread(app)
    yield base_url, sandbox
    stop()


def seeded(sandbox: UsedeskSandbox) -> int:
    return sandbox.add_ticket("Выгрузка", "Добавьте выгрузку", tags=("tag1",), fields={"103": "1032"})


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_sandbox_answer_has_the_shape_of_usedesks_example(
        served: tuple[str, UsedeskSandbox], method: str) -> None:
    base_url, sandbox = served
    ticket_id = seeded(sandbox)
    fixture = example(METHODS[method])
    body = {**fixture["request"], "api_token": TOKEN}
    body.update({k: ticket_id for k in ("ticket_id",) if k in body})
    body.update({k: AGENT for k in ("user_id",) if k in body})
    body.update({"field_id": "103", "field_value": "1031"} if "field_id" in body else {})

    answer = requests.post(f"{base_url}/{method}", json=body, timeout=5)

    assert answer.status_code == 200 and "error" not in answer.json()
    assert mismatches(fixture["response"], answer.json()) == []


def test_every_sandbox_webhook_has_the_shape_of_usedesks_example(
        served: tuple[str, UsedeskSandbox], received: tuple[str, list[bytes]]) -> None:
    _, sandbox = served
    ticket_id = seeded(sandbox)
    sandbox.create_comment({"ticket_id": ticket_id, "message": "Когда?", "type": "public", "from": "client"})
    sandbox.update_ticket({"ticket_id": ticket_id, "status": 2, "user_id": AGENT})
    sandbox.wait_for_webhooks()

    bodies = [json.loads(body) for body in received[1]]

    assert len(bodies) == len(WEBHOOKS)
    for name, body in zip(WEBHOOKS, bodies, strict=True):
        assert mismatches(example(f"webhook_{name}")["body"], body) == [], name


def test_the_connector_sends_only_documented_parameters_to_each_method(served: tuple[str, UsedeskSandbox]) -> None:
    base_url, sandbox = served
    ticket_id = seeded(sandbox)
    connector = UsedeskConnector(base_url, TOKEN, user_id=AGENT)
    sent: list[tuple[str, set[str]]] = []
    connector.api.client.session.hooks["response"].append(
        lambda response, *_args, **_kwargs: sent.append(
            (response.request.path_url.lstrip("/"), set(json.loads(response.request.body)))))

    list(connector.fetch_changes(None))
    connector.apply([TicketWrite(TicketRef("usedesk", str(ticket_id)),
                                 Patch(comment="Принято", tags_add=("wish_registered",), fields={"103": "Вопрос"},
                                       status="open"), "stage:registered")])

    assert {method for method, _ in sent} == set(METHODS)
    for method, parameters in sent:
        assert parameters <= set(example(METHODS[method])["parameters"]), method
