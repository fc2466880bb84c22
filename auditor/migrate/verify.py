"""Full reversibility check of a migration set, on a scratch database.

Apply every migration, recording the catalog model before and after each one; then,
from the last migration to the first: run its ``down.sql`` and compare with the model
before its ``up.sql`` (must be equal), re-apply ``up.sql`` and compare with the model
after it (must be equal again), and revert it once more to go on with the previous one.

Column order is not a reversibility difference: a ``down.sql`` that re-adds a dropped
column cannot put it back in its place (PostgreSQL appends it), and no reviewer treats
that as irreversible. Models are compared with each table's columns sorted by name; a
migration whose down.sql leaves a table's columns in another order is noted (``order``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from auditor.catalog.live import build_live_model
from auditor.catalog.model import CatalogModel, diff_models
from auditor.db.dsn import scrub
from auditor.db.target import DatabaseTarget, DatabaseUnavailable, connect
from auditor.migrate.layouts import Migration
from auditor.migrate.runner import MigrationError, Runner


@dataclass(frozen=True)
class ReversibilityIssue:
    """One way a migration failed the reversibility check."""

    migration: Migration
    kind: str
    """``residue`` (down.sql does not restore the schema), ``redo`` (re-applying up.sql
    gives another schema), ``failed`` (a script failed during the check) or ``order``
    (down.sql restores every column but not their order: a note, the check goes on)."""
    differences: tuple[str, ...]
    """The exact differences, one per line (or the error message for ``failed``)."""

    @property
    def script(self) -> Path:
        """The script to fix: up.sql for ``redo``, else down.sql."""
        up = self.migration.up.path
        if self.kind == "redo":
            return up
        return self.migration.down.path if self.migration.down else up.with_name("down.sql")


@dataclass(frozen=True)
class ReversibilityReport:
    """What the check did and found."""

    migrations: tuple[Migration, ...]
    issues: tuple[ReversibilityIssue, ...]
    checked: int
    """Migrations whose down/up round trip was compared."""

    @property
    def problems(self) -> tuple[ReversibilityIssue, ...]:
        """The issues that make a migration irreversible (column order notes left out)."""
        return tuple(i for i in self.issues if i.kind != "order")


def verify_reversibility(dsn: str, migrations: list[Migration]) -> ReversibilityReport:
    """Run the check on the empty scratch database ``dsn`` (it is written to).

    One read-only session reads every model; ``states[i]`` is the model before migration
    ``i`` and ``states[i + 1]`` the one after it.
    """
    reader = connect(dsn)
    try:
        return _verify(dsn, migrations, lambda: build_live_model(reader))
    finally:
        reader.close()


def _verify(
    dsn: str, migrations: list[Migration], model: Callable[[], CatalogModel]
) -> ReversibilityReport:
    states = [model()]
    issues: list[ReversibilityIssue] = []
    for index, migration in enumerate(migrations):
        try:
            Runner(dsn, migrations[: index + 1]).migrate()
        except MigrationError as exc:
            issues.append(ReversibilityIssue(migration, "failed", (str(exc),)))
            return ReversibilityReport(tuple(migrations), tuple(issues), 0)
        states.append(model())
    checked = 0
    for index in range(len(migrations) - 1, -1, -1):
        migration, before, after = migrations[index], states[index], states[index + 1]
        runner = Runner(dsn, migrations[: index + 1])
        try:
            runner.rollback(1)
        except MigrationError as exc:
            issues.append(ReversibilityIssue(migration, "failed", (str(exc),)))
            break
        reverted = model()
        diff = _differences(before, reverted, ("before up.sql", "after down.sql"))
        if diff:
            issues.append(ReversibilityIssue(migration, "residue", tuple(diff)))
            break  # the earlier migrations would be compared against a wrong baseline
        moved = _reordered(before, after, reverted)
        if moved:
            issues.append(ReversibilityIssue(migration, "order", tuple(moved)))
        try:
            runner.migrate()
        except MigrationError as exc:
            issues.append(ReversibilityIssue(migration, "failed", (str(exc),)))
            break
        redone = model()
        diff = _differences(after, redone, ("after up.sql", "after re-applying up.sql"))
        checked += 1
        if diff:
            issues.append(ReversibilityIssue(migration, "redo", tuple(diff)))
            break
        try:
            runner.rollback(1)
        except MigrationError as exc:
            issues.append(ReversibilityIssue(migration, "failed", (str(exc),)))
            break
    return ReversibilityReport(tuple(migrations), tuple(issues), checked)


def _unordered(model: CatalogModel) -> CatalogModel:
    tables = tuple(
        replace(t, columns=tuple(sorted(t.columns, key=lambda c: c.name))) for t in model.tables
    )
    return replace(model, tables=tables)


def _differences(a: CatalogModel, b: CatalogModel, names: tuple[str, str]) -> list[str]:
    """:func:`diff_models` with column order ignored."""
    return diff_models(_unordered(a), _unordered(b), names)


def _columns(model: CatalogModel) -> dict[str, list[str]]:
    return {t.qualified: [c.name for c in t.columns] for t in model.tables}


def _reordered(before: CatalogModel, after: CatalogModel, reverted: CatalogModel) -> list[str]:
    """Tables whose columns down.sql restored in another order: a column up.sql dropped and
    down.sql re-added (PostgreSQL appends it), or a table up.sql dropped and down.sql
    re-created with another column order. A table moved by a later migration's down.sql
    and not touched by this one's is not noted again."""
    was, changed, now = _columns(before), _columns(after), _columns(reverted)
    notes = []
    for name in sorted(was.keys() & now.keys()):
        if now[name] == was[name]:
            continue
        kept = changed.get(name, [])
        moved = [
            f"{column} is column {now[name].index(column) + 1} after down.sql, "
            f"{position + 1} before up.sql"
            for position, column in enumerate(was[name])
            if column not in kept and column in now[name] and now[name].index(column) != position
        ]
        if moved:
            notes.append(f"table {name}: " + "; ".join(moved))
    return notes


class ScratchRefused(DatabaseUnavailable):
    """The server refused to create a scratch database (the role lacks ``CREATEDB``)."""


@contextmanager
def scratch_database(target: DatabaseTarget | None) -> Iterator[tuple[str, str]]:
    """An empty database to write to, dropped afterwards: ``(dsn, description)``.

    On the server of ``target`` when one is given (the tool creates and drops its own
    ``auditor_verify_*`` database there, from ``template0``, and never touches
    ``target``'s database), else on a new embedded server. Raises
    :class:`ScratchRefused` when the role may not create databases: never falls back to
    another server, whose extensions and version may differ.
    """
    if target is None:
        from auditor.db.embedded import EmbeddedServer

        with EmbeddedServer() as server:
            yield server.create_database("verify"), f"embedded PostgreSQL {server.version}"
        return
    name = f"auditor_verify_{uuid.uuid4().hex[:10]}"
    params = conninfo_to_dict(target.dsn)
    # the scratch database is written to, even by a role whose sessions default to read-only
    writable = f"{params.get('options') or ''} -c default_transaction_read_only=off".strip()
    admin = make_conninfo(
        target.dsn, dbname=str(params.get("dbname") or "postgres"), options=writable
    )
    create = sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(create)
    except psycopg.errors.InsufficientPrivilege:
        raise ScratchRefused(
            f"the role of {target.label} may not create databases (needs CREATEDB) for the "
            "scratch database of the reversibility check"
        ) from None
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        raise DatabaseUnavailable(
            scrub(f"cannot create a scratch database on {target.label}: {reason}", target.dsn)
        ) from None
    try:
        yield (
            make_conninfo(target.dsn, dbname=name, options=writable),
            f"scratch database {name} on the server of {target.label}",
        )
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
