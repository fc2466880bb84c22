"""What the migration runner records and reports, as plain values (no database access).

The runner (:mod:`auditor.migrate.runner`) writes and reads these; the migrations
rules and the schema readers use them without importing the runner or psycopg.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DIESEL_TABLE = "__diesel_schema_migrations"
CHECKSUM_TABLE = "__auditor_migrations"
GOLANG_MIGRATE_TABLE = "schema_migrations"
"""golang-migrate's table: one row ``(version bigint, dirty boolean)``."""
DBMATE_TABLE = "schema_migrations"
"""dbmate's table: one row ``(version varchar)`` per applied migration (same name)."""
SQLX_TABLE = "_sqlx_migrations"
FLYWAY_TABLE = "flyway_schema_history"
TOOL_TABLES = {
    "diesel": DIESEL_TABLE,
    "golang-migrate": GOLANG_MIGRATE_TABLE,
    "sqlx": SQLX_TABLE,
    "flyway": FLYWAY_TABLE,
    "dbmate": DBMATE_TABLE,
}
"""Each migration tool's own bookkeeping table, by tool name."""
BOOKKEEPING_TABLES = frozenset({CHECKSUM_TABLE, *TOOL_TABLES.values()})
"""Tables the migration tools own (all five, and the runner's checksums); schema audits leave them out."""


@dataclass(frozen=True)
class MigrationStatus:
    """Where one migration stands on a database."""

    version: str
    name: str
    applied: bool
    run_on: datetime | None = None
    edited: bool = False
    """Applied, but its up.sql changed since (checksum differs)."""
    checksum_known: bool = False
    """False when the migration was applied by a tool that records no checksum."""
    missing_locally: bool = False
    """Recorded as applied in the database but not present in the migrations directory."""
    dirty: bool = False
    """The tool's table records this migration as failed or half-applied (golang-migrate
    ``dirty``, sqlx or Flyway ``success = false``): it needs a person, not a re-run."""
