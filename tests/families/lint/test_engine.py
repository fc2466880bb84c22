"""The lint engine: ignore pragmas, configuration, file collection, git, the CLI and the family."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.config import Config, ConfigError, load_config
from auditor.core.family import AuditContext
from auditor.core.findings import Severity
from auditor.families.lint.engine import LintInputError, changed_files, collect, lint_units
from auditor.families.lint.family import LintFamily
from auditor.families.lint.settings import LintConfig, load_lint_config
from tests.lint_helpers import lint_sql, rule_ids

INDEX = "CREATE INDEX orders_user_idx ON orders (user_id);"


# --- ignore pragmas -----------------------------------------------------------


def test_ignore_with_reason_silences_the_next_statement_only() -> None:
    sql = f"-- auditor-ignore LNT001: orders has 40 rows\n{INDEX}\n{INDEX}\n"
    findings = lint_sql(sql, in_transaction=True)
    assert [(f.rule_id, f.location.line) for f in findings if f.rule_id != "LNT017"] == [
        ("LNT001", 3)
    ]


def test_ignore_without_reason_is_reported_and_not_applied() -> None:
    findings = lint_sql(f"-- auditor-ignore LNT001\n{INDEX}\n", in_transaction=True)
    ids = rule_ids([f for f in findings if f.rule_id != "LNT017"])
    assert ids == ["LNT001", "LNT040"]
    bad = next(f for f in findings if f.rule_id == "LNT040")
    assert bad.location.line == 1 and "no reason" in bad.message


def test_ignore_of_unknown_rule_is_reported() -> None:
    findings = lint_sql(f"-- auditor-ignore LNT999: because\n{INDEX}\n", in_transaction=True)
    assert "LNT040" in rule_ids(findings)


def test_unused_ignore_is_reported() -> None:
    sql = "-- auditor-ignore LNT011: archived\nCREATE TABLE t (id BIGINT PRIMARY KEY);\n"
    findings = lint_sql(sql, in_transaction=True)
    assert rule_ids(findings) == ["LNT041"]
    assert findings[0].location.line == 1


def test_ignore_of_several_rules_reports_only_the_unused_one() -> None:
    sql = "-- auditor-ignore LNT001, LNT011: small table\n" + INDEX
    findings = lint_sql(sql, in_transaction=True)
    assert [f.message for f in findings if f.rule_id == "LNT041"] == [
        "auditor-ignore LNT011 silences nothing (stale ignore)"
    ]
    assert "LNT001" not in rule_ids(findings)


def test_file_ignore_applies_everywhere_and_block_comments_work() -> None:
    sql = f"{INDEX}\n/* auditor-ignore-file LNT001: tiny lookup tables */\n{INDEX}\n"
    findings = lint_sql(sql, in_transaction=True)
    assert "LNT001" not in rule_ids(findings)
    assert "LNT041" not in rule_ids(findings)


def test_file_ignore_at_the_end_of_the_file_is_seen() -> None:
    sql = f"{INDEX}\n-- auditor-ignore-file LNT001: tiny\n"
    assert "LNT001" not in rule_ids(lint_sql(sql, in_transaction=True))


def test_ignore_not_followed_by_a_statement_is_reported() -> None:
    findings = lint_sql("CREATE TABLE t (id BIGINT);\n-- auditor-ignore LNT001: x\n")
    assert "LNT040" in rule_ids(findings)


# --- configuration ------------------------------------------------------------


def _config(tmp_path: Path, body: str) -> LintConfig:
    path = tmp_path / "auditor.toml"
    path.write_text(body, encoding="utf-8")
    return load_lint_config(load_config(path))


def test_config_enable_disable_severity_version(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        '[lint]\nenable = ["LNT017"]\ndisable = ["lnt021"]\npostgres-version = 10\n'
        'assume-in-transaction = true\nexclude = ["legacy/*"]\n[lint.severity]\nLNT001 = "critical"\n',
    )
    assert config.is_active("LNT017") and not config.is_active("LNT021")
    assert config.postgres_version == 10 and config.assume_in_transaction
    findings = lint_sql(INDEX + "\nCREATE TABLE t (at TIMESTAMP);", config=config)
    assert {f.rule_id: f.severity for f in findings}["LNT001"] is Severity.CRITICAL
    assert "LNT021" not in rule_ids(findings)
    assert "LNT017" not in rule_ids(lint_sql(INDEX, config=LintConfig()))


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("[lint]\nbogus = 1\n", "lint.bogus: unknown key"),
        ('[lint]\ndisable = ["NOPE01"]\n', "unknown lint rule"),
        ('[lint.severity]\nLNT001 = "huge"\n', "unknown severity"),
        ('[lint]\npostgres-version = "16"\n', "lint.postgres-version"),
        ('[lint]\nassume-in-transaction = "yes"\n', "lint.assume-in-transaction"),
        ("lint = 3\n", "must be a table"),
    ],
)
def test_config_errors_name_the_key(tmp_path: Path, body: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle.replace(".", r"\.")):
        _config(tmp_path, body)


# --- collection, Diesel transactions, git ------------------------------------------------


def _migration(root: Path, name: str, up: str, down: str = "", in_tx: bool = True) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "up.sql").write_text(up, encoding="utf-8")
    (folder / "down.sql").write_text(down, encoding="utf-8")
    if not in_tx:
        (folder / "metadata.toml").write_text("run_in_transaction = false\n", encoding="utf-8")
    return folder


def test_diesel_run_in_transaction_decides_concurrently(tmp_path: Path) -> None:
    root = tmp_path / "migrations"
    concurrent = "CREATE INDEX CONCURRENTLY IF NOT EXISTS o_idx ON orders (user_id);"
    _migration(root, "2024-01-01-000001_in_tx", concurrent)
    _migration(root, "2024-01-01-000002_no_tx", concurrent, in_tx=False)
    run = lint_units(collect([root], tmp_path, LintConfig()), LintConfig())
    assert [(f.rule_id, f.location.file) for f in run.findings] == [
        ("LNT003", "migrations/2024-01-01-000001_in_tx/up.sql")
    ]


def test_collect_single_files_folders_and_excludes(tmp_path: Path) -> None:
    root = tmp_path / "migrations"
    folder = _migration(root, "2024-01-01-000001_a", INDEX, "DROP INDEX orders_user_idx;")
    (tmp_path / "plain.sql").write_text(INDEX, encoding="utf-8")
    units = collect([folder / "down.sql", tmp_path / "plain.sql"], tmp_path, LintConfig())
    assert [(u.path, u.direction) for u in units] == [
        ("migrations/2024-01-01-000001_a/down.sql", "down"),
        ("plain.sql", "sql"),
    ]
    assert units[0].before is not None
    assert [u.path for u in collect([folder], tmp_path, LintConfig(exclude=("*/down.sql",)))] == [
        "migrations/2024-01-01-000001_a/up.sql"
    ]
    with pytest.raises(LintInputError, match="no such file"):
        collect([tmp_path / "missing"], tmp_path, LintConfig())


def test_unsplittable_file_is_a_finding_or_an_error_never_a_pass(tmp_path: Path) -> None:
    (tmp_path / "bad.sql").write_text("SELECT 1;\nCREATE TABLE t (a TEXT DEFAULT 'oops);\n")
    run = lint_units(collect([tmp_path / "bad.sql"], tmp_path, LintConfig()), LintConfig())
    assert [(f.rule_id, f.location.file, f.location.line) for f in run.findings] == [
        ("LNT065", "bad.sql", 2)
    ]
    off = LintConfig(disable=frozenset({"LNT065"}))
    run = lint_units(collect([tmp_path / "bad.sql"], tmp_path, off), off)
    assert run.errors and "bad.sql:2" in run.errors[0].message and not run.findings


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_changed_since_gates_only_new_and_modified_migrations(tmp_path: Path) -> None:
    root = tmp_path / "migrations"
    _migration(root, "2024-01-01-000001_old", INDEX)
    _migration(root, "2024-01-01-000002_edited", "CREATE TABLE t (id BIGINT);")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "base")
    (root / "2024-01-01-000002_edited" / "up.sql").write_text(INDEX, encoding="utf-8")
    _migration(root, "2024-01-01-000003_new", "DROP TABLE legacy;")
    changed = changed_files(tmp_path, "HEAD")
    result = CliRunner().invoke(
        cli,
        [
            "--project",
            str(tmp_path),
            "migrations",
            "lint",
            "--changed-since",
            "HEAD",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    files = {f["location"]["file"] for f in _findings(result.output)}  # type: ignore[index]
    assert files == {
        "migrations/2024-01-01-000002_edited/up.sql",
        "migrations/2024-01-01-000003_new/up.sql",
    }
    data = json.loads(result.output)
    # the new migration (up and down) plus the edited up.sql and, with it, its down.sql
    (lint,) = (f for f in data["families"] if f["name"] == "lint")
    assert lint["notes"][0] == "2 new migration(s) since HEAD gate"
    # the old migration is linted too: reported as history, not gating
    assert lint["notes"][1] == "history: 1 findings in 1 applied migrations, not gating (LNT001 1)"
    assert [(f["location"]["file"], f["baseline"]) for f in data["history"]] == [
        ("migrations/2024-01-01-000001_old/up.sql", "existing")
    ]
    assert (root / "2024-01-01-000001_old" / "up.sql").resolve() not in changed
    bad = CliRunner().invoke(
        cli, ["--project", str(tmp_path), "migrations", "lint", "--changed-since", "nope"]
    )
    assert bad.exit_code == 2 and "auditor: error: --changed-since nope" in bad.output


def _findings(output: str) -> list[dict[str, object]]:
    findings: list[dict[str, object]] = json.loads(output)["findings"]
    return findings


# --- CLI and family ------------------------------------------------------------------------


def test_reference_migrations_lint_clean(reference_migrations: Path) -> None:
    run = lint_units(
        collect([reference_migrations], reference_migrations.parent, LintConfig()), LintConfig()
    )
    assert run.files == 8 and run.statements > 10
    assert not run.errors
    assert [(f.rule_id, str(f.location)) for f in run.findings] == []


def test_cli_lint_exit_codes_and_redaction(tmp_path: Path) -> None:
    sql = tmp_path / "roles.sql"
    sql.write_text("CREATE ROLE app LOGIN PASSWORD 'Sup3r-Secret!';\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "migrations", "lint", str(sql)])
    assert result.exit_code == 1
    assert "LNT030" in result.output and "Sup3r" not in result.output
    ok = tmp_path / "ok.sql"
    ok.write_text(
        "CREATE TABLE t (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY);\n", encoding="utf-8"
    )
    clean = CliRunner().invoke(
        cli, ["--project", str(tmp_path), "migrations", "lint", str(ok), "--fail-on", "low"]
    )
    assert clean.exit_code == 1  # LNT022: CREATE TABLE outside a transaction, low
    (tmp_path / "auditor.toml").write_text(
        "[lint]\nassume-in-transaction = true\n", encoding="utf-8"
    )
    clean = CliRunner().invoke(
        cli, ["--project", str(tmp_path), "migrations", "lint", str(ok), "--fail-on", "low"]
    )
    assert clean.exit_code == 0, clean.output
    (tmp_path / "auditor.toml").write_text("[lint]\nnope = 1\n", encoding="utf-8")
    broken = CliRunner().invoke(cli, ["--project", str(tmp_path), "migrations", "lint", str(ok)])
    assert broken.exit_code == 2 and "lint.nope: unknown key" in broken.output


def test_cli_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["migrations", "lint", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def test_lint_family_runs_without_a_database(tmp_path: Path) -> None:
    root = tmp_path / "migrations"
    _migration(root, "2024-01-01-000001_a", INDEX, "DROP INDEX orders_user_idx; DROP INDEX other;")
    result = LintFamily().run(AuditContext(project=tmp_path, migrations=root))
    assert [f.rule_id for f in result.findings] == ["LNT001", "LNT002"]
    assert dict(result.checked) == {"files": 2, "statements": 3}


def test_lint_as_a_subprocess_never_prints_the_secret(tmp_path: Path) -> None:
    secret = "pr0d-Secret-4242"
    migration = _migration(
        tmp_path / "migrations",
        "2024-03-01-000000_roles",
        f"CREATE ROLE app LOGIN PASSWORD '{secret}';\nCREATE INDEX o_idx ON orders (x);\n",
        "DROP ROLE app;\n",
    )
    for fmt in ("text", "json"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "auditor",
                "--project",
                str(tmp_path),
                "migrations",
                "lint",
                "--format",
                fmt,
                str(migration),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr
        assert "LNT030" in done.stdout and "LNT001" in done.stdout
        assert secret not in done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_family_lints_only_the_pushed_range(tmp_path: Path) -> None:
    root = tmp_path / "migrations"
    _migration(root, "2024-01-01-000001_old", INDEX)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "base")
    _migration(root, "2024-01-01-000002_pushed", "DROP TABLE legacy;")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "pushed")
    _migration(root, "2024-01-01-000003_not_committed", "TRUNCATE t CASCADE;")
    # the pre-push profile passes the range through the context
    ctx = AuditContext(
        project=tmp_path,
        migrations=root,
        config=Config(),
        profile="pre-push",
        changed_since="HEAD~1",
        changed_until="HEAD",
    )
    result = LintFamily().run(ctx)
    assert not result.errors
    assert [(f.rule_id, f.location.file) for f in result.findings] == [
        ("LNT011", "migrations/2024-01-01-000002_pushed/up.sql")
    ]
    assert result.notes and "2 of 6" in result.notes[0]  # the pushed up.sql and down.sql
