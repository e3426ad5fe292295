"""Yandex Tracker REST API v3, one method per call, through the bridge's HTTP client (bridge.http.Client:
retries with Retry-After on 429 and 5xx, errors that name the endpoint and never a credential).

Every request carries `Authorization: OAuth <token>` (or `Bearer <IAM token>`) and the organisation in
`X-Org-ID` (Yandex 360) or `X-Cloud-Org-ID` (Yandex Cloud Organization)
(https://yandex.ru/support/tracker/en/api-ref/common-format). Error bodies are
`{"errors": {...}, "errorMessages": [...], "statusCode": N}`, which bridge.http.vendor_message reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import requests

from bridge.errors import ConfigError, FatalError
from bridge.http import Client, endpoint_of, json_body

API = "/v3"
AUTH_SCHEMES = {"oauth": "OAuth", "iam": "Bearer"}


def auth_headers(token: str, token_type: str, org_id: str, cloud_org_id: str) -> dict[str, str]:
    """The headers of every call; exactly one of the two organisation ids must be given."""
    if bool(org_id) == bool(cloud_org_id):
        raise ConfigError(["YANDEX_TRACKER_ORG_ID (Yandex 360) or YANDEX_TRACKER_CLOUD_ORG_ID (Yandex Cloud "
                           "Organization): set exactly one"])
    org = {"X-Org-ID": org_id} if org_id else {"X-Cloud-Org-ID": cloud_org_id}
    return {"Authorization": f"{AUTH_SCHEMES[token_type]} {token}", **org}


class TrackerApi:
    """The calls the connector makes. `client.calls` counts every request sent."""

    def __init__(self, client: Client, headers: Mapping[str, str]) -> None:
        self.client = client
        self.client.session.headers.update(headers)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return json_body(self.client.request(method, API + path, **kwargs))

    def create_issue(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /v3/issues/ (201). A repeat of the same `unique` answers 409 and creates nothing, so a retry
        of a create that landed is safe. https://yandex.ru/support/tracker/en/concepts/issues/create-issue"""
        created: dict[str, Any] = self._json("POST", "/issues/", json=dict(body))
        return created

    def get_issue(self, key: str) -> dict[str, Any]:
        """GET /v3/issues/{key}. https://yandex.ru/support/tracker/en/concepts/issues/get-issue"""
        issue: dict[str, Any] = self._json("GET", f"/issues/{key}")
        return issue

    def edit_issue(self, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH /v3/issues/{key}: only the fields in `body` change.
        https://yandex.cloud/en/docs/tracker/concepts/issues/patch-issue"""
        edited: dict[str, Any] = self._json("PATCH", f"/issues/{key}", json=dict(body))
        return edited

    def search(self, body: Mapping[str, Any], per_page: int = 50) -> Iterator[dict[str, Any]]:
        """POST /v3/issues/_search, page by page (`perPage`, `page`) up to `X-Total-Pages`. Paged output serves
        up to 10,000 results; the connector never asks for more (scrolling is not needed).
        https://yandex.ru/support/tracker/en/concepts/issues/search-issues"""
        page = 1
        while True:
            response = self.client.request("POST", API + "/issues/_search", json=dict(body),
                                           params={"perPage": per_page, "page": page})
            issues = json_body(response)
            yield from issues
            pages = response.headers.get("X-Total-Pages")
            last = page >= int(pages) if pages else len(issues) < per_page  # without the header: a short page
            if not issues or last:
                return
            page += 1

    def comments(self, key: str) -> Iterator[dict[str, Any]]:
        """GET /v3/issues/{key}/comments, 50 a page, following the `Link: <...>; rel="next"` header.
        https://yandex.ru/support/tracker/en/concepts/issues/get-comments"""
        url: str | None = API + f"/issues/{key}/comments"
        seen: set[str] = set()
        while url:
            if url in seen or not self.client.url(url).startswith(self.client.base_url):
                # a page seen before, or one on another host (which must not get our token)
                raise FatalError("the API's next-page link loops or leaves the API",
                                 endpoint=endpoint_of("GET", url))
            seen.add(url)
            response: requests.Response = self.client.request("GET", url)
            yield from json_body(response)
            url = response.links.get("next", {}).get("url")

    def add_comment(self, key: str, text: str) -> dict[str, Any]:
        """POST /v3/issues/{key}/comments (201). https://yandex.cloud/en/docs/tracker/concepts/issues/add-comment"""
        added: dict[str, Any] = self._json("POST", f"/issues/{key}/comments", json={"text": text})
        return added

    def statuses(self) -> list[dict[str, Any]]:
        """GET /v3/statuses: every status with its `key` and `type`."""
        found: list[dict[str, Any]] = self._json("GET", "/statuses")
        return found
