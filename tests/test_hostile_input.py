"""Issue 24, cross-cutting: planted secrets never reach any output format."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from tests.paths import REPO_ROOT as REPO
from tests.pg import PgServer

FORMATS = ("text", "md", "json", "sarif", "junit")


def pieces_in(text: str, *planted: str, size: int = 5) -> int:
    """How many ``size``-character pieces of a planted value appear in ``text`` (0 is safe)."""
    return sum(
        value[i : i + size] in text for value in planted for i in range(len(value) - size + 1)
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_secret_in_a_do_block_is_not_in_statement_excerpts(tmp_path: Path, fmt: str) -> None:
    secret = "Hq7ZvK2mWx9Lpr"
    migration = tmp_path / "migrations" / "2024-01-01-000000_x"
    migration.mkdir(parents=True)
    (migration / "up.sql").write_text(
        f"DO $$ BEGIN PERFORM set_config('app.db_password', '{secret}', false); END $$;\n"
        "CREATE TABLE t (id int PRIMARY KEY);\n"
    )
    (migration / "down.sql").write_text("DROP TABLE t;\n")
    result = CliRunner().invoke(
        cli, ["--project", str(tmp_path), "audit", "--skip", "secrets", "--format", fmt]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "PERFORM" in result.output  # the excerpt is there, its value is not
    assert pieces_in(result.output, secret) == 0


TOKEN = "ghp_Qm7Zx2Vb9Kp4Wn6Rt8Ys3Lc5Hd1Jf0Ga2Ne"


def _audit(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["--project", str(project), "audit", "--skip", "secrets", *args]
    )
    return result.exit_code, result.output


@pytest.mark.parametrize("fmt", ["json", "md", "sarif"])
def test_waiver_reason_with_a_token_is_not_echoed(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[[tool.auditor.waivers]]\nrule = "STA001"\nreason = "ok token={TOKEN}"\n'
        "expires = 2020-01-01\n"
    )
    code, output = _audit(tmp_path, "--only", "static", "--format", fmt)
    assert code in (0, 1, 2)
    assert "WVR" in output  # the expired waiver is reported ...
    assert pieces_in(output, TOKEN) == 0  # ... without its token


@pytest.mark.parametrize(
    "toml",
    [
        f'[tool.auditor]\nfail-on = "{TOKEN}"\n',
        f'[tool.auditor.lint]\ndisable = ["{TOKEN}"]\n',
    ],
)
def test_invalid_config_value_with_a_token_is_not_echoed(tmp_path: Path, toml: str) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    code, output = _audit(tmp_path, "--only", "static")
    assert code == 2
    assert "pyproject.toml:2:" in output
    assert pieces_in(output, TOKEN) == 0


def test_redactor_keeps_file_paths_whole() -> None:
    from auditor.core.redact import redact_text

    path = "/tmp/pytest-of-root/pytest-12/test_include_outside_the_proj0/project/requirements.txt"
    home = "/root/.local/share/uv/python/cpython-3.12.3-linux-x86_64-gnu/lib/python3.12/x.py"
    assert redact_text(f"{path}:2: bad") == f"{path}:2: bad"
    assert redact_text(f'File "{home}", line 3') == f'File "{home}", line 3'


# rows 12-13: an interrupted run exits 2, says so, and leaves nothing behind


def _start(args: list[str], tmpdir: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TMPDIR"] = env["AUDITOR_PG_TMPDIR"] = str(tmpdir)
    return subprocess.Popen(
        [sys.executable, "-m", "auditor", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A temporary directory the embedded server's own (non-root) user can use."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="auditor-test-signals-"))
    path.chmod(0o1777)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _with_slow_migration(project: Path) -> Path:
    """The reference migrations and a last one that takes a minute: a signal always lands
    while migrations are being applied, however fast the machine; returns the folder."""
    migrations = project / "migrations"
    shutil.copytree(REPO / "migrations", migrations)
    slow = migrations / "2099-01-01-000000_slow"
    slow.mkdir()
    (slow / "up.sql").write_text("SELECT pg_sleep(60);\n")
    (slow / "down.sql").write_text("SELECT 1;\n")
    return migrations


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("when", ["starting", "serving"])
def test_interrupted_embedded_audit_exits_2_and_cleans_up(
    scratch: Path, tmp_path: Path, sig: signal.Signals, when: str
) -> None:
    project = tmp_path / "project"
    _with_slow_migration(project)
    run = _start(["--project", str(project), "audit", "--skip", "secrets"], scratch)
    assert _wait_for(lambda: any(scratch.glob("auditor-pg-*")))
    if when == "serving":  # the server is up: the slow migration is running
        assert _wait_for(lambda: any(scratch.rglob(".s.PGSQL.*")), timeout=60.0)
    assert run.poll() is None, "the run ended before it could be interrupted"
    run.send_signal(sig)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 2
    assert f"interrupted by {sig.name}: the run did not complete" in stderr
    assert "Aborted!" not in stderr
    assert not list(scratch.glob("auditor-pg-*"))


def test_sigterm_during_db_verify_drops_the_scratch_database(
    pg_server: PgServer, tmp_path: Path
) -> None:
    import psycopg

    def scratch_databases() -> list[str]:
        with psycopg.connect(pg_server.admin_dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'auditor_verify_%'"
            ).fetchall()
        return [str(r[0]) for r in rows]

    before = set(scratch_databases())
    migrations = _with_slow_migration(tmp_path / "project")
    run = _start(
        ["--db", pg_server.admin_dsn, "--migrations", str(migrations), "db", "verify"], tmp_path
    )
    assert _wait_for(lambda: bool(set(scratch_databases()) - before))
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 2
    assert "interrupted by SIGTERM" in stderr
    assert set(scratch_databases()) - before == set()
