"""Apply, revert and inspect migrations on a real PostgreSQL, Diesel-compatibly.

Applied versions are recorded in ``__diesel_schema_migrations`` (Diesel's own table
and columns, so a project can switch between Diesel and this runner either way).
In addition, the checksum of every applied ``up.sql`` is kept in
``__auditor_migrations`` so that ``status`` can flag a migration edited after it ran.
Every run holds a PostgreSQL advisory lock: two runners started at once apply each
migration exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import psycopg

from auditor.core.errors import AuditorError
from auditor.db.dsn import scrub
from auditor.db.target import connect
from auditor.migrate.layouts import Migration, Script, load_migrations
from auditor.migrate.state import CHECKSUM_TABLE, DIESEL_TABLE, MigrationStatus
from auditor.sql.split import SqlSyntaxError, split_statements

__all__ = ["MigrationError", "Runner", "load_migrations"]

ADVISORY_LOCK_KEY = 0x61756469746F72  # "auditor"

_CREATE_TABLES = f"""
CREATE TABLE IF NOT EXISTS {DIESEL_TABLE} (
    version VARCHAR(50) PRIMARY KEY NOT NULL,
    run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS {CHECKSUM_TABLE} (
    version VARCHAR(50) PRIMARY KEY NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
"""


class MigrationError(AuditorError):
    """A migration failed or cannot run; the message names the file and line."""


Conn = psycopg.Connection[tuple[object, ...]]


class Runner:
    """Migration runner for one database and one ordered list of migrations."""

    def __init__(self, dsn: str, migrations: list[Migration]) -> None:
        self.dsn = dsn
        self.migrations = migrations

    @contextmanager
    def _locked(self) -> Iterator[Conn]:
        conn = connect(self.dsn, read_only=False, timeouts=False)
        try:
            conn.prepare_threshold = None
            conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
            conn.execute(_CREATE_TABLES)
            yield conn
        finally:
            conn.close()  # closing the session releases the advisory lock

    def _applied(self, conn: Conn) -> dict[str, tuple[datetime | None, str | None]]:
        if _has_table(conn, CHECKSUM_TABLE):
            query = (
                f"SELECT d.version, d.run_on, c.checksum FROM {DIESEL_TABLE} d "
                f"LEFT JOIN {CHECKSUM_TABLE} c USING (version)"
            )
        else:  # a database migrated by Diesel itself: no checksums
            query = f"SELECT version, run_on, NULL::text FROM {DIESEL_TABLE}"
        rows = conn.execute(query.encode()).fetchall()
        return {
            str(v): (
                run_on if isinstance(run_on, datetime) else None,
                c if isinstance(c, str) else None,
            )
            for v, run_on, c in rows
        }

    def migrate(self) -> list[Migration]:
        """Apply every pending migration in order; return those applied."""
        done: list[Migration] = []
        with self._locked() as conn:
            applied = self._applied(conn)
            for migration in self.migrations:
                if migration.version in applied:
                    continue
                self._run(conn, migration, migration.up, up=True)
                done.append(migration)
        return done

    def rollback(self, count: int = 1) -> list[Migration]:
        """Revert the ``count`` most recently applied migrations (newest first)."""
        with self._locked() as conn:
            return self._rollback(conn, count)

    def redo(self, count: int | None = 1) -> list[Migration]:
        """Revert then re-apply the ``count`` latest migrations (all applied ones when None).

        Only the reverted migrations are re-applied, under the same advisory lock; other
        pending migrations stay pending.
        """
        with self._locked() as conn:
            if count is None:
                count = len(self._applied(conn))
            reverted = self._rollback(conn, count)
            for migration in reversed(reverted):
                self._run(conn, migration, migration.up, up=True)
        return reverted

    def _rollback(self, conn: Conn, count: int) -> list[Migration]:
        done: list[Migration] = []
        for migration in self._latest_applied(conn, count):
            if migration.down is None or (migration.down.is_empty and not migration.up.is_empty):
                raise MigrationError(
                    f"{migration.up.path.parent}: migration {migration.label} has no down.sql to revert it"
                )
            self._run(conn, migration, migration.down, up=False)
            done.append(migration)
        return done

    def status(self) -> list[MigrationStatus]:
        """Every local migration and every version the database knows, in version order.

        Read-only: runs in a read-only session and creates nothing.
        """
        conn = connect(self.dsn, read_only=True)
        try:
            applied = self._applied(conn) if _has_table(conn, DIESEL_TABLE) else {}
        finally:
            conn.close()
        result: list[MigrationStatus] = []
        local = {m.version for m in self.migrations}
        for m in self.migrations:
            if m.version in applied:
                run_on, checksum = applied[m.version]
                result.append(
                    MigrationStatus(
                        m.version,
                        m.name,
                        applied=True,
                        run_on=run_on,
                        edited=checksum is not None and checksum != m.checksum,
                        checksum_known=checksum is not None,
                    )
                )
            else:
                result.append(MigrationStatus(m.version, m.name, applied=False))
        for version, (run_on, checksum) in applied.items():
            if version not in local:
                result.append(
                    MigrationStatus(
                        version,
                        "",
                        applied=True,
                        run_on=run_on,
                        checksum_known=checksum is not None,
                        missing_locally=True,
                    )
                )
        return sorted(result, key=lambda s: s.version)

    def _latest_applied(self, conn: Conn, count: int) -> list[Migration]:
        applied = self._applied(conn)
        by_version = {m.version: m for m in self.migrations}
        # the layout's own order (numeric for paired/Flyway versions), unknown versions last
        position = {m.version: i for i, m in enumerate(self.migrations)}
        latest = sorted(applied, key=lambda v: (position.get(v, len(position)), v), reverse=True)
        latest = latest[: max(count, 0)]
        missing = [v for v in latest if v not in by_version]
        if missing:
            raise MigrationError(
                f"cannot revert version {missing[0]}: it is applied but not in the migrations directory"
            )
        return [by_version[v] for v in latest]

    def _run(self, conn: Conn, migration: Migration, script: Script, *, up: bool) -> None:
        try:
            statements = split_statements(script.text)
        except SqlSyntaxError as exc:
            raise MigrationError(
                f"{script.path}:{script.first_line - 1 + exc.line}: cannot split SQL: {exc}"
            ) from None
        direction = "up" if up else "down"
        try:
            with _maybe_transaction(conn, migration.run_in_transaction):
                for statement in statements:
                    try:
                        conn.execute(statement.text.encode())
                    except psycopg.Error as exc:
                        line = script.first_line - 1 + statement.line
                        reason = (exc.diag.message_primary or str(exc)).strip()
                        partial = (
                            ""
                            if migration.run_in_transaction
                            else " (run_in_transaction = false: statements before it stay applied)"
                        )
                        raise MigrationError(
                            scrub(
                                f"{script.path}:{line}: migration {migration.label} ({direction}) failed: "
                                f"{reason}; rolled back{partial}",
                                self.dsn,
                            )
                        ) from None
                self._record(conn, migration, up=up)
        except psycopg.Error as exc:
            raise MigrationError(
                scrub(
                    f"{script.path}: migration {migration.label} ({direction}) failed: {exc}",
                    self.dsn,
                )
            ) from None

    def _record(self, conn: Conn, migration: Migration, *, up: bool) -> None:
        if up:
            conn.execute(f"INSERT INTO {DIESEL_TABLE} (version) VALUES (%s)", (migration.version,))
            conn.execute(
                f"INSERT INTO {CHECKSUM_TABLE} (version, checksum) VALUES (%s, %s) "
                "ON CONFLICT (version) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()",
                (migration.version, migration.checksum),
            )
        else:
            conn.execute(f"DELETE FROM {DIESEL_TABLE} WHERE version = %s", (migration.version,))
            conn.execute(f"DELETE FROM {CHECKSUM_TABLE} WHERE version = %s", (migration.version,))


def _has_table(conn: Conn, name: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
    return bool(row and row[0])


@contextmanager
def _maybe_transaction(conn: Conn, wanted: bool) -> Iterator[None]:
    if wanted:
        with conn.transaction():
            yield
    else:
        yield
