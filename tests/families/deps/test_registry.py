"""The registry of dependency inputs, and everything that reads it: detection, --help, README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.families.deps.sources.detect import detect_inputs, source_for
from auditor.families.deps.sources.interface import FileSource, SourceError
from auditor.families.deps.sources.registry import INPUTS, format_for
from tests.paths import REPO_ROOT


def test_every_format_has_a_reader_module_and_a_unique_name() -> None:
    assert len({i.name for i in INPUTS}) == len(INPUTS)
    modules = [i.parser.partition(":")[0] for i in INPUTS if i.read]
    assert len(set(modules)) == len(modules)  # one module per format read
    for item in INPUTS:
        assert issubclass(item.source_class(), FileSource), item.name
        assert item.patterns and item.ecosystem and item.versions, item.name


@pytest.mark.parametrize("item", INPUTS, ids=lambda i: i.name)
def test_each_pattern_is_recognised_as_its_format(item: object, tmp_path: Path) -> None:
    from auditor.families.deps.sources.registry import InputFormat

    assert isinstance(item, InputFormat)
    for pattern in item.patterns:
        path = tmp_path / pattern.replace("*", "x")
        assert format_for(path).name == item.name


def test_unknown_file_names_every_format() -> None:
    with pytest.raises(SourceError, match="unknown dependency file") as caught:
        source_for(Path("Makefile"), Path("."))
    for item in INPUTS:
        if item.read:
            assert item.name in str(caught.value)


def touch(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_detection_walks_the_project_and_respects_skips_and_excludes(tmp_path: Path) -> None:
    touch(tmp_path / "Cargo.lock")
    touch(tmp_path / "web" / "pnpm-lock.yaml")
    touch(tmp_path / "services" / "api" / "go.mod", "module a\n")
    touch(tmp_path / "services" / "api" / "go.sum")  # superseded by the go.mod beside it
    touch(tmp_path / "tools" / "go.sum")  # alone: read
    touch(tmp_path / "py" / "requirements.txt", "x==1\n")
    touch(
        tmp_path / "py" / "pyproject.toml", "[project]\ndependencies = ['x']\n"
    )  # a lock is beside
    touch(tmp_path / "lib" / "pyproject.toml", "[project]\ndependencies = ['x']\n")
    touch(tmp_path / "empty" / "pyproject.toml", "[project]\nname = 'x'\n")  # no dependencies
    touch(tmp_path / "node_modules" / "x" / "package-lock.json")
    touch(tmp_path / "target" / "Cargo.lock")
    touch(tmp_path / ".git" / "yarn.lock")
    touch(tmp_path / "fixtures" / "yarn.lock")
    found = [p.relative_to(tmp_path).as_posix() for p in detect_inputs(tmp_path, ["fixtures"])]
    assert found == [
        "Cargo.lock",
        "lib/pyproject.toml",
        "py/requirements.txt",
        "services/api/go.mod",
        "tools/go.sum",
        "web/pnpm-lock.yaml",
    ]
    assert "fixtures/yarn.lock" in [
        p.relative_to(tmp_path).as_posix() for p in detect_inputs(tmp_path)
    ]


def test_help_lists_every_input_format() -> None:
    text = CliRunner().invoke(cli, ["deps", "audit", "--help"]).output
    for item in INPUTS:
        assert item.patterns[0] in text, item.name


def test_readme_input_table_is_the_registry() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- deps-inputs:start -->\n(.*?)\n<!-- deps-inputs:end -->", readme, re.S)
    assert block is not None, "README lost its dependency input table"
    rows = [line for line in block.group(1).splitlines() if line.startswith("| `")]
    expected = [
        f"| {', '.join(f'`{p}`' for p in i.patterns)} | {i.ecosystem} | {i.versions} |"
        for i in INPUTS
    ]
    assert rows == expected


def test_the_deps_rule_modules_register_every_dep_rule() -> None:
    """The family imports only its own rule modules; they must register all of its rules."""
    from auditor.core.rules import all_rules
    from auditor.families.deps.family import deps_rules
    from auditor.families.deps.rules import FAMILY

    expected = [r.id for r in all_rules() if r.family == FAMILY and r.check is not None]
    assert [r.id for r in deps_rules()] == expected
    assert len(expected) >= 7
