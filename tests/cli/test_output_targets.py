"""Issue 24 row 14: ``--output`` writes a FIFO or a device in place, never replaces it."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli


def _scan(project: Path, output: Path) -> int:
    (project / "ok.py").write_text("x = 1\n")
    result = CliRunner().invoke(
        cli,
        ["--project", str(project), "secrets", "scan", "--format", "json", "--output", str(output)],
    )
    return result.exit_code


def _read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as handle:
            into.append(handle.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_a_fifo_is_written_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = _read_fifo(fifo, received)
    assert _scan(tmp_path, fifo) == 0
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and b'"verdict"' in received[0]


def test_a_symlink_to_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "real.fifo"
    os.mkfifo(fifo)
    link = tmp_path / "out.json"
    link.symlink_to(fifo)
    received: list[bytes] = []
    reader = _read_fifo(fifo, received)
    assert _scan(tmp_path, link) == 0
    reader.join(timeout=30)
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and b'"verdict"' in received[0]


def test_an_existing_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path: Path) -> None:
    existing = tmp_path / "existing.json"
    existing.write_text("old")
    existing.chmod(0o640)
    assert _scan(tmp_path, existing) == 0
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    assert '"verdict"' in existing.read_text()
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "sub" / "new.json"
        assert _scan(tmp_path, fresh) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644


def test_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    assert _scan(tmp_path, tmp_path / "dir") == 2
