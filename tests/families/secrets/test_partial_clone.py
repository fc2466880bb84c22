"""A blobless clone (``git clone --filter=blob:none``): the history it does not hold is
an error (exit 2), nothing is fetched, and the work tree's secrets are still reported."""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli
from tests.families.secrets.test_scan import _token, commit_all, git, init_repo


def blobless_clone(tmp_path: Path) -> tuple[Path, str]:
    """A clone whose only secret in history (``old.py``) is a blob it does not hold."""
    origin = init_repo(tmp_path / "origin")
    (origin / "old.py").write_text(f'OLD = "{_token(random.Random(11))}"\n')
    first = commit_all(origin, "a secret only in history")
    (origin / "old.py").unlink()
    (origin / "kept.py").write_text(f'KEPT = "{_token(random.Random(12))}"\n')
    (origin / "notes.md").write_text("nothing here\n")
    commit_all(origin, "a secret in the work tree")
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(origin), str(bare))
    git(bare, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:none", bare.as_uri(), str(clone))
    return clone, first


def missing_objects(clone: Path) -> set[str]:
    listed = git(clone, "rev-list", "--all", "--objects", "--missing=print")
    return {line[1:] for line in listed.splitlines() if line.startswith("?")}


def test_audit_of_a_blobless_clone_is_incomplete_with_the_work_tree_secret(
    tmp_path: Path,
) -> None:
    clone, _ = blobless_clone(tmp_path)
    missing = missing_objects(clone)
    assert missing, "the clone holds every blob: nothing would be unreadable"
    run = CliRunner().invoke(
        cli, ["--project", str(clone), "audit", "--no-db", "--only", "secrets", "--format", "json"]
    )
    assert run.exit_code == 2, run.output
    report = json.loads(run.stdout)
    secrets = [f for f in report["findings"] if f["family"] == "secrets"]
    assert [(f["rule_id"], f["location"]["file"]) for f in secrets] == [("SEC008", "kept.py")]
    errors = [e["message"] for e in report["errors"] if e["family"] == "secrets"]
    assert len(errors) == 1 and "partial clone" in errors[0], errors
    assert "3 change(s) in 2 commit(s)" in errors[0], errors
    assert missing_objects(clone) == missing, "the scan fetched a missing blob"


def test_history_scan_of_a_blobless_clone_reads_the_commits_it_holds(tmp_path: Path) -> None:
    clone, _ = blobless_clone(tmp_path)
    (clone / "new.py").write_text(f'NEW = "{_token(random.Random(13))}"\n')
    commit_all(clone, "a local commit: its blobs are present")
    run = CliRunner().invoke(
        cli,
        ["--project", str(clone), "secrets", "scan", "--history", "--no-cache", "--format", "json"],
    )
    assert run.exit_code == 2, run.output
    report = json.loads(run.stdout)
    assert [f["location"]["file"] for f in report["findings"]] == ["new.py"]
    # old.py (commit 1), kept.py and notes.md (commit 2 deletes old.py: git cannot diff it)
    skipped = {s["reason"]: s["what"] for s in report["skipped"]}
    assert skipped == {"blob not in this partial clone": "3 file(s)"}, skipped
