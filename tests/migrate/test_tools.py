"""Each tool's own bookkeeping table and transaction rules, on a small project per layout."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

import psycopg
import pytest

from auditor.migrate.layouts import LayoutError, load_migrations
from auditor.migrate.runner import MigrationError, Runner
from auditor.migrate.tools import flyway_checksum
from tests.migration_dirs import write_files as write


def rows(dsn: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql.encode()).fetchall()


def columns(dsn: str, table: str) -> list[tuple[object, ...]]:
    return rows(
        dsn,
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_name = '{table}' ORDER BY ordinal_position",
    )


def has_index(dsn: str, name: str) -> bool:
    return rows(dsn, f"SELECT to_regclass('{name}') IS NOT NULL") == [(True,)]


GOLANG_MIGRATE = {
    "1_users.up.sql": "CREATE TABLE users (id int PRIMARY KEY, email text);\nCREATE TABLE t (x int);",
    "1_users.down.sql": "DROP TABLE t;\nDROP TABLE users;",
    # alters golang-migrate's own table, as harbor's migration 0030 does
    "2_data_version.up.sql": "ALTER TABLE schema_migrations ADD COLUMN data_version int;",
    "2_data_version.down.sql": "ALTER TABLE schema_migrations DROP COLUMN data_version;",
    # one statement: golang-migrate sends it without a transaction, as ente's migrations
    "10_email_idx.up.sql": "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx\n    ON users (email);\n",
    "10_email_idx.down.sql": "DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;",
}


def test_golang_migrate_keeps_one_row_and_applies_concurrently(
    fresh_db: str, tmp_path: Path
) -> None:
    runner = Runner(fresh_db, load_migrations(write(tmp_path / "m", GOLANG_MIGRATE)))
    assert runner.tool == "golang-migrate"
    assert [m.version for m in runner.migrate()] == ["1", "2", "10"]
    assert columns(fresh_db, "schema_migrations")[:2] == [
        ("version", "bigint"),
        ("dirty", "boolean"),
    ]
    assert rows(fresh_db, "SELECT version, dirty FROM schema_migrations") == [(10, False)]
    assert has_index(fresh_db, "users_email_idx")
    assert rows(fresh_db, "SELECT to_regclass('__diesel_schema_migrations')") == [(None,)]
    runner.rollback(1)  # golang-migrate's down: the current version becomes the previous one
    assert rows(fresh_db, "SELECT version, dirty FROM schema_migrations") == [(2, False)]
    assert not has_index(fresh_db, "users_email_idx")
    statuses = {s.version: s.applied for s in runner.status()}
    assert statuses == {"1": True, "2": True, "10": False}


def test_golang_migrate_failure_leaves_dirty_and_is_never_cleared(
    fresh_db: str, tmp_path: Path
) -> None:
    files = {
        "1_a.up.sql": "CREATE TABLE a (x int);",
        "2_b.up.sql": "CREATE TABLE b (x int);\nSELECT nosuch FROM b;",
    }
    runner = Runner(fresh_db, load_migrations(write(tmp_path / "m", files)))
    with pytest.raises(MigrationError) as failed:
        runner.migrate()
    assert "2_b.up.sql:2:" in str(failed.value)
    assert "dirty" in str(failed.value)
    assert rows(fresh_db, "SELECT version, dirty FROM schema_migrations") == [(2, True)]
    assert rows(fresh_db, "SELECT to_regclass('b')") == [(None,)]  # one query: rolled back
    (status,) = [s for s in runner.status() if s.version == "2"]
    assert status.dirty
    with pytest.raises(MigrationError, match="dirty"):
        runner.migrate()
    assert rows(fresh_db, "SELECT version, dirty FROM schema_migrations") == [(2, True)]


def test_golang_migrate_refuses_concurrently_among_other_statements(
    fresh_db: str, tmp_path: Path
) -> None:
    files = {"1_a.up.sql": "CREATE TABLE a (x int);\n\nCREATE INDEX CONCURRENTLY a_x ON a (x);"}
    with pytest.raises(MigrationError) as refused:
        Runner(fresh_db, load_migrations(write(tmp_path / "m", files))).migrate()
    assert "1_a.up.sql:3: CREATE INDEX CONCURRENTLY" in str(refused.value)
    assert rows(fresh_db, "SELECT count(*) FROM schema_migrations") == [(0,)]


SQLX = {
    "Cargo.toml": '[dependencies]\nsqlx = { version = "0.8", features = ["postgres"] }\n',
    "migrations/20240101000000_initial.up.sql": "CREATE TABLE users (id int, email text);",
    "migrations/20240101000000_initial.down.sql": "DROP TABLE users;",
    "migrations/20240102000000_email_index.up.sql": (
        "-- no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n"
    ),
    "migrations/20240102000000_email_index.down.sql": (
        "-- no-transaction\nDROP INDEX CONCURRENTLY users_email;\n"
    ),
    "migrations/20240103000000_add_name.sql": "ALTER TABLE users ADD COLUMN name text;",
}


def test_sqlx_table_holds_what_sqlx_writes(fresh_db: str, tmp_path: Path) -> None:
    root = write(tmp_path, SQLX) / "migrations"
    migrations = load_migrations(root)
    assert [(m.tool, m.up.transaction) for m in migrations] == [
        ("sqlx", True),
        ("sqlx", False),
        ("sqlx", True),
    ]
    runner = Runner(fresh_db, migrations)
    runner.migrate()
    assert columns(fresh_db, "_sqlx_migrations") == [
        ("version", "bigint"),
        ("description", "text"),
        ("installed_on", "timestamp with time zone"),
        ("success", "boolean"),
        ("checksum", "bytea"),
        ("execution_time", "bigint"),
    ]
    recorded = rows(
        fresh_db,
        "SELECT version, description, success, checksum, execution_time > 0 "
        "FROM _sqlx_migrations ORDER BY version",
    )
    expected = [
        (20240101000000, "initial", "initial.up.sql"),
        (20240102000000, "email index", "email_index.up.sql"),
        (20240103000000, "add name", "add_name.sql"),
    ]
    assert [(v, d, ok, bytes(c), t) for v, d, ok, c, t in recorded] == [
        (
            version,
            description,
            True,
            hashlib.sha384((root / f"{version}_{file}").read_bytes()).digest(),
            True,
        )
        for version, description, file in expected
    ]
    assert has_index(fresh_db, "users_email")
    with pytest.raises(MigrationError, match="no down script"):  # a simple sqlx file
        runner.rollback(1)


def test_sqlx_concurrently_in_a_transactional_file_names_the_line(
    fresh_db: str, tmp_path: Path
) -> None:
    files = dict(SQLX)
    files["migrations/20240102000000_email_index.up.sql"] = (
        "\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n"
    )
    root = write(tmp_path, files) / "migrations"
    with pytest.raises(MigrationError) as refused:
        Runner(fresh_db, load_migrations(root)).migrate()
    message = str(refused.value)
    assert "20240102000000_email_index.up.sql:2: CREATE INDEX CONCURRENTLY" in message
    assert "-- no-transaction" in message
    assert rows(fresh_db, "SELECT version FROM _sqlx_migrations") == [(20240101000000,)]


FLYWAY = {
    "V1__create_users.sql": "CREATE TABLE users (id int, email text);\r\nCREATE TABLE t (x int);\r\n",
    "V1_1__email_index.sql": "CREATE INDEX CONCURRENTLY users_email ON users (email);\n",
    "U1_1__email_index.sql": "DROP INDEX CONCURRENTLY users_email;\n",
    "R__user_emails.sql": "CREATE OR REPLACE VIEW user_emails AS SELECT email FROM users;\n",
}


def test_flyway_history_rows_repeatable_and_undo(fresh_db: str, tmp_path: Path) -> None:
    root = write(tmp_path / "sql", FLYWAY)
    runner = Runner(fresh_db, load_migrations(root))
    assert [m.label for m in runner.migrate()] == [
        "1_create_users",
        "1.1_email_index",
        "R__user_emails",
    ]
    history = "SELECT installed_rank, version, description, type, script, checksum, success FROM flyway_schema_history ORDER BY 1"
    assert rows(fresh_db, history) == [
        (1, "1", "create users", "SQL", "V1__create_users.sql", _crc(FLYWAY["V1__create_users.sql"]), True),
        (2, "1.1", "email index", "SQL", "V1_1__email_index.sql", _crc(FLYWAY["V1_1__email_index.sql"]), True),
        (3, None, "user emails", "SQL", "R__user_emails.sql", _crc(FLYWAY["R__user_emails.sql"]), True),
    ]  # fmt: skip
    assert has_index(fresh_db, "users_email")
    assert runner.migrate() == []  # nothing changed: nothing to run
    (root / "R__user_emails.sql").write_text(
        "CREATE OR REPLACE VIEW user_emails AS SELECT email, id FROM users;\n"
    )
    runner = Runner(fresh_db, load_migrations(root))
    assert [m.label for m in runner.migrate()] == ["R__user_emails"]  # changed: re-run
    assert [m.label for m in runner.rollback(1)] == ["1.1_email_index"]
    assert rows(
        fresh_db, "SELECT type, version FROM flyway_schema_history WHERE installed_rank = 5"
    ) == [("UNDO_SQL", "1.1")]
    assert {s.version: s.applied for s in runner.status()}["1.1"] is False
    assert not has_index(fresh_db, "users_email")


def _crc(text: str) -> int:
    crc = 0
    for line in text.splitlines():
        crc = zlib.crc32(line.encode(), crc)
    return crc - (1 << 32) if crc >= 1 << 31 else crc


def test_flyway_checksum_ignores_line_breaks_and_bom() -> None:
    assert flyway_checksum(b"a\nb\n") == flyway_checksum(b"\xef\xbb\xbfa\r\nb") == _crc("a\nb")
    assert flyway_checksum(b"") == 0


def test_flyway_refuses_a_mixed_migration(fresh_db: str, tmp_path: Path) -> None:
    files = {"V1__a.sql": "CREATE TABLE a (x int);\nCREATE INDEX CONCURRENTLY a_x ON a (x);\n"}
    with pytest.raises(MigrationError, match=r"V1__a.sql:2: .*mixed"):
        Runner(fresh_db, load_migrations(write(tmp_path / "sql", files))).migrate()


DBMATE = {
    "20240101000000_users.sql": (
        "-- migrate:up\nCREATE TABLE users (id int, email text);\n\n-- migrate:down\nDROP TABLE users;\n"
    ),
    "20240102000000_email_index.sql": (
        "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n\n"
        "-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY users_email;\n"
    ),
}


def test_dbmate_table_and_transaction_false(fresh_db: str, tmp_path: Path) -> None:
    runner = Runner(fresh_db, load_migrations(write(tmp_path / "db", DBMATE)))
    runner.migrate()
    assert columns(fresh_db, "schema_migrations") == [("version", "character varying")]
    assert rows(
        fresh_db,
        "SELECT character_maximum_length FROM information_schema.columns "
        "WHERE table_name = 'schema_migrations'",
    ) == [(None,)]  # dbmate 2 writes `version varchar primary key`, no length
    assert rows(fresh_db, "SELECT version FROM schema_migrations ORDER BY 1") == [
        ("20240101000000",),
        ("20240102000000",),
    ]
    runner.redo(1)
    assert has_index(fresh_db, "users_email")


def test_dbmate_indented_marker_and_shared_prefix_are_refused(tmp_path: Path) -> None:
    indented = {
        "1_a.sql": "-- migrate:up\nCREATE TABLE a (x int);\n  -- migrate:down\nDROP TABLE a;\n"
    }
    with pytest.raises(LayoutError, match=r"1_a.sql:3: indented '-- migrate:' marker"):
        load_migrations(write(tmp_path / "i", indented))
    shared = {
        "1_a.sql": "-- migrate:up\nCREATE TABLE a (x int);\n",
        "1_b.sql": "-- migrate:up\nCREATE TABLE b (x int);\n",
    }
    with pytest.raises(LayoutError, match=r"version 1 also used by 1_a\.sql"):
        load_migrations(write(tmp_path / "s", shared))


def test_dbmate_reads_no_golang_migrate_table(fresh_db: str, tmp_path: Path) -> None:
    Runner(fresh_db, load_migrations(write(tmp_path / "g", {"1_a.up.sql": "SELECT 1;"}))).migrate()
    runner = Runner(fresh_db, load_migrations(write(tmp_path / "db", DBMATE)))
    with pytest.raises(MigrationError, match="golang-migrate's table"):
        runner.status()
