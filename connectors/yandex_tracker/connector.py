"""Yandex Tracker as the bridge's tracker (REST API v3, https://yandex.ru/support/tracker/en/about-api).

Epics. `create_epic` sends `POST /v3/issues/` with the mapping's queue, type, tags and fields, the marker tag
`wishbridge-g{group}`, the description in Yandex Flavored Markdown (`markupType: md`) and
`unique: wishbridge-g{group}`. Tracker refuses a second issue with the same `unique` in the organisation (409)
and creates nothing, so a create repeated after a crash, a time-out or a retry makes no duplicate: the answer
to 409 carries no issue, so the existing one is found by searching for its `unique` (as Yandex's own client
does: yandex_tracker_client `Issues.create`). Hence `search_settle` is zero. `find_epic` searches the same
way. `adopt_issue` adds the marker tag to an issue the product manager named (`unique` cannot be set later).

Ticket links. Tracker's external links (`POST /v3/issues/{key}/remotelinks`) point only at objects of
applications registered with the Tracker team (`origin` = an application id;
https://yandex.cloud/en/docs/tracker/external-links), never at an arbitrary URL, so a helpdesk ticket cannot
be one. Tickets are therefore linked twice over: the description lists them (`rewrite_epic` keeps it
current), and `link_ticket` adds one comment per ticket that ends with the ticket's `global_id`; the comments
are read first, so linking a ticket again adds nothing.

Polling. `poll` searches `{"keys": [...]}` (100 keys a search, paged). Tracker refuses `keys` combined with a
`filter` (400, "You can only use keys, a queue, or a search query"), and an `updatedAt` filter would hide
which keys are gone, so `since` is applied to each issue's `updatedAt` here; a key no issue answers for (nor
lists among its `aliases`, the old keys of a moved issue) is missing.

HTTP. Every call goes through bridge.http.Client. The official `yandex_tracker_client` package is not used:
it speaks v2, retries 5xx at once with no pause, has no 429/Retry-After handling, raises one generic error for
429, and logs request bodies and non-JSON error bodies (customer text) — none of which fits the bridge's
client. No rate limit is documented for Tracker; a 429 is retried after its Retry-After.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from bridge.config import Key, Settings, choice, optional, url
from bridge.errors import FatalError, RetriableError
from bridge.http import Client
from bridge.model import EpicBrief, IssueState, TicketLink, WebhookEvent
from bridge.ports import Polled
from connectors.yandex_tracker import markdown, webhooks
from connectors.yandex_tracker.client import TrackerApi, auth_headers
from connectors.yandex_tracker.states import issue_state

API_URL = "https://api.tracker.yandex.net"
WEB_URLS = {API_URL: "https://tracker.yandex.ru"}  # where people open an issue the API serves
KEYS_PER_SEARCH = 100
SUMMARY_LENGTH = 255
ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9]*-[1-9][0-9]*")  # the queue's key (as epic_schema says) and a number
OWN_FIELDS = ("queue", "type", "summary", "description", "markupType", "tags", "unique")


def marker(group_id: int) -> str:
    """The tag and `unique` value of the group's epic."""
    return f"wishbridge-g{group_id}"


class YandexTrackerConnector:
    """The tracker. `calls` counts every HTTP request sent."""

    name: ClassVar[str] = "yandex_tracker"
    role: ClassVar[str] = "tracker"
    settings: ClassVar[tuple[Key, ...]] = (
        Key("URL", "", f"API address, {API_URL} (empty: Yandex Tracker not used)", optional(url)),
        Key("TOKEN", "", "OAuth token of the bridge's Tracker user, or an IAM token", secret=True),
        Key("TOKEN_TYPE", "oauth", "oauth (Authorization: OAuth) or iam (Authorization: Bearer, Yandex Cloud)",
            choice("oauth", "iam")),
        Key("ORG_ID", "", "Yandex 360 organisation id (X-Org-ID); empty for a Yandex Cloud organisation"),
        Key("CLOUD_ORG_ID", "", "Yandex Cloud organisation id (X-Cloud-Org-ID); empty for Yandex 360"),
        Key("WEBHOOK_SECRET", "", "value the queue trigger sends in the X-Wishbridge-Secret header", secret=True),
    )
    delivery_headers: ClassVar[tuple[str, ...]] = ()
    secret_body_fields: ClassVar[tuple[str, ...]] = ()
    search_settle: ClassVar[timedelta] = timedelta(0)
    epic_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["queue", "type"],
        "properties": {
            "queue": {"type": "string", "pattern": "^[A-Z][A-Z0-9]*$"},  # as ISSUE_KEY's queue part
            "type": {"type": "string", "minLength": 1},
            "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "fields": {"type": "object", "propertyNames": {"not": {"enum": list(OWN_FIELDS)}}},
        },
    }

    def __init__(self, url: str, token: str, *, token_type: str = "oauth", org_id: str = "",
                 cloud_org_id: str = "", webhook_secret: str = "", per_page: int = 50) -> None:
        self.base_url = url.rstrip("/")
        self.web_url = WEB_URLS.get(self.base_url, self.base_url)
        self.api = TrackerApi(Client(self.base_url), auth_headers(token, token_type, org_id, cloud_org_id))
        self.client = self.api.client
        self.webhook_secret = webhook_secret
        self.per_page = per_page
        self._status_types: dict[str, str] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> YandexTrackerConnector:
        own = settings.section(cls.name)
        return cls(own["url"], own["token"], token_type=own["token_type"], org_id=own["org_id"],
                   cloud_org_id=own["cloud_org_id"], webhook_secret=own["webhook_secret"])

    @property
    def calls(self) -> int:
        return self.client.calls

    @calls.setter
    def calls(self, value: int) -> None:  # the port's `calls` is settable (a benchmark may reset it)
        self.client.calls = value

    def issue_url(self, key: str) -> str:
        return f"{self.web_url}/{key}"

    def _state(self, issue: Mapping[str, Any], key: str | None = None) -> IssueState:
        if self._status_types is None:
            self._status_types = {str(s["key"]): str(s.get("type") or "") for s in self.api.statuses()}
        return issue_state(issue, self._status_types, key)

    def issue_key(self, text: str) -> str | None:
        key = text.strip().upper()
        return key if ISSUE_KEY.fullmatch(key) else None

    def get_issue(self, key: str) -> IssueState | None:
        """GET /v3/issues/{key}; an issue moved to another queue answers under its old key too (an alias)."""
        try:
            return self._state(self.api.get_issue(key))
        except FatalError as error:
            if error.status == 404:
                return None
            raise

    def _by_unique(self, group_id: int) -> dict[str, Any] | None:
        return next(iter(self.api.search({"filter": {"unique": marker(group_id)}}, per_page=1)), None)

    def find_epic(self, group_id: int) -> IssueState | None:
        found = self._by_unique(group_id)
        return self._state(found) if found else None

    def create_epic(self, group_id: int, brief: EpicBrief, spec: Mapping[str, Any]) -> IssueState:
        body = {**(spec.get("fields") or {}), "queue": spec["queue"], "type": spec["type"],
                "summary": " ".join(brief.title.split())[:SUMMARY_LENGTH],
                "description": markdown.description(brief), "markupType": "md",
                "tags": [*(spec.get("tags") or []), marker(group_id)], "unique": marker(group_id)}
        try:
            return self._state(self.api.create_issue(body))
        except FatalError as error:
            if error.status != 409:
                raise
        existing = self._by_unique(group_id)
        if existing is None:
            raise RetriableError(f"Tracker says group {group_id}'s epic exists, but search does not show it yet",
                                 endpoint="POST /v3/issues/_search", retry_after=60)
        return self._state(existing)

    def adopt_issue(self, key: str, group_id: int) -> IssueState:
        return self._state(self.api.edit_issue(key, {"tags": {"add": [marker(group_id)]}}))

    def rewrite_epic(self, key: str, brief: EpicBrief) -> None:
        self.api.edit_issue(key, {"description": markdown.description(brief), "markupType": "md"})

    def link_ticket(self, key: str, link: TicketLink) -> None:
        if any(link.global_id in str(comment.get("text") or "") for comment in self.api.comments(key)):
            return
        self.api.add_comment(key, markdown.ticket_comment(link))

    def poll(self, keys: Sequence[str], since: datetime | None, now: datetime) -> Polled:
        """`now` is not needed: Tracker's own `updatedAt` is compared with `since`."""
        found: dict[str, IssueState] = {}
        for chunk in _chunks(list(dict.fromkeys(keys)), KEYS_PER_SEARCH):
            wanted = set(chunk)
            for issue in self.api.search({"keys": chunk}, per_page=self.per_page):
                for known_as in wanted & {issue["key"], *(issue.get("aliases") or [])}:
                    found[known_as] = self._state(issue, known_as)
        changed = [state for state in found.values()
                   if since is None or state.as_of is None or state.as_of >= since]
        return Polled(changed, [key for key in dict.fromkeys(keys) if key not in found])

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        return webhooks.parse(headers, body, self.webhook_secret, self.name)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
