"""The migration runner on real PostgreSQL: apply, revert, redo, checksums, locking, failures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import MigrationError, Runner
from auditor.migrate.state import CHECKSUM_TABLE, DIESEL_TABLE
from tests.migration_dirs import write_diesel

REFERENCE_TABLES = {"users", "products", "carts", "cart_items"}


def user_tables(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '\\_\\_%'"
        ).fetchall()
    return {str(r[0]) for r in rows}


def applied_versions(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return [
            str(r[0]) for r in conn.execute(f"SELECT version FROM {DIESEL_TABLE} ORDER BY version")
        ]


def test_apply_rollback_redo_reference(fresh_db: str, reference_migrations: Path) -> None:
    runner = Runner(fresh_db, load_migrations(reference_migrations))
    assert len(runner.migrate()) == 4
    assert user_tables(fresh_db) == REFERENCE_TABLES
    assert runner.migrate() == []  # idempotent
    statuses = runner.status()
    assert all(s.applied and s.checksum_known and not s.edited for s in statuses)

    reverted = runner.rollback(2)
    assert [m.name for m in reverted] == ["create_cart_items", "create_carts"]
    assert user_tables(fresh_db) == {"users", "products"}
    assert [s.applied for s in runner.status()] == [True, True, False, False]

    runner.migrate()
    redone = runner.redo(None)
    assert len(redone) == 4
    assert user_tables(fresh_db) == REFERENCE_TABLES
    assert len(applied_versions(fresh_db)) == 4


def test_full_rollback_leaves_nothing(fresh_db: str, reference_migrations: Path) -> None:
    runner = Runner(fresh_db, load_migrations(reference_migrations))
    runner.migrate()
    runner.rollback(4)
    assert user_tables(fresh_db) == set()
    assert applied_versions(fresh_db) == []
    with psycopg.connect(fresh_db) as conn:
        leftovers = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relname NOT LIKE '\\_\\_%'"
        ).fetchone()
    assert leftovers == (0,)


def test_edited_migration_is_flagged(fresh_db: str, tmp_path: Path) -> None:
    root = write_diesel(tmp_path / "m", {"1_a": ("CREATE TABLE a (x int);", "DROP TABLE a;")})
    Runner(fresh_db, load_migrations(root)).migrate()
    (root / "1_a" / "up.sql").write_text("CREATE TABLE a (x bigint);")
    (status,) = Runner(fresh_db, load_migrations(root)).status()
    assert status.applied and status.edited


def test_failing_migration_names_file_and_line_and_rolls_back(
    fresh_db: str, tmp_path: Path
) -> None:
    root = write_diesel(
        tmp_path / "m",
        {
            "1_good": ("CREATE TABLE good (x int);", "DROP TABLE good;"),
            "2_bad": (
                "CREATE TABLE half (x int);\n\nINSERT INTO missing_table VALUES (1);\n",
                "DROP TABLE half;",
            ),
            "3_later": ("CREATE TABLE later (x int);", "DROP TABLE later;"),
        },
    )
    with pytest.raises(MigrationError) as info:
        Runner(fresh_db, load_migrations(root)).migrate()
    message = str(info.value)
    assert f"{root / '2_bad' / 'up.sql'}:3:" in message
    assert "missing_table" in message
    assert user_tables(fresh_db) == {"good"}
    assert applied_versions(fresh_db) == ["1"]


def test_no_transaction_migration_can_index_concurrently(fresh_db: str, tmp_path: Path) -> None:
    root = write_diesel(
        tmp_path / "m",
        {
            "1_t": ("CREATE TABLE t (x int);", "DROP TABLE t;"),
            "2_i": (
                "CREATE INDEX CONCURRENTLY t_x_idx ON t (x);",
                "DROP INDEX CONCURRENTLY t_x_idx;",
            ),
        },
        metadata={"2_i": "run_in_transaction = false\n"},
    )
    runner = Runner(fresh_db, load_migrations(root))
    runner.migrate()
    runner.redo(1)
    assert applied_versions(fresh_db) == ["1", "2"]


def test_database_migrated_by_diesel_reads_without_checksums(fresh_db: str, tmp_path: Path) -> None:
    root = write_diesel(tmp_path / "m", {"1_a": ("CREATE TABLE a (x int);", "DROP TABLE a;")})
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {DIESEL_TABLE} (version VARCHAR(50) PRIMARY KEY NOT NULL, "
            "run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        conn.execute("CREATE TABLE a (x int)")
        conn.execute(f"INSERT INTO {DIESEL_TABLE} (version) VALUES ('1'), ('99')")
    statuses = Runner(fresh_db, load_migrations(root)).status()
    assert [(s.version, s.applied, s.checksum_known, s.missing_locally) for s in statuses] == [
        ("1", True, False, False),
        ("99", True, False, True),
    ]
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT to_regclass(%s)", (CHECKSUM_TABLE,)).fetchone() == (None,)


def test_two_runners_at_once_apply_each_migration_once(fresh_db: str, tmp_path: Path) -> None:
    root = write_diesel(
        tmp_path / "m",
        {
            "1_slow": ("SELECT pg_sleep(1.5);\nCREATE TABLE slow (x int);", "DROP TABLE slow;"),
            "2_next": ("CREATE TABLE next (x int);", "DROP TABLE next;"),
        },
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    command = [
        sys.executable,
        "-m",
        "auditor",
        "--db",
        fresh_db,
        "--migrations",
        str(root),
        "db",
        "migrate",
    ]
    procs = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    combined = "".join(out for out, _ in outputs)
    assert combined.count("applied  1_slow") == 1
    assert combined.count("applied  2_next") == 1
    assert applied_versions(fresh_db) == ["1", "2"]


def test_redo_reapplies_only_what_it_reverted(fresh_db: str, reference_migrations: Path) -> None:
    runner = Runner(fresh_db, load_migrations(reference_migrations))
    runner.migrate()
    runner.rollback(2)
    redone = runner.redo(1)
    assert [m.name for m in redone] == ["create_products"]
    assert [s.applied for s in runner.status()] == [True, True, False, False]


FORBID_WITHOUT_LOCK_0 = (
    "CREATE FUNCTION forbid() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN\n"
    "  IF NOT EXISTS (SELECT FROM pg_locks\n"
    "    WHERE (locktype, pid, objid) = ('advisory', pg_backend_pid(), 0)) THEN\n"
    "    RAISE 'migrations must be run by the project''s runner';\n"
    "  END IF;\n  RETURN NULL;\nEND $$;\n"
    f"CREATE TRIGGER forbid BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {DIESEL_TABLE}\n"
    "  EXECUTE FUNCTION forbid();\n"
)
"""A Diesel project's guard (as lemmy's history has it): only a session holding advisory
lock 0 may touch the bookkeeping table."""


def test_diesel_run_holds_the_projects_lock_0(fresh_db: str, tmp_path: Path) -> None:
    root = write_diesel(
        tmp_path / "m",
        {
            "1_guard": (FORBID_WITHOUT_LOCK_0, "DROP FUNCTION forbid() CASCADE;"),
            "2_after": ("CREATE TABLE after_guard (x int);", "DROP TABLE after_guard;"),
        },
    )
    runner = Runner(fresh_db, load_migrations(root))
    assert [m.name for m in runner.migrate()] == ["guard", "after"]
    assert user_tables(fresh_db) == {"after_guard"}
    assert [m.name for m in runner.rollback(1)] == ["after"]
    assert applied_versions(fresh_db) == ["1"]
    with psycopg.connect(fresh_db) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute(f"DELETE FROM {DIESEL_TABLE}")  # the guard is live without the lock
