"""A sandbox Usedesk: the API methods Wishbridge uses, with Usedesk's shapes, held in memory.

Methods, each `POST /{method}` with `api_token` in a JSON or form body (https://api.usedesk.ru/: "Все запросы
необходимо отправлять в HTTP POST"; any other verb answers 405): `tickets` (100 a page, `offset` counting pages,
filters `updated_after`/`updated_before` inclusive in UTC, `fstatus`, `fchannel`, `sort`/`order`; without
`sort` the newest ticket comes first), `ticket` (the ticket, all comments, tags, additional fields, history),
`ticket/fields`, `create/comment` (comments kept exactly as sent, never merged; `from: user` needs a known
`user_id`; without `type` a comment is private) and `update/ticket` (`tag` sets the whole tag list, `status`,
`field_id`/`field_value` joined by ";" with list values as option ids, `silent`; without `silent` a "new"
ticket turns "open"). Answers follow tests/fixtures/usedesk/, which name their sources.

Strictness where Usedesk documents nothing, always the harder reading: a wrong `api_token` is 401
`{"error": ...}`; an unknown ticket or a bad parameter is HTTP 200 with `{"error": ...}`, which public clients
guard against; past `rpm` requests in a sliding minute (150 published) the answer is 429 with Retry-After.
A public comment on a closed ticket is taken and the ticket stays closed (nothing documented says otherwise).

Webhooks (https://api.usedocs.com/article/51405): with `webhook_url` set, a new ticket, a new comment and a
change are POSTed there as JSON carrying `secret` (the channel's token unless `webhook_secret` is given), from
one background thread; `wait_for_webhooks()` waits for them. `GET /tickets/<id>` is a page for people: the
ticket and its comments as the customer reads them.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from html import escape
from typing import Any

import requests
from flask import Flask, Response, jsonify, request

from bridge.text.html import html_text
from sandboxes.zendesk import serve_in_thread

__all__ = ["SandboxError", "UsedeskSandbox", "create_sandbox", "sandbox_of", "serve_in_thread"]

log = logging.getLogger(__name__)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
PAGE_SIZE = 100
COMPANY_ID = "153561"
NEW, OPEN, CLOSED = 8, 1, 3
STATUSES = frozenset(range(1, 11))
SORTABLE = frozenset({"id", "status_id", "client_id", "assignee_id", "group", "last_updated_at", "published_at"})
TEXT, LIST, CHECKBOX, NESTED = 1, 2, 3, 4
# mappings/usedesk.yaml reads these: a nested list "Тема" > "Подтема" and the list "Вид обращения".
DEFAULT_FIELDS: list[dict[str, Any]] = [
    {"custom_field": {"id": "101", "ticket_field_type_id": str(NESTED), "name": "Тема", "parent_field_id": None},
     "field_options": [{"id": "1001", "value": "Маркировка", "parent_option_id": []},
                       {"id": "1002", "value": "Отчёты", "parent_option_id": []}]},
    {"custom_field": {"id": "102", "ticket_field_type_id": str(NESTED), "name": "Подтема", "parent_field_id": "101"},
     "field_options": [{"id": "1011", "value": "Агрегация", "parent_option_id": ["1001"]},
                       {"id": "1021", "value": "Выгрузка", "parent_option_id": ["1002"]}]},
    {"custom_field": {"id": "103", "ticket_field_type_id": str(LIST), "name": "Вид обращения", "parent_field_id": None},
     "field_options": [{"id": "1031", "value": "Вопрос", "parent_option_id": []},
                       {"id": "1032", "value": "Пожелание", "parent_option_id": []}]},
    {"custom_field": {"id": "104", "ticket_field_type_id": str(TEXT), "name": "Номер пожелания",
                      "parent_field_id": None}, "field_options": []},
]


class SandboxError(Exception):
    def __init__(self, message: str, status: int = 200, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.headers = message, status, dict(headers or {})


def stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime(TIME_FORMAT)


def _moment(value: str, name: str) -> str:
    """A filter date ("2016-11-25 00:00", seconds optional) as a full stamp."""
    for form in ("%Y-%m-%d %H:%M", TIME_FORMAT):
        try:
            return datetime.strptime(value, form).strftime(TIME_FORMAT)
        except ValueError:
            continue
    raise SandboxError(f"{name} must be written YYYY-MM-DD HH:MM")


def _field_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A field of DEFAULT_FIELDS-like input, completed to the documented shape."""
    field = entry["custom_field"]
    return {"custom_field": {"id": str(field["id"]), "company_id": COMPANY_ID,
                             "ticket_field_type_id": str(field["ticket_field_type_id"]), "name": field["name"],
                             "value": None, "required": "0", "add_tag": "0", "add_filter": "1", "sort": "0",
                             "active": "1", "hidden": "0", "api": "0", "deleted": "0",
                             "parent_field_id": field.get("parent_field_id")},
            "field_options": [{"id": str(o["id"]), "ticket_field_id": str(field["id"]), "value": o["value"],
                               "parent_option_id": list(o.get("parent_option_id") or ())}
                              for o in entry.get("field_options") or ()]}


class UsedeskSandbox:
    """One Usedesk company's tickets; every public method is safe to call from tests and threads."""

    def __init__(self, *, api_token: str, agents: Mapping[int, str], fields: list[dict[str, Any]],
                 rpm: int, page_size: int, webhook_url: str | None, webhook_secret: str | None,
                 clock: Callable[[], float]) -> None:
        self.api_token = api_token
        self.agents = dict(agents)
        self.fields = [_field_entry(entry) for entry in fields]
        self.rpm, self.page_size, self.clock = rpm, page_size, clock
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret or api_token
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.clients: dict[int, dict[str, Any]] = {}
        self.history: dict[int, list[dict[str, Any]]] = {}
        self.lock = threading.RLock()
        self._calls: deque[float] = deque()
        self.rate_limited = 0  # requests answered 429
        self._ticket_ids = itertools.count(1)
        self._comment_ids = itertools.count(1)
        self._client_ids = itertools.count(1)
        self._change_ids = itertools.count(1)
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usedesk-sandbox-webhooks")
        self._deliveries: list[Future[Any]] = []

    # Helpers for tests and the demo

    def add_ticket(self, subject: str, message: str, *, client_name: str = "Анна Петрова", client_lang: str = "ru",
                   email: str = "anna@romashka.ru", tags: tuple[str, ...] = (), fields: Mapping[str, str] | None = None,
                   status: int = NEW, ticket_type: str = "question", channel_id: int = 1, notify: bool = True,
                   at: float | None = None) -> int:
        """A ticket a client wrote (its first comment is `message`) at `at` (seconds since the epoch; default
        now, the sandbox's clock); `fields` by field id, list values by option id. Returns the ticket id."""
        with self.lock:
            client_id = next(self._client_ids)
            self.clients[client_id] = {"id": client_id, "name": client_name, "lang": client_lang, "email": email}
            ticket_id, now = next(self._ticket_ids), stamp(self.clock() if at is None else at)
            self.tickets[ticket_id] = {
                "id": ticket_id, "subject": subject, "status_id": status, "client_id": client_id,
                "assignee_id": None, "group": 0, "channel_id": channel_id, "type": ticket_type, "priority": "medium",
                "email": email, "published_at": now, "last_updated_at": now, "tags": list(tags),
                "fields": {str(k): str(v) for k, v in (fields or {}).items()}}
            self.comments[ticket_id] = []
            self.history[ticket_id] = []
            self._add_comment(ticket_id, message, sender="client", public=True, user_id=None, at=at)
            if notify:
                self._notify({"ticket": self._created_view(ticket_id, message)})
            return ticket_id

    def set_status(self, ticket_id: int, status: int) -> None:
        """An agent changes the status in Usedesk (e.g. closes the ticket)."""
        with self.lock:
            self.update_ticket({"ticket_id": ticket_id, "status": status, "silent": True})

    def wait_for_webhooks(self, timeout: float = 10.0) -> None:
        wait(list(self._deliveries), timeout=timeout)

    # Request checks

    def admit(self, params: Mapping[str, Any]) -> None:
        """The rate limit, then the token, as every method checks them."""
        now = self.clock()
        while self._calls and now - self._calls[0] >= 60:
            self._calls.popleft()
        if len(self._calls) >= self.rpm:
            wait_for = max(1, math.ceil(60 - (now - self._calls[0])))
            self.rate_limited += 1
            raise SandboxError("Too Many Requests", 429, {"Retry-After": str(wait_for)})
        self._calls.append(now)
        if params.get("api_token") != self.api_token:
            raise SandboxError("Invalid api_token", 401)

    def live(self, ticket_id: Any) -> dict[str, Any]:
        ticket = self.tickets.get(_number(ticket_id, "ticket_id"))
        if ticket is None:
            raise SandboxError("Ticket not found")
        return ticket

    # Methods

    def list_tickets(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        found = list(self.tickets.values())
        after, before = params.get("updated_after"), params.get("updated_before")
        if after:
            found = [t for t in found if t["last_updated_at"] >= _moment(str(after), "updated_after")]
        if before:
            found = [t for t in found if t["last_updated_at"] <= _moment(str(before), "updated_before")]
        for name, key in (("fstatus", "status_id"), ("fchannel", "channel_id")):
            if params.get(name):
                wanted = {_number(v, name) for v in str(params[name]).split(",")}
                found = [t for t in found if t[key] in wanted]
        sort = str(params.get("sort") or "id")
        if sort not in SORTABLE:
            raise SandboxError(f"sort must be one of {', '.join(sorted(SORTABLE))}")
        order = str(params.get("order") or ("desc" if "sort" not in params else "asc"))
        if order not in ("asc", "desc"):
            raise SandboxError("order must be asc or desc")
        found.sort(key=lambda t: (t[sort] if t[sort] is not None else 0, t["id"]), reverse=order == "desc")
        offset = _number(params.get("offset", 0), "offset")
        return [self._list_item(t) for t in found[offset * self.page_size:(offset + 1) * self.page_size]]

    def read_ticket(self, params: Mapping[str, Any]) -> dict[str, Any]:
        ticket = self.live(params.get("ticket_id"))
        ticket_id = ticket["id"]
        return {"ticket": self._ticket_view(ticket_id), "comments": [dict(c) for c in self.comments[ticket_id]],
                "tags": list(ticket["tags"]),
                "custom_fields": [{"id": str(n), "ticket_id": str(ticket_id), "ticket_field_id": field_id,
                                   "value": value} for n, (field_id, value) in enumerate(ticket["fields"].items(), 1)],
                "changes": [dict(c) for c in self.history[ticket_id]]}

    def create_comment(self, params: Mapping[str, Any]) -> dict[str, Any]:
        ticket = self.live(params.get("ticket_id"))
        message = params.get("message")
        if not isinstance(message, str) or not message:
            raise SandboxError("message is required")
        kind = params.get("type") or "private"
        if kind not in ("public", "private"):
            raise SandboxError("type must be public or private")
        sender = params.get("from") or "user"
        user_id = params.get("user_id")
        if sender == "user" and (user_id is None or _number(user_id, "user_id") not in self.agents):
            raise SandboxError("user_id of an agent is required when from is user")
        if sender not in ("user", "client"):
            raise SandboxError("from must be user or client")
        comment = self._add_comment(ticket["id"], message, sender=sender, public=kind == "public",
                                    user_id=_number(user_id, "user_id") if user_id is not None else None)
        self._notify({"comment": {k: v for k, v in comment.items() if k not in ("client", "user")},
                      "custom_fields": self._custom_fields_named(ticket["id"]), "client": self._client(ticket),
                      "assignee_id": ticket["assignee_id"]})
        return {"status": "success", "comment_id": int(comment["id"])}

    def update_ticket(self, params: Mapping[str, Any]) -> dict[str, str]:
        ticket = self.live(params.get("ticket_id"))
        changes: list[dict[str, Any]] = []
        if "tag" in params:
            tags = [t.strip() for t in str(params["tag"] or "").split(",") if t.strip()]
            added, removed = [t for t in tags if t not in ticket["tags"]], [t for t in ticket["tags"] if t not in tags]
            changes += [{"target": "new_tags", "value": ", ".join(added), "old_value": None}] if added else []
            changes += [{"target": "removed_tags", "value": ", ".join(removed), "old_value": None}] if removed else []
            ticket["tags"] = tags
        if "field_id" in params:
            changes += self._set_fields(ticket, str(params["field_id"]), str(params.get("field_value") or ""))
        old = ticket["status_id"]
        if params.get("status") not in (None, ""):
            status = _number(params["status"], "status")
            if status not in STATUSES:
                raise SandboxError("unknown status")
            ticket["status_id"] = status
        elif old == NEW and str(params.get("silent", "")).lower() not in ("true", "1"):
            ticket["status_id"] = OPEN
        if ticket["status_id"] != old:
            changes.append({"target": "status_id", "value": ticket["status_id"], "old_value": old})
        if changes:
            self._touch(ticket)
            change = {"id": next(self._change_ids), "trigger_id": None, "user_id": params.get("user_id"),
                      "ticket_id": ticket["id"], "data": changes, "changed_at": ticket["last_updated_at"],
                      "old_status": old, "new_status": ticket["status_id"], "company_id": int(COMPANY_ID)}
            self.history[ticket["id"]].append(change)
            self._notify({"trigger": change, "custom_fields": self._custom_fields_named(ticket["id"]),
                          "custom_blocks": [], "client": self._client(ticket), "assignee_id": ticket["assignee_id"]})
        return {"status": "success"}

    # State

    def _touch(self, ticket: dict[str, Any], at: float | None = None) -> None:
        ticket["last_updated_at"] = stamp(self.clock() if at is None else at)

    def _add_comment(self, ticket_id: int, message: str, *, sender: str, public: bool,
                     user_id: int | None, at: float | None = None) -> dict[str, Any]:
        ticket = self.tickets[ticket_id]
        client = self.clients[ticket["client_id"]]
        comment = {"id": str(next(self._comment_ids)), "message": message, "from": sender,
                   "type": "public" if public else "private", "user_id": user_id,
                   "client_id": str(client["id"]) if sender == "client" else None, "ticket_id": str(ticket_id),
                   "is_first": 0 if self.comments[ticket_id] else 1,
                   "published_at": stamp(self.clock() if at is None else at),
                   "client": {"id": client["id"], "name": client["name"], "lang": client["lang"]}
                   if sender == "client" else None,
                   "user": {"id": user_id, "name": self.agents[user_id]} if user_id is not None else None}
        self.comments[ticket_id].append(comment)
        self._touch(ticket, at)
        return comment

    def _set_fields(self, ticket: dict[str, Any], ids: str, values: str) -> list[dict[str, Any]]:
        field_ids, field_values = ids.split(";"), values.split(";")
        if len(field_ids) != len(field_values):
            raise SandboxError("field_id and field_value must list as many items")
        types = {e["custom_field"]["id"]: int(e["custom_field"]["ticket_field_type_id"]) for e in self.fields}
        options = {e["custom_field"]["id"]: {o["id"] for o in e["field_options"]} for e in self.fields}
        changes = []
        for field_id, value in zip(field_ids, field_values, strict=True):
            if field_id not in types:
                raise SandboxError(f"unknown additional field {field_id}")
            if types[field_id] == NESTED:
                raise SandboxError(f"field {field_id} is a nested list: change it through lists")
            if types[field_id] == LIST and value and value not in options[field_id]:
                raise SandboxError(f"field {field_id} has no option {value}")
            if types[field_id] == CHECKBOX and value not in ("true", "false"):
                raise SandboxError(f"field {field_id} takes true or false")
            if ticket["fields"].get(field_id) != value:
                changes.append({"target": "ticket_field", "value": value, "old_value": ticket["fields"].get(field_id)})
                ticket["fields"][field_id] = value
        return changes

    # Shapes

    def _ticket_view(self, ticket_id: int) -> dict[str, Any]:
        """`ticket` of the /ticket answer: the documented example's keys, and those public clients read."""
        t = self.tickets[ticket_id]
        return {"id": str(t["id"]), "status_id": str(t["status_id"]), "subject": t["subject"],
                "client_id": str(t["client_id"]), "client_name": self.clients[t["client_id"]]["name"],
                "assignee_id": t["assignee_id"], "group": str(t["group"]), "last_updated_at": t["last_updated_at"],
                "email": t["email"] or "0", "published_at": t["published_at"], "company_id": COMPANY_ID,
                "channel_id": str(t["channel_id"]), "type": t["type"], "priority": t["priority"],
                "additional_id": ""}

    def _created_view(self, ticket_id: int, message: str) -> dict[str, Any]:
        """`ticket` of the new-ticket webhook, as its parameter table lists it."""
        t = self.tickets[ticket_id]
        return {"id": str(t["id"]), "status_id": str(t["status_id"]), "subject": t["subject"],
                "client_id": str(t["client_id"]), "assignee_id": t["assignee_id"], "group": str(t["group"]),
                "last_updated_at": t["last_updated_at"], "channel_id": str(t["channel_id"]),
                "email": t["email"] or "0", "published_at": t["published_at"], "company_id": COMPANY_ID,
                "additional_id": "", "message": message, "custom_fields": self._custom_fields_named(ticket_id),
                "custom_blocks": []}

    def _list_item(self, t: dict[str, Any]) -> dict[str, Any]:
        comments = self.comments[t["id"]]
        return {"id": t["id"], "priority": t["priority"], "subject": t["subject"], "client_id": t["client_id"],
                "client_name": self.clients[t["client_id"]]["name"], "assignee_id": t["assignee_id"],
                "channel_id": t["channel_id"], "group": t["group"] or None, "last_updated_at": t["last_updated_at"],
                "type": t["type"], "created_at": t["published_at"], "channel_email": None,
                "ticket_fields": self._custom_fields_named(t["id"]), "tags": [{"name": n} for n in t["tags"]],
                "status": t["status_id"], "last_comment": html_text(comments[-1]["message"]) if comments else "",
                "remind_at": None}

    def _custom_fields_named(self, ticket_id: int) -> list[dict[str, Any]]:
        values = self.tickets[ticket_id]["fields"]
        return [{"id": int(e["custom_field"]["id"]), "name": e["custom_field"]["name"],
                 "value": values.get(e["custom_field"]["id"])} for e in self.fields]

    def _client(self, ticket: Mapping[str, Any]) -> dict[str, Any]:
        client = self.clients[ticket["client_id"]]
        return {"id": client["id"], "name": client["name"], "avatar": None, "note": "",
                "emails": [{"email": client["email"], "client_id": client["id"]}], "phones": [],
                "additional_ids": []}

    # Webhooks

    def _notify(self, body: dict[str, Any]) -> None:
        if self.webhook_url:
            data = json.dumps({"secret": self.webhook_secret, **body}, ensure_ascii=False).encode()
            self._deliveries.append(self._sender.submit(self._deliver, data))

    def _deliver(self, body: bytes) -> None:
        try:
            requests.post(str(self.webhook_url), data=body, timeout=2,
                          headers={"Content-Type": "application/json; charset=utf-8"})
        except requests.RequestException as error:
            log.warning("sandbox.webhook_failed", extra={"url": self.webhook_url, "error": str(error)})


def _number(value: Any, name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise SandboxError(f"{name} must be a number") from None


def sandbox_of(app: Flask) -> UsedeskSandbox:
    sandbox: UsedeskSandbox = app.extensions["usedesk_sandbox"]
    return sandbox


def _params() -> dict[str, Any]:
    """The request's parameters, from a JSON body or a form."""
    body = request.get_json(silent=True) if request.is_json else None
    return dict(body) if isinstance(body, dict) else request.form.to_dict()


PAGE = """<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>#{id} {subject} · sandbox Usedesk</title>
<style>body{{font:15px/1.45 system-ui,sans-serif;max-width:760px;margin:1rem auto;color:#1f2a36}}
.comment{{border-top:1px solid #e3e6ea;padding:.6rem 0;white-space:pre-line}} .private{{background:#fff8e1}}
.meta{{color:#68737d;font-size:.85rem}}</style></head><body><h1>#{id} {subject}</h1>
<p class="meta">{client} · статус {status} · {tags}</p>{comments}</body></html>"""


def _page(sandbox: UsedeskSandbox, ticket_id: int) -> str:
    ticket = sandbox.live(ticket_id)
    comments = "".join(
        f'<div class="comment {c["type"]}"><div class="meta">'
        f'{escape(c["client"]["name"] if c["client"] else (c["user"] or {}).get("name", ""))} · '
        f'{escape(c["published_at"])} · {c["type"]}</div>{escape(html_text(c["message"]))}</div>'
        for c in sandbox.comments[ticket_id])
    return PAGE.format(id=ticket_id, subject=escape(ticket["subject"]),
                       client=escape(sandbox.clients[ticket["client_id"]]["name"]), status=ticket["status_id"],
                       tags=escape(", ".join(ticket["tags"])), comments=comments)


def _routes(app: Flask, sandbox: UsedeskSandbox) -> None:
    def method(rule: str, handler: Callable[[Mapping[str, Any]], Any]) -> None:
        @functools.wraps(handler)
        def view() -> Response:
            with sandbox.lock:
                params = _params()
                sandbox.admit(params)
                return jsonify(handler(params))

        app.add_url_rule(rule, rule.strip("/").replace("/", "_"), view, methods=["POST"])

    method("/tickets", sandbox.list_tickets)
    method("/ticket", sandbox.read_ticket)
    method("/ticket/fields", lambda _params: sandbox.fields)
    method("/create/comment", sandbox.create_comment)
    method("/update/ticket", sandbox.update_ticket)

    @app.get("/tickets/<int:ticket_id>")
    def ticket_page(ticket_id: int) -> Response:
        with sandbox.lock:
            return Response(_page(sandbox, ticket_id), mimetype="text/html")


def create_sandbox(*, api_token: str = "sandbox-token", agents: Mapping[int, str] | None = None,
                   fields: list[dict[str, Any]] | None = None, rpm: int = 150, page_size: int = PAGE_SIZE,
                   webhook_url: str | None = None, webhook_secret: str | None = None,
                   clock: Callable[[], float] = time.time) -> Flask:
    """A Flask app behaving like Usedesk for the methods above; `sandbox_of(app)` reaches its state."""
    app = Flask(__name__)
    sandbox = UsedeskSandbox(api_token=api_token, agents=agents or {1: "Wishbridge"},
                             fields=DEFAULT_FIELDS if fields is None else fields, rpm=rpm, page_size=page_size,
                             webhook_url=webhook_url, webhook_secret=webhook_secret, clock=clock)
    app.extensions["usedesk_sandbox"] = sandbox

    @app.errorhandler(SandboxError)
    def vendor_error(error: SandboxError) -> Response:
        response = jsonify(error=error.message)
        response.status_code = error.status
        response.headers.update(error.headers)
        return response

    @app.errorhandler(405)
    def post_only(_error: Exception) -> tuple[Response, int]:
        return jsonify(error="Method Not Allowed: every Usedesk API method takes POST"), 405

    @app.errorhandler(404)
    def unknown(_error: Exception) -> tuple[Response, int]:
        return jsonify(error="Not Found"), 404

    _routes(app, sandbox)
    return app
