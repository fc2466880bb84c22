"""Drift and status read the tool's own table: pending migrations are not drift."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner

FILES = {
    "1_users.up.sql": "CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);",
    "1_users.down.sql": "DROP TABLE users;",
    "2_orders.up.sql": "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users);",
    "2_orders.down.sql": "DROP TABLE orders;",
    "3_email_idx.up.sql": "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
    "3_email_idx.down.sql": "DROP INDEX CONCURRENTLY users_email_idx;",
}


def _project(root: Path, names: list[str]) -> Path:
    root.mkdir(parents=True)
    for name in names:
        (root / name).write_text(FILES[name])
    return root


def test_pending_golang_migrate_migrations_are_pending_not_drift(
    fresh_db: str, tmp_path: Path
) -> None:
    applied = _project(tmp_path / "old", [n for n in FILES if n.startswith("1_")])
    Runner(fresh_db, load_migrations(applied)).migrate()
    full = _project(tmp_path / "new", list(FILES))
    runner = CliRunner()
    drift = runner.invoke(
        cli, ["--migrations", str(full), "schema", "drift", "--db", fresh_db, "--format", "json"]
    )
    assert drift.exit_code == 0, drift.output
    assert json.loads(drift.output)["findings"] == []
    status = runner.invoke(cli, ["--migrations", str(full), "db", "status", "--db", fresh_db])
    assert status.exit_code == 1, status.output
    lines = {line.split()[0]: line for line in status.output.splitlines()[1:]}
    assert "applied" in lines["1"] and "pending" in lines["2"] and "pending" in lines["3"]
    # the tool's own table is not a hand-made object once everything is applied
    Runner(fresh_db, load_migrations(full)).migrate()
    again = runner.invoke(cli, ["--migrations", str(full), "schema", "drift", "--db", fresh_db])
    assert again.exit_code == 0, again.output
    assert "schema_migrations" not in again.output
