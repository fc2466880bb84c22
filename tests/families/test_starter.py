"""``auditor init``: detection of migrations and dependency files; the output loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.config import load_config
from auditor.families.gates.settings import gate_specs
from auditor.families.starter import detect, detect_layout


def touch(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    ("files", "layout"),
    [
        ({"2024_a/up.sql": "", "2024_a/down.sql": ""}, "diesel"),
        ({"001_a.up.sql": "", "001_a.down.sql": ""}, "paired"),
        ({"V1__init.sql": "", "V2__more.sql": ""}, "flyway"),
        ({"20240101_a.sql": "-- migrate:up\nCREATE TABLE a();\n-- migrate:down\n"}, "dbmate"),
        ({"schema.sql": "CREATE TABLE a();"}, "sql"),
        ({}, None),
    ],
)
def test_detect_layout(tmp_path: Path, files: dict[str, str], layout: str | None) -> None:
    for name, text in files.items():
        touch(tmp_path / "m" / name, text)
    (tmp_path / "m").mkdir(exist_ok=True)
    assert detect_layout(tmp_path / "m")[0] == layout


def test_detect_repository(tmp_path: Path) -> None:
    touch(tmp_path / "db" / "migrations" / "V1__init.sql")
    touch(tmp_path / "requirements.txt", "flask==2.0\n")
    touch(tmp_path / "requirements-dev.txt", "pytest==8.0\n")
    touch(tmp_path / "poetry.lock")
    touch(tmp_path / "package-lock.json")
    touch(tmp_path / "web" / "pnpm-lock.yaml")
    touch(tmp_path / "Gemfile.lock")
    touch(tmp_path / "pdm.lock")
    touch(tmp_path / "node_modules" / "x" / "package-lock.json")  # never searched
    touch(tmp_path / "tests" / "test_x.py")
    found = detect(tmp_path)
    assert (found.migrations, found.layout, found.migration_count) == ("db/migrations", "flyway", 1)
    assert found.dependency_files == (
        "requirements-dev.txt",
        "requirements.txt",
        "poetry.lock",
        "package-lock.json",
        "web/pnpm-lock.yaml",
    )
    assert found.other_dependency_files == ("pdm.lock", "Gemfile.lock")
    assert found.has_tests


def test_detect_nested_migrations(tmp_path: Path) -> None:
    touch(tmp_path / "services" / "api" / "migrations" / "001_a.up.sql")
    assert detect(tmp_path).migrations == "services/api/migrations"


def test_init_writes_a_config_that_loads_and_refuses_to_overwrite(tmp_path: Path) -> None:
    touch(tmp_path / "migrations" / "2024-01-01-000001_a" / "up.sql", "CREATE TABLE a();")
    touch(tmp_path / "pyproject.toml", "[project]\nname='x'\n[tool.ruff]\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["--project", str(tmp_path), "init"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "auditor.toml"
    text = written.read_text()
    assert 'migrations = "migrations"' in text
    assert "Diesel folders" in text
    assert "pyproject.toml" in text  # the dependency file found
    assert 'ruff = { command = "ruff check ."' in text
    config = load_config(written)
    assert config.path_option("migrations") == (tmp_path / "migrations").resolve()
    assert [g.name for g in gate_specs(config)] == ["ruff-format", "ruff"]
    again = runner.invoke(cli, ["--project", str(tmp_path), "init"])
    assert again.exit_code == 2 and "exists; use --force" in again.output
    assert runner.invoke(cli, ["--project", str(tmp_path), "init", "--force"]).exit_code == 0


def test_init_on_an_empty_repository_and_stdout(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "init", "--stdout"])
    assert result.exit_code == 0
    assert "# migrations = " in result.output
    assert not (tmp_path / "auditor.toml").exists()
    touch(tmp_path / "auditor.toml", result.output)
    assert gate_specs(load_config(tmp_path / "auditor.toml")) == ()


def test_init_refuses_when_pyproject_already_configures_auditor(tmp_path: Path) -> None:
    touch(tmp_path / "pyproject.toml", '[tool.auditor]\nfail-on = "low"\n')
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "init"])
    assert result.exit_code == 2
    assert "already has [tool.auditor]" in result.output


def test_init_names_exactly_the_inputs_the_registry_reads(tmp_path: Path) -> None:
    """An empty repository's starter lists every format read, and no format that is not."""
    from auditor.families.deps.sources.registry import INPUTS

    text = CliRunner().invoke(cli, ["--project", str(tmp_path), "init", "--stdout"]).output
    line = next(line for line in text.splitlines() if line.startswith("# No dependency file"))
    for item in INPUTS:
        assert (item.name in line) == item.read, item.name
