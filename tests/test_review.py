"""Adversarial review: the contract holds for a demanding user's mistakes.

Expected errors end in one line ``auditor: error: ...`` with exit code 2, never a
traceback and never exit 1 (which a CI gate reads as "findings").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli


@pytest.fixture(autouse=True)
def _no_ci_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_STEP_SUMMARY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def _one_line_error(result: object) -> str:
    from click.testing import Result

    assert isinstance(result, Result)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("auditor: error: "), result.output
    return last


def _audit(tmp_path: Path, *extra: str) -> object:
    args = ["--project", str(tmp_path), "audit", "--only", "lint", *extra]
    return CliRunner().invoke(cli, args)


def test_unwritable_output_is_one_line_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    line = _one_line_error(
        _audit(tmp_path, "--no-db", "--format", "json", "--output", str(blocker / "r.json"))
    )
    assert "cannot write" in line


def test_broken_markdown_template_is_one_line_exit_2(tmp_path: Path) -> None:
    template = tmp_path / "bad.md.j2"
    template.write_text("{{ broken", encoding="utf-8")
    line = _one_line_error(
        _audit(tmp_path, "--no-db", "--format", "md", "--template", str(template))
    )
    assert "template" in line


def test_unwritable_step_summary_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing-dir" / "summary.md"))
    line = _one_line_error(_audit(tmp_path, "--no-db"))
    assert "GITHUB_STEP_SUMMARY" in line


def test_a_crash_exits_2_not_1_and_redacts_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug (an exception nobody expected) must not look like "findings" (exit 1) to CI."""
    from auditor import cli as cli_module

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom near postgresql://app:Crash_Pw_1@db/app")

    monkeypatch.setattr(cli_module, "cli", explode)
    monkeypatch.setattr("sys.argv", ["auditor", "--db", "postgresql://app:Crash_Pw_1@db/app"])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Crash_Pw_1" not in err
    assert err.strip().splitlines()[-1].startswith("auditor: error: internal error: RuntimeError")


def test_a_pre_push_crash_exits_2_and_redacts_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lean pre-push entry point fails closed the same way (git blocks the push)."""
    from auditor.hook import prepush as prepush

    token = "ghp_" + "Q7wZr2Lk9Xv4Tn8Bm3Hc6Jd1Ys5Fp0Ga2Ue7"
    literal = "ALTER ROLE app PASSWORD 'Sql_Pw_3'"

    def explode(*args: object, **kwargs: object) -> int:
        raise RuntimeError(f"boom near postgresql://app:Hook_Pw_2@db/app {token} {literal}")

    monkeypatch.setattr(prepush, "run_hook", explode)
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:Hook_Pw_2@db/app")
    assert prepush.main(["--pre-commit"]) == 2
    err = capsys.readouterr().err
    assert "Hook_Pw_2" not in err and token not in err and "Sql_Pw_3" not in err
    assert err.strip().splitlines()[-1].startswith("auditor: error: internal error: RuntimeError")


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus"],
        ["audit", "--bogus"],
        ["audit", "--fail-on", "severe"],
        ["explain"],
        ["db", "status", "--format", "json"],
        ["secrets", "scan", "/nonexistent/path"],
        ["audit", "--template", "/nonexistent/t.j2"],
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    line = _one_line_error(result)
    assert "--help" in line
    assert "Usage:" not in result.output


@pytest.mark.parametrize("args", [[], ["db"], ["schema"]])
def test_a_group_without_subcommand_still_shows_its_help(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert "Usage:" in result.output and "auditor: error" not in result.output


SKIP_ALL_PRE_PUSH = [
    *("--skip", "static", "--skip", "migrations", "--skip", "lint"),
    *("--skip", "secrets", "--skip", "gates"),
]


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "--no-db", "--only", "lint", "--skip", "lint"],
        ["audit", "--profile", "pre-push", *SKIP_ALL_PRE_PUSH],
    ],
)
def test_an_audit_that_would_check_nothing_is_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), *args])
    assert "no family left to run" in _one_line_error(result)


def test_families_all_switched_off_in_config_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "auditor.toml").write_text(
        "[families]\nstatic = false\nmigrations = false\nlint = false\nsecrets = false\n"
        "dependencies = false\ngates = false\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(tmp_path / "auditor.toml"),
            "--project",
            str(tmp_path),
            "audit",
            "--no-db",
        ],
    )
    assert "no family left to run" in _one_line_error(result)


def test_gate_output_never_shows_the_database_url_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gate inherits DATABASE_URL; printing its bare password must not reach the report,
    even when no database is audited (--no-db, pre-push)."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:Gate_Plain_Pw_77@127.0.0.1:1/app")
    (tmp_path / "auditor.toml").write_text(
        '[gates]\nleak = { command = ["sh", "-c", "echo Gate_Plain_Pw_77; exit 1"] }\n',
        encoding="utf-8",
    )
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(tmp_path / "auditor.toml"),
            "--project",
            str(tmp_path),
            "audit",
            "--no-db",
            "--only",
            "gates",
            "--format",
            "text",
            "--format",
            f"json={out}",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "Gate_Plain_Pw_77" not in result.output
    assert "Gate_Plain_Pw_77" not in out.read_text(encoding="utf-8")


def test_schema_drift_unreachable_is_one_line_without_password() -> None:
    result = CliRunner().invoke(
        cli, ["schema", "drift", "--db", "postgresql://nobody:Drift_Pw_5@127.0.0.1:1/x"]
    )
    line = _one_line_error(result)
    assert "cannot connect" in line and "Drift_Pw_5" not in result.output
