"""Rules on the state of the migrations: applied, edited, reversible.

Input: a :class:`MigrationState`, built by the ``migrations`` family from the
migrations directory and (when a database is audited) the runner's status.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.migrate.layouts import Migration
from auditor.migrate.state import MigrationStatus

FAMILY = "migrations"


@dataclass(frozen=True)
class MigrationState:
    """The migrations on disk and, when known, their status on the audited database."""

    project: Path
    migrations: tuple[Migration, ...]
    statuses: tuple[MigrationStatus, ...] | None = None
    """None when no database was audited."""

    def relative(self, path: Path) -> str:
        """``path`` relative to the project root where possible, with forward slashes."""
        try:
            return path.resolve().relative_to(self.project.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def by_version(self) -> dict[str, Migration]:
        return {m.version: m for m in self.migrations}


@rule("MIG001", FAMILY, Severity.HIGH, "Every migration is applied to the audited database")
def pending_migration(state: MigrationState) -> Iterator[Hit]:
    """A migration in the repository has not been applied to the audited database.

    The database then lacks what the migration promises (a constraint, an index),
    and any audit of it describes an older schema than the code expects.

    Bad:

        $ auditor db status
        2024-01-01-000004_create_cart_items  pending

    Good:

        $ auditor db migrate && auditor db status
        2024-01-01-000004_create_cart_items  applied
    """
    if state.statuses is None:
        return
    migrations = state.by_version()
    for status in state.statuses:
        if not status.applied:
            migration = migrations[status.version]
            yield Hit(
                message=f"migration {migration.label} is not applied to the audited database",
                location=Location(file=state.relative(migration.up.path), line=1),
                fix="run `auditor db migrate` (or your deployment's migration step)",
                key=status.version,
            )


@rule("MIG002", FAMILY, Severity.HIGH, "An applied migration is never edited afterwards")
def edited_after_applied(state: MigrationState) -> Iterator[Hit]:
    """A migration's up.sql changed after it was applied (its checksum differs).

    The database ran the old text; the repository shows the new one. Reviews of the
    file no longer describe what production has.

    Bad:

        -- applied with CHECK (price >= 0), then edited in place to:
        CREATE TABLE products (price NUMERIC(12,2) CHECK (price > 0));

    Good:

        -- leave the applied migration alone; add a new one:
        ALTER TABLE products ADD CONSTRAINT products_price_positive CHECK (price > 0) NOT VALID;
    """
    if state.statuses is None:
        return
    migrations = state.by_version()
    for status in state.statuses:
        if status.edited:
            migration = migrations[status.version]
            yield Hit(
                message=f"migration {migration.label} was edited after it was applied",
                location=Location(file=state.relative(migration.up.path), line=1),
                fix="restore the applied text and put the change in a new migration",
                key=status.version,
            )


@rule(
    "MIG003", FAMILY, Severity.MEDIUM, "Every applied version has its migration in the repository"
)
def applied_but_missing(state: MigrationState) -> Iterator[Hit]:
    """The database records a migration version that the repository does not have.

    Someone applied a migration from another branch, or deleted a migration file
    after it ran: the repository no longer explains the database.

    Bad:

        __diesel_schema_migrations: 20240301120000   (no such folder in migrations/)

    Good:

        migrations/2024-03-01-120000_add_orders/up.sql   (present and applied)
    """
    if state.statuses is None:
        return
    for status in state.statuses:
        if status.missing_locally:
            yield Hit(
                message=f"version {status.version} is applied to the database but has no migration in the repository",
                location=Location(object=f"__diesel_schema_migrations.version={status.version}"),
                fix="restore the migration file, or revert it on the database if it was applied by mistake",
                key=status.version,
            )


@rule("MIG004", FAMILY, Severity.MEDIUM, "Every migration can be reverted")
def missing_down(state: MigrationState) -> Iterator[Hit]:
    """A migration whose up.sql changes the schema has no down.sql, or an empty one.

    Without a down migration a bad deploy cannot be rolled back, and `auditor db redo`
    cannot prove that the migration is reversible.

    Bad:

        migrations/2024-01-01-000001_create_users/up.sql    CREATE TABLE users (...);
        migrations/2024-01-01-000001_create_users/down.sql  (missing or empty)

    Good:

        migrations/2024-01-01-000001_create_users/down.sql  DROP TABLE users;
    """
    for migration in state.migrations:
        if migration.up.is_empty:
            continue
        if migration.down is None or migration.down.is_empty:
            where = (
                migration.down.path if migration.down else migration.up.path.with_name("down.sql")
            )
            yield Hit(
                message=f"migration {migration.label} has no down migration ({'empty' if migration.down else 'missing'})",
                location=Location(file=state.relative(where)),
                fix="write a down.sql that exactly reverses up.sql",
                key=migration.version,
            )
