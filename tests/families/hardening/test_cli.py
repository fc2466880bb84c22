"""``auditor hardening check`` and the family inside ``auditor audit``."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from click.testing import CliRunner

from auditor.cli import cli


def test_help_has_example() -> None:
    for args in (["hardening", "--help"], ["hardening", "check", "--help"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0
        assert "Example:" in result.output


def test_check_json_report(fresh_db: str, tmp_path: Path) -> None:
    out = tmp_path / "hardening.json"
    result = CliRunner().invoke(
        cli,
        [
            "--project",
            str(tmp_path),
            "hardening",
            "check",
            "--db",
            fresh_db,
            "--format",
            "json",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    text = json.dumps(data)
    assert "hardening" in text and "HRD0" in text


def test_audit_only_hardening_fails_on_info(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.people (id int, email text)")  # HRD012, info
    result = CliRunner().invoke(
        cli,
        [
            "--project",
            str(tmp_path),
            "audit",
            "--db",
            fresh_db,
            "--only",
            "hardening",
            "--fail-on",
            "info",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "[hardening]" in result.output
    assert "HRD012" in result.output and "public.people" in result.output


def test_config_error_exits_2(tmp_path: Path) -> None:
    (tmp_path / "auditor.toml").write_text("[hardening]\nrequire-rls = 'maybe'\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "--project",
            str(tmp_path),
            "--config",
            str(tmp_path / "auditor.toml"),
            "hardening",
            "check",
            "--db",
            "postgresql://nobody@127.0.0.1:1/x",
        ],
    )
    assert result.exit_code == 2
    assert "hardening.require-rls: must be true or false" in result.output
    assert "Traceback" not in result.output


def test_unreachable_database_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--project",
            str(tmp_path),
            "hardening",
            "check",
            "--db",
            "postgresql://nobody:hunter2secret@127.0.0.1:1/x",
        ],
    )
    assert result.exit_code == 2
    assert "auditor: error: cannot connect" in result.output  # after the report
    assert "hunter2secret" not in result.output
