"""Old spellings of a configuration key: the same behaviour, plus a deprecation warning.

``advisory-database`` (top level) is now ``[deps] advisory-db``; ``[lint.severity]`` is now
the top-level ``[severity]``. The warning is a notice in the report and one stderr line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.config import load_config
from auditor.core.findings import Severity
from auditor.families.deps.settings import load_settings
from auditor.families.lint.settings import load_lint_config
from tests.migration_dirs import write_diesel

ADD_COLUMN = "ALTER TABLE a ADD COLUMN b int NOT NULL;"


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "auditor.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_advisory_database_reads_like_advisory_db_with_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "old").mkdir()
    old = load_config(_config(tmp_path / "old", 'advisory-database = "osv"\n'))
    new = load_config(_config(tmp_path, '[deps]\nadvisory-db = "osv"\n'))
    assert load_settings(old).advisory_db == (tmp_path / "old" / "osv").resolve()
    assert load_settings(new).advisory_db == (tmp_path / "osv").resolve()
    assert new.deprecations == []
    (notice,) = old.deprecations
    assert notice.endswith(
        "auditor.toml:1: advisory-database is deprecated, use [deps] advisory-db instead "
        "(the old spelling is accepted for one release)"
    )
    err = capsys.readouterr().err
    assert err.count("advisory-database is deprecated") == 1


def test_the_new_spelling_wins_over_the_old(tmp_path: Path) -> None:
    config = load_config(
        _config(tmp_path, 'advisory-database = "top"\n[deps]\nadvisory-db = "new"\n')
    )
    assert load_settings(config).advisory_db == (tmp_path / "new").resolve()
    assert len(config.deprecations) == 1


def test_a_bad_old_spelling_is_still_an_error(tmp_path: Path) -> None:
    from auditor.core.config import ConfigError

    with pytest.raises(ConfigError, match=r"auditor.toml:1: advisory-database: must be"):
        load_config(_config(tmp_path, "advisory-database = 5\n"))


def _lint(tmp_path: Path, body: str) -> tuple[int, dict[str, object], str]:
    write_diesel(
        tmp_path / "migrations",
        {"1_a": ("CREATE TABLE a (id int);", None), "2_b": (ADD_COLUMN, None)},
    )
    config = _config(tmp_path, body + "[families]\ndependencies = false\nsecrets = false\n")
    result = CliRunner().invoke(
        cli,
        [
            "--project",
            str(tmp_path),
            "--config",
            str(config),
            "--migrations",
            str(tmp_path / "migrations"),
            "audit",
            "--no-db",
            "--only",
            "lint",
            "--format",
            "json",
            "--fail-on",
            "critical",
        ],
    )
    return result.exit_code, json.loads(result.stdout), result.stderr


def _severities(report: dict[str, object]) -> dict[str, str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["rule_id"]: f["severity"] for f in findings}


def test_lint_severity_acts_like_severity_with_a_notice(tmp_path: Path) -> None:
    for name in ("default", "old", "new"):
        (tmp_path / name).mkdir()
    _, default, _ = _lint(tmp_path / "default", "")
    rule = next(iter(_severities(default)))
    assert _severities(default)[rule] != "critical"  # so the override is visible
    old_code, old, old_err = _lint(tmp_path / "old", f'[lint.severity]\n{rule} = "critical"\n')
    new_code, new, new_err = _lint(tmp_path / "new", f'[severity]\n{rule} = "critical"\n')
    assert _severities(old)[rule] == _severities(new)[rule] == "critical"
    assert old_code == new_code == 1
    assert not [n for n in new["notices"] if "deprecated" in n]
    assert [n for n in old["notices"] if "lint.severity is deprecated" in n]
    assert old_err.count("lint.severity is deprecated") == 1 and "deprecated" not in new_err


def test_lint_severity_still_reaches_the_lint_settings(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, '[lint.severity]\nLNT001 = "low"\n'))
    assert load_lint_config(config).severity == {"LNT001": Severity.LOW}
    assert config.deprecations and "lint.severity" in config.deprecations[0]
