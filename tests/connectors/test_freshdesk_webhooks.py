import base64
import json

import pytest

from bridge.config import Settings
from bridge.errors import InvalidSignature
from bridge.model import TicketRef
from bridge.runtime import Runtime
from bridge.web.app import create_app
from connectors.freshdesk import FreshdeskConnector, parse_triggered_event
from tests.conftest import shared_path
from tests.connectors.fake_freshdesk import API_KEY, URL

SECRET = "s3cret-shared"
GOOD = {"X-Wishbridge-Secret": SECRET, "Content-Type": "application/json"}


def desk(secret: str = SECRET) -> FreshdeskConnector:
    return FreshdeskConnector(URL, API_KEY, secret)


def delivery(name: str) -> bytes:
    return shared_path("data", "webhooks", "freshdesk", f"zulip_{name}.json").read_bytes()


@pytest.mark.parametrize(("text", "parsed"), [
    ("{status:{from:4,to:6}}", {"status": {"from": 4, "to": 6}}),
    ("{ticket_action:created}", {"ticket_action": "created"}),
    ("{note_type:public}", {"note_type": "public"}),
    (" { priority : { from : 3 , to : 1 } } ", {"priority": {"from": 3, "to": 1}}),
    ("{status:{from:2,to:3},note_type:private}", {"status": {"from": 2, "to": 3}, "note_type": "private"}),
    ("{}", {}),
])
def test_triggered_event_placeholders_parse_into_plain_values(text, parsed):
    assert parse_triggered_event(text) == parsed


@pytest.mark.parametrize("text", ["status:4", "{status:{from:4", "{a:1}}", '"{status:1}"'])
def test_a_broken_triggered_event_is_a_value_error(text):
    with pytest.raises(ValueError, match="triggered_event"):
        parse_triggered_event(text)


@pytest.mark.parametrize(("name", "kind", "event"), [
    ("status_changed", "ticket.status_changed", {"status": {"from": 4, "to": 6}}),
    ("priority_changed", "ticket.priority_changed", {"priority": {"from": 3, "to": 1}}),
    ("ticket_created", "ticket.created", {"ticket_action": "created"}),
    ("public_note", "ticket.public_note", {"note_type": "public"}),
])
def test_automation_rule_bodies_become_one_event_for_their_ticket(name, kind, event):
    [parsed] = desk().parse_webhook(GOOD, delivery(name))
    assert (parsed.source, parsed.kind, parsed.ref) == ("freshdesk", kind, TicketRef("freshdesk", "11"))
    assert parsed.payload["triggered_event"] == event


def test_the_same_body_twice_has_the_same_delivery_id_and_another_body_another():
    first, again = (desk().parse_webhook(GOOD, delivery("status_changed"))[0] for _ in range(2))
    other = desk().parse_webhook(GOOD, delivery("priority_changed"))[0]
    assert first.delivery_id == again.delivery_id != other.delivery_id


def test_a_custom_body_without_the_wrapper_is_read_too():
    body = json.dumps({"ticket_id": 42, "triggered_event": "{ticket_action:updated}"}).encode()
    assert desk().parse_webhook(GOOD, body)[0].ref == TicketRef("freshdesk", "42")


def test_the_secret_may_come_as_the_basic_auth_password():
    auth = "Basic " + base64.b64encode(f"freshdesk:{SECRET}".encode()).decode()
    assert desk().parse_webhook({"Authorization": auth}, delivery("ticket_created"))


def test_the_secret_may_come_in_the_url_query():
    assert desk().parse_webhook({"X-Wishbridge-Query": f"secret={SECRET}"}, delivery("ticket_created"))


@pytest.mark.parametrize("headers", [
    {}, {"X-Wishbridge-Secret": "guess"}, {"x-wishbridge-secret": SECRET + "x"},
    {"Authorization": "Basic !!!not-base64"}, {"X-Wishbridge-Query": "secret=guess"},
])
def test_a_missing_or_wrong_secret_is_refused(headers):
    with pytest.raises(InvalidSignature):
        desk().parse_webhook(headers, delivery("ticket_created"))


def test_every_webhook_is_refused_while_no_secret_is_configured():
    with pytest.raises(InvalidSignature, match="FRESHDESK_WEBHOOK_SECRET is not set"):
        desk("").parse_webhook({"X-Wishbridge-Secret": ""}, delivery("ticket_created"))


def test_a_body_without_a_ticket_id_is_malformed():
    with pytest.raises(KeyError):
        desk().parse_webhook(GOOD, b'{"freshdesk_webhook": {"triggered_event": "{ticket_action:created}"}}')


@pytest.fixture
def client(runtime):
    values = {**runtime.settings.values, "FRESHDESK_URL": URL, "FRESHDESK_API_KEY": API_KEY,
              "FRESHDESK_WEBHOOK_SECRET": SECRET}
    configured = Runtime(Settings(values))
    configured.__dict__["engine"] = runtime.engine
    return create_app(runtime=configured).test_client()


def test_the_endpoint_stores_a_verified_delivery_once_and_refuses_a_forged_one(client):
    body = delivery("status_changed")
    first = client.post("/webhooks/freshdesk", data=body, headers=GOOD)
    again = client.post("/webhooks/freshdesk", data=body, headers=GOOD)
    forged = client.post("/webhooks/freshdesk", data=body, headers={"X-Wishbridge-Secret": "guess"})
    assert (first.status_code, first.json["duplicate"]) == (202, False)
    assert (again.status_code, again.json["duplicate"]) == (202, True)
    assert forged.status_code == 401
