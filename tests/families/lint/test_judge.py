"""Judge the change: lint findings on new migrations gate, the history's are reported only."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.config import load_config
from auditor.core.family import AuditContext
from auditor.db.target import target_for
from auditor.families.lint.family import LintFamily
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner

INDEX = "CREATE INDEX orders_user_idx ON orders (user_id);"
DROP = "DROP TABLE legacy;"
OLD = "migrations/2024-01-01-000001_old/up.sql"
NEW = "migrations/2024-01-01-000002_new/up.sql"


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _migration(root: Path, name: str, up: str) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "up.sql").write_text(up, encoding="utf-8")
    (folder / "down.sql").write_text("", encoding="utf-8")


def _repo(tmp_path: Path, config: str = "") -> Path:
    """main: one old migration (an LNT001); branch feature: a new one (an LNT011)."""
    root = tmp_path / "migrations"
    _migration(root, "2024-01-01-000001_old", INDEX)
    if config:
        (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "base")
    _git(tmp_path, "checkout", "-q", "-b", "feature")
    _migration(root, "2024-01-01-000002_new", DROP)
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "feature")
    return root


def _run(tmp_path: Path, profile: str = "ci", **fields: object) -> tuple[list, list, tuple]:
    ctx = AuditContext(
        project=tmp_path, migrations=tmp_path / "migrations", profile=profile, **fields
    )  # type: ignore[arg-type]
    result = LintFamily().run(ctx)
    assert not result.errors, result.errors
    gating = [(f.rule_id, f.location.file) for f in result.findings]
    history = [(f.rule_id, f.location.file, f.baseline) for f in result.history]
    return gating, history, result.notes


def test_github_base_ref_makes_the_old_migration_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repo(tmp_path)
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    gating, history, notes = _run(tmp_path)
    assert gating == [("LNT011", NEW)]
    assert history == [("LNT001", OLD, "existing")]
    assert notes[0] == "1 new migration(s) since main gate"
    assert notes[1] == "history: 1 findings in 1 applied migrations, not gating (LNT001 1)"


def test_gitlab_merge_request_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(tmp_path)
    monkeypatch.setenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")
    monkeypatch.setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", _git(tmp_path, "rev-parse", "main"))
    gating, history, _ = _run(tmp_path)
    assert gating == [("LNT011", NEW)] and history == [("LNT001", OLD, "existing")]


def test_a_base_the_clone_lacks_gates_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repo(tmp_path)
    monkeypatch.setenv("GITHUB_BASE_REF", "release")
    gating, history, notes = _run(tmp_path)
    assert sorted(gating) == [("LNT001", OLD), ("LNT011", NEW)] and history == []
    assert "GITHUB_BASE_REF=release: the base is not in the clone" in notes[0]


def test_ci_variables_are_read_only_in_the_ci_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repo(tmp_path)
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    gating, history, _ = _run(tmp_path, profile="full")
    assert len(gating) == 2 and history == []


def test_history_gate_setting_gates_the_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repo(tmp_path, '[tool.auditor.lint]\nhistory = "gate"\n')
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    ctx = AuditContext(
        project=tmp_path,
        migrations=tmp_path / "migrations",
        profile="ci",
        config=load_config(tmp_path / "pyproject.toml"),
    )
    result = LintFamily().run(ctx)
    assert sorted(f.location.file for f in result.findings) == [OLD, NEW]
    assert not result.history


def test_not_yet_applied_on_the_database_is_new(tmp_path: Path, fresh_db: str) -> None:
    root = _repo(tmp_path)
    old_only = [m for m in load_migrations(root) if m.name == "old"]
    with psycopg.connect(fresh_db, autocommit=True) as conn:  # the table the index is on
        conn.execute("CREATE TABLE orders (user_id bigint)")
    Runner(fresh_db, old_only).migrate()
    target = target_for(fresh_db, "--db")
    gating, history, notes = _run(tmp_path, profile="full", database=target)
    assert gating == [("LNT011", NEW)]
    assert [h[:2] for h in history] == [("LNT001", OLD)]
    assert notes[0].startswith("1 new migration(s) not recorded as applied on ")


def test_pre_push_lints_only_the_pushed_migration(tmp_path: Path) -> None:
    _repo(tmp_path)
    gating, history, notes = _run(
        tmp_path, profile="pre-push", changed_since="main", changed_until="feature"
    )
    assert gating == [("LNT011", NEW)] and history == []
    assert "2 of 4" in notes[0]


def test_audit_in_ci_mode_states_the_history_counts(tmp_path: Path) -> None:
    _repo(tmp_path)
    args = ["--project", str(tmp_path), "audit", "--profile", "ci", "--no-db", "--only", "lint"]
    done = CliRunner().invoke(cli, [*args, "--changed-since", "main", "--format", "json"])
    assert done.exit_code == 1, done.output
    data = json.loads(done.output)
    assert [f["location"]["file"] for f in data["findings"]] == [NEW]
    assert [(f["location"]["file"], f["baseline"]) for f in data["history"]] == [(OLD, "existing")]
    markdown = CliRunner().invoke(cli, [*args, "--changed-since", "main", "--format", "md"])
    assert "history: 1 findings in 1 applied migrations, not gating" in markdown.output
    # only the old migration's finding is left: the gate passes
    (tmp_path / NEW).write_text("SELECT 1;\n", encoding="utf-8")
    _git(tmp_path, "commit", "-qam", "harmless")
    passed = CliRunner().invoke(cli, [*args, "--changed-since", "main", "--format", "json"])
    assert passed.exit_code == 0, passed.output
    assert len(json.loads(passed.output)["history"]) == 1


def test_policy_applies_to_the_history(tmp_path: Path) -> None:
    _repo(tmp_path, '[tool.auditor]\nexclude = ["migrations/2024-01-01-000001_old"]\n')
    args = ["--project", str(tmp_path), "audit", "--profile", "ci", "--no-db", "--only", "lint"]
    done = CliRunner().invoke(cli, [*args, "--changed-since", "main", "--format", "json"])
    data = json.loads(done.output)
    assert data["history"] == []
    (lint,) = data["families"]
    assert "1 finding(s) in excluded paths not reported" in lint["notes"]
