"""Zendesk Support: tickets in through the incremental cursor export, patches out, signed webhooks.

Reading. `fetch_changes` walks `GET /api/v2/incremental/tickets/cursor.json` (`start_time=0` on the very first
call only, then `cursor`), 1,000 tickets a call with requesters and organisations side-loaded, until
`end_of_stream`; only these calls pass the export rate limiter (ZENDESK_EXPORT_RPM). Every Change of a page
carries that page's `after_cursor`, oldest first. Tickets whose status is "deleted" come out as
Ticket(deleted=True). Ticket fields are read once and cached; an unknown field id or option tag refreshes
them once. Dropdown and multi-select values (option tags) become option names ("Маркировка::Агрегация").

Writing. `apply` takes up to 3,000 ticket writes, each with its own patch: one write goes out as `PUT
/api/v2/tickets/{id}.json`, several as batch `PUT /api/v2/tickets/update_many.json` calls with a `tickets`
array of per-ticket bodies, 100 a call; all of them are queued first (at most 30 jobs, Zendesk's limit per
account), then their jobs are followed together through `GET /api/v2/job_statuses/show_many.json`.
Writes are sent once, never retried blindly: a time-out can hide a write that landed.

Exactly-once per (ticket, key): every write adds a marker tag (`TicketWrite.marker`, "wb_" and twelve hex
digits of the key) in the same update as its comment, and Zendesk applies one update atomically. A write that
may have landed already (`check`) first waits for the account's queued or running jobs
(`GET /api/v2/job_statuses`), then reads its tickets with `GET /api/v2/tickets/show_many.json`: a ticket
that carries the marker is done. Comment text is never compared (Zendesk collapses its whitespace).

Closed tickets refuse updates (422; solved tickets close by themselves after some days). A message for a
closed ticket becomes a follow-up ticket (`via_followup_source_id`) to the same requester, with the message
as its first public comment in the customer's language, the stage's tags, the marker and the tag
`wishbridge_followup`, created with `Idempotency-Key` (Zendesk keeps it two hours). Later messages go to that
follow-up while it is open, so a customer has one conversation; every write first looks for its marker among
the closed ticket's `followup_ids`. A closed ticket with no public message to carry
(tags or fields only) is left as it is. See
https://developer.zendesk.com/documentation/ticketing/managing-tickets/creating-and-updating-tickets/

Webhooks. `X-Zendesk-Webhook-Signature` must equal base64(HMAC-SHA256(secret, timestamp + body)), and the
timestamp be within five minutes of now; see
https://developer.zendesk.com/documentation/webhooks/verifying/. Event envelopes (`zen:event-type:ticket.*`)
and trigger bodies (`ticket_id`) are both understood.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode

import requests

from bridge.config import Key, Settings, optional, positive_int, url
from bridge.errors import ConfigError, ConnectorError, FatalError, InvalidSignature, RetriableError
from bridge.http import Client, RateLimiter, follow_pages
from bridge.model import (
    Change,
    Organization,
    Patch,
    Person,
    SidebarVisit,
    Ticket,
    TicketComment,
    TicketRef,
    TicketWrite,
    WebhookEvent,
)
from bridge.payloads import decode_json
from connectors.zendesk.sidebar_jwt import verify_zendesk

log = logging.getLogger(__name__)
EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
SIDELOADS = "users,organizations"
PAGE_SIZE = 1000
MIN_PAGE_SIZE = 100
BULK_LIMIT = 100
MAX_JOBS = 30  # Zendesk queues at most 30 background jobs per account
SIGNATURE_TOLERANCE = 300.0
OPTION_TYPES = frozenset({"tagger", "multiselect"})
JOB_DONE = frozenset({"completed", "failed", "killed"})
EVENT_PREFIX = "zen:event-type:"
JOBS_ENDPOINT = "GET /api/v2/job_statuses/show_many"
FOLLOW_UP_TAG = "wishbridge_followup"


class FieldCatalog:
    """Ticket fields by id: which exist, and each dropdown's option tag -> option name."""

    def __init__(self, fields: Iterable[Mapping[str, Any]] = ()) -> None:
        self.known: set[int] = set()
        self.options: dict[int, dict[str, str]] = {}
        for field in fields:
            self.known.add(int(field["id"]))
            if field.get("type") in OPTION_TYPES:
                self.options[int(field["id"])] = {
                    str(o["value"]): str(o["name"]) for o in field.get("custom_field_options") or ()
                }

    def knows(self, field_id: int, value: Any) -> bool:
        if field_id not in self.known:
            return False
        names = self.options.get(field_id)
        tags = value if isinstance(value, list) else [value]
        return names is None or all(str(tag) in names for tag in tags)

    def tag(self, field_id: int, value: Any) -> Any:
        """What Zendesk expects on write: the option's tag for a dropdown value given by its name."""
        tags = {name: tag for tag, name in self.options.get(field_id, {}).items()}
        if isinstance(value, list):
            return [tags.get(str(v), v) for v in value]
        return tags.get(str(value), value) if value is not None else None

    def label(self, field_id: int, value: Any) -> Any:
        names = self.options.get(field_id)
        if names is None:
            return value
        if isinstance(value, list):
            return [names.get(str(tag), tag) for tag in value]
        return names.get(str(value), value)


def _by_id(items: Iterable[Mapping[str, Any]] | None) -> dict[int, Mapping[str, Any]]:
    return {int(item["id"]): item for item in items or ()}


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _person(user_id: Any, users: Mapping[int, Mapping[str, Any]]) -> Person | None:
    if not user_id:
        return None
    user = users.get(int(user_id), {})
    return Person(str(user_id), user.get("name") or "", user.get("email") or "", user.get("locale") or "")


def _organization(org_id: Any, orgs: Mapping[int, Mapping[str, Any]]) -> Organization | None:
    if not org_id:
        return None
    org = orgs.get(int(org_id), {})
    return Organization(str(org_id), org.get("name") or "", dict(org.get("organization_fields") or {}))


def custom_field_values(patch: Patch) -> list[dict[str, Any]]:
    return [{"id": int(fid), "value": value} for fid, value in patch.fields.items()]


def ticket_update(patch: Patch, marker: str | None = None) -> dict[str, Any]:
    """The `ticket` object of an update for `patch`; additional_tags/remove_tags keep other tags, and
    `marker` rides along as a tag in the same update."""
    body: dict[str, Any] = {}
    if patch.comment:
        body["comment"] = {"body": patch.comment, "public": patch.public}
    tags = [*patch.tags_add, *([marker] if marker else [])]
    if tags:
        body["additional_tags"] = tags
    if patch.tags_remove:
        body["remove_tags"] = list(patch.tags_remove)
    if patch.fields:
        body["custom_fields"] = custom_field_values(patch)
    if patch.status:
        body["status"] = patch.status
    return body


def follow_up_ticket(original: Mapping[str, Any], write: TicketWrite) -> dict[str, Any]:
    """A follow-up of the closed `original` carrying `write`'s message, tags and marker."""
    patch = write.patch
    body: dict[str, Any] = {
        "via_followup_source_id": int(original["id"]), "requester_id": original.get("requester_id"),
        "subject": original.get("subject") or original.get("raw_subject") or "",
        "comment": {"body": patch.comment, "public": True},
        "tags": [*patch.tags_add, write.marker, FOLLOW_UP_TAG],
    }
    if patch.fields:
        body["custom_fields"] = custom_field_values(patch)
    return body


def _timed_out(error: RetriableError) -> bool:
    return error.status == 504 or "Timeout" in str(error)


def _with_page_size(url: str, per_page: int) -> str:
    path, _, query = url.partition("?")
    return f"{path}?{urlencode({**dict(parse_qsl(query)), 'per_page': per_page})}"


def _refused_as_closed(error: ConnectorError) -> bool:
    return error.status == 422 and "closed" in str(error).lower()


def _succeeded(result: Mapping[str, Any] | None) -> bool:
    return bool(result) and (result or {}).get("success") is not False and not (result or {}).get("error")


def _job_outcomes(job: Mapping[str, Any], writes: Sequence[TicketWrite]) -> dict[str, Exception | None]:
    results = {str(r.get("id")): r for r in job.get("results") or ()}
    if job.get("status") not in JOB_DONE:
        waiting = RetriableError(f"job {job.get('id')} still {job.get('status')}", endpoint=JOBS_ENDPOINT)
        return {w.key: None if _succeeded(results.get(w.ref.external_id)) else waiting for w in writes}
    return {w.key: _job_outcome(results.get(w.ref.external_id)) for w in writes}


def _job_outcome(result: Mapping[str, Any] | None) -> Exception | None:
    """A finished job's word on one ticket: done, closed (422, becomes a follow-up), or retry later."""
    if _succeeded(result):
        return None
    detail = f"{(result or {}).get('error') or 'no result'}: {(result or {}).get('details') or ''}".strip(": ")
    status = 422 if "closed" in detail.lower() else None
    return ConnectorError(detail, endpoint=JOBS_ENDPOINT, status=status) if status else RetriableError(
        detail, endpoint=JOBS_ENDPOINT)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _seconds(timestamp: str) -> float:
    if timestamp.isdigit():
        return float(timestamp)
    try:
        return datetime.fromisoformat(timestamp).timestamp()
    except ValueError:
        raise InvalidSignature("unreadable X-Zendesk-Webhook-Signature-Timestamp") from None


def verify_signature(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Raise InvalidSignature unless the delivery is signed with `secret` within five minutes of `now`."""
    if not secret:
        raise InvalidSignature("ZENDESK_WEBHOOK_SECRET is not set")
    lower = {k.lower(): v for k, v in headers.items()}
    given = lower.get("x-zendesk-webhook-signature", "")
    timestamp = lower.get("x-zendesk-webhook-signature-timestamp", "")
    if not given or not timestamp:
        raise InvalidSignature("missing X-Zendesk-Webhook-Signature or its timestamp")
    if abs(now - _seconds(timestamp)) > SIGNATURE_TOLERANCE:
        raise InvalidSignature("timestamp more than five minutes away from now")
    if not hmac.compare_digest(given.encode(), signature(secret, timestamp, body).encode()):
        raise InvalidSignature("signature does not match the body")


def _envelope_events(data: Mapping[str, Any]) -> list[WebhookEvent]:
    kind = str(data["type"]).removeprefix(EVENT_PREFIX)
    if not kind.startswith("ticket."):
        return []
    ticket_id = (data.get("detail") or {}).get("id") or str(data.get("subject", "")).rpartition(":")[2]
    if not ticket_id:
        raise ValueError(f"Zendesk event {data.get('id')} names no ticket")
    return [WebhookEvent("zendesk", kind, str(data["id"]), TicketRef("zendesk", str(ticket_id)), payload=data)]


def webhook_events(headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
    """Events of a verified delivery: an event envelope, or a trigger body with `ticket_id`. No I/O."""
    data = decode_json(body)
    if isinstance(data, dict) and str(data.get("type", "")).startswith(EVENT_PREFIX):
        return _envelope_events(data)
    if isinstance(data, dict) and data.get("ticket_id"):
        lower = {k.lower(): v for k, v in headers.items()}
        delivery = lower.get("x-zendesk-webhook-invocation-id") or hashlib.sha256(body).hexdigest()
        return [WebhookEvent("zendesk", "ticket.trigger", delivery,
                             TicketRef("zendesk", str(data["ticket_id"])), payload=data)]
    raise ValueError("not a Zendesk ticket webhook: expected a zen:event-type:ticket.* envelope or a ticket_id")


class ZendeskConnector:
    """A Zendesk Support account reached with an agent's API token."""

    name: ClassVar[str] = "zendesk"
    role: ClassVar[str] = "helpdesk"
    batch_size: ClassVar[int] = BULK_LIMIT * MAX_JOBS
    settings: ClassVar[tuple[Key, ...]] = (
        Key("URL", "", "e.g. https://acme.zendesk.com (empty: Zendesk not used)", optional(url)),
        Key("EMAIL", "", "agent e-mail for API-token auth"),
        Key("API_TOKEN", "", "Zendesk API token", secret=True),
        Key("WEBHOOK_SECRET", "", "signing secret of the Zendesk webhook", secret=True),
        Key("APP_PUBLIC_KEY", "", "PEM public key of the Wishbridge Zendesk app (GET /api/v2/apps/{id}/"
            "public_key.pem; newlines may be written \\n): Zendesk signs the sidebar's JWT with RS256"),
        Key("APP_SECRET", "", "shared HS256 secret for the sidebar's JWT when no public key is set (sandbox)",
            secret=True),
        Key("EXPORT_RPM", "10", "incremental export requests per minute (30 with High Volume)", positive_int),
    )
    delivery_headers: ClassVar[tuple[str, ...]] = ("x-zendesk-webhook-id", "x-zendesk-webhook-invocation-id")
    secret_body_fields: ClassVar[tuple[str, ...]] = ()
    frames_sidebar: ClassVar[bool] = True

    def __init__(self, url: str, email: str, api_token: str, *, webhook_secret: str = "", export_rpm: int = 10,
                 clock: Callable[[], float] = time.time, page_size: int = PAGE_SIZE, job_poll_seconds: float = 1.0,
                 job_polls: int = 60) -> None:
        session = requests.Session()
        session.auth = (f"{email}/token", api_token)
        self.base_url = url.rstrip("/")
        self.client = Client(self.base_url, session=session)
        self.limiter = RateLimiter(per_minute=export_rpm)
        self.webhook_secret = webhook_secret
        self.clock = clock
        self.page_size = page_size
        self.job_poll_seconds = job_poll_seconds
        self.job_polls = job_polls
        self._catalog: FieldCatalog | None = None
        self._unresolved: set[tuple[int, str]] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> ZendeskConnector:
        s = settings.section("ZENDESK")
        if s["url"] and not (s["email"] and s["api_token"]):
            raise ConfigError(["ZENDESK_EMAIL and ZENDESK_API_TOKEN are required when ZENDESK_URL is set"])
        return cls(s["url"], s["email"], s["api_token"], webhook_secret=s["webhook_secret"],
                   export_rpm=s["export_rpm"])

    @classmethod
    def sidebar_visit(cls, settings: Settings, form: Mapping[str, str]) -> SidebarVisit:
        """Zendesk posts its JWT as the form field `token` when it opens the app (connectors/zendesk/sidebar_jwt.py)."""
        return verify_zendesk(settings, form.get("token", ""))

    # Reading

    def fetch_changes(self, since: str | None) -> Iterator[Change]:
        """Every ticket changed after `since`, oldest first; a page's changes share its after_cursor."""
        first = self._export_url({"cursor": since} if since else {"start_time": 0})
        for page in follow_pages(first, self._export_page):
            users, orgs = _by_id(page.get("users")), _by_id(page.get("organizations"))
            for raw in page.get("tickets") or ():
                yield Change(self._ticket(raw, users, orgs), page["after_cursor"])

    def _export_url(self, position: Mapping[str, Any]) -> str:
        return f"{EXPORT_PATH}?{urlencode({**position, 'per_page': self.page_size, 'include': SIDELOADS})}"

    def _export_page(self, url: str) -> tuple[dict[str, Any], str | None]:
        """One export page; a page that still times out after the client's retries is asked for again at half
        the size, down to 100, and the smaller size is kept for the rest of the run (Zendesk advises smaller
        pages when exports time out)."""
        while True:
            try:
                page: dict[str, Any] = self.client.get_json(url, limiter=self.limiter)
                break
            except RetriableError as error:
                if not (self.page_size > MIN_PAGE_SIZE and _timed_out(error)):
                    raise
                self.page_size = max(MIN_PAGE_SIZE, self.page_size // 2)
                log.warning("zendesk.export_page_smaller", extra={"per_page": self.page_size, "error": str(error)})
                url = _with_page_size(url, self.page_size)
        if page.get("end_of_stream") or not page.get("after_cursor"):
            return page, None
        return page, self._export_url({"cursor": page["after_cursor"]})

    def get_ticket(self, ref: TicketRef) -> Ticket:
        body = self.client.get_json(f"/api/v2/tickets/{int(ref.external_id)}.json", params={"include": SIDELOADS})
        return self._ticket(body["ticket"], _by_id(body.get("users")), _by_id(body.get("organizations")))

    def comments(self, ref: TicketRef, since: datetime) -> list[TicketComment]:
        """`GET /api/v2/tickets/{id}/comments` newest first (`sort_order=desc`, offset pages of 100), read until a
        comment at or before `since`. https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/"""
        first = f"/api/v2/tickets/{int(ref.external_id)}/comments.json?sort_order=desc&per_page={BULK_LIMIT}"
        found: list[TicketComment] = []
        for page in follow_pages(first, self._page_and_next):
            for raw in page.get("comments") or ():
                written = _datetime(raw.get("created_at"))
                if written is None or written <= since:
                    return found[::-1]
                found.append(TicketComment(str(raw["id"]), str(raw.get("author_id") or ""),
                                           str(raw.get("plain_body") or raw.get("body") or ""),
                                           bool(raw.get("public")), written))
        return found[::-1]

    def _page_and_next(self, url: str) -> tuple[dict[str, Any], str | None]:
        page: dict[str, Any] = self.client.get_json(url)
        return page, page.get("next_page")

    def _fields(self, custom_fields: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
        values = {int(f["id"]): f["value"] for f in custom_fields if f.get("value") is not None}
        if not values:
            return {}
        catalog = self._catalog_for(values)
        return {str(fid): catalog.label(fid, value) for fid, value in values.items()}

    def _catalog_for(self, values: Mapping[int, Any]) -> FieldCatalog:
        """The cached catalog, re-read once when a value names a field or option it does not know."""
        if self._catalog is None:
            self._catalog = self._load_fields()
        unknown = {(fid, str(v)) for fid, v in values.items() if not self._catalog.knows(fid, v)}
        if unknown - self._unresolved:
            self._catalog = self._load_fields()
            self._unresolved |= {(fid, v) for fid, v in unknown if not self._catalog.knows(fid, values[fid])}
        return self._catalog

    def _load_fields(self) -> FieldCatalog:
        return FieldCatalog(self.client.get_json("/api/v2/ticket_fields.json").get("ticket_fields") or ())

    def _ticket(self, raw: Mapping[str, Any], users: Mapping[int, Mapping[str, Any]],
                orgs: Mapping[int, Mapping[str, Any]]) -> Ticket:
        return Ticket(
            ref=TicketRef(self.name, str(raw["id"])),
            subject=raw.get("subject") or "",
            body=raw.get("description") or "",
            url=f"{self.base_url}/agent/tickets/{raw['id']}",
            requester=_person(raw.get("requester_id"), users),
            organization=_organization(raw.get("organization_id"), orgs),
            channel=(raw.get("via") or {}).get("channel") or "",
            status=raw.get("status") or "",
            ticket_type=raw.get("type") or "",
            tags=tuple(raw.get("tags") or ()),
            fields=self._fields(raw.get("custom_fields") or ()),
            created_at=_datetime(raw.get("created_at")),
            updated_at=_datetime(raw.get("updated_at")),
            deleted=raw.get("status") == "deleted",
            raw=raw,
        )

    # Writing

    def apply(self, writes: Sequence[TicketWrite]) -> dict[str, Exception | None]:
        """Each ticket's own patch; per write key None (done) or the error met. Exactly-once per (ticket, key)."""
        outcomes: dict[str, Exception | None] = {}
        writes = [self._with_option_tags(w) for w in writes]
        checked = [w for w in writes if w.check]
        seen = self._show_many([w.ref for w in checked], settle=True) if checked else {}
        todo: list[TicketWrite] = []
        closed: list[TicketWrite] = []
        for write in writes:
            ticket = seen.get(write.ref.external_id)
            if ticket is not None and write.marker in (ticket.get("tags") or ()):
                outcomes[write.key] = None
            elif ticket is not None and ticket.get("status") == "closed":
                closed.append(write)
            else:
                todo.append(write)
        sent = self._update_one(todo[0]) if len(todo) == 1 else self._update_many(todo) if todo else {}
        for write in todo:
            error = sent.get(write.key)
            if isinstance(error, ConnectorError) and _refused_as_closed(error):
                closed.append(write)
            else:
                outcomes[write.key] = error
        for write in closed:
            outcomes[write.key] = self._follow_up(write, seen.get(write.ref.external_id))
        return outcomes

    def _with_option_tags(self, write: TicketWrite) -> TicketWrite:
        """Dropdown values written by option name (as mappings and the export show them) become tags."""
        if not write.patch.fields:
            return write
        if self._catalog is None:
            self._catalog = self._load_fields()
        catalog = self._catalog
        fields = {fid: catalog.tag(int(fid), value) for fid, value in write.patch.fields.items()}
        return replace(write, patch=replace(write.patch, fields=fields))

    def _write(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One attempt, no automatic retry: a time-out may hide a write that landed."""
        return self.client.request(method, path, retries=0, **kwargs)

    def _show_many(self, refs: Sequence[TicketRef], *, settle: bool = False) -> dict[str, dict[str, Any]]:
        """The tickets by id (deleted ones are left out), after the account's unfinished jobs if `settle`."""
        if settle:
            self._settle_jobs()
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(refs), BULK_LIMIT):
            ids = ",".join(str(int(ref.external_id)) for ref in refs[start:start + BULK_LIMIT])
            body = self.client.get_json("/api/v2/tickets/show_many.json", params={"ids": ids})
            found.update({str(t["id"]): t for t in body.get("tickets") or ()})
        return found

    def _settle_jobs(self) -> None:
        """Wait for the account's queued or running jobs: one may still hold a write of an earlier try."""
        jobs = self.client.get_json("/api/v2/job_statuses.json").get("job_statuses") or ()
        self._follow_jobs([job for job in jobs if job.get("status") not in JOB_DONE])

    def _update_one(self, write: TicketWrite) -> dict[str, Exception | None]:
        try:
            self._write("PUT", f"/api/v2/tickets/{int(write.ref.external_id)}.json",
                        json={"ticket": ticket_update(write.patch, write.marker)})
        except ConnectorError as error:
            return {write.key: error}
        return {write.key: None}

    def _update_many(self, writes: Sequence[TicketWrite]) -> dict[str, Exception | None]:
        """Batch updates of at most 100 tickets each, every ticket with its own body, all jobs queued before
        any is polled (Zendesk queues up to 30 per account); per key None or the error met."""
        outcomes: dict[str, Exception | None] = {}
        queued: dict[str, list[TicketWrite]] = {}
        submitted: list[dict[str, Any]] = []
        for chunk in (writes[start:start + BULK_LIMIT] for start in range(0, len(writes), BULK_LIMIT)):
            body = {"tickets": [{"id": int(w.ref.external_id), **ticket_update(w.patch, w.marker)} for w in chunk]}
            try:
                job = self._write("PUT", "/api/v2/tickets/update_many.json", json=body).json()["job_status"]
                queued[str(job["id"])] = list(chunk)
                submitted.append(job)
            except ConnectorError as error:
                outcomes.update({w.key: error for w in chunk})
        try:
            jobs = self._follow_jobs(submitted)
        except ConnectorError as error:
            return {**outcomes, **{w.key: error for chunk in queued.values() for w in chunk}}
        for job in jobs:
            outcomes.update(_job_outcomes(job, queued[str(job["id"])]))
        return outcomes

    def _follow_jobs(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The jobs once finished (or as last seen after `job_polls` polls), polled together: first after a
        quarter of `job_poll_seconds`, then twice as long each time up to it (small jobs finish fast)."""
        by_id = {str(job["id"]): job for job in jobs}
        for poll in range(self.job_polls):
            running = [job_id for job_id, job in by_id.items() if job.get("status") not in JOB_DONE]
            if not running:
                break
            self.client.sleep(min(self.job_poll_seconds, self.job_poll_seconds / 4 * 2 ** poll))
            polled = self.client.get_json("/api/v2/job_statuses/show_many.json", params={"ids": ",".join(running)})
            by_id.update({str(job["id"]): job for job in polled.get("job_statuses") or ()})
        return list(by_id.values())

    def _follow_up(self, write: TicketWrite, original: Mapping[str, Any] | None) -> Exception | None:
        """The message of a closed ticket as a follow-up ticket to the same requester, created once."""
        if not (write.patch.comment and write.patch.public and write.patch.follow_up_closed):
            return None
        try:
            if original is None:
                original = self._show_many([write.ref]).get(write.ref.external_id)
            if original is None:
                return FatalError(f"ticket {write.ref.external_id} is gone", endpoint="GET /api/v2/tickets/show_many")
            refs = [TicketRef(self.name, str(i)) for i in original.get("followup_ids") or ()]
            followups = list(self._show_many(refs).values())
            if any(write.marker in (t.get("tags") or ()) for t in followups):
                return None
            open_ones = [t for t in followups if FOLLOW_UP_TAG in (t.get("tags") or ()) and t.get("status") != "closed"]
            if open_ones:
                return self._update_one(replace(write, ref=TicketRef(self.name, str(open_ones[-1]["id"]))))[write.key]
            self._write("POST", "/api/v2/tickets.json", headers={"Idempotency-Key": write.key},
                        json={"ticket": follow_up_ticket(original, write)})
        except ConnectorError as error:
            return error
        return None

    # Webhooks

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        """Verify the signature and freshness, then parse; raises InvalidSignature or ValueError. No I/O."""
        verify_signature(self.webhook_secret, headers, body, self.clock())
        return webhook_events(headers, body)
