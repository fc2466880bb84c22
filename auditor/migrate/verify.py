"""Full reversibility check of a migration set, on a scratch database.

Apply every migration, recording the catalog model before and after each one; then,
from the last migration to the first: run its ``down.sql`` and compare with the model
before its ``up.sql`` (must be equal), re-apply ``up.sql`` and compare with the model
after it (must be equal again), and revert it once more to go on with the previous one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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
    gives another schema) or ``failed`` (a script failed during the check)."""
    differences: tuple[str, ...]
    """The exact differences, one per line (or the error message for ``failed``)."""


@dataclass(frozen=True)
class ReversibilityReport:
    """What the check did and found."""

    migrations: tuple[Migration, ...]
    issues: tuple[ReversibilityIssue, ...]
    checked: int
    """Migrations whose down/up round trip was compared."""


def _model(dsn: str) -> CatalogModel:
    conn = connect(dsn)
    try:
        return build_live_model(conn)
    finally:
        conn.close()


def verify_reversibility(dsn: str, migrations: list[Migration]) -> ReversibilityReport:
    """Run the check on the empty scratch database ``dsn`` (it is written to)."""
    before: list[CatalogModel] = []
    after: list[CatalogModel] = []
    issues: list[ReversibilityIssue] = []
    for index, migration in enumerate(migrations):
        before.append(_model(dsn))
        try:
            Runner(dsn, migrations[: index + 1]).migrate()
        except MigrationError as exc:
            issues.append(ReversibilityIssue(migration, "failed", (str(exc),)))
            return ReversibilityReport(tuple(migrations), tuple(issues), 0)
        after.append(_model(dsn))
    checked = 0
    for index in range(len(migrations) - 1, -1, -1):
        migration = migrations[index]
        runner = Runner(dsn, migrations[: index + 1])
        try:
            runner.rollback(1)
        except MigrationError as exc:
            issues.append(ReversibilityIssue(migration, "failed", (str(exc),)))
            break
        reverted = _model(dsn)
        diff = diff_models(before[index], reverted, ("before up.sql", "after down.sql"))
        if diff:
            issues.append(ReversibilityIssue(migration, "residue", tuple(diff)))
            break  # the earlier migrations would be compared against a wrong baseline
        try:
            runner.migrate()
        except MigrationError as exc:
            issues.append(ReversibilityIssue(migration, "failed", (str(exc),)))
            break
        redone = _model(dsn)
        diff = diff_models(after[index], redone, ("after up.sql", "after re-applying up.sql"))
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


@contextmanager
def scratch_database(target: DatabaseTarget | None) -> Iterator[tuple[str, str]]:
    """An empty database to write to, dropped afterwards: ``(dsn, description)``.

    On the server of ``target`` when one is given (the tool creates and drops its own
    ``auditor_verify_*`` database there and never touches ``target``'s database), else
    on a new embedded server.
    """
    if target is None:
        from auditor.db.embedded import EmbeddedServer

        with EmbeddedServer() as server:
            yield server.create_database("verify"), f"embedded PostgreSQL {server.version}"
        return
    name = f"auditor_verify_{uuid.uuid4().hex[:10]}"
    params = conninfo_to_dict(target.dsn)
    admin = make_conninfo(target.dsn, dbname=str(params.get("dbname") or "postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        raise DatabaseUnavailable(
            scrub(f"cannot create a scratch database on {target.label}: {reason}", target.dsn)
        ) from None
    try:
        yield (
            make_conninfo(target.dsn, dbname=name),
            f"scratch database {name} on the server of {target.label}",
        )
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
