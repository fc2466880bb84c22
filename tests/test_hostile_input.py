"""Issue 24, cross-cutting: planted secrets never reach any output format."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli

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
    assert result.exit_code in (1, 2)
    assert "PERFORM" in result.output  # the excerpt is there, its value is not
    assert pieces_in(result.output, secret) == 0
