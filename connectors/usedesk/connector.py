"""The Usedesk helpdesk: tickets in by `updated_after` and the bridge's own cursor, messages and ticket
changes out, the API channel's webhooks in. See the package docstring for what it assumes about Usedesk."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from bridge.config import Key, Settings, optional, positive_int, url
from bridge.errors import ConfigError, ConnectorError, FatalError
from bridge.http import Client
from bridge.model import Change, Patch, Ticket, TicketComment, TicketRef, TicketWrite, WebhookEvent
from bridge.ports import ApplyResult
from bridge.text.html import message_html
from connectors.usedesk import webhooks
from connectors.usedesk.api import PUBLISHED_RPM, UsedeskApi
from connectors.usedesk.cursor import Position, stamp
from connectors.usedesk.fields import FieldCatalog, field_params
from connectors.usedesk.tickets import CLOSED, comment_from, status_id, tag_names, ticket_from

log = logging.getLogger(__name__)
PAGE_SIZE = 100  # "В ответе максимум 100 записей, для смещения используется параметр offset" (article/33062)
AGENT_URL = "https://secure.usedesk.ru"
TAG_SEPARATOR = ", "  # /update/ticket `tag`: "tags, separated with a coma and space" (article/51379)


class UsedeskConnector:
    """One Usedesk company through one API channel's token; public messages are sent as agent USEDESK_USER_ID.
    `client.calls` counts requests."""

    name: ClassVar[str] = "usedesk"
    role: ClassVar[str] = "helpdesk"
    # Usedesk has no bulk update: a write costs two or three calls (read, comment, update), so ten writes
    # keep one `apply` near thirty of the 150 calls a minute allows.
    batch_size: ClassVar[int] = 10
    settings: ClassVar[tuple[Key, ...]] = (
        Key("URL", "", "Usedesk API address, https://api.usedesk.ru (an on-premise Usedesk has its own; "
            "empty: Usedesk not used)", optional(url)),
        Key("API_TOKEN", "", "token of the Usedesk API channel (Channels → API)", secret=True),
        Key("WEBHOOK_SECRET", "", "the `secret` Usedesk puts in every webhook of that channel; empty: every "
            "Usedesk webhook is refused", secret=True),
        Key("USER_ID", "", "id of the Usedesk agent the bridge's messages are sent as", optional(positive_int)),
        Key("RPM", str(PUBLISHED_RPM), "Usedesk API requests per minute (150 published)", positive_int),
        Key("AGENT_URL", AGENT_URL, "address of the Usedesk agent interface, for links to tickets", url),
    )
    delivery_headers: ClassVar[tuple[str, ...]] = ()
    secret_body_fields: ClassVar[tuple[str, ...]] = ("secret",)  # the channel token rides in every body: never stored
    frames_sidebar: ClassVar[bool] = False

    def __init__(self, url: str, api_token: str, *, user_id: int, webhook_secret: str = "",
                 rpm: int = PUBLISHED_RPM, agent_url: str = AGENT_URL, page_size: int = PAGE_SIZE) -> None:
        self.api = UsedeskApi(url, api_token, rpm=rpm)
        self.user_id = user_id
        self.webhook_secret = webhook_secret
        self.agent_url = agent_url.rstrip("/")
        self.page_size = page_size
        self._catalog: FieldCatalog | None = None
        self._unresolved: set[tuple[str, str]] = set()

    def __repr__(self) -> str:
        return f"UsedeskConnector({self.api.client.base_url!r})"

    @property
    def client(self) -> Client:
        return self.api.client

    @classmethod
    def from_settings(cls, settings: Settings) -> UsedeskConnector:
        s = settings.section("USEDESK")
        missing = [f"USEDESK_{key.upper()} is required when USEDESK_URL is set"
                   for key in ("api_token", "user_id") if s["url"] and not s[key]]
        if missing:
            raise ConfigError(missing)
        return cls(s["url"], s["api_token"], user_id=s["user_id"], webhook_secret=s["webhook_secret"],
                   rpm=s["rpm"], agent_url=s["agent_url"])

    # Reading

    def fetch_changes(self, since: str | None) -> Iterator[Change]:
        """Tickets changed after cursor `since`, oldest first; a list page's changes share a cursor.

        Usedesk pages by position, so a ticket changed during the run shifts the later pages: after a full
        page that moved the cursor's minute, the list is asked again from that minute; only pages within one
        minute follow `offset`. Each new ticket is then read whole (`/ticket`: comments, tags, fields)."""
        position = Position.parse(since)
        while True:
            window, offset = position.window, 0
            while True:
                items = self._list(window, offset)
                fresh = sorted((i for i in items if position.is_new(i)), key=lambda i: (stamp(i), int(i["id"])))
                for item in fresh:
                    position = position.advance(item)
                cursor = str(position)
                for item in fresh:
                    yield Change(self.get_ticket(TicketRef(self.name, str(item["id"]))), cursor)
                if len(items) < self.page_size:
                    return
                if position.window != window:
                    break
                offset += 1

    def _list(self, window: str | None, offset: int) -> list[dict[str, Any]]:
        # `sort`/`order` as public clients send them (github.com/Humdruman/usedesk-client
        # src/actions/tickets/tickets.ts); `offset` counts pages of 100, as the tag list's does
        # ("Offset by 1 will show the next 100 entries", https://api.usedocs.com/article/51382).
        params: dict[str, Any] = {"sort": "last_updated_at", "order": "asc", "offset": offset}
        if window:
            params["updated_after"] = window
        items = self.api.call("tickets", **params)
        if not isinstance(items, list):
            raise FatalError("the ticket list is not a JSON array", endpoint="POST /tickets")
        return items

    def get_ticket(self, ref: TicketRef) -> Ticket:
        return ticket_from(self._read(ref.external_id), self._label, self.agent_url, self.name)

    def comments(self, ref: TicketRef, since: datetime) -> list[TicketComment]:
        """From `POST /ticket`, which answers every comment of the ticket (article/51377); Usedesk keeps comment
        times to the second."""
        found = (comment_from(raw) for raw in self._read(ref.external_id).get("comments") or ())
        return sorted((c for c in found if c is not None and c.created_at > since),
                      key=lambda c: (c.created_at, int(c.id) if c.id.isdigit() else 0))

    def _read(self, ticket_id: str) -> dict[str, Any]:
        answer = self.api.call("ticket", ticket_id=int(ticket_id))
        if not isinstance(answer, dict) or not isinstance(answer.get("ticket"), dict):
            raise FatalError(f"no ticket {ticket_id} in the answer", endpoint="POST /ticket")
        return answer

    def _label(self, field_id: str, value: Any) -> Any:
        """A field value by option text; the field list is read once, and again once for each field or option
        it does not know yet (an admin added one)."""
        catalog = self.catalog()
        if not catalog.knows(field_id, value) and (field_id, str(value)) not in self._unresolved:
            self._catalog = catalog = self._load_catalog()
            if not catalog.knows(field_id, value):
                self._unresolved.add((field_id, str(value)))
        return catalog.label(field_id, value)

    def catalog(self) -> FieldCatalog:
        if self._catalog is None:
            self._catalog = self._load_catalog()
        return self._catalog

    def _load_catalog(self) -> FieldCatalog:
        return FieldCatalog(self.api.call("ticket/fields") or ())

    # Writing

    def apply(self, writes: Sequence[TicketWrite]) -> ApplyResult:
        """Each ticket's own patch; per write key None (on the ticket) or the error met.

        The ticket is read first (status, tags, fields, comments). Its message goes out as HTML carrying the
        write's marker in a comment (`<!-- wishbridge wb_… -->`), unless a comment already carries it, so a
        retry never sends it twice; it is sent once, never retried blindly (a time-out may hide a comment that
        landed). Public messages come from agent USEDESK_USER_ID (`from: user`). Then one `/update/ticket`
        brings tags (the whole list), fields and status to the patch, `silent` unless the patch sets a status
        (else Usedesk turns a "new" ticket "open", article/51379).

        Closed tickets: Usedesk's reference names no refusal of comments on a closed ticket, so the message is
        posted there as on any ticket and the status left as the stage sets it; a stage with
        `closed_tickets: leave` sends a closed ticket no message. An error Usedesk answers comes back as it is."""
        outcomes: dict[str, Exception | None] = {}
        for write in writes:
            try:
                self._apply_one(write)
                outcomes[write.key] = None
            except ConnectorError as error:
                log.warning("usedesk.apply_failed", extra={"ticket": str(write.ref), "key": write.key,
                                                           "error": str(error)})
                outcomes[write.key] = error
        return outcomes

    def _apply_one(self, write: TicketWrite) -> None:
        answer = self._read(write.ref.external_id)
        patch = write.patch
        if patch.comment and not self._has_marker(answer, write.marker):
            closed = int(answer["ticket"].get("status_id") or 0) == CLOSED
            if closed and patch.public and not patch.follow_up_closed:
                log.info("usedesk.closed_left", extra={"ticket": str(write.ref), "key": write.key})
            else:
                self._comment(write.ref.external_id, message_html(patch.comment, write.marker), public=patch.public)
        params = self._update(answer, patch)
        if params:
            self.api.call("update/ticket", ticket_id=int(write.ref.external_id), user_id=self.user_id, **params)

    @staticmethod
    def _has_marker(answer: Mapping[str, Any], marker: str) -> bool:
        return any(marker in str(c.get("message") or "") for c in answer.get("comments") or ())

    def _comment(self, ticket_id: str, message: str, *, public: bool) -> None:
        self.api.call("create/comment", retries=0, ticket_id=int(ticket_id), message=message,
                      type="public" if public else "private", **{"from": "user"}, user_id=self.user_id)

    def _update(self, answer: Mapping[str, Any], patch: Patch) -> dict[str, Any]:
        """The /update/ticket parameters that bring the ticket to `patch`; empty when nothing differs."""
        params: dict[str, Any] = {}
        if patch.tags_add or patch.tags_remove:
            current = list(tag_names(answer.get("tags")))
            tags = [t for t in current if t not in patch.tags_remove]
            tags += [t for t in dict.fromkeys(patch.tags_add) if t not in tags]
            if any("," in t for t in tags):
                raise FatalError("a tag contains ',', which Usedesk reads as a separator",
                                 endpoint="POST /update/ticket")
            if tags != current:
                params["tag"] = TAG_SEPARATOR.join(tags)
        if patch.fields:
            current_fields = ticket_from(answer, self._label, self.agent_url, self.name).fields
            params.update(field_params(patch.fields, current_fields, self.catalog()))
        if patch.status and status_id(patch.status) != int(answer["ticket"].get("status_id") or 0):
            params["status"] = status_id(patch.status)
        elif params:
            params["silent"] = True
        return params

    # Webhooks

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        """Verify the body's `secret` and read the delivery (see connectors.usedesk.webhooks). No I/O."""
        return webhooks.parse(body, self.webhook_secret)
