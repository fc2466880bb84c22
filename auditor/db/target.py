"""Connections to the audited database, and how the database is chosen.

Selection order (the contract): ``--db DSN``, then ``DATABASE_URL``, then the
embedded default, a throwaway PostgreSQL started by the tool with the project's
migrations applied. Audit sessions are read-only with short timeouts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.core.errors import AuditorError
from auditor.db.dsn import conninfo_to_dict, describe, redact_dsn, scrub

if TYPE_CHECKING:  # psycopg is imported when a connection is made: fast start-up without one
    import psycopg

STATEMENT_TIMEOUT_MS = 10_000
LOCK_TIMEOUT_MS = 1_000
CONNECT_TIMEOUT_S = 5
READ_ONLY_NOTICE = (
    f"database session is read-only (default_transaction_read_only=on, "
    f"statement_timeout={STATEMENT_TIMEOUT_MS}ms, lock_timeout={LOCK_TIMEOUT_MS}ms, "
    "application_name=auditor)"
)


class DatabaseUnavailable(AuditorError):
    """The database could not be reached or refused us; the message is one safe line."""


@dataclass(frozen=True)
class DatabaseTarget:
    """The database an audit or a command works on."""

    dsn: str
    """Full DSN; never print it, print :attr:`label`."""
    label: str
    """Redacted, human-readable description used in reports and messages."""
    source: str
    """How it was chosen: ``--db``, ``DATABASE_URL`` or ``embedded``."""
    disposable: bool = False
    """True for databases the tool created and will throw away (writes allowed)."""


def explicit_dsn(cli_value: str | None) -> tuple[str, str] | None:
    """The DSN given by ``--db`` or ``DATABASE_URL`` with where it came from, or None."""
    if cli_value:
        return cli_value, "--db"
    env = os.environ.get("DATABASE_URL")
    if env:
        return env, "DATABASE_URL"
    return None


def target_for(dsn: str, source: str, *, disposable: bool = False) -> DatabaseTarget:
    """Describe a DSN as a target, with the password redacted in its label."""
    return DatabaseTarget(dsn=dsn, label=redact_dsn(dsn), source=source, disposable=disposable)


def connect(
    dsn: str, *, read_only: bool = True, autocommit: bool = True, timeouts: bool = True
) -> psycopg.Connection[tuple[object, ...]]:
    """Open a connection; audit sessions are read-only with short timeouts.

    The migration runner asks for ``read_only=False, timeouts=False``: migrations may
    legitimately run long.

    Raises :class:`DatabaseUnavailable` with a one-line message naming host, port and
    database, never the password.
    """
    import logging

    import psycopg

    # psycopg logs "error ignored in rollback/terminating ..." over several lines when a
    # connection dies under it (pg_terminate_backend, a signal): the one-line error says it
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    try:
        conninfo_to_dict(dsn)
    except Exception:  # libpq's parse error quotes the DSN around the fault: never echo it
        raise DatabaseUnavailable(
            f"invalid database address {redact_dsn(dsn)}: it cannot be parsed "
            "(percent-encode any of @ : / ? # % in the user name or password)"
        ) from None
    options = ""
    if timeouts:
        options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}"
    if read_only:
        options += " -c default_transaction_read_only=on"
    try:
        return psycopg.connect(
            dsn,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="auditor",
            options=options.strip() or None,
        )
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        raise DatabaseUnavailable(
            scrub(f"cannot connect to database {describe(dsn)}: {reason}", dsn)
        ) from None
    except Exception as exc:  # malformed DSN and friends
        raise DatabaseUnavailable(
            scrub(f"invalid database address {redact_dsn(dsn)}: {exc}", dsn)
        ) from None


def server_version(conn: psycopg.Connection[tuple[object, ...]]) -> str:
    """The server's version string, e.g. ``16.2``."""
    row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "unknown"
