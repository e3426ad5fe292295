"""The shared battery's Usedesk harness: the sandbox Usedesk on loopback, with a clock that moves a minute for
every new ticket (the list filters by minute) and two tickets a list page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bridge.model import TicketRef
from bridge.text.html import html_text
from connectors.usedesk import UsedeskConnector
from sandboxes.usedesk import UsedeskSandbox, create_sandbox, sandbox_of, serve_in_thread

if TYPE_CHECKING:  # harnesses.py imports this module to list it
    from tests.connectors.harnesses import Clock

TOKEN = "usedesk-battery-token"
AGENT = 7
PAGE = 2
Delivery = tuple[dict[str, str], bytes]


class UsedeskHarness:
    def __init__(self, base_url: str, sandbox: UsedeskSandbox, clock: Clock) -> None:
        self.base_url, self.sandbox, self.clock = base_url, sandbox, clock

    def connector(self) -> UsedeskConnector:
        connector = UsedeskConnector(self.base_url, TOKEN, user_id=AGENT, webhook_secret=TOKEN,
                                     agent_url=self.base_url, page_size=PAGE)
        connector.api.client.sleep = self.clock.sleep
        return connector

    def create_ticket(self, subject: str) -> TicketRef:
        self.clock.sleep(60)
        return TicketRef("usedesk", str(self.sandbox.add_ticket(subject, f"{subject}, please", notify=False)))

    def comments(self, ref: TicketRef) -> list[str]:
        """As the customer reads them: without HTML and the bridge's hidden marker."""
        return [html_text(c["message"]) for c in self.sandbox.comments[int(ref.external_id)]]

    def reply(self, ref: TicketRef, text: str) -> None:
        self.clock.sleep(60)
        self.sandbox.create_comment({"ticket_id": ref.external_id, "message": text, "type": "public",
                                     "from": "client"})

    def webhook(self, ref: TicketRef, *, genuine: bool) -> Delivery:
        """A new-ticket delivery as Usedesk sends it: the channel's secret is in the body, not in a header."""
        body = {"secret": TOKEN if genuine else "a guessed secret",
                "ticket": {"id": ref.external_id, "status_id": "8", "subject": "webhook"}}
        return {"Content-Type": "application/json"}, json.dumps(body).encode()

    def bare(self, ref: TicketRef) -> Delivery:
        """The genuine delivery stripped of what proves it genuine: for Usedesk, the body's `secret`."""
        headers, body = self.webhook(ref, genuine=True)
        return headers, json.dumps({k: v for k, v in json.loads(body).items() if k != "secret"}).encode()


@contextmanager
def usedesk() -> Iterator[UsedeskHarness]:
    from tests.connectors.harnesses import Clock

    clock = Clock()
    app = create_sandbox(api_token=TOKEN, agents={AGENT: "Wishbridge"}, page_size=PAGE, clock=clock)
    base_url, stop = serve_in_thread(app)
    try:
        yield UsedeskHarness(base_url, sandbox_of(app), clock)
    finally:
        stop()
