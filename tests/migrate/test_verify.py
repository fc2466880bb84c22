"""Full reversibility check: reference passes; a forgotten DROP INDEX is named."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli
from auditor.migrate.layouts import load_migrations
from auditor.migrate.verify import verify_reversibility
from tests.paths import REPO_ROOT
from tests.pg import PgServer

REPO = REPO_ROOT


def _leaky(tmp_path: Path) -> Path:
    root = tmp_path / "migrations"
    shutil.copytree(REPO / "migrations", root)
    extra = root / "2024-01-01-000005_add_nickname"
    extra.mkdir()
    (extra / "up.sql").write_text(
        "ALTER TABLE users ADD COLUMN nickname TEXT;\n"
        "CREATE INDEX users_email_created_idx ON users (email, created_at);\n"
    )
    (extra / "down.sql").write_text("ALTER TABLE users DROP COLUMN nickname;\n")
    return root


def test_reference_migrations_are_reversible(fresh_db: str) -> None:
    report = verify_reversibility(fresh_db, load_migrations(REPO / "migrations"))
    assert report.issues == ()
    assert report.checked == 4


def test_forgotten_index_is_named(fresh_db: str, tmp_path: Path) -> None:
    report = verify_reversibility(fresh_db, load_migrations(_leaky(tmp_path)))
    (issue,) = report.issues
    assert (issue.migration.name, issue.kind) == ("add_nickname", "residue")
    assert issue.differences == (
        "table public.users index users_email_created_idx: only in after down.sql",
    )


def test_cli_db_verify_uses_a_scratch_database(pg_server: PgServer, tmp_path: Path) -> None:
    runner = CliRunner()
    root = _leaky(tmp_path)
    result = runner.invoke(
        cli, ["--db", pg_server.admin_dsn, "--migrations", str(root), "db", "verify"]
    )
    assert result.exit_code == 1, result.output
    assert "users_email_created_idx: only in after down.sql" in result.output
    assert "FAIL     20240101000005_add_nickname: residue" in result.output
