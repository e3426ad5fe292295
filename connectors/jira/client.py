"""A thin Jira client, one method per call: Jira Cloud (REST v3, e-mail + API token) and Jira Server/Data Center
(REST v2, Bearer personal access token).

The `jira` library builds the authenticated session; calls go as raw REST through it because the library lacks
v3 ADF bodies and `/rest/api/3/search/jql`. No call is retried here: a RetriableError (429 with its
Retry-After, 5xx, network) goes back to the caller, whose outbox or next run tries again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from jira import JIRA, JIRAError

from bridge.errors import FatalError, RetriableError
from bridge.http import TIMEOUT, endpoint_of, raise_for

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


class JiraClient:
    """`calls` counts every HTTP request sent."""

    def __init__(self, url: str, *, email: str = "", token: str = "", deployment: str = "cloud") -> None:
        self.base_url = url.rstrip("/")
        self.cloud = deployment == "cloud"
        self.email = email
        self.api = "/rest/api/3" if self.cloud else "/rest/api/2"
        auth: dict[str, Any] = {"basic_auth": (email, token)} if self.cloud else {"token_auth": token}
        self.session = JIRA(self.base_url, get_server_info=False, max_retries=0, timeout=TIMEOUT,
                            options={"rest_api_version": self.api[-1]}, **auth)._session
        self.calls = 0

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
