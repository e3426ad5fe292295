"""What a running command needs, built once from Settings: the store engine, the mappings and the connectors."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from bridge.config import Settings
from bridge.connector import Connector, build
from bridge.mapping import MappingHolder, Mappings
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
            self._connectors[name] = build(name, self.settings)
        return self._connectors[name]
