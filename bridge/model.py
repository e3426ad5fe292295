"""Plain, frozen values passed between connectors, the store and the workflow. No I/O here."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

STATUS_CHANGED = "status_changed"  # the webhook event kind a tracker gives a change of status or resolution


@dataclass(frozen=True)
class TicketRef:
    source: str
    external_id: str

    def __str__(self) -> str:
        return f"{self.source}#{self.external_id}"


@dataclass(frozen=True)
class Person:
    external_id: str
    name: str = ""
    email: str = ""
    locale: str = ""


@dataclass(frozen=True)
class Organization:
    external_id: str
    name: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ticket:
    """A helpdesk ticket as its connector read it; `fields` holds custom fields by the vendor's id or name."""

    ref: TicketRef
    subject: str
    body: str = ""
    url: str = ""
    requester: Person | None = None
    organization: Organization | None = None
    channel: str = ""
    status: str = ""
    ticket_type: str = ""
    tags: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketComment:
    """One comment, reply or note on a helpdesk ticket as its connector read it: `id` is the vendor's (unique on
    the ticket), `author_id` in the id space of Person.external_id (a comment by the ticket's requester has the
    requester's id), `body` plain text, `public` False for an internal note."""

    id: str
    author_id: str
    body: str
    public: bool
    created_at: datetime


@dataclass(frozen=True)
class Marking:
    """What the admin's mapping says a ticket means."""

    is_wish: bool = False
    category: str | None = None
    subcategory: str | None = None
    segment: str | None = None
    paid_accounts: int | None = None
    channel: str | None = None
    language: str | None = None
    tags: tuple[str, ...] = ()
    account_manager: str | None = None   # the organisation's account manager, when the helpdesk records one


@dataclass(frozen=True)
class Change:
    """One ticket as of one point in a connector's change stream; `cursor` resumes right after it."""

    ticket: Ticket
    cursor: str


@dataclass(frozen=True)
class Patch:
    """A write to one or many tickets. Empty parts are left untouched."""

    comment: str | None = None
    public: bool = True
    tags_add: tuple[str, ...] = ()
    tags_remove: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)
    status: str | None = None
    follow_up_closed: bool = True  # a closed ticket that refuses replies gets a follow-up ticket (Zendesk)

    def is_empty(self) -> bool:
        return not (self.comment or self.tags_add or self.tags_remove or self.fields or self.status)


@dataclass(frozen=True)
class TicketWrite:
    """One ticket's own patch. `key` makes it exactly-once on that ticket; `check` says an earlier try may
    have landed (a retry, or a claim lost to a crash), so the connector looks for `marker` before writing."""

    ref: TicketRef
    patch: Patch
    key: str
    check: bool = False

    @property
    def marker(self) -> str:
        """A short, stable token for `key` that a connector stores on the vendor's side with the write."""
        return "wb_" + hashlib.sha256(self.key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook delivery, reduced to what the bridge needs to re-read."""

    source: str
    kind: str
    delivery_id: str
    ref: TicketRef | None = None
    issue_key: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The JSON-safe form stored in the inbox (`from_record` reads it back)."""
        return {"source": self.source, "kind": self.kind, "delivery_id": self.delivery_id,
                "ref": {"source": self.ref.source, "external_id": self.ref.external_id} if self.ref else None,
                "issue_key": self.issue_key, "payload": dict(self.payload)}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> WebhookEvent:
        ref = record.get("ref")
        return cls(source=record["source"], kind=record["kind"], delivery_id=record["delivery_id"],
                   ref=TicketRef(ref["source"], ref["external_id"]) if ref else None,
                   issue_key=record.get("issue_key"), payload=record.get("payload") or {})


@dataclass(frozen=True)
class IssueState:
    """What a tracker says about an issue: its status (and the status's category, where the tracker has
    them), resolution and fix versions, as of the tracker's own time of that state."""

    issue_key: str
    status: str | None
    status_category: str | None = None
    resolution: str | None = None
    fix_versions: tuple[str, ...] = ()
    as_of: datetime | None = None  # webhook time of the change, or the issue's last update
    issue_id: str = ""

    def record(self) -> dict[str, Any]:
        """The JSON-safe payload of a stored webhook event (`from_record` reads it back)."""
        return {"status": self.status, "status_category": self.status_category, "resolution": self.resolution,
                "fix_versions": list(self.fix_versions), "issue_id": self.issue_id,
                "as_of": int(self.as_of.timestamp() * 1000) if self.as_of else None}

    @classmethod
    def from_record(cls, issue_key: str, payload: Mapping[str, Any]) -> IssueState:
        millis = payload.get("as_of")
        return cls(issue_key, payload.get("status"), payload.get("status_category"), payload.get("resolution"),
                   tuple(payload.get("fix_versions") or ()),
                   datetime.fromtimestamp(int(millis) / 1000, UTC) if millis else None,
                   str(payload.get("issue_id") or ""))

    @property
    def fix_version(self) -> str | None:
        return ", ".join(self.fix_versions) or None


@dataclass(frozen=True)
class Popularity:
    """How many customers want a wish group; each organisation counts once."""

    tickets: int = 0
    organizations: int = 0
    requesters: int = 0
    channels: tuple[str, ...] = ()
    paid_accounts: int = 0
    by_segment: dict[str, int] = field(default_factory=dict)   # segment -> distinct organisations
    segment_paid_accounts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketLine:
    label: str
    url: str = ""


@dataclass(frozen=True)
class EpicBrief:
    """Everything an epic's description says about its wish group."""

    group_id: int
    title: str
    summary: str = ""
    notes: str = ""
    importance: str | None = None
    popularity: Popularity = field(default_factory=Popularity)
    legal_reference: str | None = None
    legal_deadline: date | None = None
    tickets: tuple[TicketLine, ...] = ()


@dataclass(frozen=True)
class TicketLink:
    """An originating ticket as the epic links it: `global_id` is stable per ticket, so a tracker that upserts
    links by it never adds a second one."""

    ref: TicketRef
    url: str
    title: str
    summary: str = ""

    @property
    def global_id(self) -> str:
        return f"wishbridge:ticket:{self.ref.source}:{self.ref.external_id}"


@dataclass(frozen=True)
class SidebarVisit:
    """A helpdesk's own signed request to show a ticket's sidebar: which ticket, which agent, which language."""

    ref: TicketRef
    agent: str
    locale: str
