"""Wishbridge: customer wishes from any helpdesk to Jira epics, and development status back to every ticket.

The names below load on first use, so importing `bridge` (and starting the command line) stays light."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bridge.config import Key, Settings, load_settings
    from bridge.errors import (
        BridgeError,
        ConfigError,
        ConnectorError,
        FatalError,
        InvalidSignature,
        MappingError,
        MappingIssue,
        RetriableError,
        WorkflowError,
    )
    from bridge.mapping import Mappings, load_mappings
    from bridge.model import (
        Change,
        EpicBrief,
        IssueState,
        Marking,
        Organization,
        Patch,
        Person,
        Ticket,
        TicketComment,
        TicketLink,
        TicketRef,
        TicketWrite,
        WebhookEvent,
    )
    from bridge.ports import ApplyResult, Connector, Helpdesk, Polled, Tracker

_HOMES = {
    "Settings": "config", "load_settings": "config", "Key": "config", "Mappings": "mapping",
    "load_mappings": "mapping", **dict.fromkeys(("BridgeError", "ConfigError", "ConnectorError", "FatalError",
                                                 "InvalidSignature", "MappingError", "MappingIssue",
                                                 "RetriableError", "WorkflowError"), "errors"),
    **dict.fromkeys(("Change", "EpicBrief", "IssueState", "Marking", "Organization", "Patch", "Person", "Ticket",
                     "TicketComment", "TicketLink", "TicketRef", "TicketWrite", "WebhookEvent"), "model"),
    **dict.fromkeys(("ApplyResult", "Connector", "Helpdesk", "Polled", "Tracker"), "ports"),
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'bridge' has no attribute {name!r}")
    return getattr(importlib.import_module(f"bridge.{_HOMES[name]}"), name)

__all__ = [
    "ApplyResult",
    "BridgeError",
    "Change",
    "ConfigError",
    "Connector",
    "ConnectorError",
    "EpicBrief",
    "FatalError",
    "Helpdesk",
    "InvalidSignature",
    "IssueState",
    "Key",
    "MappingError",
    "MappingIssue",
    "Mappings",
    "Marking",
    "Organization",
    "Patch",
    "Person",
    "Polled",
    "RetriableError",
    "Settings",
    "Ticket",
    "TicketComment",
    "TicketLink",
    "TicketRef",
    "TicketWrite",
    "Tracker",
    "WebhookEvent",
    "WorkflowError",
    "load_mappings",
    "load_settings",
]
