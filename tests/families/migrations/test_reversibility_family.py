"""The reversibility family runs on a scratch database on the audited database's server
(the server of --db too: its version and extensions), and drops it afterwards."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

from auditor.core.config import Config
from auditor.core.family import AuditContext
from auditor.db.target import target_for
from auditor.families.migrations.reversibility_family import ReversibilityFamily
from tests.pg import PgServer


def _exists(server: PgServer, database: str) -> bool:
    with psycopg.connect(server.admin_dsn, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        return row.fetchone() is not None


def test_scratch_database_on_the_server_given(
    pg_server: PgServer, fresh_db: str, reference_migrations: Path
) -> None:
    ctx = AuditContext(
        project=reference_migrations.parent,
        migrations=reference_migrations,
        config=Config(),
        database=target_for(fresh_db, "--db"),
    )
    result = ReversibilityFamily().run(ctx)
    assert result.errors == () and result.findings == ()
    (verified,) = result.verified
    scratch = re.search(
        r"scratch database (auditor_verify_\w+) on the server of (.*);", verified.evidence
    )
    assert scratch, verified.evidence
    assert scratch.group(2) == ctx.database.label  # type: ignore[union-attr]
    assert not _exists(pg_server, scratch.group(1))  # dropped afterwards
