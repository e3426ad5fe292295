"""The shared battery's RT harness: a small REST2 fake behind `responses`, shaped like RT 5.0.3's answers
(tests/e2e/rt/README.md). Every change is one second later than the one before it; two tickets a page.

Like RT, the fake reads an absolute TicketSQL date as a naive time in the RT user's time zone (New York here),
ignoring any offset written after it, and '-N seconds' from its own clock (RT::Date, Format 'unknown')."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import responses

from bridge.model import TicketRef
from bridge.ports import Helpdesk as Connector
from bridge.testing.helpdesk import unsigned
from connectors.rt import RTConnector, signature

URL = "https://rt.example.com"
API = f"{URL}/REST/2.0"
TOKEN = "1-99-battery-token"
QUEUE = "Wishes"
REQUESTOR = "anna@example.com"
BRIDGE_USER = "wishbridge"
SINCE = re.compile(r"LastUpdated >= '([^']+)'")
RELATIVE = re.compile(r"-(\d+) seconds")
ABSOLUTE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
Reply = tuple[int, dict[str, str], str]


@dataclass
class FakeRT:
    """Tickets of one queue with their transactions (id, type, text, content type); ETag = the last
    transaction id."""

    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    transactions: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    written: dict[int, tuple[str, str]] = field(default_factory=dict)  # transaction id -> (Creator, Created)
    clock: datetime = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    user_timezone: str = "America/New_York"
    relative_late: timedelta = timedelta(0)  # RT reads '-N seconds' up to an hour late near a daylight-saving change

    def _touch(self, ticket_id: int, kind: str, text: str = "", content_type: str = "text/plain",
               creator: str = BRIDGE_USER) -> None:
        self.clock += timedelta(seconds=1)
        txn = len(self.transactions) + 1
        self.transactions.append((txn, ticket_id, kind, text, content_type))
        self.written[txn] = (creator, self.clock.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.tickets[ticket_id]["LastUpdated"] = self.written[txn][1]

    def correspond(self, ticket_id: int, text: str) -> None:
        """The requester answers by e-mail: a Correspond transaction created by the requestor."""
        self._touch(ticket_id, "Correspond", text, creator=REQUESTOR)

    def update(self, ticket_id: int, subject: str) -> None:
        """An agent edits the ticket's subject in RT."""
        self.tickets[ticket_id]["Subject"] = subject
        self._touch(ticket_id, "Set")

    def since(self, value: str) -> datetime:
        """A TicketSQL date as RT reads it for the user: relative from now, else naive in the user's zone."""
        relative = RELATIVE.fullmatch(value)
        if relative:
            return datetime.now(UTC) - timedelta(seconds=int(relative.group(1))) + self.relative_late
        naive = datetime.strptime(ABSOLUTE.match(value).group(0), "%Y-%m-%d %H:%M:%S")  # type: ignore[union-attr]
        return naive.replace(tzinfo=ZoneInfo(self.user_timezone)).astimezone(UTC)

    def add_ticket(self, subject: str, text: str, content_type: str = "text/plain") -> int:
        ticket_id = len(self.tickets) + 1
        self.tickets[ticket_id] = {"id": str(ticket_id), "type": "ticket", "Subject": subject, "Status": "new",
                                   "Type": "ticket", "Queue": {"id": "3", "type": "queue", "Name": QUEUE},
                                   "Requestor": [{"id": REQUESTOR, "type": "user", "EmailAddress": REQUESTOR,
                                                  "RealName": "Anna", "Name": REQUESTOR}],
                                   "CustomFields": [], "Created": "2026-11-24T07:00:00Z"}
        self._touch(ticket_id, "Create", text, content_type, creator=REQUESTOR)
        return ticket_id

    def texts(self, ticket_id: int) -> list[str]:
        return [text for _, tid, kind, text, _ in self.transactions if tid == ticket_id and kind != "Create" and text]

    def _etag(self, ticket_id: int) -> str:
        return f'"{max(txn for txn, tid, *_ in self.transactions if tid == ticket_id)}"'

    def search(self, request: Any) -> Reply:
        params = parse_qs(urlsplit(request.url).query)
        query, per_page, page = params["query"][0], int(params["per_page"][0]), int(params["page"][0])
        since = SINCE.search(query)
        wanted = re.fullmatch(r"id = (\d+)", query)
        start = self.since(since.group(1)) if since else None
        found = sorted((t for t in self.tickets.values()
                        if (start is None or datetime.strptime(t["LastUpdated"], "%Y-%m-%dT%H:%M:%SZ")
                            .replace(tzinfo=UTC) >= start)
                        and (wanted is None or t["id"] == wanted.group(1))),
                       key=lambda t: (t["LastUpdated"], int(t["id"])))
        body: dict[str, Any] = {"page": page, "per_page": per_page, "total": len(found),
                                "items": found[(page - 1) * per_page:page * per_page]}
        if page * per_page < len(found):
            body["next_page"] = f"{API}/tickets?" + urlencode({**{k: v[0] for k, v in params.items()},
                                                               "page": page + 1})
        return 200, {}, json.dumps(body)

    def creates(self, request: Any) -> Reply:
        ids = next(q["value"] for q in json.loads(request.body) if q["field"] == "ObjectId")
        items = [{"id": str(txn), "ObjectId": str(tid)} for txn, tid, kind, *_ in self.transactions
                 if kind == "Create" and tid in ids]
        return 200, {}, json.dumps({"items": items, "total": None})

    def attachments(self, request: Any) -> Reply:
        query = {q["field"]: q["value"] for q in json.loads(request.body)}
        kinds = query.get("ContentType", [])
        items = [{"TransactionId": str(txn), "ContentType": kind, "Content": text}
                 for txn, _, _, text, kind in self.transactions
                 if txn in query["TransactionId"] and kind in (kinds if isinstance(kinds, list) else [kinds])]
        return 200, {}, json.dumps({"items": items, "total": None})

    def history(self, request: Any) -> Reply:
        ticket_id = int(request.url.split("/ticket/")[1].split("/")[0])
        items = [{"Content": text} for _, tid, _, text, _ in reversed(self.transactions) if tid == ticket_id]
        return 200, {}, json.dumps({"items": items})

    def ticket_history(self, request: Any) -> Reply:
        """GET /ticket/N/history?fields=...: the ticket's transactions, oldest first, `Creator` a user hyperlink."""
        params = parse_qs(urlsplit(request.url).query)
        ticket_id = int(request.url.split("/ticket/")[1].split("/")[0])
        per_page, page = int(params["per_page"][0]), int(params.get("page", ["1"])[0])
        mine = [(txn, kind) for txn, tid, kind, *_ in self.transactions if tid == ticket_id]
        items = [{"id": str(txn), "type": "transaction", "Type": kind,
                  "Creator": {"id": self.written[txn][0], "type": "user", "_url": f"{API}/user/{self.written[txn][0]}"},
                  "Created": self.written[txn][1]} for txn, kind in mine[(page - 1) * per_page:page * per_page]]
        return 200, {}, json.dumps({"items": items, "page": page, "per_page": per_page, "count": len(items),
                                    "total": None, "pages": None})

    def message(self, request: Any) -> Reply:
        ticket_id, kind = re.search(r"/ticket/(\d+)/(\w+)$", request.url).groups()  # type: ignore[union-attr]
        self._touch(int(ticket_id), kind.capitalize(), json.loads(request.body)["Content"])
        return 201, {}, json.dumps(["Correspondence added" if kind == "correspond" else "Comments added"])

    def ticket(self, request: Any) -> Reply:
        ticket_id = int(request.url.rsplit("/", 1)[1])
        record = self.tickets[ticket_id]
        if request.method == "GET":
            return 200, {"ETag": self._etag(ticket_id)}, json.dumps(record)
        if request.headers.get("If-Match") != self._etag(ticket_id):
            return 412, {}, json.dumps({"message": "Precondition Failed"})
        record.update({k: v for k, v in json.loads(request.body).items() if k == "Status"})
        self._touch(ticket_id, "Set")
        return 200, {}, json.dumps([])

    def install(self, mock: responses.RequestsMock) -> None:
        mock.add_callback(responses.GET, f"{API}/tickets", callback=self.search)
        mock.add_callback(responses.POST, f"{API}/transactions", callback=self.creates)
        mock.add_callback(responses.POST, f"{API}/attachments", callback=self.attachments)
        mock.add_callback(responses.GET, re.compile(rf"{API}/ticket/\d+/attachments"), callback=self.history)
        mock.add_callback(responses.GET, re.compile(rf"{API}/ticket/\d+/history"), callback=self.ticket_history)
        mock.add_callback(responses.POST, re.compile(rf"{API}/ticket/\d+/(comment|correspond)"),
                          callback=self.message)
        mock.add_callback(responses.GET, re.compile(rf"{API}/ticket/\d+$"), callback=self.ticket)
        mock.add_callback(responses.PUT, re.compile(rf"{API}/ticket/\d+$"), callback=self.ticket)
        mock.get(f"{API}/queue/{QUEUE}", json={"id": 3, "Name": QUEUE, "TicketCustomFields": []})


class RTHarness:
    def __init__(self, vendor: FakeRT, mock: responses.RequestsMock) -> None:
        self.vendor = vendor
        self.mock = mock  # every request the connector sent, in `mock.calls`

    def connector(self) -> Connector:
        connector = RTConnector(URL, TOKEN, QUEUE, page_size=2)
        connector.client.sleep = lambda _seconds: None
        return connector

    def create_ticket(self, subject: str) -> TicketRef:
        return TicketRef("rt", str(self.vendor.add_ticket(subject, f"{subject}, please")))

    def reply(self, ref: TicketRef, text: str) -> None:
        self.vendor.correspond(int(ref.external_id), text)

    def comments(self, ref: TicketRef) -> list[str]:
        """As the customer reads them: HTML messages without tags or the bridge's hidden marker."""
        return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in self.vendor.texts(int(ref.external_id))]

    def bare(self, ref: TicketRef) -> tuple[dict[str, str], bytes]:
        return unsigned(self, ref)

    def webhook(self, ref: TicketRef, *, genuine: bool) -> tuple[dict[str, str], bytes]:
        body = json.dumps({"ticket": int(ref.external_id), "event": "Create", "token": "1"}).encode()
        key = TOKEN if genuine else "a guessed token"
        return {"Content-Type": "application/json", "X-Wishbridge-Signature": signature(key, body)}, body


@contextmanager
def rt() -> Iterator[RTHarness]:
    vendor = FakeRT()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        vendor.install(mock)
        yield RTHarness(vendor, mock)
