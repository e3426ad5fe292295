"""Harnesses for the shared connector battery (test_battery.py): each wires a connector to a fake or sandbox
vendor and gives the battery the vendor-side powers it needs. A registered helpdesk connector without an entry
in HARNESSES fails the battery."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import responses

from bridge.model import TicketRef
from bridge.ports import Helpdesk as Connector
from bridge.testing.helpdesk import Delivery, HelpdeskHarness, unsigned
from connectors.freshdesk import SECRET_HEADER, FreshdeskConnector
from connectors.zendesk import ZendeskConnector, signature
from sandboxes.zendesk import ZendeskSandbox, create_sandbox, iso, sandbox_of, serve_in_thread
from tests.connectors.fake_freshdesk import FakeFreshdesk
from tests.connectors.harness_rt import rt
from tests.connectors.harness_usedesk import usedesk

WEBHOOK_SECRET = "battery-webhook-secret"
CUSTOMER = 9001  # the requester of the Zendesk harness's tickets (the sandbox's API user is agent 1)


class FreshdeskHarness:
    """FakeFreshdesk behind `responses`; two tickets a page so a few tickets span several cursors."""

    def __init__(self, vendor: FakeFreshdesk) -> None:
        self.vendor = vendor

    def connector(self) -> Connector:
        connector = FreshdeskConnector(self.vendor.url, self.vendor.api_key, WEBHOOK_SECRET, per_page=2)
        connector.client.sleep = lambda _seconds: None
        return connector

    def create_ticket(self, subject: str) -> TicketRef:
        return TicketRef("freshdesk", str(self.vendor.add_ticket(subject, f"{subject}, please")))

    def comments(self, ref: TicketRef) -> list[str]:
        return [c["body_text"] for c in self.vendor.conversations[int(ref.external_id)]]

    def reply(self, ref: TicketRef, text: str) -> None:
        self.vendor.customer_reply(int(ref.external_id), text)

    def bare(self, ref: TicketRef) -> Delivery:
        return unsigned(self, ref)

    def webhook(self, ref: TicketRef, *, genuine: bool) -> Delivery:
        body = json.dumps({"freshdesk_webhook": {"triggered_event": "{ticket_action:created}",
                                                 "ticket_id": ref.external_id}}).encode()
        return {SECRET_HEADER: WEBHOOK_SECRET if genuine else "guessed", "Content-Type": "application/json"}, body


@contextmanager
def freshdesk() -> Iterator[HelpdeskHarness]:
    vendor = FakeFreshdesk()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        vendor.install(mock)
        yield FreshdeskHarness(vendor)


class Clock:
    def __init__(self) -> None:
        self.now = 1_767_225_600.0  # 2026-01-01T00:00:00Z

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class ZendeskHarness:
    """The Zendesk sandbox on loopback; two tickets an export page."""

    def __init__(self, base_url: str, sandbox: ZendeskSandbox, clock: Clock) -> None:
        self.base_url, self.sandbox, self.clock = base_url, sandbox, clock

    def connector(self) -> Connector:
        connector = ZendeskConnector(self.base_url, "bridge@example.com", "sandbox-token",
                                     webhook_secret=WEBHOOK_SECRET, export_rpm=1000, clock=self.clock, page_size=2)
        connector.client.sleep = self.clock.sleep
        return connector

    def create_ticket(self, subject: str) -> TicketRef:
        self.clock.sleep(60)
        ticket = self.sandbox.add_ticket({"subject": subject, "description": f"{subject}, please",
                                          "requester_id": CUSTOMER}, notify=False)
        return TicketRef("zendesk", str(ticket["id"]))

    def comments(self, ref: TicketRef) -> list[str]:
        return [c["body"] for c in self.sandbox.comments[int(ref.external_id)]]

    def reply(self, ref: TicketRef, text: str) -> None:
        self.clock.sleep(60)
        self.sandbox.update_ticket(int(ref.external_id), {"comment": {"body": text, "public": True}},
                                   author_id=CUSTOMER)

    def bare(self, ref: TicketRef) -> Delivery:
        return unsigned(self, ref)

    def webhook(self, ref: TicketRef, *, genuine: bool) -> Delivery:
        def envelope(ticket_id: str) -> bytes:
            return json.dumps({
                "account_id": 1, "detail": {"id": ticket_id, "status": "OPEN"}, "event": {},
                "id": str(uuid.uuid4()), "subject": f"zen:ticket:{ticket_id}", "time": iso(self.clock()),
                "type": "zen:event-type:ticket.created", "zendesk_event_version": "2022-11-06",
            }).encode()

        body, stamp = envelope(ref.external_id), iso(self.clock())
        headers = {"Content-Type": "application/json", "X-Zendesk-Webhook-Signature-Timestamp": stamp,
                   "X-Zendesk-Webhook-Signature": signature(WEBHOOK_SECRET, stamp, body)}
        return headers, body if genuine else body.replace(ref.external_id.encode(), b"999999")


@contextmanager
def zendesk() -> Iterator[HelpdeskHarness]:
    clock = Clock()
    app = create_sandbox({}, export_budget_per_minute=1000, clock=clock)
    base_url, stop = serve_in_thread(app)
    try:
        yield ZendeskHarness(base_url, sandbox_of(app), clock)
    finally:
        stop()


HARNESSES: dict[str, Callable[[], AbstractContextManager[HelpdeskHarness]]] = {
    "freshdesk": freshdesk,
    "rt": rt,
    "usedesk": usedesk,
    "zendesk": zendesk,
}
