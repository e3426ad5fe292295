"""Zendesk Support: tickets in through the incremental cursor export, patches out, signed webhooks.

Reading. `fetch_changes` walks `GET /api/v2/incremental/tickets/cursor.json` (`start_time=0` on the very first
call only, then `cursor`), 1,000 tickets a call with requesters and organisations side-loaded, until
`end_of_stream`; only these calls pass the export rate limiter (ZENDESK_EXPORT_RPM). Every Change of a page
carries that page's `after_cursor`, oldest first. Tickets whose status is "deleted" come out as
Ticket(deleted=True). Ticket fields are read once and cached; an unknown field id or option tag refreshes
them once. Dropdown and multi-select values (option tags) become option names ("Маркировка::Агрегация").

Writing. `apply` sends one ref with `PUT /api/v2/tickets/{id}.json` and several with `update_many` (100 ids a
call), then follows the job; a ticket that failed inside a job is retried on its own. Writes are sent once,
never retried blindly: a time-out can hide a write that landed, so the retry is left to the caller.

Idempotency per (ticket, key). Tags, custom fields and status are idempotent by nature; only the comment is
not. So the comment is skipped when one with the same body is among the ticket's 100 newest comments
(`GET /api/v2/tickets/{id}/comments.json?sort_order=desc`), a check made before every single-ticket write
and before every retry of a key (one this connector tried already, or any `attempt` after the first, which
may follow a crash); a key done in this process is not sent again at all. Only the first bulk try of a key
sends comments unchecked, to keep 100 tickets at one call. Known
trade-off: an identical message posted on purpose twice in a row (same text, new key) is posted once.

Webhooks. `X-Zendesk-Webhook-Signature` must equal base64(HMAC-SHA256(secret, timestamp + body)), and the
timestamp be within five minutes of now; see
https://developer.zendesk.com/documentation/webhooks/verifying/. Event envelopes (`zen:event-type:ticket.*`)
and trigger bodies (`ticket_id`) are both understood.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

import requests

from bridge.config import Settings
from bridge.errors import ConfigError, ConnectorError, InvalidSignature, RetriableError
from bridge.http import Client, RateLimiter, follow_pages
from bridge.model import Change, Organization, Patch, Person, Ticket, TicketRef, WebhookEvent
from bridge.webhooks import decode_json

EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
SIDELOADS = "users,organizations"
PAGE_SIZE = 1000
BULK_LIMIT = 100
SIGNATURE_TOLERANCE = 300.0
OPTION_TYPES = frozenset({"tagger", "multiselect"})
JOB_DONE = frozenset({"completed", "failed", "killed"})
EVENT_PREFIX = "zen:event-type:"


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


def ticket_update(patch: Patch, *, with_comment: bool = True) -> dict[str, Any]:
    """The `ticket` object of an update request for `patch`; additional_tags/remove_tags keep other tags."""
    body: dict[str, Any] = {}
    if patch.comment and with_comment:
        body["comment"] = {"body": patch.comment, "public": patch.public}
    if patch.tags_add:
        body["additional_tags"] = list(patch.tags_add)
    if patch.tags_remove:
        body["remove_tags"] = list(patch.tags_remove)
    if patch.fields:
        body["custom_fields"] = [{"id": int(fid), "value": value} for fid, value in patch.fields.items()]
    if patch.status:
        body["status"] = patch.status
    return body


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
        self._tried: set[tuple[str, str]] = set()
        self._done: set[tuple[str, str]] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> ZendeskConnector:
        s = settings.section("ZENDESK")
        if s["url"] and not (s["email"] and s["api_token"]):
            raise ConfigError(["ZENDESK_EMAIL and ZENDESK_API_TOKEN are required when ZENDESK_URL is set"])
        return cls(s["url"], s["email"], s["api_token"], webhook_secret=s["webhook_secret"],
                   export_rpm=s["export_rpm"])

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
        page: dict[str, Any] = self.client.get_json(url, limiter=self.limiter)
        if page.get("end_of_stream") or not page.get("after_cursor"):
            return page, None
        return page, self._export_url({"cursor": page["after_cursor"]})

    def get_ticket(self, ref: TicketRef) -> Ticket:
        body = self.client.get_json(f"/api/v2/tickets/{int(ref.external_id)}.json", params={"include": SIDELOADS})
        return self._ticket(body["ticket"], _by_id(body.get("users")), _by_id(body.get("organizations")))

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

    def apply(self, refs: Sequence[TicketRef], patch: Patch, *,
              idempotency_key: str, attempt: int = 1) -> dict[TicketRef, Exception | None]:
        """Write `patch` to every ticket; per ref None (done) or the error met. Idempotent per (ticket, key)."""
        unique = list(dict.fromkeys(refs))
        outcomes: dict[TicketRef, Exception | None] = {
            ref: None for ref in unique if (ref.external_id, idempotency_key) in self._done
        }
        todo = [ref for ref in unique if ref not in outcomes]
        fresh = [] if attempt > 1 else [ref for ref in todo if (ref.external_id, idempotency_key) not in self._tried]
        bulk = fresh if len(todo) > 1 else []
        self._tried.update((ref.external_id, idempotency_key) for ref in todo)
        alone = [ref for ref in todo if ref not in bulk]
        for chunk in (bulk[start:start + BULK_LIMIT] for start in range(0, len(bulk), BULK_LIMIT)):
            done, failed, retry = self._update_many(chunk, patch)
            outcomes.update(dict.fromkeys(done))
            outcomes.update(failed)
            alone.extend(retry)
        for ref in alone:
            outcomes[ref] = self._update_one(ref, patch)
        self._done.update((ref.external_id, idempotency_key) for ref, error in outcomes.items() if error is None)
        return outcomes

    def _write(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One attempt, no automatic retry: a time-out may hide a write that landed."""
        return self.client.request(method, path, retries=0, **kwargs)

    def _has_comment(self, ref: TicketRef, comment: str) -> bool:
        page = self.client.get_json(f"/api/v2/tickets/{int(ref.external_id)}/comments.json",
                                    params={"sort_order": "desc"})
        return any((c.get("body") or "").strip() == comment.strip() for c in page.get("comments") or ())

    def _update_one(self, ref: TicketRef, patch: Patch) -> Exception | None:
        try:
            present = bool(patch.comment) and self._has_comment(ref, patch.comment or "")
            body = ticket_update(patch, with_comment=not present)
            if body:
                self._write("PUT", f"/api/v2/tickets/{int(ref.external_id)}.json", json={"ticket": body})
        except ConnectorError as error:
            return error
        return None

    def _update_many(self, refs: Sequence[TicketRef], patch: Patch
                     ) -> tuple[list[TicketRef], dict[TicketRef, Exception], list[TicketRef]]:
        """(done, failed for good, to retry alone) for one update_many call of at most 100 tickets."""
        ids = ",".join(str(int(ref.external_id)) for ref in refs)
        try:
            response = self._write("PUT", "/api/v2/tickets/update_many.json", params={"ids": ids},
                                   json={"ticket": ticket_update(patch)})
            job = self._follow_job(response.json()["job_status"])
        except ConnectorError as error:
            return [], dict.fromkeys(refs, error), []
        succeeded = {str(r.get("id")) for r in job.get("results") or () if r.get("success")}
        done = [ref for ref in refs if ref.external_id in succeeded]
        if job["status"] not in JOB_DONE:
            waiting = RetriableError(f"job {job.get('id')} still {job['status']}", endpoint="GET /api/v2/job_statuses")
            return done, {ref: waiting for ref in refs if ref.external_id not in succeeded}, []
        return done, {}, [ref for ref in refs if ref.external_id not in succeeded]

    def _follow_job(self, job: dict[str, Any]) -> dict[str, Any]:
        for _ in range(self.job_polls):
            if job.get("status") in JOB_DONE:
                break
            self.client.sleep(self.job_poll_seconds)
            job = self.client.get_json(f"/api/v2/job_statuses/{job['id']}.json")["job_status"]
        return job

    # Webhooks

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        """Verify the signature and freshness, then parse; raises InvalidSignature or ValueError. No I/O."""
        verify_signature(self.webhook_secret, headers, body, self.clock())
        return webhook_events(headers, body)
