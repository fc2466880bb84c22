"""Shared helpers for the static-model tests: apply migrations for real and compare models."""

from __future__ import annotations

from pathlib import Path

from auditor.catalog.live import build_live_model
from auditor.catalog.model import CatalogModel, diff_models
from auditor.catalog.static import StaticModel, build_static_model
from auditor.db.target import connect
from auditor.migrate.layouts import Migration, load_migrations
from auditor.migrate.runner import Runner


def live_model(dsn: str, migrations: list[Migration]) -> CatalogModel:
    """Apply ``migrations`` to the database at ``dsn`` and introspect it."""
    Runner(dsn, migrations).migrate()
    conn = connect(dsn)
    try:
        return build_live_model(conn)
    finally:
        conn.close()


def assert_static_equals_live(dsn: str, root: Path) -> StaticModel:
    """The invariant: the static model of ``root`` equals the live one after applying it."""
    migrations = load_migrations(root)
    static = build_static_model(migrations, root)
    assert not static.unmodeled, "\n".join(str(u) for u in static.unmodeled)
    live = live_model(dsn, migrations)
    problems = diff_models(live, static.model, names=("live", "static"))
    assert not problems, "static model differs from live:\n" + "\n".join(
        _with_origin(line, static) for line in problems
    )
    assert live == static.model
    return static


def _with_origin(line: str, static: StaticModel) -> str:
    """A diff line with the migration file and line that created the table it names."""
    words = line.split()
    if len(words) > 1 and words[0] == "table":
        table = static.model.table(words[1].rstrip(":"))
        if table is not None and table.origin is not None:
            return f"{line}    [created at {table.origin.file}:{table.origin.line}]"
    return line
