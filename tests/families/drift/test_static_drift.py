"""Drift and the static CLI: a hand-made index and a dropped CHECK are found on a live database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
from click.testing import CliRunner

from auditor.cli import cli
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner


def test_drift_finds_hand_made_index_and_dropped_check(
    fresh_db: str, reference_migrations: Path
) -> None:
    Runner(fresh_db, load_migrations(reference_migrations)).migrate()
    runner = CliRunner()
    args = ["--migrations", str(reference_migrations), "schema", "drift", "--db", fresh_db]
    clean = runner.invoke(cli, [*args, "--format", "json"])
    assert clean.exit_code == 0, clean.output
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE INDEX users_created_at_idx ON users (created_at)")
        conn.execute("ALTER TABLE products DROP CONSTRAINT products_price_non_negative")
        conn.execute("ALTER TABLE carts ALTER COLUMN user_id DROP NOT NULL")
    result = runner.invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    findings = report["findings"]
    by_rule = {(f["rule_id"], f["location"]["object"]): f for f in findings}
    assert set(by_rule) == {
        ("DRF001", "public.users.users_created_at_idx"),
        ("DRF002", "public.products.products_price_non_negative"),
        ("DRF003", "public.carts.user_id"),
    }
    missing = by_rule[("DRF002", "public.products.products_price_non_negative")]
    assert missing["location"]["file"].endswith("create_products/up.sql")
    assert missing["location"]["line"] == 2


def test_drift_needs_a_database(reference_migrations: Path) -> None:
    result = CliRunner().invoke(cli, ["--migrations", str(reference_migrations), "schema", "drift"])
    assert result.exit_code == 2
    assert "auditor: error: schema drift needs a database" in result.output


def test_schema_check_static_reference_is_clean(reference_migrations: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--migrations",
            str(reference_migrations),
            "schema",
            "check",
            "--static",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    (family,) = report["families"]
    assert family["name"] == "static" and report["findings"] == []
    checked = family["checked"]
    assert checked["statements not modeled"] == 0 and checked["statements modeled"] > 0
    assert any("static model" in n for n in report["notices"])


def test_drift_on_an_unmigrated_database_does_not_claim_migrations_are_applied(
    fresh_db: str, reference_migrations: Path
) -> None:
    """MIG001 says "not applied"; DRF002 must not contradict it with "recorded as applied"."""
    args = ["--migrations", str(reference_migrations), "schema", "drift", "--db", fresh_db]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 1, result.output
    messages = [f["message"] for f in json.loads(result.output)["findings"]]
    assert messages and all("no migration is recorded as applied" in m for m in messages)


def test_an_uncertain_requirement_fails_the_default_gate(
    tmp_path: Path, reference_migrations: Path
) -> None:
    """A DO block that may add a required constraint: STA002 (high), exit 1, not a pass."""
    migrations = tmp_path / "migrations"
    shutil.copytree(reference_migrations, migrations)
    users = next(migrations.glob("*create_users/up.sql"))
    users.write_text(users.read_text() + "\nDO $$ BEGIN PERFORM 1; END $$;\n")
    args = ["--migrations", str(migrations), "schema", "check", "--static", "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)["findings"]
    assert {f["rule_id"] for f in findings} == {"STA001", "STA002"}
    assert all(f["severity"] == "high" for f in findings if f["rule_id"] == "STA002")
