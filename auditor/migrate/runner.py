"""Apply, revert and inspect migrations on a real PostgreSQL, the way each project's tool does.

Applied versions are recorded in the tool's own table (:mod:`auditor.migrate.tools`:
Diesel, golang-migrate, sqlx, Flyway, dbmate), with its columns and semantics, so a
project can switch between its tool and this runner either way. Each script runs with
its tool's transaction rules (:mod:`auditor.migrate.transactions`). In addition, the
checksum of every applied up script is kept in ``__auditor_migrations`` so that
``status`` can flag a migration edited after it ran. Every run holds a PostgreSQL
advisory lock: two runners started at once apply each migration exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from auditor.core.errors import AuditorError
from auditor.db.dsn import scrub
from auditor.db.target import connect
from auditor.migrate.layouts import Migration, Script, load_migrations
from auditor.migrate.state import (
    BOOKKEEPING_TABLES,
    CHECKSUM_TABLE,
    DIESEL_TABLE,
    MigrationStatus,
)
from auditor.migrate.tools import Applied, Bookkeeping, BookkeepingError, bookkeeping
from auditor.migrate.transactions import TransactionError, plan_script
from auditor.sql.split import SqlSyntaxError, split_statements

__all__ = [
    "BOOKKEEPING_TABLES",
    "CHECKSUM_TABLE",
    "DIESEL_TABLE",
    "MigrationError",
    "MigrationStatus",
    "Runner",
    "load_migrations",
]

ADVISORY_LOCK_KEY = 0x61756469746F72  # "auditor"
DIESEL_PROJECT_LOCK_KEY = 0
"""Held as well on Diesel-layout runs. Diesel itself locks nothing (diesel-rs/diesel#4863);
Diesel projects that run their own migrations serialize them with ``pg_advisory_lock(0)``
(lemmy, whose history adds a trigger refusing any change to ``__diesel_schema_migrations``
from a session without it): holding it makes this runner one of theirs, not the CLI."""

_CREATE_CHECKSUMS = f"""
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
    """Migration runner for one database and one ordered list of migrations.

    ``tool`` defaults to the migrations' own (Diesel for an empty list).
    """

    def __init__(self, dsn: str, migrations: list[Migration], tool: str | None = None) -> None:
        self.dsn = dsn
        self.migrations = migrations
        self.tool = tool or (migrations[0].tool if migrations else "diesel")
        self.book: Bookkeeping = bookkeeping(self.tool)

    @contextmanager
    def _locked(self) -> Iterator[Conn]:
        conn = connect(self.dsn, read_only=False, timeouts=False)
        try:
            conn.prepare_threshold = None
            conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
            if self.tool == "diesel":
                conn.execute("SELECT pg_advisory_lock(%s)", (DIESEL_PROJECT_LOCK_KEY,))
            conn.execute(_CREATE_CHECKSUMS)
            self.book.create(conn)
            yield conn
        finally:
            conn.close()  # closing the session releases the advisory lock

    def _applied(self, conn: Conn) -> dict[str, Applied]:
        if not self.book.exists(conn):
            return {}
        try:
            return self.book.applied(conn, self.migrations)
        except BookkeepingError as exc:
            raise MigrationError(str(exc)) from None

    def _checksums(self, conn: Conn) -> dict[str, str]:
        if not _has_table(conn, CHECKSUM_TABLE):  # a database migrated by the tool itself
            return {}
        rows = conn.execute(f"SELECT version, checksum FROM {CHECKSUM_TABLE}".encode()).fetchall()
        return {str(v): str(c) for v, c in rows}

    def _refuse_dirty(self, applied: dict[str, Applied]) -> None:
        dirty = sorted(v for v, a in applied.items() if a.dirty)
        if dirty:
            raise MigrationError(
                f"{self.book.table} records version {dirty[0]} as failed (dirty): fix the "
                f"database by hand and clear that state with {self.tool} itself; nothing was run"
            )

    def migrate(self) -> list[Migration]:
        """Apply every pending migration in order; return those applied.

        Flyway repeatable scripts run after the versioned ones, again whenever they changed.
        """
        done: list[Migration] = []
        with self._locked() as conn:
            applied = self._applied(conn)
            self._refuse_dirty(applied)
            for migration in self.migrations:
                if migration.version in applied and not self._outdated(migration, applied):
                    continue
                self._run(conn, migration, migration.up, up=True)
                done.append(migration)
        return done

    def _outdated(self, migration: Migration, applied: dict[str, Applied]) -> bool:
        recorded = applied[migration.version].checksum
        return migration.repeatable and recorded != self.book.checksum(migration)

    def rollback(self, count: int = 1) -> list[Migration]:
        """Revert the ``count`` most recently applied migrations (newest first)."""
        with self._locked() as conn:
            self._refuse_dirty(self._applied(conn))
            return self._rollback(conn, count)

    def redo(self, count: int | None = 1) -> list[Migration]:
        """Revert then re-apply the ``count`` latest applied migrations (every applied one when None).

        Only the reverted migrations are re-applied, under the same advisory lock; pending
        migrations stay pending (``migrate`` applies them).
        """
        with self._locked() as conn:
            applied = self._applied(conn)
            self._refuse_dirty(applied)
            if count is None:
                count = len(applied)
            reverted = self._rollback(conn, count)
            for migration in reversed(reverted):
                self._run(conn, migration, migration.up, up=True)
        return reverted

    def _rollback(self, conn: Conn, count: int) -> list[Migration]:
        done: list[Migration] = []
        for migration in self._latest_applied(conn, count):
            if migration.down is None or (migration.down.is_empty and not migration.up.is_empty):
                raise MigrationError(
                    f"{migration.up.path.parent}: migration {migration.label} has no down script to revert it"
                )
            self._run(conn, migration, migration.down, up=False)
            done.append(migration)
        return done

    def status(self) -> list[MigrationStatus]:
        """Every local migration and every version the database knows, in the layout's order.

        Read-only: runs in a read-only session and creates nothing.
        """
        conn = connect(self.dsn, read_only=True)
        try:
            applied = self._applied(conn)
            checksums = self._checksums(conn)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise MigrationError(
                f"{' '.join(str(exc).split())}: the auditing role needs SELECT on the "
                "bookkeeping tables (README: the minimal auditing role)"
            ) from None
        finally:
            conn.close()
        result: list[MigrationStatus] = []
        local = {m.version for m in self.migrations}
        for m in self.migrations:
            if m.version not in applied or self._outdated(m, applied):
                result.append(MigrationStatus(m.version, m.name, applied=False))
                continue
            row = applied[m.version]
            ours = checksums.get(m.version)
            theirs = row.checksum if ours is None and not m.repeatable else None
            edited = (ours is not None and ours != m.checksum) or (
                theirs is not None and theirs != self.book.checksum(m)
            )
            result.append(
                MigrationStatus(
                    m.version,
                    m.name,
                    applied=True,
                    run_on=row.run_on,
                    edited=edited,
                    checksum_known=ours is not None or theirs is not None,
                    dirty=row.dirty,
                )
            )
        for version, row in applied.items():
            if version not in local:
                result.append(
                    MigrationStatus(
                        version,
                        "",
                        applied=True,
                        run_on=row.run_on,
                        checksum_known=version in checksums or row.checksum is not None,
                        missing_locally=True,
                        dirty=row.dirty,
                    )
                )
        position = {m.version: i for i, m in enumerate(self.migrations)}
        return sorted(result, key=lambda s: (position.get(s.version, len(position)), s.version))

    def _latest_applied(self, conn: Conn, count: int) -> list[Migration]:
        applied = self._applied(conn)
        by_version = {m.version: m for m in self.migrations}
        # the layout's own order (numeric for paired/Flyway versions), unknown versions last;
        # Flyway's repeatable scripts are never reverted
        position = {m.version: i for i, m in enumerate(self.migrations)}
        candidates = [v for v in applied if not (v in by_version and by_version[v].repeatable)]
        latest = sorted(candidates, key=lambda v: (position.get(v, len(position)), v), reverse=True)
        latest = latest[: max(count, 0)]
        missing = [v for v in latest if v not in by_version]
        if missing:
            raise MigrationError(
                f"cannot revert version {missing[0]}: it is applied but not in the migrations directory"
            )
        return [by_version[v] for v in latest]

    def _previous(self, migration: Migration) -> str | None:
        """The version before ``migration`` in the layout's order (golang-migrate's revert target)."""
        versions = [m.version for m in self.migrations if not m.repeatable]
        index = versions.index(migration.version)
        return versions[index - 1] if index > 0 else None

    def _run(self, conn: Conn, migration: Migration, script: Script, *, up: bool) -> None:
        try:
            statements = split_statements(script.text)
            plan = plan_script(
                self.tool,
                str(script.path),
                script.first_line,
                statements,
                in_transaction=script.transaction,
            )
        except SqlSyntaxError as exc:
            raise MigrationError(
                f"{script.path}:{script.first_line - 1 + exc.line}: cannot split SQL: {exc}"
            ) from None
        except TransactionError as exc:
            raise MigrationError(f"{exc}; migration {migration.label} not run") from None
        direction = "up" if up else "down"
        target = None if up else self._previous(migration)
        started = time.monotonic_ns()
        try:
            self.book.before(conn, migration, up=up, target=target)
            with _maybe_transaction(conn, plan.in_transaction):
                if not plan.whole_file:
                    for statement in statements:
                        self._execute(conn, migration, script, statement.text, statement.line, up)
                elif statements:
                    self._execute(conn, migration, script, script.text, 0, up)
                self.book.record(conn, migration, up=up)
                self._record_checksum(conn, migration, up=up)
            elapsed = time.monotonic_ns() - started
            self.book.after(conn, migration, up=up, target=target, elapsed_ns=elapsed)
        except _Failed as failed:
            if not plan.in_transaction:
                self.book.failed(conn, migration, up=up, elapsed_ns=time.monotonic_ns() - started)
            raise MigrationError(
                scrub(f"{failed}{self._left_behind(plan.in_transaction)}", self.dsn)
            ) from None
        except psycopg.Error as exc:
            raise MigrationError(
                scrub(
                    f"{script.path}: migration {migration.label} ({direction}) failed: {exc}",
                    self.dsn,
                )
            ) from None

    def _left_behind(self, in_transaction: bool) -> str:
        notes = []
        if not in_transaction:
            notes.append(" (run outside a transaction: statements before it stay applied)")
        if self.tool == "golang-migrate":
            notes.append(
                f"; {self.book.table} now records it dirty, as golang-migrate would: fix the "
                "database, then `migrate force` the right version"
            )
        if self.tool == "flyway" and not in_transaction:
            notes.append(
                f"; {self.book.table} records it failed, as Flyway would: run `flyway repair`"
            )
        return "".join(notes)

    def _execute(
        self, conn: Conn, migration: Migration, script: Script, sql: str, line: int, up: bool
    ) -> None:
        try:
            conn.execute(sql.encode())
        except psycopg.Error as exc:
            if line == 0:  # the whole file as one query: the server says where
                position = exc.diag.statement_position
                line = sql.count("\n", 0, int(position) - 1) + 1 if position else 1
            where = script.first_line - 1 + line
            reason = (exc.diag.message_primary or str(exc)).strip()
            direction = "up" if up else "down"
            raise _Failed(
                f"{script.path}:{where}: migration {migration.label} ({direction}) failed: "
                f"{reason}; rolled back"
            ) from None

    def _record_checksum(self, conn: Conn, migration: Migration, *, up: bool) -> None:
        if migration.repeatable:
            return  # Flyway's own checksum covers repeatable scripts
        if up:
            conn.execute(
                f"INSERT INTO {CHECKSUM_TABLE} (version, checksum) VALUES (%s, %s) "
                "ON CONFLICT (version) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()",
                (migration.version, migration.checksum),
            )
        else:
            conn.execute(f"DELETE FROM {CHECKSUM_TABLE} WHERE version = %s", (migration.version,))


class _Failed(Exception):
    """A statement failed; the message names the file and line."""


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
