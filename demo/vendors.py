"""The demo's sandbox vendors behind two small adapters, chosen by name: a helpdesk (Zendesk, Usedesk), whose
seeded tickets the bridge syncs and answers, and a tracker (Jira, Yandex Tracker), where approved wish groups
become epics. An adapter creates, seeds and serves its sandbox on loopback, names the bridge's settings for it,
points the sandbox's webhooks at the bridge, and reads back what the demo's check looks at, as a person would on
the vendor's pages."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from flask import Flask

from bridge.text.html import html_text
from connectors.jira.tracker import marker_label
from connectors.yandex_tracker.connector import marker
from connectors.yandex_tracker.webhooks import SECRET_HEADER, TRIGGER_BODY
from demo.seed import demo_seed, usedesk_seed
from sandboxes import jira as jira_sandbox
from sandboxes import usedesk as usedesk_sandbox
from sandboxes import yandex_tracker as yandex_sandbox
from sandboxes import zendesk as zendesk_sandbox
from sandboxes.zendesk_agent import add_agent_page

SidebarUrl = Callable[[str], str]  # a ticket's external id -> its signed Wishbridge sidebar link


@dataclass(frozen=True)
class Comment:
    text: str  # as the customer reads it
    public: bool


@dataclass(frozen=True)
class Epic:
    description: str  # as the tracker keeps it (Jira: its ADF document as JSON)
    links: list[str]  # the URL of each ticket link on the epic, once per link


def webhook_url(public_url: str, source: str) -> str:
    return f"{public_url}/webhooks/{source}"


class Served:
    """A sandbox app served on loopback from a thread; `url` once `_serve` ran."""

    label: ClassVar[str]
    app: Flask
    url: str = ""
    _stop: Callable[[], None]

    def _serve(self, app: Flask) -> None:
        self.app = app
        self.url, self._stop = zendesk_sandbox.serve_in_thread(app)

    def stop(self) -> None:
        self._stop()


class HelpdeskSandbox(Protocol):
    name: ClassVar[str]  # the connector's name
    label: ClassVar[str]
    url: str

    def start(self, tickets: int, public_url: str, sidebar: SidebarUrl) -> dict[str, str]:
        """Seed `tickets` tickets, serve, and return the bridge's settings for this helpdesk."""
        ...

    def point_webhooks_at(self, public_url: str) -> None: ...

    def comments(self, external_id: str) -> list[Comment]: ...

    def guide(self) -> str:
        """Where a person looks at the sandbox's tickets."""
        ...

    def stop(self) -> None: ...


class TrackerSandbox(Protocol):
    name: ClassVar[str]  # the connector's name
    label: ClassVar[str]
    url: str
    app: Flask

    def start(self, public_url: str) -> dict[str, str]:
        """Serve, and return the bridge's settings for this tracker."""
        ...

    def point_webhooks_at(self, public_url: str) -> None: ...

    def webhooks_off(self) -> None:
        """The tracker tells the bridge nothing more; only the bridge's poll sees later changes."""
        ...

    def move(self, key: str, stage: str) -> None:
        """A person moves the epic to the status of `stage` (in_development or testing)."""
        ...

    def epics_marked(self, group_id: int) -> int:
        """How many issues carry the group's marker."""
        ...

    def epic(self, key: str) -> Epic: ...

    def creates(self, method: str, path: str) -> bool:
        """Whether a request to the sandbox creates an issue."""
        ...

    def guide(self) -> str:
        """Where a person looks at the epics and moves them."""
        ...

    def stop(self) -> None: ...


class ZendeskDemo(Served):
    name: ClassVar[str] = "zendesk"
    label: ClassVar[str] = "Zendesk"
    EMAIL, TOKEN = "bridge@example.com", "sandbox-token"
    EXPORT_RPM = 600  # the sandbox's export budget, above Zendesk's 10 a minute, so the demo syncs at once

    def start(self, tickets: int, public_url: str, sidebar: SidebarUrl) -> dict[str, str]:
        secret = secrets.token_hex(16)
        seed = {**demo_seed(tickets), "credentials": {"email": self.EMAIL, "api_token": self.TOKEN, "user_id": 1}}
        app = zendesk_sandbox.create_sandbox(seed, export_budget_per_minute=self.EXPORT_RPM,
                                             webhook_url=webhook_url(public_url, self.name), webhook_secret=secret)
        add_agent_page(app, lambda ticket_id: sidebar(str(ticket_id)))
        self._serve(app)
        return {"ZENDESK_URL": self.url, "ZENDESK_EMAIL": self.EMAIL, "ZENDESK_API_TOKEN": self.TOKEN,
                "ZENDESK_WEBHOOK_SECRET": secret, "ZENDESK_EXPORT_RPM": str(self.EXPORT_RPM)}

    @property
    def sandbox(self) -> zendesk_sandbox.ZendeskSandbox:
        return zendesk_sandbox.sandbox_of(self.app)

    def point_webhooks_at(self, public_url: str) -> None:
        self.sandbox.webhook_url = webhook_url(public_url, self.name)

    def comments(self, external_id: str) -> list[Comment]:
        return [Comment(str(c.get("body", "")), bool(c.get("public", True)))
                for c in self.sandbox.comments[int(external_id)]]

    def guide(self) -> str:
        return f"sandbox Zendesk: {self.url}/agent/tickets/1 (each ticket with the Wishbridge sidebar beside it)"


class UsedeskDemo(Served):
    """Its ticket pages frame no sidebar (Usedesk's connector does not frame one), so `sidebar` goes unused."""

    name: ClassVar[str] = "usedesk"
    label: ClassVar[str] = "Usedesk"
    AGENT = 1  # the agent the bridge's messages are sent as
    RPM = 6000  # the sandbox's budget, above Usedesk's 150 a minute, so the demo syncs its tickets at once

    def start(self, tickets: int, public_url: str, sidebar: SidebarUrl) -> dict[str, str]:
        token = secrets.token_hex(16)  # Usedesk signs its webhooks with nothing but this channel token
        fields, seeded = usedesk_seed(demo_seed(tickets))
        app = usedesk_sandbox.create_sandbox(api_token=token, agents={self.AGENT: "Wishbridge"}, fields=fields,
                                             rpm=self.RPM, webhook_url=webhook_url(public_url, self.name))
        for ticket in seeded:
            usedesk_sandbox.sandbox_of(app).add_ticket(**ticket, notify=False)
        self._serve(app)
        return {"USEDESK_URL": self.url, "USEDESK_API_TOKEN": token, "USEDESK_WEBHOOK_SECRET": token,
                "USEDESK_USER_ID": str(self.AGENT), "USEDESK_RPM": str(self.RPM), "USEDESK_AGENT_URL": self.url}

    @property
    def sandbox(self) -> usedesk_sandbox.UsedeskSandbox:
        return usedesk_sandbox.sandbox_of(self.app)

    def point_webhooks_at(self, public_url: str) -> None:
        self.sandbox.webhook_url = webhook_url(public_url, self.name)

    def comments(self, external_id: str) -> list[Comment]:
        return [Comment(html_text(str(c["message"])), c["type"] == "public")
                for c in self.sandbox.comments[int(external_id)]]

    def guide(self) -> str:
        return f"sandbox Usedesk: {self.url}/tickets/1 (each ticket as its customer reads it)"


class JiraDemo(Served):
    name: ClassVar[str] = "jira"
    label: ClassVar[str] = "Jira"
    TRANSITIONS: ClassVar[dict[str, str]] = {"in_development": "21", "testing": "41"}  # sandboxes/jira.py's ids

    def start(self, public_url: str) -> dict[str, str]:
        self.secret = secrets.token_hex(16)
        self._serve(jira_sandbox.create_sandbox(webhook_url=webhook_url(public_url, self.name),
                                                webhook_secret=self.secret))
        return {"JIRA_URL": self.url, "JIRA_EMAIL": jira_sandbox.SANDBOX_EMAIL,
                "JIRA_API_TOKEN": jira_sandbox.SANDBOX_TOKEN, "JIRA_WEBHOOK_SECRET": self.secret}

    @property
    def sandbox(self) -> jira_sandbox.Sandbox:
        sandbox: jira_sandbox.Sandbox = self.app.extensions["jira_sandbox"]
        return sandbox

    def point_webhooks_at(self, public_url: str) -> None:
        self.sandbox.webhook_url = webhook_url(public_url, self.name)

    def webhooks_off(self) -> None:
        self.sandbox.webhook_url = None

    def move(self, key: str, stage: str) -> None:
        self.sandbox.transition(self.sandbox.get(key), self.TRANSITIONS[stage], jira_sandbox.DEMO_USER)

    def epics_marked(self, group_id: int) -> int:
        return sum(marker_label(group_id) in (issue.fields.get("labels") or [])
                   for issue in self.sandbox.issues.values())

    def epic(self, key: str) -> Epic:
        issue = self.sandbox.get(key)
        return Epic(json.dumps(issue.fields.get("description"), ensure_ascii=False),
                    [str(link["object"]["url"]) for link in issue.remote_links.values()])

    def creates(self, method: str, path: str) -> bool:
        return method == "POST" and path in ("/rest/api/2/issue", "/rest/api/3/issue")

    def guide(self) -> str:
        return (f"sandbox Jira: {self.url}/browse/WISH-1 (move an epic with the buttons on its page; the "
                "webhook tells the bridge)")


class YandexTrackerDemo(Served):
    name: ClassVar[str] = "yandex_tracker"
    label: ClassVar[str] = "Yandex Tracker"
    STATUSES: ClassVar[dict[str, str]] = {"in_development": "inProgress", "testing": "testing"}
    LINK = re.compile(r"Originating ticket: .*?\]\(<([^>]+)>\)")  # connectors/yandex_tracker/markdown.py

    def start(self, public_url: str) -> dict[str, str]:
        self.secret = secrets.token_hex(16)
        self._serve(yandex_sandbox.create_sandbox(trigger=self._trigger(public_url)))
        return {"YANDEX_TRACKER_URL": self.url, "YANDEX_TRACKER_TOKEN": yandex_sandbox.SANDBOX_TOKEN,
                "YANDEX_TRACKER_ORG_ID": yandex_sandbox.SANDBOX_ORG_ID, "YANDEX_TRACKER_WEBHOOK_SECRET": self.secret}

    def _trigger(self, public_url: str) -> yandex_sandbox.Trigger:
        """The queue trigger mappings/yandex_tracker.yaml tells an admin to set up."""
        return yandex_sandbox.Trigger(webhook_url(public_url, self.name), {SECRET_HEADER: self.secret},
                                       TRIGGER_BODY)

    @property
    def sandbox(self) -> yandex_sandbox.Sandbox:
        return yandex_sandbox.sandbox_of(self.app)

    def point_webhooks_at(self, public_url: str) -> None:
        self.sandbox.trigger = self._trigger(public_url)

    def webhooks_off(self) -> None:
        self.sandbox.trigger = None

    def move(self, key: str, stage: str) -> None:
        self.sandbox.move(key, self.STATUSES[stage], actor=yandex_sandbox.PRODUCT_OWNER)

    def epics_marked(self, group_id: int) -> int:
        return sum(marker(group_id) in issue.tags for issue in self.sandbox.issues.values())

    def epic(self, key: str) -> Epic:
        issue = self.sandbox.get(key)
        return Epic(issue.description, [url for comment in issue.comments
                                        for url in self.LINK.findall(str(comment["text"]))[:1]])

    def creates(self, method: str, path: str) -> bool:
        return method == "POST" and path == "/v3/issues/"

    def guide(self) -> str:
        return (f"sandbox Yandex Tracker: {self.url}/WISH-1 (move an epic with the buttons on its page; the "
                "queue trigger tells the bridge)")


HELPDESKS: dict[str, Callable[[], HelpdeskSandbox]] = {cls.name: cls for cls in (ZendeskDemo, UsedeskDemo)}
TRACKERS: dict[str, Callable[[], TrackerSandbox]] = {cls.name: cls for cls in (JiraDemo, YandexTrackerDemo)}

