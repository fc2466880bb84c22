"""The command line: exit codes, database selection, redaction, reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from tests.migration_dirs import write_diesel

UNREACHABLE = "postgresql://nobody:hunter2@127.0.0.1:1/x"


def run(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_audit_on_embedded_default_passes(clean_env: dict[str, str]) -> None:
    result = run("audit", "--format", "json", env=clean_env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "passed"
    assert report["target"].startswith("embedded PostgreSQL")
    assert report["verified"], "a passing report shows evidence"


@pytest.mark.parametrize("where", ["before", "after"])
def test_unreachable_database_exits_2_without_password(
    clean_env: dict[str, str], where: str
) -> None:
    args = ["--db", UNREACHABLE, "audit"] if where == "before" else ["audit", "--db", UNREACHABLE]
    result = run(*args, env=clean_env)
    assert result.returncode == 2
    assert "hunter2" not in result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "127.0.0.1:1/x" in result.stderr


def test_database_url_is_used_and_redacted(clean_env: dict[str, str]) -> None:
    result = run("db", "status", env={**clean_env, "DATABASE_URL": UNREACHABLE})
    assert result.returncode == 2
    assert "hunter2" not in result.stdout + result.stderr
    assert "127.0.0.1:1/x" in result.stderr


def test_db_redo_all_and_status_on_embedded(clean_env: dict[str, str]) -> None:
    redo = run("db", "redo", "--all", env=clean_env)
    assert redo.returncode == 0, redo.stderr
    assert "4 migration(s) redone" in redo.stdout
    status = run("db", "status", env=clean_env)
    assert status.returncode == 0, status.stderr
    lines = [line for line in status.stdout.splitlines() if line.startswith("2024")]
    assert len(lines) == 4 and all("applied" in line and "EDITED" not in line for line in lines)


def test_pending_migration_fails_the_gate(fresh_db: str, reference_migrations: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            fresh_db,
            "--migrations",
            str(reference_migrations),
            "audit",
            "--only",
            "migrations",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert {f["rule_id"] for f in report["findings"]} == {"MIG001"}
    assert report["target"] == fresh_db  # no password here, shown as is
    assert report["notices"] and "read-only" in report["notices"][0]


def test_fail_on_critical_lets_high_findings_pass(
    fresh_db: str, reference_migrations: Path
) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            fresh_db,
            "--migrations",
            str(reference_migrations),
            "audit",
            "--only",
            "migrations",
            "--fail-on",
            "critical",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "MIG001" in result.output


def test_missing_down_is_reported_and_written_atomically(fresh_db: str, tmp_path: Path) -> None:
    root = write_diesel(tmp_path / "m", {"1_a": ("CREATE TABLE a (x int);", None)})
    assert (
        CliRunner()
        .invoke(cli, ["--db", fresh_db, "--migrations", str(root), "db", "migrate"])
        .exit_code
        == 0
    )
    out = tmp_path / "out" / "report.md"
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            fresh_db,
            "--migrations",
            str(root),
            "audit",
            "--fail-on",
            "medium",
            "--format",
            "md",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 1, result.output
    text = out.read_text()
    assert "<!-- auditor-report -->" in text.splitlines()[:2] and "MIG004" in text
    assert [p.name for p in out.parent.iterdir()] == ["report.md"]


def test_unknown_family_and_bad_config_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", "--only", "nope"])
    assert result.exit_code == 2 and "unknown family" in result.output
    config = tmp_path / "auditor.toml"
    config.write_text('fail-on = "high"\nfial-on = "low"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "audit"])
    assert result.exit_code == 2
    assert f"{config}:2: fial-on: unknown key" in result.output


def test_every_command_has_help_with_an_example() -> None:
    def walk(command: object, path: list[str]) -> list[list[str]]:
        found = [path]
        for name, sub in getattr(command, "commands", {}).items():
            found += walk(sub, [*path, name])
        return found

    for path in walk(cli, []):
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example:" in result.output, f"`auditor {' '.join(path)} --help` has no example"


def test_rules_list_json() -> None:
    result = CliRunner().invoke(cli, ["rules", "list", "--format", "json"])
    assert result.exit_code == 0
    ids = [r["id"] for r in json.loads(result.output)]
    assert ids == sorted(ids) and "MIG001" in ids
