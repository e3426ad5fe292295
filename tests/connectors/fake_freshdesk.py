"""A small in-memory Freshdesk behind `responses`: the API v2 routes the connector uses, with bodies shaped like
the documented ones (https://developers.freshdesk.com/api/) and the documented quirks: `updated_since` is
inclusive, pages are linked by the `link` header, page 301 is refused, every answer has rate-limit headers,
an update replaces the whole tag list."""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
import responses

URL = "https://acme.freshdesk.com"
API_KEY = "fd-api-key"
Reply = tuple[int, dict[str, str], str]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeFreshdesk:
    url: str = URL
    api_key: str = API_KEY
    page_cap: int = 300
    rate_remaining: int = 500
    clock: datetime = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    conversations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    companies: dict[int, dict[str, Any]] = field(default_factory=dict)
    list_requests: list[dict[str, list[str]]] = field(default_factory=list)

    def tick(self) -> str:
        self.clock += timedelta(minutes=1)
        return stamp(self.clock)

    def add_company(self, company_id: int, name: str, **custom_fields: Any) -> None:
        self.companies[company_id] = {
            "id": company_id, "name": name, "description": None, "note": None, "domains": [],
            "created_at": "2023-01-10T08:00:00Z", "updated_at": "2023-01-10T08:00:00Z",
            "custom_fields": custom_fields, "health_score": None, "account_tier": None, "renewal_date": None,
            "industry": None,
        }

    def add_ticket(self, subject: str, description: str = "", *, updated_at: str | None = None,
                   company_id: int | None = None, tags: list[str] | None = None,
                   custom_fields: dict[str, Any] | None = None, type: str | None = None) -> int:
        ticket_id = max(self.tickets, default=0) + 1
        when = updated_at or self.tick()
        self.tickets[ticket_id] = {
            "cc_emails": [], "fwd_emails": [], "reply_cc_emails": [], "ticket_cc_emails": [],
            "fr_escalated": False, "spam": False, "email_config_id": None, "group_id": None, "priority": 1,
            "requester_id": 5000 + ticket_id, "responder_id": None, "source": 2, "company_id": company_id,
            "status": 2, "subject": subject, "association_type": None, "support_email": None,
            "to_emails": None, "product_id": None, "id": ticket_id, "type": type,
            "due_by": "2024-03-04T09:00:00Z", "fr_due_by": "2024-03-02T09:00:00Z", "is_escalated": False,
            "description": f"<div>{description}</div>", "description_text": description,
            "custom_fields": {"cf_category": None, "cf_sub_category": None, "cf_item": None,
                              **(custom_fields or {})},
            "created_at": when, "updated_at": when, "tags": tags or [],
        }
        self.conversations[ticket_id] = []
        return ticket_id

    # Routes

    def install(self, mock: responses.RequestsMock) -> None:
        base = re.escape(self.url) + r"/api/v2"
        routes = [
            ("GET", r"/tickets(\?.*)?$", self._list),
            ("GET", r"/tickets/(\d+)(\?.*)?$", self._show),
            ("PUT", r"/tickets/(\d+)$", self._update),
            ("POST", r"/tickets/(\d+)/(reply|notes)$", self._converse),
            ("GET", r"/tickets/(\d+)/conversations(\?.*)?$", self._conversations),
            ("GET", r"/companies/(\d+)$", self._company),
        ]
        for method, path, handler in routes:
            mock.add_callback(method, re.compile(base + path), callback=self._guarded(handler))

    def _guarded(self, handler: Any) -> Any:
        def callback(request: requests.PreparedRequest) -> Reply:
            expected = "Basic " + base64.b64encode(f"{self.api_key}:X".encode()).decode()
            if request.headers.get("Authorization") != expected:
                return self._json(401, {"code": "invalid_credentials", "message": "You have to be logged in"})
            self.rate_remaining -= 1
            return handler(request)

        return callback

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
        return status, {"X-Ratelimit-Total": "500", "X-Ratelimit-Remaining": str(self.rate_remaining),
                        "X-Ratelimit-Used-CurrentRequest": "1", **(headers or {})}, json.dumps(body)

    def _id(self, request: requests.PreparedRequest) -> int:
        match = re.search(r"/(?:tickets|companies)/(\d+)", str(request.url))
        assert match
        return int(match.group(1))

    def _list(self, request: requests.PreparedRequest) -> Reply:
        query = parse_qs(urlsplit(str(request.url)).query)
        self.list_requests.append(query)
        page, per_page = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["30"])[0])
        if page > self.page_cap:
            return self._json(400, {"description": "Validation failed", "errors": [{
                "field": "page", "code": "invalid_value",
                "message": "You cannot access tickets beyond the 300th page. Please provide a smaller page number.",
            }]})
        since = query.get("updated_since", [stamp(self.clock - timedelta(days=30))])[0]
        chosen = sorted((t for t in self.tickets.values() if t["updated_at"] >= since),
                        key=lambda t: (t["updated_at"], t["id"]))
        includes = set(",".join(query.get("include", [])).split(","))
        rows = [self._embed(t, includes) for t in chosen[(page - 1) * per_page: page * per_page]]
        headers = {}
        if len(chosen) > page * per_page:
            following = {k: v[0] for k, v in query.items()} | {"page": str(page + 1)}
            headers["Link"] = f'<{self.url}/api/v2/tickets?{urlencode(following)}>; rel="next"'
        return self._json(200, rows, headers)

    def _embed(self, ticket: dict[str, Any], includes: set[str]) -> dict[str, Any]:
        row = dict(ticket)
        if "description" not in includes:
            row.pop("description")
            row.pop("description_text")
        if "requester" in includes:
            row["requester"] = {"email": f"customer{ticket['id']}@example.com", "id": ticket["requester_id"],
                                "mobile": None, "name": f"Customer {ticket['id']}", "phone": None}
        return row

    def _show(self, request: requests.PreparedRequest) -> Reply:
        ticket = self.tickets.get(self._id(request))
        if ticket is None:
            return self._json(404, {"code": "not_found", "message": "Record not found"})
        includes = set(",".join(parse_qs(urlsplit(str(request.url)).query).get("include", [])).split(","))
        return self._json(200, self._embed(ticket, includes | {"description"}))

    def _update(self, request: requests.PreparedRequest) -> Reply:
        ticket = self.tickets[self._id(request)]
        body = json.loads(request.body or b"{}")
        custom = body.pop("custom_fields", {})
        ticket.update(body)
        ticket["custom_fields"].update(custom)
        ticket["updated_at"] = self.tick()
        return self._json(200, ticket)

    def _converse(self, request: requests.PreparedRequest) -> Reply:
        ticket_id = self._id(request)
        body = json.loads(request.body or b"{}")
        reply = str(request.url).endswith("/reply")
        text = re.sub(r"<br\s*/?>", "\n", body["body"])
        conversation = {
            "body": body["body"], "body_text": html.unescape(re.sub(r"<[^>]+>", "", text)),
            "id": sum(len(c) for c in self.conversations.values()) + 1, "incoming": False,
            "private": False if reply else bool(body.get("private", True)), "user_id": 1,
            "support_email": None, "source": 0 if reply else 2, "ticket_id": ticket_id, "to_emails": [],
            "from_email": None, "cc_emails": [], "bcc_emails": None, "attachments": [],
            "created_at": self.tick(), "updated_at": stamp(self.clock),
        }
        self.conversations[ticket_id].append(conversation)
        self.tickets[ticket_id]["updated_at"] = stamp(self.clock)
        return self._json(201, conversation)

    def customer_reply(self, ticket_id: int, text: str) -> None:
        """The requester answers by e-mail: an incoming, public conversation by the requester's user."""
        ticket = self.tickets[ticket_id]
        self.conversations[ticket_id].append({
            "body": f"<div>{html.escape(text)}</div>", "body_text": text,
            "id": sum(len(c) for c in self.conversations.values()) + 1, "incoming": True, "private": False,
            "user_id": ticket["requester_id"], "support_email": None, "source": 0, "ticket_id": ticket_id,
            "to_emails": [], "from_email": f"customer{ticket_id}@example.com", "cc_emails": [], "bcc_emails": None,
            "attachments": [], "created_at": self.tick(), "updated_at": stamp(self.clock),
        })
        ticket["updated_at"] = stamp(self.clock)

    def _conversations(self, request: requests.PreparedRequest) -> Reply:
        return self._json(200, self.conversations.get(self._id(request), []))

    def _company(self, request: requests.PreparedRequest) -> Reply:
        company = self.companies.get(self._id(request))
        if company is None:
            return self._json(404, {"code": "not_found", "message": "Record not found"})
        return self._json(200, company)
