"""The shared tracker battery's Jira harness: the sandbox Jira Cloud on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bridge.ports import Tracker
from connectors.jira import JiraConnector
from sandboxes.jira import (
    DEMO_USER,
    SANDBOX_EMAIL,
    SANDBOX_TOKEN,
    TRANSITIONS,
    Sandbox,
    create_sandbox,
    serve_in_thread,
)

WEBHOOK_SECRET = "battery-jira-secret"
Delivery = tuple[dict[str, str], bytes]


class JiraHarness:
    def __init__(self, url: str, sandbox: Sandbox) -> None:
        self.url, self.sandbox = url, sandbox

    def connector(self) -> Tracker:
        return JiraConnector(self.url, email=SANDBOX_EMAIL, token=SANDBOX_TOKEN, webhook_secret=WEBHOOK_SECRET)

    def spec(self) -> dict[str, Any]:
        return {"project": "WISH", "issue_type": "Epic", "labels": ["customer-wish"]}

    def move(self, key: str, status: str, resolution: str | None = None) -> None:
        transition = next(tid for tid, (_, target, _) in TRANSITIONS.items() if target == status)
        self.sandbox.transition(self.sandbox.get(key), transition, DEMO_USER, resolution)

    def done_status(self) -> str:
        return "Done"

    def webhook(self, key: str, *, genuine: bool) -> Delivery:
        """An admin webhook about the issue as it stands, signed with the secret (a forged one with another)."""
        issue = self.sandbox.get(key)
        body = json.dumps({"timestamp": 1_790_000_000_000, "webhookEvent": "jira:issue_updated", "user": DEMO_USER,
                           "issue": self.sandbox.view(issue), "changelog": {"id": "1", "items": [
                               {"field": "status", "fieldId": "status", "toString": issue.status}]}}).encode()
        secret = WEBHOOK_SECRET if genuine else "guessed-secret"
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return ({"Content-Type": "application/json", "X-Hub-Signature": f"sha256={signature}",
                 "X-Atlassian-Webhook-Identifier": str(uuid.uuid4())}, body)

    def issue(self, key: str) -> dict[str, Any]:
        issue = self.sandbox.get(key)
        return {"summary": issue.fields["summary"], "description": json.dumps(issue.fields.get("description"),
                                                                               ensure_ascii=False),
                "links": [link["object"]["url"] for link in issue.remote_links.values()]}


@contextmanager
def jira() -> Iterator[JiraHarness]:
    app = create_sandbox()
    url, stop = serve_in_thread(app)
    try:
        yield JiraHarness(url, app.extensions["jira_sandbox"])
    finally:
        stop()
