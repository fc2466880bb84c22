"""One error base: every user-facing error is an ``AuditorError``, shown as one line, exit 2."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import auditor
from auditor.cli import cli
from auditor.core.errors import AuditorError
from auditor.hook.prepush import main as prepush_main
from tests.migration_dirs import write_diesel

INTERNAL = {
    "auditor.families.schema.probe:CannotProbe": "a probe skipped with a reason (data)",
    "auditor.families.schema.probe:Rejected": "PostgreSQL rejected a probe row (data)",
    "auditor.families.secrets.engine:Unscannable": "a file skipped with a reason (data)",
    "auditor.families.secrets.engine:LongLine": "a file skipped with a reason (data)",
    "auditor.families.secrets.engine:OwnReport": "a file skipped with a reason (data)",
    "auditor.cli.common:UsageFailure": "click's own exception, already exit 2 with one line",
    "auditor.sql.split:Unbalanced": "unbalanced text: the caller falls back to the full parser",
    "auditor.core.interrupt:Interrupted": "a signal: unwinds past every except, exit 2 in main",
}
"""Exceptions used for control flow or owned by click, not domain errors."""


def defined_exceptions() -> dict[str, type[BaseException]]:
    """``"module:Class"`` -> class for every public exception class defined in ``auditor``."""
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(auditor.__path__, "auditor."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == info.name
                and not name.startswith("_")
            ):
                found[f"{info.name}:{name}"] = value
    return found


def test_every_domain_error_subclasses_auditor_error() -> None:
    classes = defined_exceptions()
    assert "auditor.core.config:ConfigError" in classes  # the walk sees the tree
    assert set(INTERNAL) <= set(classes), "stale INTERNAL entry"
    outside = [
        key
        for key, cls in classes.items()
        if key not in INTERNAL and not issubclass(cls, AuditorError)
    ]
    assert not outside, f"not AuditorError subclasses: {outside}"
    assert not [key for key in INTERNAL if issubclass(classes[key], AuditorError)]


def test_old_bases_are_kept() -> None:
    from auditor.core.config import ConfigError
    from auditor.sql.split import SqlSyntaxError

    assert issubclass(ConfigError, ValueError) and issubclass(SqlSyntaxError, ValueError)


def _one_line_exit_2(args: list[str], cwd: Path) -> str:
    """Run the CLI; the run could not be completed: exit 2, one error line on stderr."""
    result = CliRunner().invoke(cli, args, catch_exceptions=False, env={"PWD": str(cwd)})
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditor: error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "auditor.toml").write_text("bogus = 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert "bogus: unknown key" in _one_line_exit_2(["audit", "--no-db"], tmp_path)


def test_selection_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert "unknown family 'nosuch'" in _one_line_exit_2(["audit", "--only", "nosuch"], tmp_path)


def test_baseline_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.json").write_text("{", encoding="utf-8")
    args = ["audit", "--no-db", "--only", "lint", "--baseline", "b.json"]
    assert "baseline is not a JSON report" in _one_line_exit_2(args, tmp_path)


def test_rule_pack_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pack.toml").write_text("x = [\n", encoding="utf-8")
    (tmp_path / "auditor.toml").write_text('rule-packs = ["pack.toml"]\n', encoding="utf-8")
    assert "invalid TOML" in _one_line_exit_2(["schema", "check", "--static"], tmp_path)


def test_lint_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Raised inside the family: an error entry of the report, and the same one line on stderr."""
    monkeypatch.chdir(tmp_path)
    args = ["--reference", "migrations", "lint", "--changed-since", "nosuchref"]
    assert "--changed-since nosuchref" in _one_line_exit_2(args, tmp_path)


def test_database_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["--db", "postgresql://nobody@127.0.0.1:1/x", "hardening", "check"]
    assert "cannot connect" in _one_line_exit_2(args, tmp_path)


def test_hook_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert "not a git repository" in _one_line_exit_2(["hook", "install"], tmp_path)


def test_migration_error(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = write_diesel(tmp_path / "m", {"1_a": ("CREATE TABLE a (x nosuchtype);", None)})
    args = ["--db", fresh_db, "--migrations", str(root), "db", "migrate"]
    assert "nosuchtype" in _one_line_exit_2(args, tmp_path)


def test_prepush_hook_maps_auditor_error_to_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert prepush_main(["--pre-commit"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("auditor: error: git rev-parse"), err
