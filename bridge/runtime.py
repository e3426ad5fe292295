"""What a running command needs, built once from Settings: the store engine, the mappings and the connectors."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from bridge.config import Settings
from bridge.errors import ConfigError
from bridge.mapping import MappingHolder, Mappings
from bridge.ports import Connector, Helpdesk, Tracker
from bridge.registry import connector_class, names_of_role
from bridge.store import open_engine, upgrade


@dataclass
class Runtime:
    settings: Settings
    migrate: bool = True
    _holder: MappingHolder | None = field(default=None, init=False, repr=False)
    _connectors: dict[str, Connector] = field(default_factory=dict, init=False, repr=False)

    @cached_property
    def engine(self) -> Engine:
        engine = open_engine(self.settings.database_url)
        if self.migrate:
            upgrade(engine)
        return engine

    @property
    def mapping_holder(self) -> MappingHolder:
        if self._holder is None:
            self._holder = MappingHolder(self.settings.mappings_dir)
        return self._holder

    @property
    def mappings(self) -> Mappings:
        return self.mapping_holder.current

    def connector(self, name: str) -> Connector:
        """The connector `name`, built once: its caches (Zendesk's ticket fields, writes already done) live as
        long as the process, not one job run."""
        if name not in self._connectors:
            self._connectors[name] = connector_class(name).from_settings(self.settings)
        return self._connectors[name]

    def configured(self, role: str) -> list[str]:
        """Names of the installed connectors of `role` whose <NAME>_URL is set."""
        return [name for name in names_of_role(role) if self.settings.configured(name)]

    def helpdesk(self, name: str) -> Helpdesk:
        connector = self.connector(name)
        assert isinstance(connector, Helpdesk)
        return connector

    @property
    def tracker_name(self) -> str | None:
        """The configured tracker; ConfigError when more than one is."""
        names = self.configured("tracker")
        if len(names) > 1:
            raise ConfigError([f"configure one tracker, not {len(names)} ({', '.join(names)})"])
        return names[0] if names else None

    def tracker(self) -> Tracker | None:
        name = self.tracker_name
        connector = self.connector(name) if name else None
        assert connector is None or isinstance(connector, Tracker)
        return connector
