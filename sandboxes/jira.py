"""A sandbox Jira for tests, benchmarks and the demo: a small Flask app that answers like Jira Cloud (REST v3,
ADF) or, with deployment="server", like Jira Server/Data Center (REST v2, wiki markup, Bearer token).

It covers what the bridge uses: create issue (single and bulk), create metadata, get and edit issue, remote
links upserted by globalId, comments, transitions on a small workflow, issue properties, JQL search
(`/search/jql` with nextPageToken on Cloud, `/search` with startAt on Server) and admin webhooks, signed with
X-Hub-Signature, fired from a background thread when an issue changes status or fix version. `/browse/<KEY>`
shows an issue with buttons that move it, for the demo. State lives in memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import queue
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from flask import Flask, Response, abort, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from sandboxes.zendesk import serve_in_thread

__all__ = ["SANDBOX_EMAIL", "SANDBOX_TOKEN", "Sandbox", "create_sandbox", "serve_in_thread"]
SANDBOX_EMAIL = "bridge@example.com"
SANDBOX_TOKEN = "sandbox-token"
PROJECT = "WISH"
EPIC_NAME_FIELD = "customfield_10011"
ISSUE_TYPES = {"10000": "Epic", "10001": "Task"}
CATEGORIES = {"new": (2, "To Do"), "indeterminate": (4, "In Progress"), "done": (3, "Done")}
STATUSES = {  # name -> (id, category key)
    "To Do": ("10000", "new"), "In Progress": ("3", "indeterminate"), "In Review": ("10001", "indeterminate"),
    "Testing": ("10002", "indeterminate"), "Done": ("10003", "done"),
}
TRANSITIONS = {  # id -> (name, target status, resolution set on the way)
    "11": ("To Do", "To Do", None), "21": ("Start progress", "In Progress", None),
    "31": ("Review", "In Review", None), "41": ("Test", "Testing", None),
    "51": ("Done", "Done", "Done"), "61": ("Won't Do", "Done", "Won't Do"),
}
DEMO_USER = {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Product Owner",
             "emailAddress": "po@example.com"}
JQL_CLAUSE = re.compile(
    r"""\s*(?:(?P<field>labels|project|status)\s*=\s*"?(?P<value>[^"]+?)"?
    |(?P<key_field>issuekey|key)\s+in\s*\((?P<keys>[^)]*)\)
    |updated\s*>=\s*"?-(?P<minutes>\d+)m"?)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
NOT_AUTHENTICATED = "Client must be authenticated to access this resource."
TEXT_LIMIT = 32_767
TOO_LONG = "The entered text is too long. It exceeds the allowed limit of 32,767 characters."


def jira_time(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds")


def _empty(status: int) -> Response:
    """A body-less answer, without the Content-Type Flask would add (Jira sends none)."""
    response = Response(status=status)
    del response.headers["Content-Type"]
    return response


@dataclass
class Issue:
    id: str
    key: str
    fields: dict[str, Any]
    status: str = "To Do"
    resolution: str | None = None
    fix_versions: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    remote_links: dict[str, dict[str, Any]] = field(default_factory=dict)  # by globalId (or own id)
    comments: list[dict[str, Any]] = field(default_factory=list)
    edits: list[list[str]] = field(default_factory=list)  # the field names of each edit, oldest first
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))


class JiraError(Exception):
    def __init__(self, status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.messages, self.errors = status, messages or [], errors or {}


@dataclass
class Sandbox:
    """The sandbox's state and behaviour, apart from HTTP."""

    base_url: str = "http://jira.invalid"
    cloud: bool = True
    webhook_url: str | None = None
    webhook_secret: str | None = None
    epic_name_required: bool = False
    search_lag: float = 0.0  # seconds a new issue stays invisible to search, as Jira's index catches up
    issues: dict[str, Issue] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    _counter: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _outgoing: queue.Queue[tuple[bytes, dict[str, str]]] = field(default_factory=queue.Queue)

    def __post_init__(self) -> None:
        threading.Thread(target=self._deliver, daemon=True, name="jira-sandbox-webhooks").start()

    # issues -------------------------------------------------------------------------------------------------
    def get(self, key: str) -> Issue:
        issue = self.issues.get(key) or next((i for i in self.issues.values() if i.id == key), None)
        if issue is None:
            raise JiraError(404, ["Issue does not exist or you do not have permission to see it."])
        return issue

    def create(self, body: Mapping[str, Any]) -> Issue:
        fields = dict(body.get("fields") or {})
        errors = self._field_errors(fields)
        if errors:
            raise JiraError(400, [], errors)
        with self._lock:
            self._counter += 1
            issue = Issue(str(10000 + self._counter), f"{fields['project']['key']}-{self._counter}", fields)
            issue.properties = {p["key"]: p.get("value") for p in body.get("properties") or []}
            self.issues[issue.key] = issue
        return issue

    def _field_errors(self, fields: Mapping[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if (fields.get("project") or {}).get("key") != PROJECT:
            errors["project"] = "valid project is required"
        if (fields.get("issuetype") or {}).get("id") not in ISSUE_TYPES:
            errors["issuetype"] = "valid issue type is required"
        if not str(fields.get("summary") or "").strip():
            errors["summary"] = "You must specify a summary of the issue."
        errors.update(self._description_errors(fields))
        if any(" " in str(label) for label in fields.get("labels") or []):
            errors["labels"] = "Labels cannot contain spaces."
        is_epic = (fields.get("issuetype") or {}).get("id") == "10000"
        if is_epic and self.epic_name_required and not fields.get(EPIC_NAME_FIELD):
            errors[EPIC_NAME_FIELD] = "Epic Name is required."
        if EPIC_NAME_FIELD in fields and not (is_epic and self.epic_name_required):
            errors[EPIC_NAME_FIELD] = (f"Field '{EPIC_NAME_FIELD}' cannot be set. It is not on the appropriate "
                                       "screen, or unknown.")
        return errors

    def _description_errors(self, fields: Mapping[str, Any]) -> dict[str, str]:
        """An ADF document on Cloud, a string on Server; at most 32,767 characters (an ADF body counts as its
        JSON)."""
        if "description" not in fields or fields["description"] is None:
            return {}
        description = fields["description"]
        if self.cloud and not (isinstance(description, dict) and description.get("type") == "doc"):
            return {"description": "Operation value must be an Atlassian Document (see the Atlassian Document Format)"}
        if not self.cloud and not isinstance(description, str):
            return {"description": "Operation value must be a string"}
        text = description if isinstance(description, str) else json.dumps(description, ensure_ascii=False,
                                                                           separators=(",", ":"))
        return {"description": TOO_LONG} if len(text) > TEXT_LIMIT else {}

    def view(self, issue: Issue, wanted: str | None = None, api: str = "3") -> dict[str, Any]:
        status_id, category = STATUSES[issue.status]
        category_id, category_name = CATEGORIES[category]
        fields = {
            **issue.fields,
            "status": {"self": f"{self.base_url}/rest/api/{api}/status/{status_id}", "id": status_id,
                       "name": issue.status, "description": "",
                       "statusCategory": {"id": category_id, "key": category, "name": category_name,
                                          "colorName": "blue-gray"}},
            "resolution": {"id": "1" if issue.resolution == "Done" else "2", "name": issue.resolution,
                           "description": ""} if issue.resolution else None,
            "fixVersions": [{"id": str(10000 + i), "name": name, "archived": False, "released": False}
                            for i, name in enumerate(issue.fix_versions)],
            "issuetype": {"id": issue.fields["issuetype"]["id"], "name": ISSUE_TYPES[issue.fields["issuetype"]["id"]]},
            "created": jira_time(issue.created), "updated": jira_time(issue.updated),
        }
        if wanted and wanted not in ("*all", "*navigable"):
            names = {name.strip() for name in wanted.split(",")}
            fields = {name: value for name, value in fields.items() if name in names}
        return {"id": issue.id, "key": issue.key, "self": f"{self.base_url}/rest/api/{api}/issue/{issue.id}",
                "fields": fields}

    def edit(self, issue: Issue, fields: Mapping[str, Any], actor: Mapping[str, Any]) -> None:
        items = []
        if "fixVersions" in fields:
            names = [v["name"] for v in fields["fixVersions"]]
            items.append({"field": "Fix Version", "fieldtype": "jira", "fieldId": "fixVersions",
                          "from": None, "fromString": ", ".join(issue.fix_versions) or None,
                          "to": None, "toString": ", ".join(names) or None})
            issue.fix_versions = names
        errors = self._description_errors(fields)
        if errors:
            raise JiraError(400, [], errors)
        issue.edits.append(sorted(fields))
        for name in ("summary", "labels", "description"):
            if name in fields:
                issue.fields[name] = fields[name]
        issue.updated = datetime.now(UTC)
        if items:
            self._fire(issue, items, actor)

    def transition(self, issue: Issue, transition_id: str, actor: Mapping[str, Any],
                   resolution: str | None = None) -> None:
        if transition_id not in TRANSITIONS:
            raise JiraError(400, [f"Transition id '{transition_id}' is not valid for this issue."])
        _, target, default_resolution = TRANSITIONS[transition_id]
        new_resolution = (resolution or default_resolution) if STATUSES[target][1] == "done" else None
        items = []
        if new_resolution != issue.resolution:
            items.append({"field": "resolution", "fieldtype": "jira", "fieldId": "resolution", "from": None,
                          "fromString": issue.resolution, "to": None, "toString": new_resolution})
        if target != issue.status:
            items.append({"field": "status", "fieldtype": "jira", "fieldId": "status",
                          "from": STATUSES[issue.status][0], "fromString": issue.status,
                          "to": STATUSES[target][0], "toString": target})
        issue.status, issue.resolution, issue.updated = target, new_resolution, datetime.now(UTC)
        if items:
            self._fire(issue, items, actor)

    def upsert_link(self, issue: Issue, body: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
        obj = body.get("object") or {}
        if not obj.get("url") or not obj.get("title"):
            raise JiraError(400, [], {"object": "The remote object must have a url and a title."})
        with self._lock:
            global_id = body.get("globalId")
            existing = issue.remote_links.get(global_id) if global_id else None
            link_id = existing["id"] if existing else sum(len(i.remote_links) for i in self.issues.values()) + 10000
            link = {"id": link_id, "self": f"{self.base_url}/rest/api/3/issue/{issue.key}/remotelink/{link_id}",
                    "globalId": global_id, "relationship": body.get("relationship"), "object": obj,
                    "application": body.get("application") or {}}
            issue.remote_links[global_id or str(link_id)] = {k: v for k, v in link.items() if v is not None}
        return {"id": link_id, "self": issue.remote_links[global_id or str(link_id)]["self"]}, 200 if existing else 201

    # search -------------------------------------------------------------------------------------------------
    def search(self, jql: str) -> list[Issue]:
        where, _, order = jql.partition(" ORDER BY ")
        tests = [self._clause(part) for part in re.split(r"\s+AND\s+", where, flags=re.IGNORECASE) if part.strip()]
        indexed = datetime.now(UTC) - timedelta(seconds=self.search_lag)
        found = [issue for issue in self.issues.values()
                 if issue.created <= indexed and all(test(issue) for test in tests)]
        name, _, direction = order.strip().partition(" ")
        if name:
            found.sort(key=lambda i: (i.updated if name.lower() == "updated" else i.created, int(i.id)),
                       reverse=direction.upper() == "DESC")
        return found

    def _clause(self, text: str) -> Callable[[Issue], bool]:
        match = JQL_CLAUSE.match(text)
        if match is None:
            raise JiraError(400, [f"Error in the JQL Query: the sandbox does not understand '{text.strip()}'."])
        if match["keys"] is not None:
            keys = [k.strip().strip('"') for k in match["keys"].split(",")]
            missing = [key for key in keys if key not in self.issues]
            if missing:  # Jira refuses the whole query when one listed key does not exist (or is not visible)
                raise JiraError(400, [f"An issue with key '{key}' does not exist for field '{match['key_field']}'."
                                      for key in missing])
            return lambda issue: issue.key in keys
        if match["minutes"] is not None:
            since = datetime.now(UTC) - timedelta(minutes=int(match["minutes"]))
            return lambda issue: issue.updated >= since
        name, value = match["field"].lower(), match["value"]
        if name == "labels":
            return lambda issue: value in (issue.fields.get("labels") or [])
        if name == "project":
            return lambda issue: issue.key.startswith(value + "-")
        return lambda issue: issue.status.casefold() == value.casefold()

    # webhooks -----------------------------------------------------------------------------------------------
    def _fire(self, issue: Issue, items: list[dict[str, Any]], actor: Mapping[str, Any]) -> None:
        if not self.webhook_url:
            return
        payload = {"timestamp": int(datetime.now(UTC).timestamp() * 1000), "webhookEvent": "jira:issue_updated",
                   "issue_event_type_name": "issue_generic", "user": dict(actor), "issue": self.view(issue),
                   "changelog": {"id": str(uuid.uuid4().int % 10**6), "items": items}}
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "X-Atlassian-Webhook-Identifier": str(uuid.uuid4())}
        if self.webhook_secret:
            digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature"] = f"sha256={digest}"
        self._outgoing.put((body, headers))

    def _deliver(self) -> None:
        while True:
            body, headers = self._outgoing.get()
            try:
                status = requests.post(str(self.webhook_url), data=body, headers=headers, timeout=10).status_code
            except requests.RequestException as error:
                status = -1
                headers = {**headers, "error": error.__class__.__name__}
            self.deliveries.append({"status": status, "headers": headers, "body": json.loads(body)})
            self._outgoing.task_done()

    def flush(self) -> None:
        """Block until every webhook fired so far was delivered (or failed)."""
        self._outgoing.join()


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:"))
    except ValueError:
        raise JiraError(400, ["The provided next page token is invalid or expired."]) from None


def _browse_page(sandbox: Sandbox, issue: Issue) -> str:
    buttons = "".join(
        f'<button name="transition" value="{tid}">{html.escape(name)}</button>'
        for tid, (name, target, _) in TRANSITIONS.items() if target != issue.status or tid == "61"
    )
    links = "".join(f'<li><a href="{html.escape(link["object"]["url"])}">{html.escape(link["object"]["title"])}'
                    "</a></li>" for link in issue.remote_links.values())
    resolution = f" ({html.escape(issue.resolution)})" if issue.resolution else ""
    versions = html.escape(", ".join(issue.fix_versions)) or "none"
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{issue.key}</title></head><body>
<h1><span id="key">{issue.key}</span>: {html.escape(str(issue.fields.get("summary", "")))}</h1>
<p>Status: <strong id="status">{html.escape(issue.status)}</strong>{resolution}. Fix version: {versions}.</p>
<form method="post" action="/browse/{issue.key}/transition">{buttons}</form>
<form method="post" action="/browse/{issue.key}/fix-version"><input name="version" placeholder="5.2">
<button>Set fix version</button></form>
<h2>Web links ({len(issue.remote_links)})</h2><ul>{links}</ul>
<h2>Labels</h2><p>{html.escape(", ".join(issue.fields.get("labels") or []))}</p>
</body></html>"""


def create_sandbox(*, deployment: str = "cloud", webhook_url: str | None = None, webhook_secret: str | None = None,
                   epic_name_required: bool = False, search_lag: float = 0.0,
                   credentials: tuple[str, str] = (SANDBOX_EMAIL, SANDBOX_TOKEN)) -> Flask:
    """A fresh sandbox Jira; its state is `app.extensions["jira_sandbox"]` (a Sandbox)."""
    app = Flask(__name__)
    sandbox = Sandbox(cloud=deployment == "cloud", webhook_url=webhook_url, webhook_secret=webhook_secret,
                      epic_name_required=epic_name_required, search_lag=search_lag)
    app.extensions["jira_sandbox"] = sandbox
    versions = ("2", "3") if sandbox.cloud else ("2",)
    api = "/rest/api/<any(" + ", ".join(f"'{v}'" for v in versions) + "):version>"
    bridge_user = {"accountId": "557058:bridge", "displayName": "Wishbridge", "emailAddress": credentials[0]}

    @app.before_request
    def authenticate() -> ResponseReturnValue | None:
        sandbox.base_url = request.host_url.rstrip("/")
        if not request.path.startswith("/rest/"):
            return None
        auth = request.authorization
        if sandbox.cloud:
            ok = auth is not None and auth.type == "basic" and (auth.username, auth.password) == credentials
        else:
            ok = request.headers.get("Authorization", "") == f"Bearer {credentials[1]}"
        if not ok:
            return jsonify(errorMessages=[NOT_AUTHENTICATED], errors={}), 401
        return None

    @app.errorhandler(JiraError)
    def jira_error(error: JiraError) -> ResponseReturnValue:
        return jsonify(errorMessages=error.messages, errors=error.errors), error.status

    @app.post(f"{api}/issue")
    def create_issue(version: str) -> ResponseReturnValue:
        issue = sandbox.create(request.get_json(force=True))
        return jsonify({"id": issue.id, "key": issue.key,
                        "self": f"{sandbox.base_url}/rest/api/{version}/issue/{issue.id}"}), 201

    @app.post(f"{api}/issue/bulk")
    def create_bulk(version: str) -> ResponseReturnValue:
        created, errors = [], []
        for number, update in enumerate(request.get_json(force=True).get("issueUpdates") or []):
            try:
                issue = sandbox.create(update)
            except JiraError as error:
                errors.append({"status": error.status, "failedElementNumber": number,
                               "elementErrors": {"errorMessages": error.messages, "errors": error.errors}})
                continue
            created.append({"id": issue.id, "key": issue.key,
                            "self": f"{sandbox.base_url}/rest/api/{version}/issue/{issue.id}"})
        return jsonify(issues=created, errors=errors), 201 if created or not errors else 400

    @app.get(f"{api}/issue/createmeta/<project>/issuetypes")
    def createmeta_types(version: str, project: str) -> ResponseReturnValue:
        if project != PROJECT:
            raise JiraError(404, [f"No project could be found with key '{project}'."])
        types = [{"id": tid, "name": name, "subtask": False, "description": "", "iconUrl": "",
                  "self": f"{sandbox.base_url}/rest/api/{version}/issuetype/{tid}"}
                 for tid, name in ISSUE_TYPES.items()]
        return jsonify({"issueTypes" if sandbox.cloud else "values": types, "maxResults": 50, "startAt": 0,
                        "total": len(types)})

    @app.get(f"{api}/issue/createmeta/<project>/issuetypes/<type_id>")
    def createmeta_fields(version: str, project: str, type_id: str) -> ResponseReturnValue:
        if project != PROJECT or type_id not in ISSUE_TYPES:
            raise JiraError(404, ["Issue type not found in project."])
        def meta(field_id: str, name: str, required: bool, kind: str) -> dict[str, Any]:
            return {"fieldId": field_id, "key": field_id, "name": name, "required": required,
                    "hasDefaultValue": False, "operations": ["set"], "schema": {"type": kind}}
        fields = [meta("summary", "Summary", True, "string"), meta("description", "Description", False, "string"),
                  meta("labels", "Labels", False, "array"), meta("components", "Components", False, "array")]
        if type_id == "10000" and sandbox.epic_name_required:
            fields.append(meta(EPIC_NAME_FIELD, "Epic Name", True, "string"))
        return jsonify({"fields" if sandbox.cloud else "values": fields, "maxResults": 200, "startAt": 0,
                        "total": len(fields)})

    @app.get(f"{api}/issue/<key>")
    def get_issue(version: str, key: str) -> ResponseReturnValue:
        return jsonify(sandbox.view(sandbox.get(key), request.args.get("fields"), version))

    @app.put(f"{api}/issue/<key>")
    def edit_issue(version: str, key: str) -> ResponseReturnValue:
        sandbox.edit(sandbox.get(key), request.get_json(force=True).get("fields") or {}, bridge_user)
        return _empty(204)

    @app.get(f"{api}/issue/<key>/remotelink")
    def list_links(version: str, key: str) -> ResponseReturnValue:
        links = sandbox.get(key).remote_links
        global_id = request.args.get("globalId")
        if global_id is None:
            return jsonify(list(links.values()))
        return jsonify(links[global_id]) if global_id in links else abort(404)

    @app.post(f"{api}/issue/<key>/remotelink")
    def upsert_link(version: str, key: str) -> ResponseReturnValue:
        body, status = sandbox.upsert_link(sandbox.get(key), request.get_json(force=True))
        return jsonify(body), status

    @app.get(f"{api}/issue/<key>/comment")
    def list_comments(version: str, key: str) -> ResponseReturnValue:
        comments = sandbox.get(key).comments
        return jsonify(startAt=0, maxResults=len(comments), total=len(comments), comments=comments)

    @app.post(f"{api}/issue/<key>/comment")
    def add_comment(version: str, key: str) -> ResponseReturnValue:
        issue = sandbox.get(key)
        now = jira_time(datetime.now(UTC))
        comment = {"id": str(len(issue.comments) + 10000), "body": request.get_json(force=True).get("body"),
                   "author": bridge_user, "created": now, "updated": now,
                   "self": f"{sandbox.base_url}/rest/api/{version}/issue/{issue.id}/comment/{len(issue.comments)}"}
        issue.comments.append(comment)
        return jsonify(comment), 201

    @app.get(f"{api}/issue/<key>/transitions")
    def list_transitions(version: str, key: str) -> ResponseReturnValue:
        sandbox.get(key)
        return jsonify(transitions=[
            {"id": tid, "name": name, "hasScreen": False, "isGlobal": True, "isAvailable": True,
             "to": {"id": STATUSES[target][0], "name": target,
                    "statusCategory": {"key": STATUSES[target][1], "id": CATEGORIES[STATUSES[target][1]][0]}}}
            for tid, (name, target, _) in TRANSITIONS.items()
        ])

    @app.post(f"{api}/issue/<key>/transitions")
    def do_transition(version: str, key: str) -> ResponseReturnValue:
        body = request.get_json(force=True)
        resolution = ((body.get("fields") or {}).get("resolution") or {}).get("name")
        sandbox.transition(sandbox.get(key), str((body.get("transition") or {}).get("id")), bridge_user, resolution)
        return _empty(204)

    @app.get(f"{api}/issue/<key>/properties/<name>")
    def get_property(version: str, key: str, name: str) -> ResponseReturnValue:
        issue = sandbox.get(key)
        if name not in issue.properties:
            raise JiraError(404, [f"The property with key '{name}' does not exist."])
        return jsonify(key=name, value=issue.properties[name])

    @app.put(f"{api}/issue/<key>/properties/<name>")
    def set_property(version: str, key: str, name: str) -> ResponseReturnValue:
        issue = sandbox.get(key)
        existed = name in issue.properties
        issue.properties[name] = request.get_json(force=True)
        return _empty(200 if existed else 201)

    def search_results(jql: str, fields: str | None, start: int, size: int) -> tuple[list[dict[str, Any]], bool]:
        found = sandbox.search(jql)
        page = [sandbox.view(issue, fields or "*navigable") for issue in found[start:start + size]]
        return page, start + size >= len(found)

    if sandbox.cloud:
        @app.route("/rest/api/3/search/jql", methods=["GET", "POST"])
        def search_jql() -> ResponseReturnValue:
            args: Mapping[str, Any] = request.args if request.method == "GET" else request.get_json(force=True)
            fields = args.get("fields")
            fields = ",".join(fields) if isinstance(fields, list) else fields
            size = min(int(args.get("maxResults") or 50), 5000)
            start = _offset(args.get("nextPageToken"))
            issues, last = search_results(str(args.get("jql") or ""), fields or "id", start, size)
            body: dict[str, Any] = {"issues": issues, "isLast": last}
            if not last:
                body["nextPageToken"] = _page_token(start + size)
            return jsonify(body)
    else:
        @app.get("/rest/api/2/search")
        def search_server() -> ResponseReturnValue:
            start, size = int(request.args.get("startAt", 0)), int(request.args.get("maxResults", 50))
            issues, _ = search_results(request.args.get("jql", ""), request.args.get("fields"), start, size)
            return jsonify(startAt=start, maxResults=size, total=len(sandbox.search(request.args.get("jql", ""))),
                           issues=issues)

    @app.get("/browse/<key>")
    def browse(key: str) -> ResponseReturnValue:
        issue = sandbox.issues.get(key) or abort(404)
        return Response(_browse_page(sandbox, issue), mimetype="text/html")

    @app.post("/browse/<key>/transition")
    def browse_transition(key: str) -> ResponseReturnValue:
        issue = sandbox.issues.get(key) or abort(404)
        sandbox.transition(issue, request.form["transition"], DEMO_USER)
        return redirect(f"/browse/{key}", 303)

    @app.post("/browse/<key>/fix-version")
    def browse_fix_version(key: str) -> ResponseReturnValue:
        issue = sandbox.issues.get(key) or abort(404)
        version = request.form.get("version", "").strip()
        sandbox.edit(issue, {"fixVersions": [{"name": version}] if version else []}, DEMO_USER)
        return redirect(f"/browse/{key}", 303)

    return app
