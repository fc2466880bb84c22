"""Shared fixtures: real PostgreSQL on every major available (embedded 17 and 18, plus
the server of AUDITOR_TEST_DSN when set; see tests/pg.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from auditor.db.bundle import find_bundle
from auditor.db.embedded import EmbeddedServer
from tests.pg import EMBEDDED, PgServer, machine_dsn, server_names

REPO = Path(__file__).resolve().parent.parent
REFERENCE_MIGRATIONS = REPO / "migrations"
SERVER_NAMES = server_names()


@pytest.fixture(autouse=True)
def _no_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's DATABASE_URL."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name in CI_BASE_VARIABLES:  # a run in a pull request's CI must not move the lint's base
        monkeypatch.delenv(name, raising=False)


CI_BASE_VARIABLES = (
    "GITHUB_BASE_REF",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA",
)


class EmbeddedServers:
    """Embedded servers by test id, each started on first use and stopped at the end."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._started: dict[str, PgServer] = {}

    def __getitem__(self, name: str) -> PgServer:
        if name not in self._started:
            server = self._stack.enter_context(EmbeddedServer(find_bundle(EMBEDDED[name])))
            self._started[name] = PgServer(name, server.dsn("postgres"))
        return self._started[name]


@pytest.fixture(scope="session")
def embedded_servers() -> Iterator[EmbeddedServers]:
    """The embedded servers of this session (see :class:`EmbeddedServers`)."""
    with ExitStack() as stack:
        yield EmbeddedServers(stack)


@pytest.fixture(scope="session")
def embedded_server(embedded_servers: EmbeddedServers) -> PgServer:
    """The tool's embedded default (PostgreSQL 17), started once per test session."""
    return embedded_servers["pg17"]


@pytest.fixture(scope="session", params=SERVER_NAMES)
def pg_server(request: pytest.FixtureRequest, embedded_servers: EmbeddedServers) -> PgServer:
    """Each available server in turn: embedded 17, embedded 18, the machine's when set."""
    if request.param in EMBEDDED:
        return embedded_servers[request.param]
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
