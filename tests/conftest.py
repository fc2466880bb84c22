"""Shared fixtures: real PostgreSQL (embedded by default, plus AUDITOR_TEST_DSN when set)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.db.embedded import EmbeddedServer
from tests.pg import PgServer, machine_dsn

REPO = Path(__file__).resolve().parent.parent
REFERENCE_MIGRATIONS = REPO / "migrations"
SERVER_NAMES = ["embedded"] + (["machine"] if machine_dsn() else [])


@pytest.fixture(autouse=True)
def _no_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's DATABASE_URL."""
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture(scope="session")
def embedded_server() -> Iterator[PgServer]:
    """The embedded PostgreSQL, started once per test session."""
    with EmbeddedServer() as server:
        yield PgServer("embedded", server.dsn("postgres"))


@pytest.fixture(scope="session", params=SERVER_NAMES)
def pg_server(request: pytest.FixtureRequest) -> PgServer:
    """Each available server in turn: embedded, then the machine's when configured."""
    if request.param == "embedded":
        server: PgServer = request.getfixturevalue("embedded_server")
        return server
    dsn = machine_dsn()
    assert dsn is not None
    return PgServer("machine", dsn)


@pytest.fixture
def fresh_db(pg_server: PgServer) -> Iterator[str]:
    """The DSN of a new empty database on the current server, dropped after the test."""
    name = pg_server.create_database()
    try:
        yield pg_server.dsn_for(name)
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def reference_migrations() -> Path:
    """The shipped reference migrations in the checkout."""
    return REFERENCE_MIGRATIONS


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment for subprocesses without DATABASE_URL."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    return env
