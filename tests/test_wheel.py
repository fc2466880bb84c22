"""The built wheel carries migrations/, rules/ and reports/templates/ and works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_works_from_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("auditor-*.whl")
    fresh = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=False).create(fresh)
    fresh_python = fresh / "bin" / "python"
    fresh_site = Path(
        subprocess.run(
            [str(fresh_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(fresh_site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # Dependencies come from the test environment; the package itself only from the wheel.
    (fresh_site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTHONPATH"}}

    def auditor(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(fresh_python), "-m", "auditor", *args],
            cwd=outside,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    where = subprocess.run(
        [
            str(fresh_python),
            "-c",
            "import auditor.core.resources as r; print(r.reference_migrations()); print(r.rule_packs()); print(r.templates())",
        ],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(path.startswith(str(fresh_site)) for path in where), where

    rules = auditor("rules", "list")
    assert rules.returncode == 0, rules.stderr
    assert "MIG001" in rules.stdout

    status = auditor("--reference", "db", "status")  # the shipped migrations, asked for
    assert status.returncode == 0, status.stderr
    rows = [line for line in status.stdout.splitlines() if line.startswith("2024")]
    assert len(rows) == 4 and all(" applied" in row for row in rows), status.stdout

    report = auditor("--reference", "audit", "--format", "md")
    assert report.returncode == 0, report.stderr
    assert "<!-- auditor-report -->" in report.stdout.splitlines()[:2]
