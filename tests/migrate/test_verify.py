"""Full reversibility check: reference passes; a forgotten DROP INDEX is named; column
order is a note; a role without CREATEDB is told so."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import psycopg
from click.testing import CliRunner
from psycopg import sql
from psycopg.conninfo import make_conninfo

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
    assert "FAIL     20240101000005_add_nickname: residue (" in result.output
    assert "2024-01-01-000005_add_nickname/down.sql)" in result.output


def _readded_column(tmp_path: Path) -> Path:
    root = tmp_path / "migrations"
    shutil.copytree(REPO / "migrations", root)
    extra = root / "2024-01-01-000005_drop_password_hash"
    extra.mkdir()
    (extra / "up.sql").write_text("ALTER TABLE users DROP COLUMN password_hash;\n")
    (extra / "down.sql").write_text("ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL;\n")
    return root


def test_column_order_is_a_note_and_the_check_goes_on(fresh_db: str, tmp_path: Path) -> None:
    report = verify_reversibility(fresh_db, load_migrations(_readded_column(tmp_path)))
    assert report.problems == ()
    assert report.checked == 5  # every migration, not only the one that moved a column
    (note,) = report.issues
    assert (note.migration.name, note.kind) == ("drop_password_hash", "order")
    assert note.differences == (
        "table public.users: password_hash is column 5 after down.sql, 4 before up.sql",
    )


def test_cli_db_verify_passes_with_a_column_order_note(pg_server: PgServer, tmp_path: Path) -> None:
    root = _readded_column(tmp_path)
    result = CliRunner().invoke(
        cli, ["--db", pg_server.admin_dsn, "--migrations", str(root), "db", "verify"]
    )
    assert result.exit_code == 0, result.output
    assert "note     20240101000005_drop_password_hash: order (" in result.output
    assert "5 of 5 migration(s) reverted and re-applied; 0 problem(s)" in result.output


def test_cli_db_verify_without_createdb_says_so(
    pg_server: PgServer, fresh_db: str, tmp_path: Path
) -> None:
    role = f"nocreatedb_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server.admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOCREATEDB").format(sql.Identifier(role)))
    try:
        dsn = make_conninfo(fresh_db, user=role)
        result = CliRunner().invoke(
            cli, ["--db", dsn, "--migrations", str(REPO / "migrations"), "db", "verify"]
        )
    finally:
        with psycopg.connect(pg_server.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    assert result.exit_code == 2, result.output
    assert "may not create databases (needs CREATEDB)" in result.output
    assert "scratch:" not in result.output  # no other server was used instead


def test_each_readded_column_is_noted_once(fresh_db: str, tmp_path: Path) -> None:
    root = _readded_column(tmp_path)
    for folder, up, down in (
        ("2024-01-01-000006_add_nickname", "ADD COLUMN nickname TEXT", "DROP COLUMN nickname"),
        ("2024-01-01-000007_drop_email", "DROP COLUMN email", "ADD COLUMN email TEXT NOT NULL"),
    ):
        (root / folder).mkdir()
        (root / folder / "up.sql").write_text(f"ALTER TABLE users {up};\n")
        (root / folder / "down.sql").write_text(f"ALTER TABLE users {down};\n")
    # email goes with its check and index: down.sql restores them too
    (root / "2024-01-01-000007_drop_email" / "down.sql").write_text(
        "ALTER TABLE users ADD COLUMN email TEXT NOT NULL;\n"
        "ALTER TABLE users ADD CONSTRAINT users_email_length "
        "CHECK (char_length(email) BETWEEN 3 AND 254);\n"
        "CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));\n"
    )
    report = verify_reversibility(fresh_db, load_migrations(root))
    assert report.problems == ()
    assert report.checked == 7
    assert [(i.migration.name, i.kind) for i in report.issues] == [
        ("drop_email", "order"),
        ("drop_password_hash", "order"),  # not add_nickname, which moved nothing
    ]
