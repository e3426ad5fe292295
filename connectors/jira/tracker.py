"""Jira as the bridge's `Tracker`: epics created with a marker label and issue property, remote links upserted
by a stable global id, status read from admin webhooks and from JQL polls.

Exactly-once creation rests on the marker: `find_epic` searches for the label `wishbridge-g{group}`. Jira's
search is eventually consistent and may not show an issue created moments ago, hence `search_settle`: the core
waits that long after a create intent before it creates again (bridge/tracker/epics.py).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from bridge.config import Key, Settings, choice, optional, url
from bridge.errors import FatalError
from bridge.model import EpicBrief, IssueState, TicketLink, WebhookEvent
from bridge.ports import Polled
from connectors.jira import events
from connectors.jira.client import CreateMeta, JiraClient
from connectors.jira.description import description

MARKER_PROPERTY = "wishbridge"
EPIC_NAME = "Epic Name"
KEYS_PER_QUERY = 100
OVERLAP_MINUTES = 2
# A project key is an upper-case letter and one or more upper-case letters, digits or underscores; Jira reads keys
# in any case. https://support.atlassian.com/jira-cloud-administration/docs/edit-a-projects-details/
ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]+-[1-9][0-9]*")
EPIC_SCHEMA = json.loads((Path(__file__).with_name("epic_schema.json")).read_text(encoding="utf-8"))


def marker_label(group_id: int) -> str:
    return f"wishbridge-g{group_id}"


def epic_fields(epic: Mapping[str, Any], meta: CreateMeta, brief: EpicBrief, *, cloud: bool) -> dict[str, Any]:
    """The create-issue `fields`: mapping values, the marker label, the description in the deployment's format,
    and Epic Name only where the project requires it (newer projects reject it)."""
    title = " ".join(brief.title.split())[:255]
    fields: dict[str, Any] = {
        "project": {"key": epic["project"]},
        "issuetype": {"id": meta.issue_type_id},
        "summary": title,
        "description": description(brief, cloud=cloud),
        "labels": [*epic.get("labels", []), marker_label(brief.group_id)],
    }
    if epic.get("components"):
        fields["components"] = [{"name": name} for name in epic["components"]]
    fields.update(epic.get("custom_fields") or {})
    epic_name = meta.required(EPIC_NAME)
    if epic_name:
        fields[epic_name.field_id] = title
    return fields


def updated_clause(since: datetime, now: datetime) -> str:
    """`updated >= "-Nm"`: JQL reads absolute dates in the Jira user's own time zone, relative ones do not.
    https://support.atlassian.com/jira-software-cloud/docs/jql-fields/#Updated"""
    minutes = math.ceil((now - since).total_seconds() / 60) + OVERLAP_MINUTES
    return f'updated >= "-{minutes}m"'


def _chunks(keys: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(keys), size):
        yield keys[start:start + size]


class JiraConnector:
    name: ClassVar[str] = "jira"
    role: ClassVar[str] = "tracker"
    settings: ClassVar[tuple[Key, ...]] = (
        Key("URL", "", "e.g. https://acme.atlassian.net (empty: Jira not used)", optional(url)),
        Key("EMAIL", "", "Jira Cloud account e-mail (empty on Server/Data Center)"),
        Key("API_TOKEN", "", "Jira Cloud API token, or a personal access token on Server/Data Center",
            secret=True),
        Key("DEPLOYMENT", "cloud", "cloud (REST v3, ADF) or server (REST v2, wiki markup, Bearer PAT)",
            choice("cloud", "server")),
        Key("WEBHOOK_SECRET", "", "secret of the Jira admin webhook (X-Hub-Signature)", secret=True),
    )
    delivery_headers: ClassVar[tuple[str, ...]] = ("x-atlassian-webhook-identifier",)
    secret_body_fields: ClassVar[tuple[str, ...]] = ()
    search_settle: ClassVar[timedelta] = timedelta(minutes=5)  # Jira's index, with a wide margin
    epic_schema: ClassVar[Mapping[str, Any]] = EPIC_SCHEMA

    def __init__(self, url: str, *, email: str = "", token: str = "", deployment: str = "cloud",
                 webhook_secret: str = "") -> None:
        self.client = JiraClient(url, email=email, token=token, deployment=deployment)
        self.webhook_secret = webhook_secret

    @classmethod
    def from_settings(cls, settings: Settings) -> JiraConnector:
        jira = settings.section("JIRA")
        return cls(jira["url"], email=jira["email"], token=jira["api_token"], deployment=jira["deployment"],
                   webhook_secret=jira["webhook_secret"])

    @property
    def calls(self) -> int:
        return self.client.calls

    @property
    def cloud(self) -> bool:
        return self.client.cloud

    def issue_url(self, key: str) -> str:
        return self.client.issue_url(key)

    def issue_key(self, text: str) -> str | None:
        key = text.strip().upper()
        return key if ISSUE_KEY.fullmatch(key) else None

    def get_issue(self, key: str) -> IssueState | None:
        try:
            return events.issue_state(self.client.get_issue(key))
        except FatalError as error:
            if error.status == 404:  # "Issue does not exist or you do not have permission to see it."
                return None
            raise

    def find_epic(self, group_id: int) -> IssueState | None:
        jql = f'labels = "{marker_label(group_id)}" ORDER BY created ASC'
        found = next(iter(self.client.search(jql, page_size=1)), None)
        return events.issue_state(found) if found else None

    def create_epic(self, group_id: int, brief: EpicBrief, spec: Mapping[str, Any]) -> IssueState:
        meta = self.client.create_meta(spec["project"], spec["issue_type"])
        created = self.client.create_issue(epic_fields(spec, meta, brief, cloud=self.cloud),
                                           {MARKER_PROPERTY: {"group_id": group_id}})
        return events.issue_state(self.client.get_issue(created["key"]))

    def adopt_issue(self, key: str, group_id: int) -> IssueState:
        issue = self.client.get_issue(key)
        self.client.set_property(key, MARKER_PROPERTY, {"group_id": group_id})
        return events.issue_state(issue)

    def rewrite_epic(self, key: str, brief: EpicBrief) -> None:
        self.client.edit_issue(key, {"description": description(brief, cloud=self.cloud)})

    def link_ticket(self, key: str, link: TicketLink) -> None:
        """Jira updates the link that already carries the ticket's globalId instead of adding a second one."""
        self.client.upsert_remote_link(key, link.global_id, link.url, link.title, summary=link.summary)

    def poll(self, keys: Sequence[str], since: datetime | None, now: datetime) -> Polled:
        clause = f" AND {updated_clause(since, now)}" if since else ""
        states: list[IssueState] = []
        missing: list[str] = []
        for chunk in _chunks(keys, KEYS_PER_QUERY):
            found, gone = self._poll_chunk(chunk, clause)
            states += [events.issue_state(issue) for issue in found]
            missing += gone
        return Polled(states, missing)

    def _poll_chunk(self, keys: Sequence[str], clause: str) -> tuple[list[dict[str, Any]], list[str]]:
        """Jira answers 400 to the whole `issuekey in (…)` query when one key does not exist, so then each key
        is read on its own (all of them, changed or not: observing an unchanged issue does nothing)."""
        try:
            return list(self.client.search(f"issuekey in ({', '.join(keys)}){clause} ORDER BY updated ASC")), []
        except FatalError as error:
            if error.status != 400:
                raise
        found, missing = [], []
        for key in keys:
            try:
                found.append(self.client.get_issue(key))
            except FatalError as error:
                if error.status != 404:
                    raise
                missing.append(key)
        return found, missing

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        return events.parse(headers, body, secret=self.webhook_secret, bridge_email=self.client.email)
