"""``auditor schema check`` and the schema/reversibility families of ``auditor audit``."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from click.testing import CliRunner

from auditor.catalog.live import QUERY_COUNT
from auditor.cli import cli
from auditor.core.family import AuditContext
from auditor.db.target import DatabaseTarget
from auditor.families.migrations.reversibility_family import ReversibilityFamily
from auditor.families.schema.live_family import SchemaFamily
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner
from tests.paths import REPO_ROOT

REPO = REPO_ROOT


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_schema_check_on_a_live_database(fresh_db: str, tmp_path: Path) -> None:
    Runner(fresh_db, load_migrations(REPO / "migrations")).migrate()

    code, out = _run("--db", fresh_db, "schema", "check", "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    text = json.dumps(data)
    assert "users-email-unique-ci" in text and "probe:" not in text  # catalog evidence only

    code, out = _run("--db", fresh_db, "schema", "check", "--prove")
    assert code == 2
    assert (
        out.strip().splitlines() == [out.strip().splitlines()[0]]
        and "auditor: error: refusing to --prove" in out
    )

    code, out = _run("--db", fresh_db, "schema", "check", "--prove", "--allow-writes")
    assert code == 0, out
    assert "probe: PostgreSQL rejected" in out

    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("DROP INDEX users_email_lower_key; ALTER TABLE users ADD UNIQUE (email)")
    code, out = _run("--db", fresh_db, "schema", "check", "--format", "json")
    assert code == 1, out
    assert [f["rule_id"] for f in _findings(json.loads(out))] == ["SCH006"]

    bad = tmp_path / "bad.toml"
    bad.write_text('[[requirement]]\nid = "x"\nkind = "nope"\n')
    code, out = _run("--db", fresh_db, "schema", "check", "--rules", str(bad))
    assert code == 2
    assert f"auditor: error: {bad}:3: kind: unknown kind 'nope'" in out


def _findings(data: dict[str, object]) -> list[dict[str, object]]:
    found = data.get("findings")
    if isinstance(found, list):
        return found
    families = data.get("families")
    assert isinstance(families, list)
    return [f for fam in families for f in fam["findings"]]


def test_audit_runs_the_schema_family(fresh_db: str) -> None:
    Runner(fresh_db, load_migrations(REPO / "migrations")).migrate()
    code, out = _run(
        "--db", fresh_db, "--migrations", str(REPO / "migrations"), "audit", "--only", "schema"
    )
    assert code == 0, out
    assert "users-username-length" in out


def test_reversibility_family_uses_a_scratch_database_beside_a_disposable_target(
    fresh_db: str,
) -> None:
    target = DatabaseTarget(dsn=fresh_db, label="test", source="--db", disposable=True)
    ctx = AuditContext(project=REPO, migrations=REPO / "migrations", database=target)
    result = ReversibilityFamily().run(ctx)
    assert (result.findings, result.errors) == ((), ())
    assert [v.what for v in result.verified] == [
        "every down.sql exactly restores the schema before its up.sql"
    ]
    with psycopg.connect(fresh_db) as conn:  # the target itself was not touched
        row = conn.execute("SELECT to_regclass('users')").fetchone()
    assert row == (None,)


def test_schema_family_proves_by_default_only_on_a_disposable_target(fresh_db: str) -> None:
    Runner(fresh_db, load_migrations(REPO / "migrations")).migrate()
    for disposable in (True, False):
        target = DatabaseTarget(dsn=fresh_db, label="t", source="--db", disposable=disposable)
        ctx = AuditContext(project=REPO, migrations=REPO / "migrations", database=target)
        result = SchemaFamily().run(ctx)
        assert (result.findings, result.errors, result.skipped) == ((), (), ())
        checked = dict(result.checked)
        assert checked["probes"] == (22 if disposable else 0)
        assert checked["catalog queries"] == QUERY_COUNT
        assert len(result.verified) == 27  # 24 constraints and the 3 foreign-key column indexes
        proven = [v for v in result.verified if "probe: PostgreSQL" in v.evidence]
        assert len(proven) == (22 if disposable else 0)


def test_schema_check_subprocess_and_unreachable_database(
    fresh_db: str, clean_env: dict[str, str]
) -> None:
    import subprocess
    import sys

    Runner(fresh_db, load_migrations(REPO / "migrations")).migrate()
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "--db", fresh_db, "schema", "check", "--format", "json"],
        capture_output=True,
        text=True,
        env=clean_env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["verdict"], data["exit_code"]) == ("passed", 0)
    code, out = _run("--db", "postgresql://auditor:s3cret@127.0.0.1:1/nowhere", "schema", "check")
    assert code == 2
    assert "auditor: error: cannot connect to database" in out  # after the report
    assert "s3cret" not in out
