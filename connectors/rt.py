"""Request Tracker 5 through REST2 (`/REST/2.0`, header `Authorization: token …`), one queue (RT_QUEUE).

Reading. `fetch_changes` searches TicketSQL `Queue = '…' AND LastUpdated >= '-N seconds'`, ordered by
LastUpdated then id, 100 a page, with the queue name, requestors and custom fields in the same call
(`fields=…&fields[Requestor]=…`). The cursor is JSON `{"t": "YYYY-MM-DD HH:MM:SS", "ids": [...]}`: the last
LastUpdated read (UTC, to the second) and the ids read at that second. The search window reaches OVERLAP
before `t`; what it returns at or before the cursor and already read is dropped here (by LastUpdated and id).
After a page that moved `t`, the search starts again from the new cursor, so a ticket updated during a run
cannot shift another one past a page boundary; a page that does not move `t` follows `next_page`. The new
search resumes at the page holding the last hit read before the new `t` (the overlap's hits need not be read
again), and from page 1 when that page does not start before `t` (RT's window differs from the expected one).
The ticket text is the first text/plain part of each ticket's Create transaction, else its first text/html part
as plain text (RT 5's web editor writes HTML only): two more calls a page (POST /transactions,
POST /attachments with JSON queries), never one per ticket.
`comments` reads `GET /ticket/N/history` (Create, Correspond and Comment transactions, with their Creator) and
their texts in the same two-step way.
Ticket.fields holds every custom field by name (one value: a string; none: None; several: a list) plus
`Queue` (the queue name). Deleted tickets never appear in REST2 searches, so deletions are not seen.

Writing. Per ticket: the message first (`/ticket/N/comment` when `patch.public` is false, else
`/ticket/N/correspond`, which e-mails the requestors), then custom fields and status in one `PUT /ticket/N`
with `If-Match: <ETag>`, sent only when something differs; a 412 re-reads the ticket and tries again. `None`
clears a field. A 200 answer naming an invalid value or status is a FatalError for that ticket. RT has no
tags: tags go to a multi-value custom field named `Tags` when the queue has one (and are read back into
Ticket.tags); otherwise they are ignored and logged as `rt.tags_ignored`.
A correspondence re-opens a resolved or rejected ticket (RT's scrip "On Correspond Open Inactive Tickets"); the
bridge puts the ticket back in the inactive status it had, unless the stage's patch sets a status itself
(messages.yaml `status:`), which is how a mapping asks for the ticket to be reopened.
Exactly-once per (ticket, key): messages are sent as text/html carrying the write's marker in an HTML comment
(`<!-- wishbridge wb_… -->`, invisible in the customer's mail); a write that may have landed (`check`) looks
for the marker among the ticket's 100 newest attachments first. Fields and status are compared before
writing. Messages are sent once, without automatic retry (a time-out may hide a post that landed).

RT 5.0.3 quirks handled here (see tests/e2e/rt/README.md): `If-Modified-Since` answers 500, so it is never
sent; TicketSQL reads an absolute date in the RT user's time zone (else the server's `$Timezone`) and ignores
any offset written in it (RT::Date::ParseByTimeParseDate), and REST2 shows neither zone when the user has
none, so the window is relative: '-N seconds' ('N seconds ago' reads a four-digit N as a year), which RT
counts back from its own clock in any zone; OVERLAP covers the hour a daylight-saving change can shift that
by and a clock difference of up to 15 minutes between the bridge and RT. A bad custom-field value on update
is a 200 `["Invalid value for custom field"]`; an unknown custom-field name is silently ignored, so
names are checked against the queue's custom fields first.

Webhooks. RT has none; an admin adds a Scrip (Admin > Global > Scrips > Create: Condition "On Transaction",
Action "User Defined", Template "Blank", Stage "TransactionBatch") whose custom action commit code is
connectors/rt_webhook_scrip.pl with the bridge's URL and RT_TOKEN filled in (the RT end-to-end tests install
that very file). It skips the bridge's own writes (user `wishbridge`) and posts
`{"ticket": id, "event": type, "token": transaction id}` signed with X-Wishbridge-Signature.

`parse_webhook` checks that hex HMAC-SHA256 of the raw body, keyed by RT_TOKEN; `token` (the transaction id)
makes the delivery id, so a repeated delivery is dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import requests

from bridge.config import Key, Settings, optional, url
from bridge.errors import ConfigError, ConnectorError, FatalError, InvalidSignature, RetriableError
from bridge.http import Client
from bridge.model import Change, Patch, Person, Ticket, TicketComment, TicketRef, TicketWrite, WebhookEvent
from bridge.payloads import decode_json
from bridge.ports import ApplyResult
from bridge.text.html import html_text, message_html

log = logging.getLogger(__name__)
API = "/REST/2.0"
PAGE_SIZE = 100
INACTIVE = frozenset({"resolved", "rejected"})  # statuses a correspondence re-opens
BEGINNING = "1970-01-01 00:00:00"
OVERLAP = timedelta(minutes=75)
TEXT_TYPES = ("text/plain", "text/html")
MESSAGES = ("Create", "Correspond", "Comment")  # transactions that carry a message (Comment: a private one)
SEARCH_FIELDS = {
    "fields": "Subject,Status,Type,Created,LastUpdated,Queue,Requestor,CustomFields",
    "fields[Queue]": "Name",
    "fields[Requestor]": "Name,EmailAddress,RealName,Lang",
}
TAGS_FIELD = "Tags"
SIGNATURE_HEADER = "x-wishbridge-signature"
ETAG_ATTEMPTS = 3
# Texts of a 200 answer to PUT /ticket/N that mean nothing (or not all) was written, as seen on RT 5.0.3.
REJECTED = ("Invalid value", "isn't a valid", "Permission Denied")


def rt_time(value: str) -> str:
    """REST2's "2026-11-24T06:53:34Z" as the cursor's "2026-11-24 06:53:34" (UTC)."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").strftime("%Y-%m-%d %H:%M:%S")


def _datetime(value: str | None) -> datetime | None:
    if not value or value.startswith("1970-01-01"):
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def quoted(value: str) -> str:
    """A TicketSQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class Cursor:
    """The last LastUpdated read (UTC, to the second) and the ids already read at exactly that second."""

    t: str = BEGINNING
    ids: frozenset[int] = frozenset()

    @classmethod
    def load(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(str(data["t"]), frozenset(int(i) for i in data["ids"]))

    def dump(self) -> str:
        return json.dumps({"t": self.t, "ids": sorted(self.ids)})

    def saw(self, item: Mapping[str, Any]) -> bool:
        """Whether `item` (a search hit) was read before: changed before the cursor's second, or at it and
        among its ids."""
        at = rt_time(item["LastUpdated"])
        return at < self.t or (at == self.t and int(item["id"]) in self.ids)

    def window(self, now: datetime) -> str:
        """The TicketSQL date clause that reaches OVERLAP before the cursor; none from the beginning."""
        if self.t == BEGINNING:
            return ""
        since = datetime.strptime(self.t, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) - OVERLAP
        return f" AND LastUpdated >= '-{max(0, int((now - since).total_seconds()))} seconds'"

    def resume_page(self, read: set[tuple[str, int]], per_page: int) -> int:
        """The page of this cursor's search that holds the last hit of `read` (LastUpdated, id) changed before
        the cursor's second, when RT's window starts where this cursor's does; 1 when none."""
        since = (datetime.strptime(self.t, "%Y-%m-%d %H:%M:%S") - OVERLAP).strftime("%Y-%m-%d %H:%M:%S")
        before = sum(1 for at, _ in read if since <= at < self.t)
        return (before - 1) // per_page + 1 if before else 1

    def after(self, items: Sequence[Mapping[str, Any]]) -> Cursor:
        """The cursor once `items` (in search order) are read."""
        cursor = self
        for item in items:
            at = rt_time(item["LastUpdated"])
            if at > cursor.t:
                cursor = Cursor(at, frozenset({int(item["id"])}))
            elif at == cursor.t:
                cursor = Cursor(at, cursor.ids | {int(item["id"])})
        return cursor


def field_values(item: Mapping[str, Any]) -> dict[str, list[str]]:
    """Custom-field values by name (REST2 lists them in no stable order)."""
    return {str(cf["name"]): [str(v) for v in cf.get("values") or ()] for cf in item.get("CustomFields") or ()}


def _field(values: list[str]) -> Any:
    return values[0] if len(values) == 1 else (values or None)


def _person(user: Mapping[str, Any]) -> Person:
    email = str(user.get("EmailAddress") or "")
    return Person(external_id=str(user.get("id") or email), name=str(user.get("RealName") or user.get("Name") or ""),
                  email=email, locale=str(user.get("Lang") or ""))


def wanted(value: Any) -> list[str]:
    """A patch value as the list of values the field should hold (None clears it)."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def field_update(current: Mapping[str, list[str]], patch: Patch, queue_fields: set[str]) -> dict[str, Any]:
    """The CustomFields part of a PUT for what `patch` changes; raises FatalError for a field the queue lacks."""
    unknown = sorted(set(patch.fields) - queue_fields)
    if unknown:
        raise FatalError(f"the queue has no custom field {', '.join(unknown)}")
    update: dict[str, Any] = {
        name: value for name, value in patch.fields.items()
        if sorted(wanted(value)) != sorted(current.get(name, []))
    }
    if (patch.tags_add or patch.tags_remove) and TAGS_FIELD in queue_fields:
        tags = set(current.get(TAGS_FIELD, []))
        new = sorted((tags - set(patch.tags_remove)) | set(patch.tags_add))
        if new != sorted(tags):
            update[TAGS_FIELD] = new
    return update


def ticket_update(current: Mapping[str, Any], patch: Patch, queue_fields: set[str]) -> dict[str, Any]:
    """The body of PUT /ticket/N that brings ticket `current` to `patch`; empty when nothing differs."""
    body: dict[str, Any] = {}
    changed = field_update(field_values(current), patch, queue_fields)
    if changed:
        body["CustomFields"] = changed
    if patch.status and patch.status != current.get("Status"):
        body["Status"] = patch.status
    return body


def search_path(query: str, per_page: int = PAGE_SIZE, page: int = 1) -> str:
    """A ticket search, oldest change first, with everything a Ticket needs in the same answer."""
    params = {"query": query, "per_page": per_page, "page": page, "orderby": ["LastUpdated", "id"],
              "order": ["ASC", "ASC"], **SEARCH_FIELDS}
    return "/tickets?" + urlencode(params, doseq=True)


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class RTConnector:
    """One RT queue, reached with an auth token of the bridge's RT user. `client.calls` counts requests."""

    name: ClassVar[str] = "rt"
    role: ClassVar[str] = "helpdesk"
    batch_size: ClassVar[int] = 20
    settings: ClassVar[tuple[Key, ...]] = (
        Key("URL", "", "Request Tracker base URL, e.g. https://rt.example.com (empty: RT not used)",
            optional(url)),
        Key("TOKEN", "", "RT auth token of the bridge's user", secret=True),
        Key("QUEUE", "General", "RT queue whose tickets the bridge reads"),
    )
    delivery_headers: ClassVar[tuple[str, ...]] = ()
    secret_body_fields: ClassVar[tuple[str, ...]] = ()
    frames_sidebar: ClassVar[bool] = False

    def __init__(self, url: str, token: str, queue: str = "General", *, page_size: int = PAGE_SIZE) -> None:
        session = requests.Session()
        session.headers.update({"Authorization": f"token {token}", "Accept": "application/json"})
        self.base_url = url.rstrip("/")
        self.client = Client(self.base_url + API, session=session)
        self.token = token
        self.queue = queue
        self.page_size = min(page_size, PAGE_SIZE)
        self._queue_fields: set[str] | None = None
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @classmethod
    def from_settings(cls, settings: Settings) -> RTConnector:
        s = settings.section("RT")
        if s["url"] and not s["token"]:
            raise ConfigError(["RT_TOKEN is required when RT_URL is set"])
        return cls(s["url"], s["token"], s["queue"])

    def __repr__(self) -> str:
        return f"RTConnector({self.base_url!r}, queue={self.queue!r})"

    # Reading

    def _changed_since(self, cursor: Cursor, page: int = 1) -> str:
        """Page `page` of the search whose window starts OVERLAP before `cursor`; '-N seconds' is worked out
        again for each page, so every page of one search starts its window at the same moment."""
        return search_path(f"Queue = {quoted(self.queue)}{cursor.window(self.clock())}", self.page_size, page)

    def fetch_changes(self, since: str | None) -> Iterator[Change]:
        """Tickets of the queue changed since `since`, oldest first; a page's changes share its cursor. Every
        search step either moves the cursor forward (and searches again from it) or reads the next page."""
        cursor = Cursor.load(since)
        start, number, resumed = cursor, 1, False
        read: set[tuple[str, int]] = set()
        while True:
            page = self.client.get_json(self._changed_since(start, number))
            items = list(page.get("items") or ())
            if resumed and not (items and rt_time(items[0]["LastUpdated"]) < cursor.t):
                number, resumed = 1, False  # hits before this page may be unread: read the search from its start
                continue
            read.update((rt_time(item["LastUpdated"]), int(item["id"])) for item in items)
            fresh = [item for item in items if not cursor.saw(item)]
            moved = cursor.after(fresh)
            token = moved.dump()
            for ticket in self._tickets(fresh):
                yield Change(ticket, token)
            if not (page.get("next_page") and items):
                return
            if moved.t != cursor.t:
                start, number = moved, moved.resume_page(read, self.page_size)
                resumed = number > 1
            else:
                number, resumed = number + 1, False
            cursor = moved

    def get_ticket(self, ref: TicketRef) -> Ticket:
        items = self.client.get_json(search_path(f"id = {int(ref.external_id)}")).get("items") or []
        if not items:
            raise FatalError(f"no ticket {ref.external_id} the bridge's RT user can see", endpoint=f"GET {API}/tickets")
        return self._tickets(items)[0]

    def _tickets(self, items: Sequence[Mapping[str, Any]]) -> list[Ticket]:
        if not items:
            return []
        texts = self._first_texts([int(item["id"]) for item in items])
        return [self._ticket(item, texts.get(int(item["id"]), "")) for item in items]

    def _first_texts(self, ticket_ids: Sequence[int]) -> dict[int, str]:
        """Ticket id -> the text of its Create transaction (two calls for up to 100 tickets)."""
        creates = self.client.request(
            "POST", "/transactions", params={"fields": "ObjectId", "per_page": PAGE_SIZE},
            json=[{"field": "ObjectType", "value": "RT::Ticket"},
                  {"field": "ObjectId", "operator": "IN", "value": list(ticket_ids)},
                  {"field": "Type", "value": "Create"}],
        ).json().get("items") or []
        ticket_of = {int(t["id"]): int(t["ObjectId"]) for t in creates}
        return {ticket_of[txn]: text for txn, text in self._texts(sorted(ticket_of)).items()}

    def _texts(self, transaction_ids: Sequence[int]) -> dict[int, str]:
        """Transaction id -> its first text/plain part, else its first text/html part as plain text (a call for
        each 100 parts)."""
        parts: dict[tuple[int, str], str] = {}
        page = 1
        while transaction_ids:
            found = self.client.request(
                "POST", "/attachments",
                params={"fields": "TransactionId,ContentType,Content", "per_page": PAGE_SIZE, "page": page,
                        "orderby": "id"},
                json=[{"field": "TransactionId", "operator": "IN", "value": list(transaction_ids)},
                      {"field": "ContentType", "operator": "IN", "value": list(TEXT_TYPES)}],
            ).json().get("items") or []
            for attachment in found:
                kind = str(attachment.get("ContentType") or "").lower()
                parts.setdefault((int(attachment["TransactionId"]), kind), str(attachment.get("Content") or ""))
            if len(found) < PAGE_SIZE:  # transaction and attachment searches answer "total": null, "pages": null
                break
            page += 1
        texts = {txn: html_text(text) for (txn, kind), text in parts.items() if kind == "text/html"}
        texts.update({txn: text for (txn, kind), text in parts.items() if kind == "text/plain"})
        return texts

    def comments(self, ref: TicketRef, since: datetime) -> list[TicketComment]:
        """The ticket's Create, Correspond (public) and Comment (private) transactions after `since`, from
        `GET /ticket/N/history` (100 a page, oldest first), with their texts; the author is the transaction's
        Creator, named as the ticket's Requestor is (the user's id in REST2's hyperlinks)."""
        written: list[tuple[int, str, str, datetime]] = []
        page = 1
        while True:
            items = self.client.get_json(f"/ticket/{int(ref.external_id)}/history", params={
                "fields": "Type,Creator,Created", "per_page": PAGE_SIZE, "page": page}).get("items") or []
            for item in items:
                at = _datetime(item.get("Created"))
                if item.get("Type") in MESSAGES and at is not None and at > since:
                    creator = item.get("Creator")
                    author = creator.get("id") if isinstance(creator, Mapping) else creator
                    written.append((int(item["id"]), str(item["Type"]), str(author or ""), at))
            if len(items) < PAGE_SIZE:  # history answers "total": null, "pages": null
                break
            page += 1
        texts = self._texts([txn for txn, *_ in written])
        return [TicketComment(str(txn), author, texts.get(txn, ""), kind != "Comment", at)
                for txn, kind, author, at in written]

    def _ticket(self, item: Mapping[str, Any], body: str) -> Ticket:
        values = field_values(item)
        queue = item.get("Queue") or {}
        fields: dict[str, Any] = {name: _field(v) for name, v in sorted(values.items())}
        fields["Queue"] = str(queue.get("Name") or queue.get("id") or "")
        requestors = item.get("Requestor") or []
        raw = {**item, "CustomFields": sorted(item.get("CustomFields") or (), key=lambda cf: str(cf.get("name")))}
        return Ticket(
            ref=TicketRef(self.name, str(item["id"])),
            subject=str(item.get("Subject") or ""),
            body=body,
            url=f"{self.base_url}/Ticket/Display.html?id={item['id']}",
            requester=_person(requestors[0]) if requestors else None,
            status=str(item.get("Status") or ""),
            ticket_type=str(item.get("Type") or ""),
            tags=tuple(values.get(TAGS_FIELD, ())),
            fields=fields,
            created_at=_datetime(item.get("Created")),
            updated_at=_datetime(item.get("LastUpdated")),
            deleted=item.get("Status") == "deleted",
            raw=raw,
        )

    # Writing

    def apply(self, writes: Sequence[TicketWrite]) -> ApplyResult:
        """Each ticket's own patch; per write key None (done) or the error met. Exactly-once per (ticket, key)."""
        outcomes: dict[str, Exception | None] = {}
        for write in writes:
            try:
                self._apply_one(int(write.ref.external_id), write)
                outcomes[write.key] = None
            except ConnectorError as error:
                log.warning("rt.apply_failed", extra={"ticket": write.ref.external_id, "key": write.key,
                                                      "error": str(error)})
                outcomes[write.key] = error
        return outcomes

    def _apply_one(self, ticket_id: int, write: TicketWrite) -> None:
        patch = write.patch
        if patch.comment and not (write.check and self._has_marker(ticket_id, write.marker)):
            before = str(self.client.get_json(f"/ticket/{ticket_id}").get("Status") or "")
            self._post_message(ticket_id, message_html(patch.comment, write.marker), public=patch.public)
            if patch.public and before in INACTIVE and not patch.status:
                patch = replace(patch, status=before)
        if patch.fields or patch.status or patch.tags_add or patch.tags_remove:
            self._update(ticket_id, patch)

    def _has_marker(self, ticket_id: int, marker: str) -> bool:
        page = self.client.get_json(f"/ticket/{ticket_id}/attachments", params={
            "fields": "Content", "per_page": PAGE_SIZE, "orderby": "id", "order": "DESC"})
        return any(marker in str(a.get("Content") or "") for a in page.get("items") or ())

    def _post_message(self, ticket_id: int, html_text: str, *, public: bool) -> None:
        """One attempt, no automatic retry: a time-out may hide a message that landed."""
        path = f"/ticket/{ticket_id}/{'correspond' if public else 'comment'}"
        self.client.request("POST", path, json={"Content": html_text, "ContentType": "text/html"}, retries=0)

    def _update(self, ticket_id: int, patch: Patch) -> None:
        path = f"/ticket/{ticket_id}"
        if (patch.tags_add or patch.tags_remove) and TAGS_FIELD not in self.queue_fields():
            log.info("rt.tags_ignored", extra={"ticket": ticket_id, "queue": self.queue})
        for _ in range(ETAG_ATTEMPTS):
            response = self.client.request("GET", path)
            body = ticket_update(response.json(), patch, self.queue_fields())
            if not body:
                return
            etag = response.headers.get("ETag")
            try:
                answer = self.client.request("PUT", path, json=body, headers={"If-Match": etag} if etag else None)
            except FatalError as error:
                if error.status == 412:  # the ticket changed since it was read: read it again
                    continue
                raise
            rejected = [str(m) for m in answer.json() if any(mark in str(m) for mark in REJECTED)]
            if rejected:
                raise FatalError("; ".join(rejected), endpoint=f"PUT {API}{path}", status=answer.status_code)
            return
        raise RetriableError(f"ticket {ticket_id} kept changing while it was written (412)",
                             endpoint=f"PUT {API}{path}")

    def queue_fields(self) -> set[str]:
        """Names of the queue's ticket custom fields (read once)."""
        if self._queue_fields is None:
            queue = self.client.get_json(f"/queue/{quote(self.queue, safe='')}")
            self._queue_fields = {str(cf.get("name")) for cf in queue.get("TicketCustomFields") or ()}
        return self._queue_fields

    # Webhooks

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        """Verify X-Wishbridge-Signature (hex HMAC-SHA256 of the body, keyed by RT_TOKEN), then read
        `{"ticket": id, "event": type, "token": transaction id}`. No I/O."""
        given = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER, "").strip().lower()
        if not self.token:
            raise InvalidSignature("RT_TOKEN is not set, so no delivery can be verified")
        if not given or not hmac.compare_digest(given, signature(self.token, body)):
            raise InvalidSignature("X-Wishbridge-Signature is missing or does not match the body")
        data = decode_json(body)
        if not isinstance(data, dict) or not str(data.get("ticket", "")).isdigit():
            raise ValueError("expected {\"ticket\": <id>, \"event\": ..., \"token\": ...}")
        ticket = str(int(data["ticket"]))
        delivery = f"{ticket}:{data['token']}" if data.get("token") else hashlib.sha256(body).hexdigest()
        return [WebhookEvent(self.name, f"ticket.{data.get('event') or 'changed'}", delivery,
                             TicketRef(self.name, ticket), payload=data)]
