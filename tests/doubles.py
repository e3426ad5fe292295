"""A helpdesk that lives in memory: a test double of a vendor, not of our code."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from bridge.config import Key
from bridge.errors import RetriableError
from bridge.model import Change, Ticket, TicketComment, TicketRef, TicketWrite, WebhookEvent
from bridge.ports import ApplyResult

AGENT = "agent-bridge"  # the author of the bridge's own messages


@dataclass
class MemoryHelpdesk:
    """Pages of `page_size` tickets; the cursor is the index after the page. `failing` refs fail once.
    Every write lands as sent (a message twice is two messages); `markers` are what the bridge stored with
    each write, looked up only when a write asks for a check. `thread` holds every comment of a ticket, the
    bridge's messages (by AGENT) and what people wrote (`write_comment`)."""

    name: ClassVar[str] = "memdesk"
    role: ClassVar[str] = "helpdesk"
    batch_size: ClassVar[int] = 100
    settings: ClassVar[tuple[Key, ...]] = ()
    delivery_headers: ClassVar[tuple[str, ...]] = ()
    secret_body_fields: ClassVar[tuple[str, ...]] = ()
    frames_sidebar: ClassVar[bool] = False
    tickets: list[Ticket] = field(default_factory=list)
    page_size: int = 2
    crash_after: int | None = None
    failing: set[str] = field(default_factory=set)
    applied: list[tuple[str, ...]] = field(default_factory=list)
    writes: list[TicketWrite] = field(default_factory=list)
    messages: dict[str, list[str]] = field(default_factory=dict)
    thread: dict[str, list[TicketComment]] = field(default_factory=dict)
    tags: dict[str, set[str]] = field(default_factory=dict)
    markers: dict[str, set[str]] = field(default_factory=dict)

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

    def apply(self, writes: Sequence[TicketWrite]) -> ApplyResult:
        self.applied.append(tuple(w.ref.external_id for w in writes))
        outcome: dict[str, Exception | None] = {}
        for write in writes:
            ticket = write.ref.external_id
            if ticket in self.failing:
                self.failing.discard(ticket)
                outcome[write.key] = RetriableError("ticket locked", status=409)
                continue
            if not (write.check and write.marker in self.markers.get(ticket, set())):
                self._write(ticket, write)
            outcome[write.key] = None
        return outcome

    def _write(self, ticket: str, write: TicketWrite) -> None:
        self.writes.append(write)
        if write.patch.comment:
            self.messages.setdefault(ticket, []).append(write.patch.comment)
            self.write_comment(ticket, AGENT, write.patch.comment, public=write.patch.public)
        tags = self.tags.setdefault(ticket, set())
        tags.difference_update(write.patch.tags_remove)
        tags.update(write.patch.tags_add)
        self.markers.setdefault(ticket, set()).add(write.marker)

    def write_comment(self, ticket: str, author_id: str, body: str, *, public: bool = True) -> TicketComment:
        """Someone writes on the ticket now (a second after the ticket's last comment at the latest)."""
        thread = self.thread.setdefault(ticket, [])
        at = max(datetime.now(UTC), thread[-1].created_at + timedelta(seconds=1)) if thread else datetime.now(UTC)
        comment = TicketComment(f"c{sum(map(len, self.thread.values())) + 1}", author_id, body, public, at)
        thread.append(comment)
        return comment

    def comments(self, ref: TicketRef, since: datetime) -> list[TicketComment]:
        return [comment for comment in self.thread.get(ref.external_id, []) if comment.created_at > since]

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        return []
