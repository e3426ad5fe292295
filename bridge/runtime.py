"""What a running command needs, built once from Settings: the store engine and the mappings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from bridge.config import Settings
from bridge.mapping import MappingHolder, Mappings
from bridge.store import open_engine, upgrade


@dataclass
class Runtime:
    settings: Settings
    migrate: bool = True
    _holder: MappingHolder | None = field(default=None, init=False, repr=False)

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
