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
