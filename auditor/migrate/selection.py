"""The database a command works on: ``--db``, ``DATABASE_URL`` or the embedded default.

Above :mod:`auditor.db` (it applies migrations to the embedded server), so that the
connection layer never imports the migration runner.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from auditor.db.target import DatabaseTarget, explicit_dsn, target_for


@contextmanager
def selected_target(
    cli_value: str | None, migrations: Path | None = None
) -> Iterator[DatabaseTarget]:
    """Yield the database to work on, starting the embedded default when none is given.

    The embedded default gets the migrations in ``migrations`` applied (the shipped
    reference migrations when None).
    """
    chosen = explicit_dsn(cli_value)
    if chosen is not None:
        yield target_for(*chosen)
        return
    # psycopg and the server are imported only when the embedded default is used
    from auditor.core.resources import reference_migrations
    from auditor.db.embedded import EmbeddedServer
    from auditor.migrate.layouts import load_migrations
    from auditor.migrate.runner import MigrationError, Runner

    with EmbeddedServer() as server:
        dsn = server.create_database("audited")
        try:
            Runner(dsn, load_migrations(migrations or reference_migrations())).migrate()
        except MigrationError as exc:  # a missing extension says what to do instead
            raise MigrationError(server.explain_failure(str(exc))) from None
        yield DatabaseTarget(
            dsn=dsn,
            label=f"embedded PostgreSQL {server.version} (throwaway, migrations applied)",
            source="embedded",
            disposable=True,
        )
