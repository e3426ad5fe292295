"""A sandbox Yandex Tracker (REST API v3) for tests, benchmarks and the demo: a small Flask app, state in memory
(`app.extensions["yandex_tracker_sandbox"]`, a Sandbox).

What the bridge uses, as strict as Tracker: `Authorization: OAuth <token>` (or `Bearer <IAM token>`) and
`X-Org-ID` (or `X-Cloud-Org-ID` for a Cloud organisation) on every call (401, 403); create issue with `unique`
(409 on a repeat, no issue in the answer); get and edit issue (404 for unknown keys; status only through
transitions); search with exactly one of `queue`, `keys`, `filter`, `query` (400 for a mix), paged by `perPage`
and `page` with `X-Total-Count` and `X-Total-Pages`; comments, 50 a page with `Link: rel="next"`; transitions
and their `_execute`; the status list with status types; a per-minute request budget answering 429 with
Retry-After; unknown body fields (422), queues (404) and issue types (422). Error bodies are
`{"errors": {...}, "errorMessages": [...], "statusCode": N}`; their texts are the sandbox's own.
A queue trigger (conditions: status or resolution changed; action: HTTP request) POSTs its body template,
with `{{issue.<field>.<parameter>}}` variables filled in, from a background thread. `/<KEY>` shows an issue
to people, with buttons that move it. Sources of each shape: tests/fixtures/yandex_tracker/README.md.
Not covered: the query language (`query`), scrolling, boards, sprints, attachments.
"""

from __future__ import annotations

import html
import json
import math
import queue
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from flask import Flask, Response, abort, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from sandboxes.zendesk import serve_in_thread

__all__ = ["SANDBOX_ORG_ID", "SANDBOX_TOKEN", "Sandbox", "Trigger", "create_sandbox", "sandbox_of",
           "serve_in_thread"]
SANDBOX_TOKEN = "sandbox-oauth-token"
SANDBOX_ORG_ID = "7000001"
QUEUES = {"WISH": "1"}  # key -> id
LOCAL_FIELDS = {"WISH": {"62a5b3c1f0e9d8a7b6c5d4e3--team"}}  # local field ids: "<hex prefix>--<key>"
ISSUE_TYPES = {"epic": ("4", "Epic"), "task": ("2", "Task"), "bug": ("1", "Bug")}
STATUSES = {  # key -> (id, display, type)
    "open": ("1", "Open", "new"), "inProgress": ("3", "In progress", "inProgress"),
    "needInfo": ("2", "Need info", "paused"), "testing": ("5", "Testing", "inProgress"),
    "resolved": ("4", "Resolved", "done"), "closed": ("6", "Closed", "done"),
    "cancelled": ("7", "Cancelled", "cancelled"),
}
RESOLUTIONS = {"fixed": ("1", "Fixed"), "wontFix": ("2", "Won't fix"), "duplicate": ("3", "Duplicate"),
               "invalid": ("4", "Invalid"), "later": ("5", "Later")}
TRANSITIONS = {  # id -> (display, target status)
    "reopen": ("Reopen", "open"), "start_progress": ("Start progress", "inProgress"),
    "need_info": ("Need info", "needInfo"), "test": ("Test", "testing"), "resolve": ("Resolve", "resolved"),
    "close": ("Close", "closed"), "cancel": ("Cancel", "cancelled"),
}
CREATE_FIELDS = {"queue", "summary", "description", "markupType", "type", "tags", "unique", "parent", "priority",
                 "followers", "assignee", "components", "attachmentIds"}
EDIT_FIELDS = {"summary", "description", "markupType", "type", "tags", "parent", "priority", "followers",
               "components", "fixVersions"}
SEARCH_KINDS = ("queue", "keys", "filter", "query")
FILTERABLE = {"unique", "tags", "queue", "key", "status", "type", "resolution", "assignee", "updatedAt"}
COMMENT_FIELDS = {"text", "attachmentIds", "summonees", "maillistSummonees"}
COMMENTS_PER_PAGE = 50
ROBOT = {"id": "1130000000000001", "display": "Wishbridge"}
PRODUCT_OWNER = {"id": "1130000000000002", "display": "Product Owner"}
VARIABLE = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")


def tracker_time(when: datetime) -> str:
    """"2017-07-18T13:33:44.291+0000", the API's format."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


def _trigger_times(name: str, when: datetime) -> dict[str, str]:
    """A date variable and its modifiers (https://yandex.cloud/en/docs/tracker/user/vars#date-time)."""
    day = f"{when:%d} {MONTHS[when.month - 1]} {when:%Y}"
    return {name: day, f"{name}.date": day, f"{name}.unixEpoch": str(int(when.timestamp())),
            f"{name}.iso8601": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"}


class TrackerError(Exception):
    def __init__(self, status: int, messages: Iterable[str] = (), errors: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.messages, self.errors = status, list(messages), dict(errors or {})
        self.headers = dict(headers or {})

    def response(self) -> Response:
        answer = jsonify(errors=self.errors, errorMessages=self.messages, statusCode=self.status)
        answer.status_code = self.status
        answer.headers.update(self.headers)
        return answer


@dataclass(frozen=True)
class Trigger:
    """A queue trigger with the "HTTP request" action: when one of the `watched` fields changes, POST `body`
    (a template) to `url` with `headers`."""

    url: str
    headers: Mapping[str, str]
    body: str
    watched: tuple[str, ...] = ("status", "resolution", "fixVersions")


@dataclass
class Issue:
    id: str
    key: str
    queue: str
    summary: str
    type: str
    created: datetime
    updated: datetime
    description: str = ""
    markup_type: str | None = None
    tags: list[str] = field(default_factory=list)
    unique: str | None = None
    local: dict[str, Any] = field(default_factory=dict)
    status: str = "open"
    previous_status: str | None = None
    resolution: str | None = None
    fix_versions: list[str] = field(default_factory=list)
    version: int = 1
    comments: list[dict[str, Any]] = field(default_factory=list)


def _one(value: Any, known: Mapping[str, Any]) -> str | None:
    """A reference given as a key, an id, or {"key": ...}/{"id": ...}: its key, or None if unknown."""
    if isinstance(value, Mapping):
        value = value.get("key") or value.get("id")
    text = str(value or "")
    ids = {str(v[0] if isinstance(v, tuple) else v): k for k, v in known.items()}
    return text if text in known else ids.get(text)


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


@dataclass
class Sandbox:
    """The sandbox's state and behaviour, apart from HTTP."""

    token: str = SANDBOX_TOKEN
    token_type: str = "oauth"  # "oauth" or "iam"
    org_id: str = SANDBOX_ORG_ID
    cloud: bool = False  # a Yandex Cloud organisation (X-Cloud-Org-ID) rather than Yandex 360 (X-Org-ID)
    per_minute: int = 1000
    trigger: Trigger | None = None
    clock: Callable[[], float] = time.monotonic
    base_url: str = "http://tracker.invalid"
    issues: dict[str, Issue] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    _requests: deque[float] = field(default_factory=deque)
    _counter: int = 0
    _comment_ids: int = 100
    _last_change: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _outgoing: queue.Queue[tuple[str, bytes, dict[str, str]]] = field(default_factory=queue.Queue)

    def __post_init__(self) -> None:
        threading.Thread(target=self._deliver, daemon=True, name="tracker-sandbox-triggers").start()

    # access -------------------------------------------------------------------------------------------------
    def check_access(self, sent: Mapping[str, str]) -> None:
        headers = {name.lower(): value for name, value in sent.items()}  # header names are case-insensitive
        scheme = "OAuth" if self.token_type == "oauth" else "Bearer"
        if headers.get("authorization", "") != f"{scheme} {self.token}":
            raise TrackerError(401, ["Authorization required: the token is missing or invalid."])
        wanted, other = ("X-Cloud-Org-ID", "X-Org-ID") if self.cloud else ("X-Org-ID", "X-Cloud-Org-ID")
        if headers.get(wanted.lower()) != self.org_id:
            named = headers.get(wanted.lower()) or headers.get(other.lower())
            raise TrackerError(403, [f"Access denied: the request names {'another' if named else 'no'} "
                                     f"organisation ({wanted} expected)."])

    def spend(self) -> None:
        """One request of the per-minute budget, or 429 with the seconds until one is free."""
        with self._lock:
            now = self.clock()
            while self._requests and now - self._requests[0] >= 60:
                self._requests.popleft()
            if len(self._requests) >= self.per_minute:
                wait = max(1, math.ceil(60 - (now - self._requests[0])))
                raise TrackerError(429, ["Too many requests."], headers={"Retry-After": str(wait)})
            self._requests.append(now)

    # issues -------------------------------------------------------------------------------------------------
    def get(self, key: str) -> Issue:
        issue = self.issues.get(key) or next((i for i in self.issues.values() if i.id == key), None)
        if issue is None:
            raise TrackerError(404, ["Issue does not exist."])
        return issue

    def create(self, body: Any) -> Issue:
        if not isinstance(body, Mapping):
            raise TrackerError(400, ["The request body must be a JSON object."])
        queue_key = _one(body.get("queue"), QUEUES)
        if queue_key is None:
            raise TrackerError(404, [f"Queue {body.get('queue')!r} does not exist."])
        local = LOCAL_FIELDS.get(queue_key, set())
        errors = {name: "Unknown field." for name in body if name not in CREATE_FIELDS | local}
        errors.update(self._value_errors(body))
        if not str(body.get("summary") or "").strip():
            errors["summary"] = "Required field."
        if errors:
            raise TrackerError(422, [], errors)
        with self._lock:
            if body.get("unique") and any(i.unique == body["unique"] for i in self.issues.values()):
                raise TrackerError(409, [f"Issue with unique value {body['unique']!r} already exists."])
            self._counter += 1
            now = self._stamp()
            issue = Issue(uuid.uuid4().hex[:24], f"{queue_key}-{self._counter}", queue_key, str(body["summary"]),
                          _one(body.get("type") or "task", ISSUE_TYPES) or "task", now, now,
                          str(body.get("description") or ""), body.get("markupType"),
                          _strings(body.get("tags")) or [], body.get("unique"),
                          {name: body[name] for name in local if name in body})
            self.issues[issue.key] = issue
        return issue

    @staticmethod
    def _value_errors(body: Mapping[str, Any]) -> dict[str, str]:
        errors = {}
        if "type" in body and _one(body["type"], ISSUE_TYPES) is None:
            errors["type"] = "Invalid value."
        if "markupType" in body and body["markupType"] != "md":
            errors["markupType"] = "Invalid value: the only markup type is md."
        if "tags" in body and _strings(body["tags"]) is None and not isinstance(body["tags"], Mapping):
            errors["tags"] = "Must be a list of strings."
        return errors

    def edit(self, issue: Issue, body: Any) -> None:
        if not isinstance(body, Mapping):
            raise TrackerError(400, ["The request body must be a JSON object."])
        errors = {name: ("Change the status with a transition." if name in ("status", "resolution")
                         else "Unknown field.")
                  for name in body if name not in EDIT_FIELDS | LOCAL_FIELDS.get(issue.queue, set())}
        errors.update(self._value_errors(body))
        if errors:
            raise TrackerError(422, [], errors)
        with self._lock:
            if "tags" in body:
                issue.tags = _edited(issue.tags, body["tags"], "tags")
            versions = issue.fix_versions
            if "fixVersions" in body:
                issue.fix_versions = _edited(issue.fix_versions, body["fixVersions"], "fixVersions")
            for name, attribute in (("summary", "summary"), ("description", "description"),
                                    ("markupType", "markup_type")):
                if name in body:
                    setattr(issue, attribute, body[name])
            if "type" in body:
                issue.type = _one(body["type"], ISSUE_TYPES) or issue.type
            issue.local.update({name: body[name] for name in LOCAL_FIELDS.get(issue.queue, set()) if name in body})
            self._touch(issue)
        if issue.fix_versions != versions:
            self._fire(issue, "fixVersions")

    def _stamp(self) -> datetime:
        """Now, at least a millisecond after every earlier change (Tracker's times have milliseconds)."""
        now = datetime.now(UTC)
        with self._lock:
            self._last_change = max(now.replace(microsecond=now.microsecond // 1000 * 1000),
                                    self._last_change + timedelta(milliseconds=1))
            return self._last_change

    def _touch(self, issue: Issue) -> None:
        issue.version += 1
        issue.updated = self._stamp()

    def view(self, issue: Issue) -> dict[str, Any]:
        """An issue as the API answers it (tests/fixtures/yandex_tracker/issue.json)."""
        api = f"{self.base_url}/v3"
        type_id, type_name = ISSUE_TYPES[issue.type]
        body: dict[str, Any] = {
            "self": f"{api}/issues/{issue.key}", "id": issue.id, "key": issue.key, "version": issue.version,
            "summary": issue.summary, "description": issue.description,
            "updatedBy": {"self": f"{api}/users/{ROBOT['id']}", **ROBOT},
            "type": {"self": f"{api}/issuetypes/{type_id}", "id": type_id, "key": issue.type, "display": type_name},
            "priority": {"self": f"{api}/priorities/3", "id": "3", "key": "normal", "display": "Normal"},
            "createdAt": tracker_time(issue.created), "followers": [],
            "createdBy": {"self": f"{api}/users/{ROBOT['id']}", **ROBOT}, "votes": 0,
            "queue": {"self": f"{api}/queues/{issue.queue}", "id": QUEUES[issue.queue], "key": issue.queue,
                      "display": "Customer wishes"},
            "updatedAt": tracker_time(issue.updated), "status": self._status(issue.status), "favorite": False,
            "tags": list(issue.tags),
            "fixVersions": [{"self": f"{api}/versions/{100 + n}", "id": str(100 + n), "display": name}
                            for n, name in enumerate(issue.fix_versions)],
            **issue.local,
        }
        if issue.markup_type:
            body["markupType"] = issue.markup_type
        if issue.unique:
            body["unique"] = issue.unique
        if issue.previous_status:
            body["previousStatus"] = self._status(issue.previous_status)
        if issue.resolution:
            resolution_id, name = RESOLUTIONS[issue.resolution]
            body["resolution"] = {"self": f"{api}/resolutions/{resolution_id}", "id": resolution_id,
                                  "key": issue.resolution, "display": name}
        if issue.comments:
            body["lastCommentUpdatedAt"] = issue.comments[-1]["updatedAt"]
        return body

    def _status(self, key: str) -> dict[str, str]:
        status_id, display, _ = STATUSES[key]
        return {"self": f"{self.base_url}/v3/statuses/{status_id}", "id": status_id, "key": key, "display": display}

    # search -------------------------------------------------------------------------------------------------
    def search(self, body: Any, order: str | None = None) -> list[Issue]:
        """https://yandex.ru/support/tracker/en/concepts/issues/search-issues: exactly one kind of criterion."""
        if not isinstance(body, Mapping):
            raise TrackerError(400, ["The request body must be a JSON object."])
        kinds = [kind for kind in SEARCH_KINDS if body.get(kind) not in (None, "", [], {})]
        if len(kinds) != 1:
            raise TrackerError(400, ["You can only use keys, a queue, or a search query."])
        kind, value = kinds[0], body[kinds[0]]
        if kind == "query":
            raise TrackerError(400, ["The sandbox does not understand the query language; use a filter."])
        if kind == "keys":
            keys = _strings(value)
            if keys is None:
                raise TrackerError(400, ["'keys' must be a key or a list of keys."])
            return sorted((self.issues[k] for k in dict.fromkeys(keys) if k in self.issues),
                          key=lambda i: (i.summary, i.key))  # "sorted ... by issue name in alphabetical order"
        if kind == "queue":
            found = [i for i in self.issues.values() if i.queue == _one(value, QUEUES)]
        else:
            found = [i for i in self.issues.values() if self._matches(i, value)]
        name = (order or "+key").lstrip("+-")
        reverse = bool(order) and str(order).startswith("-")
        found.sort(key=lambda i: (i.updated, i.created) if name == "updatedAt" else (i.created, i.key),
                   reverse=reverse)
        return found

    def _matches(self, issue: Issue, conditions: Any) -> bool:
        if not isinstance(conditions, Mapping):
            raise TrackerError(400, ["'filter' must be an object."])
        unknown = set(conditions) - FILTERABLE
        if unknown:
            raise TrackerError(400, [f"The sandbox cannot filter by {', '.join(sorted(unknown))}."])
        values = {"unique": [issue.unique or ""], "tags": issue.tags, "queue": [issue.queue], "key": [issue.key],
                  "status": [issue.status], "type": [issue.type], "resolution": [issue.resolution or ""],
                  "assignee": []}  # the sandbox's issues have no assignee
        for name, wanted in conditions.items():
            if name == "updatedAt":
                if not isinstance(wanted, Mapping):
                    raise TrackerError(400, ["'updatedAt' takes {\"from\": ..., \"to\": ...}."])
                low, high = wanted.get("from"), wanted.get("to")
                if (low and issue.updated < datetime.fromisoformat(low).astimezone(UTC)) or (
                        high and issue.updated > datetime.fromisoformat(high).astimezone(UTC)):
                    return False
            elif not set(_strings(wanted) or [str(wanted)]) & set(values[name]):
                return False
        return True

    # comments -----------------------------------------------------------------------------------------------
    def add_comment(self, issue: Issue, body: Any, author: Mapping[str, str] = ROBOT) -> dict[str, Any]:
        if not isinstance(body, Mapping):
            raise TrackerError(400, ["The request body must be a JSON object."])
        errors = {name: "Unknown field." for name in body if name not in COMMENT_FIELDS}
        if not isinstance(body.get("text"), str) or not body["text"].strip():
            errors["text"] = "Required field."
        if errors:
            raise TrackerError(422, [], errors)
        with self._lock:
            self._comment_ids += 1
            now = tracker_time(datetime.now(UTC))
            user = {"self": f"{self.base_url}/v3/users/{author['id']}", **author}
            comment = {"self": f"{self.base_url}/v3/issues/{issue.key}/comments/{self._comment_ids}",
                       "id": self._comment_ids, "longId": uuid.uuid4().hex[:24], "text": body["text"],
                       "createdBy": user, "updatedBy": user, "createdAt": now, "updatedAt": now, "version": 1,
                       "type": "standard", "transport": "internal"}
            issue.comments.append(comment)
        return comment

    # transitions and triggers -------------------------------------------------------------------------------
    def transitions(self, issue: Issue) -> list[dict[str, Any]]:
        return [{"id": tid, "self": f"{self.base_url}/v3/issues/{issue.key}/transitions/{tid}", "display": name,
                 "to": self._status(target)}
                for tid, (name, target) in TRANSITIONS.items() if target != issue.status]

    def execute(self, issue: Issue, transition_id: str, body: Any, actor: Mapping[str, str] = ROBOT) -> None:
        """https://yandex.cloud/en/docs/tracker/concepts/issues/new-transition: `resolution` may be set when
        the target status is done or cancelled, and `comment` is added as a comment."""
        if transition_id not in {t["id"] for t in self.transitions(issue)}:
            raise TrackerError(404, [f"Transition {transition_id!r} is not available for {issue.key}."])
        body = body if isinstance(body, Mapping) else {}
        target = TRANSITIONS[transition_id][1]
        closing = STATUSES[target][2] in ("done", "cancelled")
        errors = {name: "Unknown field." for name in body if name not in ("resolution", "comment")}
        resolution = _one(body["resolution"], RESOLUTIONS) if body.get("resolution") else None
        if body.get("resolution") and (resolution is None or not closing):
            errors["resolution"] = "Invalid value." if closing else "Only a closing transition sets a resolution."
        if errors:
            raise TrackerError(422, [], errors)
        with self._lock:
            issue.previous_status, issue.status, issue.resolution = issue.status, target, resolution
            self._touch(issue)
        if body.get("comment"):
            self.add_comment(issue, {"text": body["comment"]}, actor)
        self._fire(issue, "status")  # a transition always changes the status

    def move(self, key: str, status: str, resolution: str | None = None, actor: Mapping[str, str] = ROBOT) -> None:
        """Move an issue to `status` (a key) by the transition that leads there, as a person would."""
        issue = self.get(key)
        transition = next((tid for tid, (_, target) in TRANSITIONS.items() if target == status), None)
        if transition is None or status == issue.status:
            raise TrackerError(404, [f"No transition leads {key} to {status!r}."])
        self.execute(issue, transition, {"resolution": resolution} if resolution else {}, actor)

    def variables(self, issue: Issue) -> dict[str, str]:
        """The trigger variables the sandbox fills in (https://yandex.cloud/en/docs/tracker/user/vars)."""
        _, status_name, status_type = STATUSES[issue.status]
        resolution = RESOLUTIONS[issue.resolution][1] if issue.resolution else ""
        return {
            "issue.key": issue.key, "issue.id": issue.id, "issue.summary": issue.summary,
            "issue.summary.json": json.dumps(issue.summary, ensure_ascii=False),
            "issue.queue": issue.queue, "issue.queue.key": issue.queue, "issue.type.key": issue.type,
            "issue.status": status_name, "issue.status.key": issue.status, "issue.status.display": status_name,
            "issue.statusType.key": status_type, "issue.resolution": resolution,
            "issue.resolution.key": issue.resolution or "", "issue.resolution.display": resolution,
            "issue.tags": ", ".join(issue.tags), "issue.tags.json": json.dumps(issue.tags, ensure_ascii=False),
            "issue.fixVersions": ", ".join(issue.fix_versions),
            "issue.fixVersions.display": ", ".join(issue.fix_versions),
            **_trigger_times("issue.updatedAt", issue.updated), **_trigger_times("issue.createdAt", issue.created),
            **_trigger_times("currentDateTime", datetime.now(UTC)),
        }

    def trigger_request(self, issue: Issue, trigger: Trigger) -> tuple[dict[str, str], bytes]:
        """The headers and body `trigger` sends about `issue` now; a variable the sandbox lacks becomes ""."""
        values = self.variables(issue)
        body = VARIABLE.sub(lambda match: values.get(match.group(1), ""), trigger.body).encode()
        return {"Content-Type": "application/json", **trigger.headers}, body

    def _fire(self, issue: Issue, changed: str) -> None:
        if self.trigger is not None and changed in self.trigger.watched:
            headers, body = self.trigger_request(issue, self.trigger)
            self._outgoing.put((self.trigger.url, body, headers))

    def _deliver(self) -> None:
        while True:
            url, body, headers = self._outgoing.get()
            try:
                status = requests.post(url, data=body, headers=headers, timeout=10).status_code
            except requests.RequestException as error:
                status, headers = -1, {**headers, "error": error.__class__.__name__}
            self.deliveries.append({"status": status, "headers": headers, "body": body})
            self._outgoing.task_done()

    def flush(self) -> None:
        """Block until every trigger request fired so far was delivered (or failed)."""
        self._outgoing.join()


def _edited(current: list[str], change: Any, name: str) -> list[str]:
    """An array field after `[...]`, {"set": ...}, {"add": ...} or {"remove": ...}
    (https://yandex.cloud/en/docs/tracker/concepts/issues/patch-issue#req-body-format)."""
    if isinstance(change, Mapping):
        result = list(current)
        for command, values in change.items():
            items = _strings(values)
            if command not in ("set", "add", "remove") or items is None:
                raise TrackerError(422, [], {name: f"Invalid command {command!r}."})
            if command == "set":
                result = items
            elif command == "add":
                result += [v for v in items if v not in result]
            else:
                result = [v for v in result if v not in items]
        return result
    items = _strings(change) if change is not None else []
    if items is None:
        raise TrackerError(422, [], {name: "Must be a list of strings."})
    return items


def sandbox_of(app: Flask) -> Sandbox:
    sandbox: Sandbox = app.extensions["yandex_tracker_sandbox"]
    return sandbox


def _page_headers(total: int, per_page: int) -> dict[str, str]:
    return {"X-Total-Count": str(total), "X-Total-Pages": str(math.ceil(total / per_page))}


def _positive(name: str, default: int) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        raise TrackerError(400, [f"'{name}' must be a number."]) from None
    if value < 1:
        raise TrackerError(400, [f"'{name}' must be positive."])
    return value


def _body() -> Any:
    body = request.get_json(silent=True)
    if body is None and request.get_data():
        raise TrackerError(400, ["The request body is not valid JSON."])
    return body


def _issue_page(sandbox: Sandbox, issue: Issue) -> str:
    _, status_name, _ = STATUSES[issue.status]
    resolution = f" ({html.escape(RESOLUTIONS[issue.resolution][1])})" if issue.resolution else ""
    buttons = "".join(f'<button name="transition" value="{tid}">{html.escape(t["display"])}</button>'
                      for t in sandbox.transitions(issue) for tid in [t["id"]])
    options = "".join(f'<option value="{key}">{html.escape(name)}</option>' for key, (_, name) in RESOLUTIONS.items())
    comments = "".join(f"<li><pre>{html.escape(c['text'])}</pre></li>" for c in issue.comments)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{issue.key}</title></head><body>
<h1><span id="key">{issue.key}</span>: {html.escape(issue.summary)}</h1>
<p>Status: <strong id="status">{html.escape(status_name)}</strong>{resolution}.
Tags: {html.escape(", ".join(issue.tags))}.</p>
<form method="post" action="/{issue.key}/transition">{buttons}
<label>Resolution when closing <select name="resolution"><option value=""></option>{options}</select></label></form>
<h2>Description</h2><pre id="description">{html.escape(issue.description)}</pre>
<h2>Comments ({len(issue.comments)})</h2><ul>{comments}</ul>
</body></html>"""


def _routes(app: Flask, sandbox: Sandbox) -> None:
    @app.post("/v3/issues/")
    def create_issue() -> ResponseReturnValue:
        return jsonify(sandbox.view(sandbox.create(_body()))), 201

    @app.get("/v3/issues/<key>")
    def get_issue(key: str) -> ResponseReturnValue:
        return jsonify(sandbox.view(sandbox.get(key)))

    @app.patch("/v3/issues/<key>")
    def edit_issue(key: str) -> ResponseReturnValue:
        issue = sandbox.get(key)
        sandbox.edit(issue, _body())
        return jsonify(sandbox.view(issue))

    @app.post("/v3/issues/_search")
    def search() -> ResponseReturnValue:
        per_page, page = _positive("perPage", 50), _positive("page", 1)
        body = _body()
        found = sandbox.search(body, body.get("order") if isinstance(body, Mapping) else None)
        answer = jsonify([sandbox.view(i) for i in found[(page - 1) * per_page:page * per_page]])
        answer.headers.update(_page_headers(len(found), per_page))
        return answer

    @app.get("/v3/issues/<key>/comments")
    def list_comments(key: str) -> ResponseReturnValue:
        issue, per_page = sandbox.get(key), _positive("perPage", COMMENTS_PER_PAGE)
        after = request.args.get("id")
        start = next((n + 1 for n, c in enumerate(issue.comments) if str(c["id"]) == after), 0) if after else 0
        page = issue.comments[start:start + per_page]
        answer = jsonify(page)
        if start + per_page < len(issue.comments):
            url = f"{sandbox.base_url}/v3/issues/{issue.key}/comments?perPage={per_page}&id={page[-1]['id']}"
            answer.headers["Link"] = f'<{url}>; rel="next"'
        return answer

    @app.post("/v3/issues/<key>/comments")
    def add_comment(key: str) -> ResponseReturnValue:
        return jsonify(sandbox.add_comment(sandbox.get(key), _body())), 201

    @app.get("/v3/issues/<key>/transitions")
    def list_transitions(key: str) -> ResponseReturnValue:
        return jsonify(sandbox.transitions(sandbox.get(key)))

    @app.post("/v3/issues/<key>/transitions/<transition_id>/_execute")
    def execute_transition(key: str, transition_id: str) -> ResponseReturnValue:
        issue = sandbox.get(key)
        sandbox.execute(issue, transition_id, _body())
        return jsonify(sandbox.transitions(issue))

    @app.get("/v3/statuses")
    def statuses() -> ResponseReturnValue:
        return jsonify([{"self": f"{sandbox.base_url}/v3/statuses/{sid}", "id": int(sid), "version": 1, "key": key,
                         "name": name, "description": name, "order": 100 * int(sid), "type": kind}
                        for key, (sid, name, kind) in STATUSES.items()])

    @app.get("/<key>")
    def issue_page(key: str) -> ResponseReturnValue:
        issue = sandbox.issues.get(key) or abort(404)
        return Response(_issue_page(sandbox, issue), mimetype="text/html")

    @app.post("/<key>/transition")
    def issue_page_transition(key: str) -> ResponseReturnValue:
        issue = sandbox.issues.get(key) or abort(404)
        resolution = request.form.get("resolution") or None
        target = TRANSITIONS.get(request.form.get("transition", ""), ("", ""))[1]
        closing = target in STATUSES and STATUSES[target][2] in ("done", "cancelled")
        sandbox.execute(issue, request.form.get("transition", ""),
                        {"resolution": resolution} if resolution and closing else {}, PRODUCT_OWNER)
        return redirect(f"/{key}", 303)


def create_sandbox(*, token: str = SANDBOX_TOKEN, token_type: str = "oauth", org_id: str = SANDBOX_ORG_ID,
                   cloud: bool = False, per_minute: int = 1000, trigger: Trigger | None = None,
                   clock: Callable[[], float] = time.monotonic) -> Flask:
    """A fresh sandbox Tracker; its state is `sandbox_of(app)`."""
    app = Flask(__name__)
    sandbox = Sandbox(token=token, token_type=token_type, org_id=org_id, cloud=cloud, per_minute=per_minute,
                      trigger=trigger, clock=clock)
    app.extensions["yandex_tracker_sandbox"] = sandbox

    @app.before_request
    def guard() -> None:
        sandbox.base_url = request.host_url.rstrip("/")
        if request.path.startswith("/v3/"):
            sandbox.check_access(dict(request.headers.items()))
            sandbox.spend()

    @app.errorhandler(TrackerError)
    def tracker_error(error: TrackerError) -> Response:
        return error.response()

    _routes(app, sandbox)
    return app
