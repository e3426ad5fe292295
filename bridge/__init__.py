"""Wishbridge: customer wishes from any helpdesk to Jira epics, and development status back to every ticket."""

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
