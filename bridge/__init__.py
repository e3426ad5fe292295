"""Wishbridge: customer wishes from any helpdesk to Jira epics, and development status back to every ticket.

The names below load on first use, so importing `bridge` (and starting the command line) stays light."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bridge.config import Settings, load_settings
    from bridge.connector import Connector
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
    from bridge.model import Change, Marking, Organization, Patch, Person, Ticket, TicketRef, WebhookEvent

_HOMES = {
    "Settings": "config", "load_settings": "config", "Connector": "connector", "Mappings": "mapping",
    "load_mappings": "mapping", **dict.fromkeys(("BridgeError", "ConfigError", "ConnectorError", "FatalError",
                                                 "InvalidSignature", "MappingError", "MappingIssue",
                                                 "RetriableError", "WorkflowError"), "errors"),
    **dict.fromkeys(("Change", "Marking", "Organization", "Patch", "Person", "Ticket", "TicketRef",
                     "WebhookEvent"), "model"),
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'bridge' has no attribute {name!r}")
    return getattr(importlib.import_module(f"bridge.{_HOMES[name]}"), name)

__all__ = [
    "BridgeError",
    "Change",
    "ConfigError",
    "Connector",
    "ConnectorError",
    "FatalError",
    "InvalidSignature",
    "MappingError",
    "MappingIssue",
    "Mappings",
    "Marking",
    "Organization",
    "Patch",
    "Person",
    "RetriableError",
    "Settings",
    "Ticket",
    "TicketRef",
    "WebhookEvent",
    "WorkflowError",
    "load_mappings",
    "load_settings",
]
