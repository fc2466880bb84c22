"""Issue 24: the secrets family fails closed on hostile input (a tool missing, odd files)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.families.secrets.test_scan import commit_all, init_repo

GITHUB_TOKEN = "ghp_" + "Qm7Zx2Vb9Kp4Wn6Rt8Ys3Lc5Hd1Jf0Ga2NeXy"


def _auditor(
    project: Path, *args: str, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "auditor", "--project", str(project), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


@pytest.fixture
def history_secret(tmp_path: Path) -> Path:
    """A repository whose only secret is in a commit of its history."""
    root = init_repo(tmp_path / "repo")
    (root / "config.txt").write_text(f"token = {GITHUB_TOKEN}\n")
    commit_all(root, "add config")
    (root / "config.txt").write_text("token = from-the-environment\n")
    commit_all(root, "remove the token")
    return root


@pytest.mark.parametrize(
    "command", [["secrets", "scan", "--history"], ["audit", "--only", "secrets"]]
)
def test_git_missing_from_path_is_exit_2_not_a_walk(
    history_secret: Path, tmp_path: Path, command: list[str]
) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    done = _auditor(history_secret, *command, path=str(empty))
    assert done.returncode == 2
    assert "git is needed to scan this repository: not found on PATH" in done.stdout + done.stderr
    assert GITHUB_TOKEN[4:12] not in done.stdout + done.stderr


def test_with_git_the_history_secret_is_found(history_secret: Path) -> None:
    done = _auditor(history_secret, "secrets", "scan", "--history")
    assert done.returncode == 1
    assert GITHUB_TOKEN[4:12] not in done.stdout + done.stderr


# row 10: an odd byte does not hide a file; a file that cannot be scanned gates

AWS_KEY = "AKIA" + "QZ3XW7VB5NM2KL4P"


@pytest.mark.parametrize(
    "content",
    [
        b'x = "\xff"\n',  # one non-UTF-8 byte
        b"\x00header\n",  # one NUL
        b'latin = "caf\xe9"\x00\x01\n',  # both
    ],
)
def test_a_file_with_an_odd_byte_is_scanned(tmp_path: Path, content: bytes) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "settings.py").write_bytes(
        content + f'token = "{GITHUB_TOKEN}"\naws = "{AWS_KEY}"\n'.encode()
    )
    commit_all(root, "add")
    done = _auditor(root, "secrets", "scan", "--format", "json")
    assert done.returncode == 1
    assert '"rule_id": "SEC001"' in done.stdout and '"line": 3' in done.stdout
    assert '"rule_id": "SEC008"' in done.stdout
    assert GITHUB_TOKEN[4:12] not in done.stdout + done.stderr
    assert AWS_KEY[4:12] not in done.stdout + done.stderr


def test_a_file_that_cannot_be_scanned_is_a_medium_finding(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "dump.sql").write_text(f"-- {AWS_KEY}\n" + "select 1;\n" * 300_000)
    (root / "ok.py").write_text("x = 1\n")
    commit_all(root, "add")
    done = _auditor(root, "secrets", "scan", "--max-bytes", "100000")
    assert done.returncode == 1  # not PASSED over a file nobody read
    assert (
        "SEC098 dump.sql" in done.stdout and "not scanned for secrets: larger than" in done.stdout
    )
    assert AWS_KEY[4:12] not in done.stdout + done.stderr


# code execution: a baseline never makes the scan import code from the repository

EVIL = """\
import pathlib
pathlib.Path(__file__).with_name("PWNED").write_text("ran")
from detect_secrets.plugins.base import RegexBasedDetector
class Evil(RegexBasedDetector):
    secret_type = "evil"
    denylist = ()
def evil_filter(secret):
    return False
"""


HEADERS = [
    '"plugins_used": [{"name": "Evil", "path": "file://evil_plugin.py"}], "filters_used": []',
    '"plugins_used": [], "filters_used": [{"path": "file://evil_plugin.py::evil_filter"}]',
    '"plugins_used": [], "filters_used": [{"path": "evil_plugin.evil_filter"}]',
]


@pytest.mark.parametrize(
    "header, command",
    [(h, ["secrets", "scan"]) for h in HEADERS] + [(HEADERS[0], ["audit", "--only", "secrets"])],
)
def test_baseline_cannot_run_repository_code(
    tmp_path: Path, header: str, command: list[str]
) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "evil_plugin.py").write_text(EVIL)
    (root / ".secrets.baseline").write_text(f'{{"version": "1.5.0", {header}, "results": {{}}}}')
    commit_all(root, "add")
    done = _auditor(root, *command)
    assert not (root / "PWNED").exists()
    assert done.returncode == 2
    assert "a scan never runs code from the repository" in done.stdout + done.stderr


def test_the_scanners_own_baseline_still_loads(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "a.py").write_text(f'token = "{GITHUB_TOKEN}"\n')
    commit_all(root, "add")
    assert _auditor(root, "secrets", "scan", "--update-baseline").returncode == 0
    assert '"path": "file://' in (root / ".secrets.baseline").read_text()
    assert _auditor(root, "secrets", "scan").returncode == 0
