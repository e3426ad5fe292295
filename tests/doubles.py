"""A helpdesk that lives in memory: a test double of a vendor, not of our code."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from bridge.connector import ApplyResult
from bridge.errors import RetriableError
from bridge.model import Change, Patch, Ticket, TicketRef, WebhookEvent


@dataclass
class MemoryHelpdesk:
    """Pages of `page_size` tickets; the cursor is the index after the page. `failing` refs fail once."""

    name: ClassVar[str] = "memdesk"
    role: ClassVar[str] = "helpdesk"
    tickets: list[Ticket] = field(default_factory=list)
    page_size: int = 2
    crash_after: int | None = None
    failing: set[str] = field(default_factory=set)
    applied: list[tuple[tuple[str, ...], Patch, str]] = field(default_factory=list)
    comments: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: object) -> MemoryHelpdesk:
        return cls()

    def fetch_changes(self, since: str | None) -> Iterator[Change]:
        start = int(since or 0)
        for index, ticket in enumerate(self.tickets[start:], start):
            if self.crash_after is not None and index >= self.crash_after:
                raise RetriableError("connection reset", endpoint="GET /tickets")
            page_end = min((index // self.page_size + 1) * self.page_size, len(self.tickets))
            yield Change(ticket, str(page_end))

    def get_ticket(self, ref: TicketRef) -> Ticket:
        return next(t for t in self.tickets if t.ref == ref)

    def apply(self, refs: Sequence[TicketRef], patch: Patch, *, idempotency_key: str,
              attempt: int = 1) -> ApplyResult:
        self.applied.append((tuple(r.external_id for r in refs), patch, idempotency_key))
        outcome: dict[TicketRef, Exception | None] = {}
        for ref in refs:
            if ref.external_id in self.failing:
                self.failing.discard(ref.external_id)
                outcome[ref] = RetriableError("ticket locked", status=409)
                continue
            if patch.comment and patch.comment not in self.comments.get(ref.external_id, []):
                self.comments.setdefault(ref.external_id, []).append(patch.comment)
            outcome[ref] = None
        return outcome

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        return []
