"""A sandbox Zendesk Support: the endpoints Wishbridge uses, with Zendesk's shapes, held in memory.

Endpoints (each also without `.json`): `GET /api/v2/incremental/tickets/cursor.json` (start_time or an opaque
cursor, per_page up to 1000, include=users,organizations, after_cursor/after_url/end_of_stream; 429 with
Retry-After past `export_budget_per_minute`), `GET /api/v2/ticket_fields.json`, `GET|PUT
/api/v2/tickets/{id}.json`, `GET /api/v2/tickets/show_many.json?ids=` (at most 100), `POST
/api/v2/tickets.json` (follow-ups of closed tickets through `via_followup_source_id`; `Idempotency-Key`
answered as Zendesk does: a repeat returns the first ticket with `x-idempotency-lookup: hit`, the same key
with another body is refused with 400 IdempotentRequestError), `GET /api/v2/tickets/{id}/comments.json`
(sort_order, page, per_page), `PUT /api/v2/tickets/update_many.json` (bulk form `?ids=` with one `ticket`,
or batch form with a `tickets` array of per-ticket bodies; at most 100), and the jobs it queues: `GET
/api/v2/job_statuses.json`, `GET /api/v2/job_statuses/{id}.json`, `GET /api/v2/job_statuses/show_many.json`.
A job runs in the background `job_seconds` after it was queued, not when it is submitted nor when it is
polled, so a client that does not wait sees it queued. Requests need basic auth `{email}/token:{api_token}`
(else Zendesk's 401 body); unknown or deleted tickets get Zendesk's 404 body; closed tickets refuse updates
(422); comment bodies have their runs of spaces collapsed, as Zendesk does. Tickets whose id is in
`sandbox.fail_ids` fail inside bulk jobs only, as a locked ticket would. Not reproduced: the export's
one-minute delay, archived tickets, ticket forms, solved tickets closing by themselves (`close_ticket`
closes one).

When `webhook_url` is set, every change POSTs a `zen:event-type:ticket.*` envelope there, signed with
`webhook_secret`, from one background thread (2-second time-out); `sandbox.wait_for_webhooks()` waits for it.

Seed (a JSON-able dict, or a file through `load_seed`); every key is optional::

    {"credentials": {"email": "bridge@example.com", "api_token": "sandbox-token", "user_id": 1},
     "ticket_fields": [{"id": 360000000001, "type": "tagger", "title": "Тема",
                        "custom_field_options": [{"name": "Маркировка::Агрегация", "value": "marking_aggregation"}]},
                       {"id": 360000000020, "type": "text", "title": "Версия"}],
     "organizations": [{"id": 501, "name": "ООО Ромашка",
                        "organization_fields": {"tier": "Enterprise", "paid_accounts": 120}}],
     "users": [{"id": 9001, "name": "Анна Петрова", "email": "anna@romashka.ru", "locale": "ru",
                "organization_id": 501}],
     "tickets": [{"id": 1, "subject": "...", "description": "...", "status": "open", "type": "task",
                  "priority": "normal", "tags": ["wish"], "requester_id": 9001, "organization_id": 501,
                  "via": {"channel": "email"}, "created_at": "2025-01-08T10:12:07Z",
                  "updated_at": "2025-01-08T10:12:07Z",
                  "custom_fields": [{"id": 360000000001, "value": "marking_aggregation"}],
                  "comments": [{"body": "...", "public": true, "author_id": 9001}]}]}

Field ids follow mappings/zendesk.yaml: 360000000001 topic (nested dropdown, "Category::Subcategory"),
360000000003 request type ("Feature request"), 360000000011 / 360000000012 the conditional subcategories of
marking / reports. A ticket without `comments` gets its description as the first comment; tickets are
exported in `updated_at` order, then in the order of later changes. Status "deleted" marks a deleted ticket.
"""

from __future__ import annotations

import base64
import bisect
import functools
import itertools
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from flask import Flask, Response, current_app, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

from connectors.zendesk import signature

log = logging.getLogger(__name__)
DEFAULT_CREDENTIALS: dict[str, Any] = {"email": "bridge@example.com", "api_token": "sandbox-token", "user_id": 1}
STATUSES = frozenset({"new", "open", "pending", "hold", "solved", "closed"})
PAGE_LIMIT = 1000
BULK_LIMIT = 100
NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}


class SandboxError(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body.get("error"))
        self.status, self.body, self.headers = status, body, headers or {}


def _collapsed(text: str) -> str:
    """Runs of spaces collapsed and lines stripped, as Zendesk stores a comment body."""
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines())


def load_seed(path: Path) -> dict[str, Any]:
    seed: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return seed


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def encode_cursor(seq: int, stamp: int) -> str:
    return base64.urlsafe_b64encode(f"{stamp}.0||{seq}|".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split("||")[1].rstrip("|"))
    except (ValueError, IndexError, UnicodeDecodeError):
        raise SandboxError(400, {"error": "InvalidPaginationParameter", "description": "cursor is invalid"}) from None


class ZendeskSandbox:
    """The account's state and behaviour; every public method is safe to call from tests and threads."""

    def __init__(self, seed: dict[str, Any], *, export_budget_per_minute: int, webhook_url: str | None,
                 webhook_secret: str | None, clock: Callable[[], float], job_seconds: float = 0.02) -> None:
        self.credentials = {**DEFAULT_CREDENTIALS, **seed.get("credentials", {})}
        self.ticket_fields: list[dict[str, Any]] = [dict(f) for f in seed.get("ticket_fields", ())]
        self.organizations = {int(o["id"]): dict(o) for o in seed.get("organizations", ())}
        self.users = {int(u["id"]): dict(u) for u in seed.get("users", ())}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.job_seconds = job_seconds
        self.idempotent: dict[str, tuple[str, int]] = {}
        self.fail_ids: set[int] = set()
        self.export_budget = export_budget_per_minute
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret or ""
        self.clock = clock
        self.lock = threading.RLock()
        self._export_calls: deque[float] = deque()
        self._changes: list[int] = []  # ticket id of change n at index n-1; stale once the ticket changes again
        self._stamps: list[int] = []  # generated_timestamp of each change
        self._seq_of: dict[int, int] = {}
        self._next_id = 1
        self._comment_ids = itertools.count(1)
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zendesk-sandbox-webhooks")
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zendesk-sandbox-jobs")
        self._deliveries: list[Future[Any]] = []
        seeded = sorted(seed.get("tickets", ()), key=lambda t: (t.get("updated_at") or "", int(t["id"])))
        for ticket in seeded:
            self.add_ticket(ticket, notify=False)

    # State changes

    def _touch(self, ticket: dict[str, Any], at: float | None = None) -> None:
        stamp = max(int(at if at is not None else self.clock()), self._stamps[-1] if self._stamps else 0)
        ticket["generated_timestamp"] = stamp
        self._changes.append(int(ticket["id"]))
        self._stamps.append(stamp)
        self._seq_of[int(ticket["id"])] = len(self._changes)

    def add_ticket(self, data: dict[str, Any], *, notify: bool = True) -> dict[str, Any]:
        """Create a ticket from seed-shaped `data`; returns it."""
        with self.lock:
            now = iso(self.clock())
            ticket_id = int(data.get("id") or self._next_id)
            self._next_id = max(self._next_id, ticket_id + 1)
            comments = data.get("comments") or [{"body": data.get("description", ""), "public": True}]
            ticket = {
                "id": ticket_id, "subject": "", "raw_subject": data.get("subject", ""), "description": "",
                "status": "new", "type": None, "priority": None, "tags": [], "custom_fields": [],
                "requester_id": self.credentials["user_id"], "submitter_id": data.get("requester_id"),
                "assignee_id": None, "organization_id": None, "group_id": None, "via": {"channel": "api"},
                "is_public": True, "created_at": now, "updated_at": now,
                **{k: v for k, v in data.items() if k != "comments"},
            }
            self.tickets[ticket_id] = ticket
            self.comments[ticket_id] = []
            for comment in comments:
                self._add_comment(ticket, comment, comment.get("author_id") or ticket["requester_id"])
            self._touch(ticket, _epoch(ticket["updated_at"]))
            if notify:
                self._notify(ticket, "created", {})
            return ticket

    def delete_ticket(self, ticket_id: int) -> None:
        with self.lock:
            ticket = self.live(ticket_id)
            ticket["status"] = "deleted"
            ticket["updated_at"] = iso(self.clock())
            self._touch(ticket)
            self._notify(ticket, "soft_deleted", {})

    def update_ticket(self, ticket_id: int, update: dict[str, Any], author_id: int | None = None
                      ) -> dict[str, Any]:
        """Apply a Zendesk ticket update object; returns the audit. Raises SandboxError like the API."""
        with self.lock:
            ticket = self.live(ticket_id)
            if ticket["status"] == "closed":
                raise SandboxError(422, {"error": "RecordInvalid", "description": "Record validation errors",
                                         "details": {"status": [{"description": "Status: closed prevents "
                                                                 "ticket update"}]}})
            status = update.get("status")
            if status is not None and status not in STATUSES:
                raise SandboxError(422, {"error": "RecordInvalid", "description": "Record validation errors",
                                         "details": {"status": [{"description": f"Status: {status} is invalid"}]}})
            author = author_id or self.credentials["user_id"]
            events: list[dict[str, Any]] = []
            kind = self._apply_update(ticket, update, author, events)
            ticket["updated_at"] = iso(self.clock())
            self._touch(ticket)
            self._notify(ticket, kind, events[0] if events else {})
            return {"id": len(self._changes), "ticket_id": ticket_id, "created_at": ticket["updated_at"],
                    "author_id": author, "metadata": {"system": {}, "custom": {}}, "via": {"channel": "api"},
                    "events": events}

    def _apply_update(self, ticket: dict[str, Any], update: dict[str, Any], author: int,
                      events: list[dict[str, Any]]) -> str:
        kind = "custom_field_changed"
        tags = list(update.get("tags", ticket["tags"]))
        tags += [t for t in update.get("additional_tags", ()) if t not in tags]
        removed = set(update.get("remove_tags", ()))
        if tags != ticket["tags"] or removed & set(tags):
            ticket["tags"], kind = [t for t in tags if t not in removed], "tags_changed"
        values = {int(f["id"]): f.get("value") for f in update.get("custom_fields", ())}
        ticket["custom_fields"] = [{"id": f["id"], "value": values.pop(int(f["id"]), f["value"])}
                                   for f in ticket["custom_fields"]]
        ticket["custom_fields"] += [{"id": fid, "value": value} for fid, value in values.items()]
        for name in ("subject", "type", "priority"):
            if name in update:
                ticket[name] = update[name]
        if update.get("status") and update["status"] != ticket["status"]:
            events.append({"id": len(self._changes) + 1, "type": "Change", "field_name": "status",
                           "value": update["status"], "previous_value": ticket["status"]})
            ticket["status"], kind = update["status"], "status_changed"
        if update.get("comment"):
            comment = self._add_comment(ticket, update["comment"], author)
            events.insert(0, {"id": comment["id"], "type": "Comment", "body": comment["body"],
                              "public": comment["public"]})
            kind = "comment_added"
        return kind

    def _add_comment(self, ticket: dict[str, Any], comment: dict[str, Any], author: int) -> dict[str, Any]:
        body = _collapsed(str(comment.get("body") or comment.get("html_body") or ""))
        stored: dict[str, Any] = {"id": next(self._comment_ids), "type": "Comment", "author_id": author,
                  "body": body, "html_body": f"<div class=\"zd-comment\"><p>{body}</p></div>",
                  "plain_body": body, "public": bool(comment.get("public", True)), "attachments": [],
                  "audit_id": len(self._changes) + 1, "created_at": comment.get("created_at") or iso(self.clock()),
                  "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
                  "metadata": {"system": {}, "custom": {}}}
        self.comments[int(ticket["id"])].append(stored)
        if not ticket.get("description"):
            ticket["description"] = body
        return stored

    def live(self, ticket_id: int) -> dict[str, Any]:
        """The ticket, or Zendesk's 404 when it does not exist or is deleted."""
        ticket = self.tickets.get(ticket_id)
        if ticket is None or ticket["status"] == "deleted":
            raise SandboxError(404, NOT_FOUND)
        return ticket

    # Reading

    def check_export_budget(self) -> None:
        now = self.clock()
        while self._export_calls and now - self._export_calls[0] >= 60:
            self._export_calls.popleft()
        if len(self._export_calls) >= self.export_budget:
            wait_for = max(1, int(60 - (now - self._export_calls[0]) + 0.999))
            raise SandboxError(429, {"error": "APIRateLimitExceeded", "description": "Number of allowed "
                                     "incremental export API requests per minute exceeded"},
                               {"Retry-After": str(wait_for)})
        self._export_calls.append(now)

    def export(self, start_time: int | None, cursor: str | None, per_page: int
               ) -> tuple[list[dict[str, Any]], str, bool]:
        """(tickets, after_cursor, end_of_stream) of one page of the cursor export."""
        if cursor:
            start = min(decode_cursor(cursor), len(self._changes))
        elif start_time is not None:
            start = bisect.bisect_left(self._stamps, start_time)
        else:
            raise SandboxError(400, {"error": "InvalidValue", "description": "start_time or cursor is required"})
        live = self._live_from(start)
        page = [self.tickets[ticket_id] for ticket_id in itertools.islice(live, per_page)]
        last = self._seq_of[int(page[-1]["id"])] if page else start
        stamp = self._stamps[last - 1] if last else 0
        return page, encode_cursor(last, stamp), next(live, None) is None

    def _live_from(self, start: int) -> Iterator[int]:
        """Ticket ids changed after the first `start` changes, each at its latest change only."""
        for index in range(start, len(self._changes)):
            ticket_id = self._changes[index]
            if self._seq_of[ticket_id] == index + 1:
                yield ticket_id

    def sideloads(self, tickets: list[dict[str, Any]], include: str) -> dict[str, list[dict[str, Any]]]:
        wanted = set(include.split(",")) if include else set()
        loaded: dict[str, list[dict[str, Any]]] = {}
        if "users" in wanted:
            ids = {t.get(k) for t in tickets for k in ("requester_id", "submitter_id", "assignee_id")}
            loaded["users"] = [self.users[i] for i in sorted(i for i in ids if i in self.users)]
        if "organizations" in wanted:
            ids = {t.get("organization_id") for t in tickets}
            loaded["organizations"] = [self.organizations[i] for i in sorted(i for i in ids if i in self.organizations)]
        return loaded

    def close_ticket(self, ticket_id: int) -> None:
        """What Zendesk does to a solved ticket after some days: it is closed and refuses updates."""
        with self.lock:
            ticket = self.live(ticket_id)
            ticket["status"] = "closed"
            ticket["updated_at"] = iso(self.clock())
            self._touch(ticket)

    def create_ticket(self, data: dict[str, Any], key: str | None) -> tuple[dict[str, Any], bool]:
        """(ticket, replayed) for `POST /api/v2/tickets`; a follow-up when `via_followup_source_id` names a
        closed ticket (it has no effect on others). With `key`, a repeat within two hours replays."""
        with self.lock:
            fingerprint = json.dumps(data, sort_keys=True)
            if key and key in self.idempotent:
                seen, ticket_id = self.idempotent[key]
                if seen != fingerprint:
                    raise SandboxError(400, {"error": "IdempotentRequestError", "description": "the idempotency "
                                             "key was used with another request body"})
                return self.tickets[ticket_id], True
            if not (data.get("comment") or {}).get("body"):
                raise SandboxError(422, {"error": "RecordInvalid", "description": "Record validation errors",
                                         "details": {"base": [{"description": "Description: cannot be blank"}]}})
            source = self.tickets.get(int(data.get("via_followup_source_id") or 0))
            fields = {k: v for k, v in data.items() if k not in ("id", "comment", "via_followup_source_id")}
            ticket = self.add_ticket({**fields, "status": "open",
                                      "comments": [{**data["comment"], "author_id": self.credentials["user_id"]}]})
            if source is not None and source["status"] == "closed":
                ticket["via"] = {"channel": "api", "source": {"rel": "follow_up", "from": {"ticket_id": source["id"]}}}
                source.setdefault("followup_ids", []).append(ticket["id"])
            if key:
                self.idempotent[key] = (fingerprint, int(ticket["id"]))
            return ticket, False

    def show_many(self, ids: list[int]) -> list[dict[str, Any]]:
        if len(ids) > BULK_LIMIT:
            raise SandboxError(400, {"error": "InvalidValue", "description": f"at most {BULK_LIMIT} ids"})
        return [t for t in (self.tickets.get(i) for i in ids) if t is not None and t["status"] != "deleted"]

    # Bulk jobs

    def update_many(self, updates: list[tuple[int, dict[str, Any]]], root: str) -> dict[str, Any]:
        """Queue a job that applies each (ticket id, update) `job_seconds` from now."""
        job_id = uuid.uuid4().hex
        self.jobs[job_id] = {"id": job_id, "job_type": "bulk_update", "status": "queued", "total": len(updates),
                             "progress": 0, "message": None, "results": None,
                             "url": f"{root}api/v2/job_statuses/{job_id}.json"}
        self._runner.submit(self._run_job, job_id, updates)
        return self.job(job_id)

    def _run_job(self, job_id: str, updates: list[tuple[int, dict[str, Any]]]) -> None:
        time.sleep(self.job_seconds)
        results: list[dict[str, Any]] = []
        with self.lock:
            self.jobs[job_id]["status"] = "working"
            for ticket_id, update in updates:
                try:
                    if ticket_id in self.fail_ids:
                        raise SandboxError(409, {"error": "TicketUpdateFailed",
                                                 "description": "the ticket was being updated by another request"})
                    self.update_ticket(ticket_id, update)
                    results.append({"id": ticket_id, "action": "update", "success": True, "status": "Updated"})
                except SandboxError as error:
                    details = error.body.get("details")
                    results.append({"id": ticket_id, "action": "update", "success": False,
                                    "error": str(error.body.get("error")),
                                    "details": json.dumps(details, ensure_ascii=False) if details
                                    else str(error.body.get("description"))})
            self.jobs[job_id].update(status="completed", progress=len(updates), results=results,
                                     message=f"Completed at {iso(self.clock())}")

    def job(self, job_id: str) -> dict[str, Any]:
        job = self.jobs.get(job_id)
        if job is None:
            raise SandboxError(404, NOT_FOUND)
        return dict(job)

    # Webhooks

    def _notify(self, ticket: dict[str, Any], kind: str, event: dict[str, Any]) -> None:
        if not self.webhook_url:
            return
        detail = {k: (str(v) if k.endswith("_id") and v is not None else v)
                  for k, v in ticket.items() if k not in ("custom_fields", "raw_subject", "generated_timestamp")}
        detail.update(id=str(ticket["id"]), status=str(ticket["status"]).upper(),
                      priority=(ticket.get("priority") or "").upper() or None,
                      type=(ticket.get("type") or "").upper() or None)
        envelope = {"account_id": 1, "detail": detail, "event": event, "id": str(uuid.uuid4()),
                    "subject": f"zen:ticket:{ticket['id']}", "time": iso(self.clock()),
                    "type": f"zen:event-type:ticket.{kind}", "zendesk_event_version": "2022-11-06"}
        self._deliveries.append(self._sender.submit(self._deliver, json.dumps(envelope).encode()))

    def _deliver(self, body: bytes) -> None:
        stamp = iso(self.clock())
        headers = {"Content-Type": "application/json", "X-Zendesk-Webhook-Id": "01SANDBOX",
                   "X-Zendesk-Webhook-Invocation-Id": uuid.uuid4().hex,
                   "X-Zendesk-Webhook-Signature-Timestamp": stamp,
                   "X-Zendesk-Webhook-Signature": signature(self.webhook_secret, stamp, body)}
        try:
            requests.post(str(self.webhook_url), data=body, headers=headers, timeout=2)
        except requests.RequestException as error:
            log.warning("sandbox.webhook_failed", extra={"url": self.webhook_url, "error": str(error)})

    def wait_for_webhooks(self, timeout: float = 10.0) -> None:
        wait(self._deliveries, timeout=timeout)


def sandbox_of(app: Flask) -> ZendeskSandbox:
    sandbox: ZendeskSandbox = app.extensions["zendesk_sandbox"]
    return sandbox


def _sandbox() -> ZendeskSandbox:
    return sandbox_of(current_app)


def _authorized(sandbox: ZendeskSandbox) -> bool:
    auth = request.authorization
    return bool(auth and auth.username == f"{sandbox.credentials['email']}/token"
                and auth.password == sandbox.credentials["api_token"])


def _ticket_body(ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket as served; unset properties are left out, as the spec declares them non-nullable."""
    shown = {k: v for k, v in ticket.items() if v is not None}
    return {**shown, "url": f"{request.host_url}api/v2/tickets/{ticket['id']}.json"}


def _routes(app: Flask) -> None:
    def route(rule: str, methods: list[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def locked(**kwargs: Any) -> Any:
                with _sandbox().lock:
                    return view(**kwargs)

            app.add_url_rule(rule, view.__name__, locked, methods=methods)
            app.add_url_rule(rule + ".json", view.__name__ + "_json", locked, methods=methods)
            return locked
        return register

    @route("/api/v2/incremental/tickets/cursor", ["GET"])
    def export() -> Any:
        sandbox = _sandbox()
        sandbox.check_export_budget()
        per_page = min(int(request.args.get("per_page", PAGE_LIMIT)), PAGE_LIMIT)
        start = request.args.get("start_time")
        page, after, end = sandbox.export(int(start) if start else None, request.args.get("cursor"), per_page)
        return jsonify(tickets=[_ticket_body(t) for t in page], after_cursor=after,
                       after_url=f"{request.host_url}api/v2/incremental/tickets/cursor.json?cursor={after}",
                       before_cursor=None, before_url=None, end_of_stream=end,
                       **sandbox.sideloads(page, request.args.get("include", "")))

    @route("/api/v2/ticket_fields", ["GET"])
    def ticket_fields() -> Any:
        fields = _sandbox().ticket_fields
        return jsonify(ticket_fields=fields, next_page=None, previous_page=None, count=len(fields))

    @route("/api/v2/tickets/<int:ticket_id>", ["GET", "PUT"])
    def ticket(ticket_id: int) -> Any:
        sandbox = _sandbox()
        if request.method == "PUT":
            audit = sandbox.update_ticket(ticket_id, (request.get_json(force=True) or {}).get("ticket") or {})
            return jsonify(ticket=_ticket_body(sandbox.tickets[ticket_id]), audit=audit)
        found = sandbox.live(ticket_id)
        return jsonify(ticket=_ticket_body(found), **sandbox.sideloads([found],
                                                                                 request.args.get("include", "")))

    @route("/api/v2/tickets/<int:ticket_id>/comments", ["GET"])
    def comments(ticket_id: int) -> Any:
        sandbox = _sandbox()
        sandbox.live(ticket_id)
        listed = sandbox.comments[ticket_id][::-1 if request.args.get("sort_order") == "desc" else 1]
        per_page, page = min(int(request.args.get("per_page", 100)), 100), int(request.args.get("page", 1))
        more = len(listed) > page * per_page
        base = f"{request.base_url}?per_page={per_page}&sort_order={request.args.get('sort_order', 'asc')}"
        return jsonify(comments=listed[(page - 1) * per_page:page * per_page], count=len(listed),
                       next_page=f"{base}&page={page + 1}" if more else None,
                       previous_page=f"{base}&page={page - 1}" if page > 1 else None)

    @route("/api/v2/tickets/show_many", ["GET"])
    def show_many() -> Any:
        ids = [int(i) for i in request.args.get("ids", "").split(",") if i.strip()]
        return jsonify(tickets=[_ticket_body(t) for t in _sandbox().show_many(ids)], next_page=None,
                       previous_page=None, count=len(ids))

    @route("/api/v2/tickets", ["POST"])
    def create_ticket() -> Any:
        data = (request.get_json(force=True) or {}).get("ticket") or {}
        key = request.headers.get("Idempotency-Key")
        ticket, replayed = _sandbox().create_ticket(data, key)
        response = jsonify(ticket=_ticket_body(ticket), audit={"ticket_id": ticket["id"], "events": []})
        response.status_code = 201
        if key:
            response.headers["x-idempotency-lookup"] = "hit" if replayed else "miss"
        return response

    @route("/api/v2/tickets/update_many", ["PUT"])
    def update_many() -> Any:
        body = request.get_json(force=True) or {}
        if "tickets" in body:
            updates = [(int(t["id"]), {k: v for k, v in t.items() if k != "id"}) for t in body["tickets"]]
        else:
            ids = [int(i) for i in request.args.get("ids", "").split(",") if i.strip()]
            updates = [(ticket_id, body.get("ticket") or {}) for ticket_id in ids]
        if not updates or len(updates) > BULK_LIMIT:
            raise SandboxError(400, {"error": "InvalidValue",
                                     "description": f"update 1 to {BULK_LIMIT} tickets at a time"})
        return jsonify(job_status=_sandbox().update_many(updates, request.host_url))

    @route("/api/v2/job_statuses", ["GET"])
    def job_statuses() -> Any:
        jobs = sorted(_sandbox().jobs.values(), key=lambda j: j["status"] == "completed")[:100]
        return jsonify(job_statuses=jobs, meta={"has_more": False, "after_cursor": None, "before_cursor": None},
                       links={"next": None, "prev": None})

    @route("/api/v2/job_statuses/show_many", ["GET"])
    def job_statuses_many() -> Any:
        ids = [i for i in request.args.get("ids", "").split(",") if i.strip()]
        return jsonify(job_statuses=[_sandbox().job(i) for i in ids if i in _sandbox().jobs])

    @route("/api/v2/job_statuses/<job_id>", ["GET"])
    def job_status(job_id: str) -> Any:
        return jsonify(job_status=_sandbox().job(job_id))


def create_sandbox(seed: dict[str, Any] | None = None, *, export_budget_per_minute: int = 10,
                   webhook_url: str | None = None, webhook_secret: str | None = None,
                   clock: Callable[[], float] = time.time, job_seconds: float = 0.02) -> Flask:
    """A Flask app behaving like Zendesk for the endpoints above; `sandbox_of(app)` reaches its state."""
    app = Flask(__name__)
    sandbox = ZendeskSandbox(seed or {}, export_budget_per_minute=export_budget_per_minute,
                             webhook_url=webhook_url, webhook_secret=webhook_secret, clock=clock,
                             job_seconds=job_seconds)
    app.extensions["zendesk_sandbox"] = sandbox

    @app.before_request
    def authenticate() -> Any:
        if request.path.startswith("/agent/"):  # the demo's agent view (sandboxes/zendesk_agent.py)
            return None
        return None if _authorized(sandbox) else (jsonify(error="Couldn't authenticate you"), 401)

    @app.errorhandler(SandboxError)
    def vendor_error(error: SandboxError) -> Response:
        response = jsonify(error.body)
        response.status_code = error.status
        response.headers.update(error.headers)
        return response

    @app.errorhandler(404)
    def not_found(_error: Exception) -> tuple[Response, int]:
        return jsonify(NOT_FOUND), 404

    _routes(app)
    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log: the demo and the benchmark print their own figures."""


def serve_in_thread(app: Flask) -> tuple[str, Callable[[], None]]:
    """Serve `app` on 127.0.0.1 at a free port from a daemon thread; returns (base_url, stop)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="zendesk-sandbox",
                              daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join()
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop
