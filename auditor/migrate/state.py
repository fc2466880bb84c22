"""What the migration runner records and reports, as plain values (no database access).

The runner (:mod:`auditor.migrate.runner`) writes and reads these; the migrations
rules and the schema readers use them without importing the runner or psycopg.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DIESEL_TABLE = "__diesel_schema_migrations"
CHECKSUM_TABLE = "__auditor_migrations"
BOOKKEEPING_TABLES = frozenset({DIESEL_TABLE, CHECKSUM_TABLE})
"""Tables the runner owns; schema audits leave them out."""


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
