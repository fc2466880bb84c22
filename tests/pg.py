"""Real PostgreSQL servers for the tests: the embedded one, and the machine's when
``AUDITOR_TEST_DSN`` is set. Each test gets its own database, dropped afterwards."""

from __future__ import annotations

import itertools
import os
import uuid
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

_counter = itertools.count()


@dataclass(frozen=True)
class PgServer:
    """A running PostgreSQL server the tests may create databases on."""

    name: str
    """``embedded`` or ``machine``: shows in test ids."""
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
