"""What every helpdesk connector offers, and how connectors are found (entry-point group
"wishbridge.connectors", the same for built-in and third-party ones)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol, runtime_checkable

from bridge.config import Settings
from bridge.errors import ConfigError
from bridge.model import Change, Patch, Ticket, TicketRef, WebhookEvent

ENTRY_POINT_GROUP = "wishbridge.connectors"

ApplyResult = Mapping[TicketRef, Exception | None]
"""Per ticket: None when the patch is on the ticket (now or from an earlier try), else what went wrong."""


@runtime_checkable
class Connector(Protocol):
    """A helpdesk. `name` is the entry-point name, the `source:` in mappings and the env prefix (ZENDESK_)."""

    name: ClassVar[str]
    role: ClassVar[str]  # "helpdesk", or "tracker" for Jira

    @classmethod
    def from_settings(cls, settings: Settings) -> Connector: ...

    def fetch_changes(self, since: str | None) -> Iterator[Change]:
        """Every ticket changed after cursor `since` (None: from the beginning), oldest first. Changes that
        share a cursor form one page: the caller stores the cursor once the whole page is stored."""
        ...

    def get_ticket(self, ref: TicketRef) -> Ticket: ...

    def apply(self, refs: Sequence[TicketRef], patch: Patch, *, idempotency_key: str,
              attempt: int = 1) -> ApplyResult:
        """Write `patch` to every ticket. Idempotent per (ticket, key): a retry never writes twice. `attempt`
        is 1 on the first try; a later one may follow a crash after the write landed, so check first."""
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


def build(name: str, settings: Settings) -> Connector:
    connector: Connector = connector_class(name).from_settings(settings)
    return connector


def configured(settings: Settings, role: str = "helpdesk") -> list[str]:
    """Names of the installed connectors of `role` whose <NAME>_URL is set."""
    return [name for name in known_sources() if settings.configured(name) and connector_class(name).role == role]
