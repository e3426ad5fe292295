"""The shared tracker battery's Yandex Tracker harness: the sandbox Tracker on loopback with a fake clock (its
per-minute budget and the connector's Retry-After waits both run on it), two issues a search page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bridge.ports import Tracker
from connectors.yandex_tracker import YandexTrackerConnector
from connectors.yandex_tracker.webhooks import SECRET_HEADER, TRIGGER_BODY
from sandboxes.yandex_tracker import (
    LOCAL_FIELDS,
    SANDBOX_ORG_ID,
    SANDBOX_TOKEN,
    Sandbox,
    Trigger,
    create_sandbox,
    sandbox_of,
    serve_in_thread,
)

WEBHOOK_SECRET = "battery-trigger-secret"
TEAM_FIELD = next(iter(LOCAL_FIELDS["WISH"]))
LINKED_URL = re.compile(r"\]\(<([^>]+)>\)")
Delivery = tuple[dict[str, str], bytes]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class YandexTrackerHarness:
    def __init__(self, base_url: str, sandbox: Sandbox, clock: Clock) -> None:
        self.base_url, self.sandbox, self.clock = base_url, sandbox, clock
        self.trigger = Trigger("https://bridge.invalid/webhooks/yandex_tracker", {SECRET_HEADER: WEBHOOK_SECRET},
                               TRIGGER_BODY)

    def connector(self) -> Tracker:
        """A new instance on every call (as after a restart), wired to the same organisation."""
        connector = YandexTrackerConnector(self.base_url, SANDBOX_TOKEN, org_id=SANDBOX_ORG_ID,
                                           webhook_secret=WEBHOOK_SECRET, per_page=2)
        connector.client.sleep = self.clock.sleep
        return connector

    def spec(self) -> dict[str, Any]:
        """An `epic:` section the sandbox accepts (mappings/yandex_tracker.yaml's shape)."""
        return {"queue": "WISH", "type": "epic", "tags": ["customer-wish"], "fields": {TEAM_FIELD: "Wishes"}}

    def move(self, key: str, status: str, resolution: str | None = None) -> None:
        """A person moves the issue to `status` (a status key: open, inProgress, resolved, closed, ...)."""
        self.sandbox.move(key, status, resolution)

    def done_status(self) -> str:
        return "closed"

    def webhook(self, key: str, *, genuine: bool) -> Delivery:
        """The queue trigger's request about `key` as it stands; forged ones carry a guessed secret."""
        headers, body = self.sandbox.trigger_request(self.sandbox.get(key), self.trigger)
        return ({**headers, SECRET_HEADER: WEBHOOK_SECRET if genuine else "guessed-secret"}, body)

    def issue(self, key: str) -> dict[str, Any]:
        """Summary, description and the URLs of the tickets linked by comments, once per linking comment."""
        issue = self.sandbox.get(key)
        links = [url for comment in issue.comments if "wishbridge:ticket:" in comment["text"]
                 for url in LINKED_URL.findall(comment["text"])[:1]]
        return {"summary": issue.summary, "description": issue.description, "links": links, "tags": list(issue.tags)}


@contextmanager
def yandex_tracker(per_minute: int = 1000, trigger: Trigger | None = None) -> Iterator[YandexTrackerHarness]:
    clock = Clock()
    app = create_sandbox(per_minute=per_minute, clock=clock, trigger=trigger)
    base_url, stop = serve_in_thread(app)
    try:
        yield YandexTrackerHarness(base_url, sandbox_of(app), clock)
    finally:
        stop()
