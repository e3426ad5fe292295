"""How connectors are found: the entry-point group "wishbridge.connectors", the same for built-in and
third-party ones (pyproject.toml registers the built-ins). The only module that reaches connector code."""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from bridge.errors import ConfigError

ENTRY_POINT_GROUP = "wishbridge.connectors"


@cache
def registry() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def known_sources() -> list[str]:
    return sorted(registry())


def connector_class(name: str) -> Any:
    try:
        return registry()[name].load()
    except KeyError:
        raise ConfigError([f"unknown connector '{name}' (installed: {', '.join(known_sources())})"]) from None


def names_of_role(role: str) -> list[str]:
    return [name for name in known_sources() if connector_class(name).role == role]
