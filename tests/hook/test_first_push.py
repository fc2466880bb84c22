"""Issue 24 row 15: the first push of a new repository (all-zero remote sha) is checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.families.secrets.test_hostile_inputs import _auditor
from tests.families.secrets.test_scan import commit_all, git, init_repo

ZERO = "0" * 40
TOKEN = "ghp_" + "Qm7Zx2Vb9Kp4Wn6Rt8Ys3Lc5Hd1Jf0Ga2NeXy"


def _push(root: Path) -> subprocess.CompletedProcess[str]:
    sha = git(root, "rev-parse", "HEAD")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "auditor.hook.prepush", "origin", "../remote.git"],
        input=f"refs/heads/main {sha} refs/heads/main {ZERO}\n",
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        check=False,
        timeout=300,
    )


def test_first_push_of_a_clean_repository_passes(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "work")
    (root / "a.py").write_text("x = 1\n")
    commit_all(root, "first")
    done = _push(root)
    assert done.returncode == 0, done.stdout[-400:] + done.stderr[-400:]
    assert "expected commit type" not in done.stdout + done.stderr


def test_first_push_with_a_secret_is_blocked_for_the_secret(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "work")
    (root / "a.py").write_text(f'token = "{TOKEN}"\n')
    commit_all(root, "first")
    done = _push(root)
    assert done.returncode == 1
    assert "SEC008" in done.stdout + done.stderr
    assert TOKEN[4:12] not in done.stdout + done.stderr


def test_an_unknown_ref_is_named(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "work")
    (root / "a.py").write_text("x = 1\n")
    commit_all(root, "first")
    done = _auditor(root, "secrets", "scan", "--since", "nosuchref")
    assert done.returncode == 2
    assert "'nosuchref' is not a commit of this repository" in done.stderr
