"""The webhook Scrip of connectors/rt_webhook_scrip.pl, installed in a real RT by install_rt.sh: an agent's
change reaches the bridge signed with its RT_TOKEN, the bridge's own writes do not."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from bridge.model import TicketRef
from connectors.rt import RTConnector

pytestmark = pytest.mark.e2e
TIMEOUT = 30
Delivery = tuple[str, dict[str, str], bytes]


@pytest.fixture
def deliveries(rt_server) -> Iterator[list[Delivery]]:
    if not (rt_server.webhook_port and rt_server.agent_token):
        pytest.skip("this RT was not set up by install_rt.sh with the webhook Scrip")
    received: list[Delivery] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), body))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", rt_server.webhook_port), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


def as_user(token: str) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Authorization": f"token {token}", "Accept": "application/json"})
    return session


def wait_for(received: list[Delivery], count: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.1)


def test_an_agents_new_ticket_reaches_the_bridge_signed_and_the_bridges_own_comment_does_not(
        rt_server, deliveries):
    agent, bridge = as_user(rt_server.agent_token), as_user(rt_server.token)
    created = agent.post(f"{rt_server.rest2}/ticket", timeout=TIMEOUT, json={
        "Queue": rt_server.queue, "Subject": f"scrip-{uuid.uuid4().hex[:8]}", "Content": "Нужна выгрузка",
        "ContentType": "text/plain"})
    assert created.status_code == 201, created.text
    ticket_id = str(created.json()["id"])
    wait_for(deliveries, 1)

    path, headers, body = deliveries[0]
    (event,) = RTConnector(rt_server.url, rt_server.token, rt_server.queue).parse_webhook(headers, body)
    assert path == "/webhooks/rt"
    assert (event.ref, event.kind) == (TicketRef("rt", ticket_id), "ticket.Create")

    comment = bridge.post(f"{rt_server.rest2}/ticket/{ticket_id}/comment", timeout=TIMEOUT,
                          json={"Content": "Для аналитика", "ContentType": "text/plain"})
    assert comment.status_code == 201, comment.text
    time.sleep(2)
    assert len(deliveries) == 1
