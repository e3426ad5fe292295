"""Freshdesk (API v2): tickets by `updated_since`, replies and notes, tags, custom fields and status,
and automation-rule webhooks verified by a shared secret.

Auth is HTTP basic with the API key as the user and "X" as the password
(https://developers.freshdesk.com/api/#authentication).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import html
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from typing import Any, ClassVar
from urllib.parse import parse_qs

import requests

from bridge.config import Key, Settings, optional, url
from bridge.errors import ConfigError, ConnectorError, FatalError, InvalidSignature
from bridge.http import Client, follow_pages
from bridge.model import (
    Change,
    Organization,
    Patch,
    Person,
    Ticket,
    TicketComment,
    TicketRef,
    TicketWrite,
    WebhookEvent,
)
from bridge.payloads import decode_json
from bridge.ports import ApplyResult

log = logging.getLogger(__name__)

# https://developers.freshdesk.com/api/#ticket_attributes
STATUSES = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
STATUS_IDS = {"open": 2, "pending": 3, "resolved": 4, "solved": 4, "closed": 5}
SOURCES = {1: "email", 2: "portal", 3: "phone", 7: "chat", 9: "feedback_widget", 10: "outbound_email"}
SECRET_HEADER = "X-Wishbridge-Secret"
QUERY_HEADER = "X-Wishbridge-Query"
BEGINNING = "1970-01-01T00:00:00Z"


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Position:
    """Where the change stream stands: the last `updated_at` read and the ids read at exactly that second.
    As a cursor: "2024-03-01T10:00:00Z|11,12" (updated_since is second-precise and inclusive, so the ids of
    the last second are skipped when the next request starts from it)."""

    updated_at: str = BEGINNING
    ids: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, cursor: str | None) -> Position:
        if not cursor:
            return cls()
        updated_at, _, ids = cursor.partition("|")
        return cls(updated_at, frozenset(filter(None, ids.split(","))))

    def __str__(self) -> str:
        return f"{self.updated_at}|{','.join(sorted(self.ids, key=lambda i: (len(i), i)))}"

    def is_new(self, ticket: Mapping[str, Any]) -> bool:
        at, last = parse_time(ticket["updated_at"]), parse_time(self.updated_at)
        assert at is not None and last is not None
        return at > last or (at == last and str(ticket["id"]) not in self.ids)

    def advance(self, ticket: Mapping[str, Any]) -> Position:
        if parse_time(ticket["updated_at"]) == parse_time(self.updated_at):
            return Position(self.updated_at, self.ids | {str(ticket["id"])})
        return Position(ticket["updated_at"], frozenset({str(ticket["id"])}))


def parse_triggered_event(text: str) -> dict[str, Any]:
    """Freshdesk renders {{triggered_event}} as braces and bare words, not JSON:
    '{status:{from:4,to:6}}' -> {"status": {"from": 4, "to": 6}}."""
    try:
        value, end = _value(text, 0)
    except (IndexError, ValueError):
        value, end = None, -1
    if not isinstance(value, dict) or text[end:].strip():
        raise ValueError(f"triggered_event is not a {{key:value}} placeholder: {text!r}")
    return value


def _value(text: str, at: int) -> tuple[Any, int]:
    """The value starting at `at` (leading blanks skipped) and the index right after it."""
    while text[at].isspace():
        at += 1
    if text[at] != "{":
        end = at
        while end < len(text) and text[end] not in ",}":
            end += 1
        word = text[at:end].strip()
        return (int(word) if word.isdigit() else word), end
    result: dict[str, Any] = {}
    at += 1
    while text[at:].lstrip()[0] != "}":
        colon = text.index(":", at)
        result[text[at:colon].strip().lstrip(",").strip()], at = _value(text, colon + 1)
    return result, text.index("}", at) + 1


def event_kind(event: Mapping[str, Any]) -> str:
    key, value = next(iter(event.items()), ("ticket_action", "updated"))
    if key == "ticket_action":
        return f"ticket.{value}"
    if key == "note_type":
        return f"ticket.{value}_note"
    return f"ticket.{key}_changed"


def _secret_given(headers: Mapping[str, str]) -> str:
    """The secret from our custom header, the basic-auth password, or `secret=` of the webhook URL's query."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if SECRET_HEADER.lower() in lowered:
        return lowered[SECRET_HEADER.lower()]
    auth = lowered.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            return base64.b64decode(auth[6:].strip()).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return parse_qs(lowered.get(QUERY_HEADER.lower(), "")).get("secret", [""])[0]


def comment_html(text: str, marker: str) -> str:
    return html.escape(text).replace("\n", "<br>") + f"<!-- wishbridge {marker} -->"


@dataclass
class FreshdeskConnector:
    """Reads tickets oldest first and writes patches to them; see the module docstring for auth."""

    name: ClassVar[str] = "freshdesk"
    role: ClassVar[str] = "helpdesk"
    batch_size: ClassVar[int] = 20
    settings: ClassVar[tuple[Key, ...]] = (
        Key("URL", "", "e.g. https://acme.freshdesk.com (empty: Freshdesk not used)", optional(url)),
        Key("API_KEY", "", "Freshdesk API key", secret=True),
        Key("WEBHOOK_SECRET", "", "shared secret of the Freshdesk automation webhook (X-Wishbridge-Secret "
            "header, basic-auth password or ?secret=); empty: every Freshdesk webhook is refused", secret=True),
    )
    delivery_headers: ClassVar[tuple[str, ...]] = ()
    secret_body_fields: ClassVar[tuple[str, ...]] = ()
    frames_sidebar: ClassVar[bool] = False
    PAGE_CAP: ClassVar[int] = 300  # "You cannot access tickets beyond the 300th page" (400 on page 301)
    LOW_RATE: ClassVar[int] = 1

    base_url: str
    api_key: str
    webhook_secret: str = ""
    per_page: int = 100
    client: Client = field(init=False)
    rate_remaining: int | None = field(default=None, init=False)
    _companies: dict[str, Organization] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.client = Client(self.base_url)
        self.client.session.auth = (self.api_key, "X")

    def __repr__(self) -> str:
        return f"FreshdeskConnector({self.base_url!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> FreshdeskConnector:
        missing = [key for key in ("FRESHDESK_URL", "FRESHDESK_API_KEY") if not settings.values.get(key)]
        if missing:
            raise ConfigError([f"{key} is not set (needed by the Freshdesk connector)" for key in missing])
        return cls(settings["FRESHDESK_URL"], settings["FRESHDESK_API_KEY"],
                   settings.values.get("FRESHDESK_WEBHOOK_SECRET", ""))

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self.client.request(method, path, **kwargs)
        remaining = response.headers.get("X-Ratelimit-Remaining")
        if remaining is not None and remaining.isdigit():
            self.rate_remaining = int(remaining)
            if self.rate_remaining <= self.LOW_RATE:
                # Limits are per minute (https://developers.freshdesk.com/api/#ratelimit): wait one out.
                log.info("freshdesk.rate_low", extra={"remaining": self.rate_remaining, "sleep": 60})
                self.client.sleep(60)
        return response

    def _get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params=params or None).json()

    # Reading

    def fetch_changes(self, since: str | None) -> Iterator[Change]:
        """Tickets updated after cursor `since`, oldest first; the changes of one API page share a cursor.

        Freshdesk pages by position, so a ticket updated during the run shifts the later pages and a `link`
        page could skip one: after each page that moved the cursor's second, the list restarts from that
        second instead (same number of calls). Only pages within one second follow `link`, up to the cap."""
        position = Position.parse(since)
        while True:
            start, restart = position, False
            for number, (tickets, has_next) in enumerate(self._list(position.updated_at), start=1):
                fresh = [t for t in tickets if position.is_new(t)]
                for data in fresh:
                    position = position.advance(data)
                cursor = str(position)
                for data in fresh:
                    yield Change(self._ticket(data), cursor)
                restart = has_next and (position.updated_at != start.updated_at or number >= self.PAGE_CAP)
                if restart:
                    break
            if not restart:
                return
            if position.updated_at == start.updated_at:
                raise FatalError(f"more than {self.PAGE_CAP} pages of tickets share updated_at "
                                 f"{position.updated_at}", endpoint="GET /api/v2/tickets")
            log.info("freshdesk.page_cap", extra={"restart_from": position.updated_at})

    def _list(self, updated_since: str) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        # The list shows only 30 days unless updated_since is given; `include=description` is needed for the
        # body (https://developers.freshdesk.com/api/#list_all_tickets). Companies cannot be included here.
        params = {"updated_since": updated_since, "order_by": "updated_at", "order_type": "asc",
                  "per_page": self.per_page, "include": "requester,description"}

        def fetch(url: str) -> tuple[tuple[list[dict[str, Any]], bool], str | None]:
            response = self._call("GET", url, params=params if url == "/api/v2/tickets" else None)
            following = response.links.get("next", {}).get("url")
            return (response.json(), following is not None), following

        yield from follow_pages("/api/v2/tickets", fetch)

    def get_ticket(self, ref: TicketRef) -> Ticket:
        return self._ticket(self._get(f"/api/v2/tickets/{ref.external_id}", include="requester"))

    def _company(self, company_id: Any) -> Organization | None:
        if company_id is None:
            return None
        key = str(company_id)
        if key not in self._companies:
            try:
                data = self._get(f"/api/v2/companies/{key}")
            except FatalError as error:
                if error.status != 404:
                    raise
                data = {"id": company_id}
            self._companies[key] = Organization(key, data.get("name") or "", dict(data.get("custom_fields") or {}))
        return self._companies[key]

    def _ticket(self, data: Mapping[str, Any]) -> Ticket:
        requester = data.get("requester") or {}
        requester_id = data.get("requester_id") or requester.get("id")
        return Ticket(
            ref=TicketRef(self.name, str(data["id"])),
            subject=data.get("subject") or "",
            body=data.get("description_text") or "",
            url=f"{self.base_url}/helpdesk/tickets/{data['id']}",
            requester=Person(str(requester_id), requester.get("name") or "", requester.get("email") or "")
            if requester_id else None,
            organization=self._company(data.get("company_id")),
            channel=SOURCES.get(data.get("source") or 0, str(data.get("source") or "")),
            status=STATUSES.get(data.get("status") or 0, str(data.get("status") or "")),
            ticket_type=data.get("type") or "",
            tags=tuple(data.get("tags") or ()),
            fields=dict(data.get("custom_fields") or {}),
            created_at=parse_time(data.get("created_at")),
            updated_at=parse_time(data.get("updated_at")),
            raw=dict(data),
        )

    # Writing

    def apply(self, writes: Sequence[TicketWrite]) -> ApplyResult:
        """Reply or note first, then tags, fields and status in one update; per write key None or the error.
        Exactly-once per (ticket, key): the reply's HTML carries the write's marker in a comment
        (`<!-- wishbridge wb_… -->`), looked for in the ticket's conversations when `write.check` is set.
        Freshdesk takes agent replies on resolved and closed tickets and leaves their status alone (reopening
        on a reply is an admin's automation rule on customer replies), so the ticket keeps its status unless
        the stage's patch sets one."""
        outcomes: dict[str, Exception | None] = {}
        for write in writes:
            try:
                self._apply_one(write.ref.external_id, write)
                outcomes[write.key] = None
            except ConnectorError as error:
                log.warning("freshdesk.apply_failed", extra={"ticket": str(write.ref), "key": write.key,
                                                             "error": str(error)})
                outcomes[write.key] = error
        return outcomes

    def _apply_one(self, ticket_id: str, write: TicketWrite) -> None:
        patch = write.patch
        if patch.comment and not (write.check and self._has_marker(ticket_id, write.marker)):
            kind, extra = ("reply", {}) if patch.public else ("notes", {"private": True})
            self._call("POST", f"/api/v2/tickets/{ticket_id}/{kind}",
                       json={"body": comment_html(patch.comment, write.marker), **extra}, retries=0)
        update = self._update(ticket_id, patch)
        if update:
            self._call("PUT", f"/api/v2/tickets/{ticket_id}", json=update)

    def _conversations(self, ticket_id: str) -> Iterator[dict[str, Any]]:
        """Every reply and note of the ticket (not its description), oldest first, 100 a page.
        https://developers.freshdesk.com/api/#list_all_ticket_notes"""
        def fetch(url: str) -> tuple[list[dict[str, Any]], str | None]:
            response = self._call("GET", url, params={"per_page": 100} if "?" not in url else None)
            return response.json(), response.links.get("next", {}).get("url")

        for page in follow_pages(f"/api/v2/tickets/{ticket_id}/conversations", fetch):
            yield from page

    def _has_marker(self, ticket_id: str, marker: str) -> bool:
        return any(marker in (c.get("body") or "") for c in self._conversations(ticket_id))

    def comments(self, ref: TicketRef, since: datetime) -> list[TicketComment]:
        """The conversations written after `since`: a customer's reply carries the requester's `user_id`."""
        found = [TicketComment(str(c["id"]), str(c.get("user_id") or ""), str(c.get("body_text") or ""),
                               not c.get("private"), written)
                 for c in self._conversations(ref.external_id)
                 if (written := parse_time(c.get("created_at"))) is not None and written > since]
        return sorted(found, key=lambda c: c.created_at)

    def _update(self, ticket_id: str, patch: Patch) -> dict[str, Any]:
        update: dict[str, Any] = {k: v for k, v in patch.fields.items() if not k.startswith("cf_")}
        custom = {k: v for k, v in patch.fields.items() if k.startswith("cf_")}
        if custom:
            update["custom_fields"] = custom
        if patch.status:
            update["status"] = status_id(patch.status)
        if patch.tags_add or patch.tags_remove:
            # An update replaces the whole tag list (https://developers.freshdesk.com/api/#update_ticket).
            current = list(self._get(f"/api/v2/tickets/{ticket_id}").get("tags") or [])
            tags = [t for t in current if t not in patch.tags_remove]
            tags += [t for t in dict.fromkeys(patch.tags_add) if t not in tags]
            if tags != current:
                update["tags"] = tags
        return update

    # Webhooks

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        """Freshdesk signs nothing: the admin adds our secret as the X-Wishbridge-Secret header, the basic-auth
        password, or `?secret=` in the URL. Every delivery is refused while FRESHDESK_WEBHOOK_SECRET is unset."""
        if not self.webhook_secret:
            raise InvalidSignature("FRESHDESK_WEBHOOK_SECRET is not set: every Freshdesk webhook is refused")
        if not hmac.compare_digest(_secret_given(headers).encode(), self.webhook_secret.encode()):
            raise InvalidSignature("missing or wrong shared secret")
        data = decode_json(body)
        if not isinstance(data, dict):
            raise ValueError("a Freshdesk webhook body must be a JSON object")
        hook = data.get("freshdesk_webhook", data)
        ticket_id = str(hook["ticket_id"])
        event = parse_triggered_event(str(hook.get("triggered_event") or "{ticket_action:updated}"))
        return [WebhookEvent(
            source=self.name, kind=event_kind(event),
            # No delivery id is sent: identical bodies count as one delivery.
            delivery_id=f"{ticket_id}:{sha256(body).hexdigest()[:32]}",
            ref=TicketRef(self.name, ticket_id),
            payload={"triggered_event": event, "status": hook.get("ticket_status"),
                     "priority": hook.get("ticket_priority")},
        )]


def status_id(status: str) -> int:
    """A status name (open, pending, resolved, closed) or a custom status number."""
    if status.isdigit():
        return int(status)
    try:
        return STATUS_IDS[status.lower()]
    except KeyError:
        raise FatalError(f"unknown Freshdesk status '{status}' (known: {', '.join(STATUS_IDS)} or a number)") \
            from None
