"""Usedesk's API transport. Every method is `POST {USEDESK_URL}/{method}` with `api_token` in the body
("Все запросы необходимо отправлять в HTTP POST", https://api.usedesk.ru/); an on-premise Usedesk answers at
another address (https://api.usedocs.ru/article/33062). At most `rpm` requests leave in any minute: Usedesk
publishes 150 a minute (https://usedeskkb.atlassian.net/wiki/spaces/API/pages/219611150), and a 429 is waited
out by its Retry-After (bridge.http).

Usedesk documents no error bodies. Public clients read `{"error": "..."}` and look for it in answers of
HTTP 200 as well (github.com/Humdruman/usedesk-client src/dispatch.ts), so an `error` key in any answer is a
FatalError here; 4xx and 5xx answers go through bridge.http's policy.
"""

from __future__ import annotations

from typing import Any

from bridge.errors import FatalError
from bridge.http import Client, RateLimiter, json_body

PUBLISHED_RPM = 150


class UsedeskApi:
    """Calls Usedesk methods by name ("tickets", "create/comment", ...). `client.calls` counts requests."""

    def __init__(self, base_url: str, api_token: str, *, rpm: int = PUBLISHED_RPM) -> None:
        self.client = Client(base_url.rstrip("/"))
        self.limiter = RateLimiter(per_minute=rpm)
        self._token = api_token

    def __repr__(self) -> str:
        return f"UsedeskApi({self.client.base_url!r})"

    def call(self, method: str, *, retries: int | None = None, **params: Any) -> Any:
        """The decoded answer of `method`; `retries=0` sends once (a write whose time-out may hide that it
        landed). Raises FatalError for an answer that names an error, whatever its status."""
        response = self.client.request("POST", f"/{method}", limiter=self.limiter, retries=retries,
                                       json={"api_token": self._token, **params})
        body = json_body(response)
        if isinstance(body, dict) and body.get("error"):
            raise FatalError(str(body["error"])[:300], endpoint=f"POST /{method}", status=response.status_code)
        return body
