"""Jira Cloud (REST v3, Atlassian Document Format, e-mail + API token) and Jira Server/Data Center (REST v2,
wiki markup, Bearer personal access token): a thin client, one method per call.

The `jira` library builds the authenticated session; calls go as raw REST through it because the library lacks
v3 ADF bodies and `/rest/api/3/search/jql`. No call is retried here: a RetriableError (429 with its
Retry-After, 5xx, network) goes back to the caller, whose outbox or next run tries again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import requests
from jira import JIRA, JIRAError

from bridge.config import Key, Settings, choice, optional, url
from bridge.errors import FatalError, InvalidSignature, RetriableError
from bridge.http import TIMEOUT, endpoint_of, raise_for
from bridge.model import WebhookEvent
from bridge.payloads import decode_object

STATUS_CHANGE = "status_changed"
WATCHED_FIELDS = {"status": "status", "resolution": "resolution", "fixversions": "fixVersions",
                  "fix version": "fixVersions"}
ISSUE_FIELDS = ("status", "resolution", "fixVersions", "updated")


@dataclass(frozen=True)
class CreateField:
    field_id: str
    name: str
    required: bool


@dataclass(frozen=True)
class CreateMeta:
    """What the project's create screen offers for one issue type."""

    issue_type_id: str
    fields: Mapping[str, CreateField]  # by field name

    def required(self, name: str) -> CreateField | None:
        found = self.fields.get(name)
        return found if found and found.required else None


def _page_items(page: Mapping[str, Any], *names: str) -> list[Any]:
    for name in names:
        if isinstance(page.get(name), list):
            return list(page[name])
    return []


class JiraConnector:
    """The tracker. `calls` counts every HTTP request sent."""

    name: ClassVar[str] = "jira"
    role: ClassVar[str] = "tracker"
    settings: ClassVar[tuple[Key, ...]] = (
        Key("URL", "", "e.g. https://acme.atlassian.net (empty: Jira not used)", optional(url)),
        Key("EMAIL", "", "Jira Cloud account e-mail (empty on Server/Data Center)"),
        Key("API_TOKEN", "", "Jira Cloud API token, or a personal access token on Server/Data Center",
            secret=True),
        Key("DEPLOYMENT", "cloud", "cloud (REST v3, ADF) or server (REST v2, wiki markup, Bearer PAT)",
            choice("cloud", "server")),
        Key("WEBHOOK_SECRET", "", "secret of the Jira admin webhook (X-Hub-Signature)", secret=True),
    )
    delivery_headers: ClassVar[tuple[str, ...]] = ("x-atlassian-webhook-identifier",)

    def __init__(self, url: str, *, email: str = "", token: str = "", deployment: str = "cloud",
                 webhook_secret: str = "") -> None:
        self.base_url = url.rstrip("/")
        self.cloud = deployment == "cloud"
        self.email = email
        self.webhook_secret = webhook_secret
        self.api = "/rest/api/3" if self.cloud else "/rest/api/2"
        auth: dict[str, Any] = {"basic_auth": (email, token)} if self.cloud else {"token_auth": token}
        self.session = JIRA(self.base_url, get_server_info=False, max_retries=0, timeout=TIMEOUT,
                            options={"rest_api_version": self.api[-1]}, **auth)._session
        self.calls = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> JiraConnector:
        jira = settings.section("JIRA")
        return cls(jira["url"], email=jira["email"], token=jira["api_token"], deployment=jira["deployment"],
                   webhook_secret=jira["webhook_secret"])

    def issue_url(self, key: str) -> str:
        return f"{self.base_url}/browse/{key}"

    def _call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
              json: Any = None) -> Any:
        url = self.base_url + self.api + path
        self.calls += 1
        response: requests.Response | None
        try:
            response = self.session.request(method, url, params=params, json=json)
        except JIRAError as error:  # its text quotes headers: the error is rebuilt from the response alone
            response = error.response
        except (requests.ConnectionError, requests.Timeout) as error:
            raise RetriableError(error.__class__.__name__, endpoint=endpoint_of(method, url)) from None
        if response is None:
            raise RetriableError("no response", endpoint=endpoint_of(method, url))
        raise_for(response)
        return response.json() if response.content else None

    def create_meta(self, project: str, issue_type: str) -> CreateMeta:
        """The issue type named `issue_type` in `project` and its create fields (two calls)."""
        types = _page_items(self._call("GET", f"/issue/createmeta/{project}/issuetypes"),
                            "issueTypes", "createMetaIssueType", "values")
        match = next((t for t in types if str(t.get("name", "")).casefold() == issue_type.casefold()), None)
        if match is None:
            raise FatalError(f"project {project} has no issue type '{issue_type}'",
                             endpoint=f"GET {self.api}/issue/createmeta/{project}/issuetypes")
        page = self._call("GET", f"/issue/createmeta/{project}/issuetypes/{match['id']}",
                          params={"maxResults": 200})
        fields = {
            str(f["name"]): CreateField(str(f["fieldId"]), str(f["name"]), bool(f.get("required")))
            for f in _page_items(page, "fields", "results", "values")
        }
        return CreateMeta(str(match["id"]), fields)

    def create_issue(self, fields: Mapping[str, Any],
                     properties: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """POST /issue; returns {id, key, self}. `properties` are set on the issue in the same call."""
        body: dict[str, Any] = {"fields": dict(fields)}
        if properties:
            body["properties"] = [{"key": key, "value": value} for key, value in properties.items()]
        created: dict[str, Any] = self._call("POST", "/issue", json=body)
        return created

    def edit_issue(self, key: str, fields: Mapping[str, Any]) -> None:
        """PUT /issue/{key}: set `fields`; Jira answers 204."""
        self._call("PUT", f"/issue/{key}", json={"fields": dict(fields)})

    def get_issue(self, key: str, fields: Sequence[str] = ISSUE_FIELDS) -> dict[str, Any]:
        issue: dict[str, Any] = self._call("GET", f"/issue/{key}", params={"fields": ",".join(fields)})
        return issue

    def search(self, jql: str, fields: Sequence[str] = ISSUE_FIELDS, *, page_size: int = 100
               ) -> Iterator[dict[str, Any]]:
        """Every issue matching `jql`, page by page: `nextPageToken` on Cloud (/search/jql), `startAt` on
        Server/Data Center, which has no /search/jql."""
        if self.cloud:
            token: str | None = None
            seen: set[str] = set()
            while True:
                params: dict[str, Any] = {"jql": jql, "fields": ",".join(fields), "maxResults": page_size}
                if token:
                    params["nextPageToken"] = token
                page = self._call("GET", "/search/jql", params=params)
                yield from page.get("issues", [])
                token = page.get("nextPageToken")
                if not token or page.get("isLast") or token in seen:
                    return
                seen.add(token)
        start = 0
        while True:
            page = self._call("GET", "/search", params={"jql": jql, "fields": ",".join(fields),
                                                        "startAt": start, "maxResults": page_size})
            issues = page.get("issues", [])
            yield from issues
            start += len(issues)
            if not issues or start >= int(page.get("total", 0)):
                return

    def upsert_remote_link(self, key: str, global_id: str, url: str, title: str, summary: str = "") -> int:
        """Jira updates the link that already carries `global_id` instead of adding a second one.
        https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-remote-links/"""
        remote_object: dict[str, Any] = {"url": url, "title": title}
        if summary:
            remote_object["summary"] = summary
        body = {"globalId": global_id, "relationship": "requested by", "object": remote_object}
        return int(self._call("POST", f"/issue/{key}/remotelink", json=body)["id"])

    def set_property(self, key: str, name: str, value: Any) -> None:
        self._call("PUT", f"/issue/{key}/properties/{name}", json=value)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        """Verify X-Hub-Signature (HMAC-SHA256 of the raw body, admin webhooks with a secret) and read the
        status, resolution and fix-version changes from the changelog. No I/O.
        https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks"""
        lowered = {k.lower(): v for k, v in headers.items()}
        self._verify(lowered.get("x-hub-signature", ""), body)
        data = decode_object(body, "a Jira webhook event")
        issue = data.get("issue") or {}
        delivery = lowered.get("x-atlassian-webhook-identifier") or hashlib.sha256(body).hexdigest()
        return [WebhookEvent(source=self.name, kind=event_kind(data), delivery_id=delivery,
                             issue_key=issue.get("key"), payload=self._state_payload(data))]

    def _verify(self, header: str, body: bytes) -> None:
        if not self.webhook_secret:
            raise InvalidSignature("JIRA_WEBHOOK_SECRET is not set, so no delivery can be verified")
        method, _, signature = header.partition("=")
        if method != "sha256" or not signature:
            raise InvalidSignature("missing or malformed X-Hub-Signature header")
        expected = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.strip().lower()):
            raise InvalidSignature("X-Hub-Signature does not match the body")

    def _state_payload(self, data: Mapping[str, Any]) -> dict[str, Any]:
        state = issue_state(data.get("issue") or {})
        changes = watched_changes(data)
        if "status" in changes and changes["status"][-1] != state["status"]:
            state["status"], state["status_category"] = changes["status"][-1], None
        if "resolution" in changes:
            state["resolution"] = changes["resolution"][-1]
        if "fixVersions" in changes and not state["fix_versions"]:
            state["fix_versions"] = [v for v in changes["fixVersions"] if v]
        user = data.get("user") or {}
        email = str(user.get("emailAddress") or "")
        state["actor"] = user.get("accountId") or user.get("name") or ""
        state["by_bridge"] = bool(self.email) and email.casefold() == self.email.casefold()
        state["as_of"] = data.get("timestamp") or state["as_of"]
        return state


def watched_changes(data: Mapping[str, Any]) -> dict[str, list[str | None]]:
    """New values of status, resolution and fix versions in the changelog, by field id (Server omits
    `fieldId`, and Cloud names the field "Fix Version" or "Status" in `field`)."""
    found: dict[str, list[str | None]] = {}
    for item in (data.get("changelog") or {}).get("items") or []:
        name = str(item.get("fieldId") or item.get("field") or "").casefold()
        field = WATCHED_FIELDS.get(name)
        if field:
            found.setdefault(field, []).append(item.get("toString"))
    return found


def event_kind(data: Mapping[str, Any]) -> str:
    """`status_changed` when an update's changelog touches status, resolution or fix versions. The vendor's
    `issue_event_type_name` varies by site and workflow, so it is never read."""
    event = str(data.get("webhookEvent") or "")
    if event == "jira:issue_updated" and watched_changes(data):
        return STATUS_CHANGE
    return event.removeprefix("jira:") or "unknown"


def issue_state(issue: Mapping[str, Any]) -> dict[str, Any]:
    """Status name, status category key, resolution and fix versions of an issue as Jira returns it."""
    fields = issue.get("fields") or {}
    status = fields.get("status") or {}
    resolution = fields.get("resolution") or {}
    return {
        "status": status.get("name"),
        "status_category": (status.get("statusCategory") or {}).get("key"),
        "resolution": resolution.get("name"),
        "fix_versions": [v.get("name") for v in fields.get("fixVersions") or [] if v.get("name")],
        "as_of": jira_millis(fields.get("updated")),
    }


def jira_millis(value: Any) -> int | None:
    """Jira's `updated` ("2026-11-24T08:08:20.000+0000") as epoch milliseconds, the unit of webhook `timestamp`."""
    if not value:
        return None
    return int(datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)
