"""Shared fixtures. `engine` runs every store test on SQLite and on PostgreSQL (WISHBRIDGE_TEST_PG_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from bridge.config import Settings, load_settings
from bridge.runtime import Runtime
from bridge.store import open_engine, upgrade
from bridge.text.encoders import DEFAULT_ENCODER, Encoder, load_encoder

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MAPPINGS = ROOT / "mappings"


def shared_path(*parts: str) -> Path:
    """A file under ../shared/, or a skip naming what is missing (a lone clone has no shared/)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data folder sits beside the project in CI")
    return path


def _postgres_engine(url: str) -> Iterator[Engine]:
    schema = f"wb_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    in_schema = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = open_engine(in_schema.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The default sentence encoder, loaded once per test session (bridge.text.encoders keeps it per process)."""
    loaded = load_encoder(DEFAULT_ENCODER)
    assert loaded is not None
    return loaded


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database, once per backend."""
    if request.param == "sqlite":
        engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
        yield engine
        engine.dispose()
        return
    url = os.environ.get("WISHBRIDGE_TEST_PG_URL")
    if not url:
        pytest.skip("WISHBRIDGE_TEST_PG_URL is unset: PostgreSQL store tests skipped (CI sets it)")
    yield from _postgres_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """A migrated store, once on SQLite and once on PostgreSQL."""
    upgrade(empty_engine)
    return empty_engine


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
                          "WISHBRIDGE_MAPPINGS": str(MAPPINGS), "WISHBRIDGE_SECRET_KEY": "test-secret"},
                         env_file=None)


@pytest.fixture
def runtime(engine: Engine, settings: Settings) -> Runtime:
    """A Runtime whose store is the parametrized `engine` (SQLite and PostgreSQL)."""
    rt = Runtime(settings)
    rt.__dict__["engine"] = engine
    return rt
