"""The two ports every vendor plugs into, side by side: a `Helpdesk`, where customers write to support, and a
`Tracker`, where developers plan the work. The core speaks only these; each connector (built-in or third-party,
all found through the entry-point group "wishbridge.connectors") declares what it needs: its settings, its
batch size, the webhook headers worth keeping, whether its pages frame the sidebar.

    Connector            name, role, settings, delivery_headers, secret_body_fields, from_settings,
                         parse_webhook
    ├── Helpdesk         batch_size, frames_sidebar, fetch_changes, get_ticket, comments, apply
    │   (SidebarHost)    sidebar_visit: a helpdesk that opens the sidebar with its own signed request
    └── Tracker          search_settle, calls, issue_url, issue_key, get_issue, find_epic, create_epic,
                         adopt_issue, rewrite_epic, link_ticket, poll
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol, runtime_checkable

from bridge.config import Key, Settings
from bridge.model import (
    Change,
    EpicBrief,
    IssueState,
    SidebarVisit,
    Ticket,
    TicketComment,
    TicketLink,
    TicketRef,
    TicketWrite,
    WebhookEvent,
)

ApplyResult = Mapping[str, Exception | None]
"""Per write key: None when the write is on the ticket (now or from an earlier try), else what went wrong."""


@runtime_checkable
class Connector(Protocol):
    """What every connector declares. `name` is the entry-point name, the `source:` in mappings, the mapping
    file of a tracker (`mappings/<name>.yaml`) and the prefix of its settings (`settings` holds names without
    it: Key("URL", ...) is read as ZENDESK_URL). A connector counts as configured when <NAME>_URL is set."""

    name: ClassVar[str]
    role: ClassVar[str]  # "helpdesk" or "tracker"
    settings: ClassVar[tuple[Key, ...]]
    delivery_headers: ClassVar[tuple[str, ...]]  # webhook headers kept with a stored delivery (lower case)
    secret_body_fields: ClassVar[tuple[str, ...]]  # top-level JSON fields of a delivery never stored (a secret)

    @classmethod
    def from_settings(cls, settings: Settings) -> Connector: ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        """Verify and parse a delivery; raises InvalidSignature or ValueError. No I/O."""
        ...


@runtime_checkable
class Helpdesk(Connector, Protocol):
    batch_size: ClassVar[int]  # how many ticket writes one `apply` call takes (the vendor's bulk size)
    frames_sidebar: ClassVar[bool]  # its agent pages show the sidebar in a frame (<NAME>_URL may frame it)

    def fetch_changes(self, since: str | None) -> Iterator[Change]:
        """Every ticket changed after cursor `since` (None: from the beginning), oldest first. Changes that
        share a cursor form one page: the caller stores the cursor once the whole page is stored."""
        ...

    def get_ticket(self, ref: TicketRef) -> Ticket: ...

    def comments(self, ref: TicketRef, since: datetime) -> list[TicketComment]:
        """The comments, replies and notes written on the ticket after `since`, oldest first; the ticket's
        first message (its body) may be among them when it is that recent."""
        ...

    def apply(self, writes: Sequence[TicketWrite]) -> ApplyResult:
        """Write each ticket's own patch, at most `batch_size` writes, each ticket once. Exactly-once per
        (ticket, key), proven by a marker the connector stores with the write and looks for when
        `write.check` is set; a closed ticket is reached as its vendor allows (see each connector)."""
        ...


@runtime_checkable
class SidebarHost(Protocol):
    """A helpdesk that opens the ticket sidebar itself, with a request it signs (Zendesk's app). Other helpdesks
    reach the sidebar through a link Wishbridge signs (bridge/web/sidebar/links.py)."""

    @classmethod
    def sidebar_visit(cls, settings: Settings, form: Mapping[str, str]) -> SidebarVisit:
        """The ticket and agent a genuine request names; InvalidSignature otherwise. No I/O."""
        ...


@dataclass(frozen=True)
class Polled:
    states: list[IssueState]
    missing: list[str]  # keys the tracker says do not exist (deleted, or out of the bridge's sight)


@runtime_checkable
class Tracker(Connector, Protocol):
    """Where approved wish groups become epics. Status changes reach the core as webhook events of kind
    STATUS_CHANGED whose payload is an IssueState record (`IssueState.record`), and through `poll`."""

    search_settle: ClassVar[timedelta]  # how long `find_epic` may miss a new epic; zero when create is unique
    epic_schema: ClassVar[Mapping[str, Any]]  # JSON Schema of the `epic:` section of mappings/<name>.yaml
    calls: int  # HTTP requests sent so far

    def issue_url(self, key: str) -> str: ...

    def issue_key(self, text: str) -> str | None:
        """`text` (what a person typed) as a key of this tracker's issues, in the tracker's own spelling
        (" wish-12" -> "WISH-12"); None when it cannot be one. No I/O."""
        ...

    def get_issue(self, key: str) -> IssueState | None:
        """The issue `key` as the tracker has it now; None when the tracker says there is no such issue (or
        the bridge's user may not see it). RetriableError when the tracker cannot be reached."""
        ...

    def find_epic(self, group_id: int) -> IssueState | None:
        """The epic created earlier for `group_id`, found by the marker `create_epic` stored with it."""
        ...

    def create_epic(self, group_id: int, brief: EpicBrief, spec: Mapping[str, Any]) -> IssueState:
        """Create the group's epic as the mapping's `epic:` section `spec` says, marked with the group id.
        A tracker with a unique-create key (search_settle zero) answers a repeat with the epic it made."""
        ...

    def adopt_issue(self, key: str, group_id: int) -> IssueState:
        """An existing issue the product manager named, marked for `group_id`; FatalError(404) if unknown."""
        ...

    def rewrite_epic(self, key: str, brief: EpicBrief) -> None:
        """Bring the epic's description up to date; FatalError(404) when the tracker no longer has it."""
        ...

    def link_ticket(self, key: str, link: TicketLink) -> None:
        """Link an originating ticket to the epic; linking the same ticket again changes nothing."""
        ...

    def poll(self, keys: Sequence[str], since: datetime | None, now: datetime) -> Polled:
        """The issues of `keys` changed since `since` (every one when None), and the keys that no longer exist."""
        ...
