"""Unit tests touch no database: pure planning, parsing and rendering. A test that opens a store belongs in
tests/flows/ (a flow through the store) or tests/store/."""

import pytest
import sqlalchemy


@pytest.fixture(autouse=True)
def no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a unit test opened a database: move it to tests/flows/")

    monkeypatch.setattr(sqlalchemy, "create_engine", refuse)
    monkeypatch.setattr("bridge.store.engine.create_engine", refuse)
