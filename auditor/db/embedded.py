"""The embedded default database: a throwaway PostgreSQL from the ``pgserver`` package."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
from psycopg import sql

from auditor.db.target import DatabaseUnavailable

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class EmbeddedServer:
    """Start PostgreSQL in a temporary directory; stop it and remove the directory on exit."""

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._server: Any = None
        self.version = "unknown"

    def __enter__(self) -> EmbeddedServer:
        import warnings

        # pgserver's platformdirs warns about XDG_RUNTIME_DIR on import: noise for users.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        try:
            import pgserver
        except ImportError as exc:  # pragma: no cover - dependency is declared
            raise DatabaseUnavailable(f"embedded PostgreSQL unavailable: {exc}") from None
        self._dir = Path(tempfile.mkdtemp(prefix="auditor-pg-"))
        try:
            self._server = pgserver.get_server(  # type: ignore[attr-defined]
                self._dir, cleanup_mode="stop"
            )
            with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
                row = conn.execute("SHOW server_version").fetchone()
                self.version = str(row[0]).split()[0] if row else "unknown"
        except Exception as exc:
            self.__exit__(None, None, None)
            raise DatabaseUnavailable(f"embedded PostgreSQL failed to start: {exc}") from None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            try:
                self._server.cleanup()
            finally:
                self._server = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def dsn(self, dbname: str) -> str:
        """A DSN for database ``dbname`` on this server (Unix socket, trust auth)."""
        if self._dir is None:
            raise RuntimeError("embedded server is not running")
        return f"postgresql://postgres@/{dbname}?host={self._dir}"

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its DSN."""
        if not _NAME.match(name):
            raise ValueError(f"invalid database name {name!r}")
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)
