"""What every helpdesk connector offers, and how connectors are found (entry-point group
"wishbridge.connectors", the same for built-in and third-party ones)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol, runtime_checkable

from bridge.config import Settings
from bridge.errors import ConfigError
from bridge.model import Change, Ticket, TicketRef, TicketWrite, WebhookEvent

ENTRY_POINT_GROUP = "wishbridge.connectors"

ApplyResult = Mapping[str, Exception | None]
"""Per write key: None when the write is on the ticket (now or from an earlier try), else what went wrong."""


@runtime_checkable
class Connector(Protocol):
    """A helpdesk. `name` is the entry-point name, the `source:` in mappings and the env prefix (ZENDESK_)."""

    name: ClassVar[str]
    role: ClassVar[str]  # "helpdesk", or "tracker" for Jira
    batch_size: ClassVar[int]  # how many ticket writes one `apply` call takes (the vendor's bulk size)

    @classmethod
    def from_settings(cls, settings: Settings) -> Connector: ...

    def fetch_changes(self, since: str | None) -> Iterator[Change]:
        """Every ticket changed after cursor `since` (None: from the beginning), oldest first. Changes that
        share a cursor form one page: the caller stores the cursor once the whole page is stored."""
        ...

    def get_ticket(self, ref: TicketRef) -> Ticket: ...

    def apply(self, writes: Sequence[TicketWrite]) -> ApplyResult:
        """Write each ticket's own patch, at most `batch_size` writes, each ticket once. Exactly-once per
        (ticket, key), proven by a marker the connector stores with the write and looks for when
        `write.check` is set; a closed ticket is reached as its vendor allows (see each connector)."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        """Verify and parse a delivery; raises InvalidSignature or ValueError. No I/O."""
        ...


@cache
def registry() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def known_sources() -> list[str]:
    return sorted(registry())


def connector_class(name: str) -> Any:
    try:
        return registry()[name].load()
    except KeyError:
        raise ConfigError([f"unknown connector '{name}' (installed: {', '.join(known_sources())})"]) from None


def batch_size(connector: object) -> int:
    return int(getattr(connector, "batch_size", 1))


def build(name: str, settings: Settings) -> Connector:
    connector: Connector = connector_class(name).from_settings(settings)
    return connector


def configured(settings: Settings, role: str = "helpdesk") -> list[str]:
    """Names of the installed connectors of `role` whose <NAME>_URL is set."""
    return [name for name in known_sources() if settings.configured(name) and connector_class(name).role == role]
