"""Configuration: every key validated, errors naming file, key and line."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest

from auditor.core import registry
from auditor.core.config import Config, ConfigError, load_config, locate, split_key
from auditor.core.findings import Severity
from auditor.families.gates.settings import gate_specs

PYPROJECT = """\
[project]
name = "app"

[tool.auditor]
fail-on = "medium"
exclude = ["vendor/**"]

[tool.auditor.severity]
MIG004 = "high"

[tool.auditor.gates]
lint = "ruff check ."
tests = { command = ["pytest", "-q"], timeout = 600, profiles = ["ci"] }

[[tool.auditor.waivers]]
rule = "MIG004"
path = "migrations/2019-*"
reason = "legacy"
expires = 2030-01-01

[[tool.auditor.waivers]]
rule = "MIG002"
object = "public.*"
reason = "edited before we tracked checksums"
expires = "2031-02-03"
"""


def write(tmp_path: Path, text: str, name: str = "auditor.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error_of(tmp_path: Path, text: str, name: str = "auditor.toml") -> str:
    path = write(tmp_path, text, name)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value).replace(str(path), "FILE")


def test_full_pyproject_configuration_loads(tmp_path: Path) -> None:
    path = write(tmp_path, PYPROJECT, "pyproject.toml")
    config = load_config(start=tmp_path)
    assert config.path == path
    assert config.fail_on() is Severity.MEDIUM
    assert config.exclude() == ("vendor/**",)
    assert config.severity_overrides() == {"MIG004": Severity.HIGH}
    lint, tests = gate_specs(config)
    assert lint.command == ("ruff", "check", ".") and lint.profiles is None and lint.line == 12
    assert tests.command == ("pytest", "-q") and tests.timeout == 600 and tests.profiles == ("ci",)
    first, second = config.waivers()
    assert (first.rule, first.path, first.expires, first.line) == (
        "MIG004",
        "migrations/2019-*",
        dt.date(2030, 1, 1),
        15,
    )
    assert (second.object, second.expires, second.line, second.index) == (
        "public.*",
        dt.date(2031, 2, 3),
        21,
        1,
    )


def test_no_file_is_an_empty_configuration(tmp_path: Path) -> None:
    config = load_config(start=tmp_path)
    assert config.path is None and gate_specs(config) == () and config.waivers() == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('fail-on = "hgih"\n', "FILE:1: fail-on: unknown severity 'hgih'"),
        ("x = 1\nbogus = 2\n", "FILE:1: x: unknown key (known keys:"),
        ('exclude = "vendor"\n', "FILE:1: exclude: must be a list of non-empty strings"),
        ("database = 5\n", "FILE:1: database: must be a non-empty string"),
        ("[families]\nsecretz = true\n", "FILE:2: families.secretz: unknown family"),
        ('[families]\nmigrations = "yes"\n', "FILE:2: families.migrations: must be true or false"),
        ('[severity]\nMIG999 = "low"\n', "FILE:2: severity.MIG999: unknown rule id"),
        ('[severity]\nMIG004 = "loud"\n', "FILE:2: severity.MIG004: unknown severity"),
        ('rule-packs = ["nope.toml"]\n', "FILE:1: rule-packs: no such rule pack file: nope.toml"),
        ("[gates]\nx = 3\n", "FILE:2: gates.x: must be a command string or a table"),
        ("[gates]\nx = { timeout = 3 }\n", "FILE:2: gates.x.command: required"),
        (
            '[gates]\nx = { command = "a", timeout = -1 }\n',
            "FILE:2: gates.x.timeout: must be a positive",
        ),
        ('[gates]\nx = { command = "a", shell = true }\n', "FILE:2: gates.x.shell: unknown key"),
        (
            '[gates]\nx = { command = "a", profiles = ["nightly"] }\n',
            "FILE:2: gates.x.profiles: unknown profile 'nightly'",
        ),
        (
            '[gates.unit]\ncommand = "pytest"\ntimeout = "soon"\n',
            "FILE:3: gates.unit.timeout: must be a positive number",
        ),
        ('waivers = "all"\n', "FILE:1: waivers: must be an array of tables"),
        (
            '[[waivers]]\nrule = "MIG004"\nreason = "r"\nexpires = 2030-01-01\n\n'
            '[[waivers]]\nrule = "MIG004"\nreason = ""\nexpires = 2030-01-01\n',
            "FILE:8: waivers[1].reason: required",
        ),
        ('[[waivers]]\nrule = "MIG004"\nreason = "r"\n', "FILE:1: waivers[0].expires: required"),
        (
            '[[waivers]]\nrule = "MIG004"\nreason = "r"\nexpires = "next year"\n',
            "FILE:4: waivers[0].expires: must be a date",
        ),
        (
            '[[waivers]]\nrule = "nope"\nreason = "r"\nexpires = 2030-01-01\n',
            "FILE:2: waivers[0].rule: required",
        ),
        (
            '[[waivers]]\nrule = "ABC123"\nreason = "r"\nexpires = 2030-01-01\n',
            "FILE:2: waivers[0].rule: unknown rule id ABC123",
        ),
        (
            '[[waivers]]\nrule = "WVR002"\nreason = "r"\nexpires = 2030-01-01\n',
            "FILE:2: waivers[0].rule: a waiver cannot waive",
        ),
        (
            '[[waivers]]\nrule = "MIG004"\nreason = "r"\nexpires = 2030-01-01\nscope = "x"\n',
            "FILE:5: waivers[0].scope: unknown key",
        ),
    ],
)
def test_invalid_values_name_file_key_and_line(tmp_path: Path, text: str, expected: str) -> None:
    assert error_of(tmp_path, text).startswith(expected)


def test_pyproject_errors_point_at_the_right_line(tmp_path: Path) -> None:
    text = PYPROJECT.replace('expires = "2031-02-03"', 'expires = "someday"')
    assert error_of(tmp_path, text, "pyproject.toml").startswith(
        "FILE:25: waivers[1].expires: must be a date"
    )
    text = PYPROJECT.replace("timeout = 600", "timeout = 0")
    assert error_of(tmp_path, text, "pyproject.toml").startswith(
        "FILE:13: gates.tests.timeout: must be a positive"
    )


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    assert error_of(tmp_path, "fail-on = \n").startswith("FILE: invalid TOML")


def test_a_registered_section_is_parsed_once_by_its_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "[newfamily]\npg-version = 15\n")
    with pytest.raises(ConfigError, match="newfamily: unknown key"):
        load_config(path)
    monkeypatch.setitem(
        registry.SETTINGS, "newfamily", ("a new family", "tests.core.test_config:parse_new")
    )
    PARSED.clear()
    config = load_config(path)
    assert PARSED == [{"pg-version": 15}]  # parsed at load, so a bad key fails up front
    assert config.settings("newfamily", dict) == {"pg-version": 15}
    assert config.settings("newfamily", dict) == {"pg-version": 15}
    assert len(PARSED) == 1  # and not again at every use


PARSED: list[object] = []


def parse_new(config: Config) -> dict[str, object]:
    """The parser registered by the test above."""
    PARSED.append(dict(config.section("newfamily")))
    return dict(config.section("newfamily"))


def test_split_key_and_locate() -> None:
    assert split_key("waivers[2].reason") == ["waivers", 2, "reason"]
    assert split_key("gates.tests.timeout") == ["gates", "tests", "timeout"]
    text = '[gates]\na = "x"\nb = { command = "y" }\n[[waivers]]\nrule = "A"\n[[waivers]]\nrule = "B"\n'
    assert locate(text, ["gates", "b", "command"]) == 3
    assert locate(text, ["waivers", 1, "rule"]) == 7
    assert locate(text, ["waivers", 1, "reason"]) == 6
    assert locate(text, ["nothing"]) is None


def test_pyproject_with_only_an_array_of_waivers_is_found(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[project]\nname = "x"\n\n[[tool.auditor.waivers]]\nrule = "MIG004"\n'
        'reason = "r"\nexpires = 2030-01-01\n',
        "pyproject.toml",
    )
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    config = load_config(start=nested)
    assert config.path == tmp_path / "pyproject.toml"
    assert [w.rule for w in config.waivers()] == ["MIG004"]


@pytest.mark.parametrize(
    "text",
    [
        '[ tool.auditor ]\nfail-on = "low"\n',
        '[tool]\nauditor = { fail-on = "low" }\n',
        '[tool.auditor.severity]\nMIG004 = "low"\n',
    ],
)
def test_pyproject_auditor_table_in_any_valid_spelling_is_found(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    assert load_config(start=tmp_path).path == tmp_path / "pyproject.toml"


@pytest.mark.parametrize(
    "text", ['[tool.auditor\nfail-on = "low"\n', '[tool.auditor]\nfail-on = "low\n']
)
def test_broken_pyproject_auditor_table_is_an_error_not_ignored(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(start=tmp_path)


def test_pyproject_without_auditor_table_is_not_a_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "auditor-like"\n', encoding="utf-8")
    assert load_config(start=tmp_path).path is None


@pytest.mark.parametrize(
    "text, key",
    [
        ("[tool.auditor.hardening]\nbogus = 1\n", "hardening.bogus"),
        ("[tool.auditor.lint]\nbogus = 1\n", "lint.bogus"),
        ("[tool.auditor.secrets]\nbogus = 1\n", "secrets.bogus"),
        ("[tool.auditor.deps]\nbogus = 1\n", "deps.bogus"),
        ("[tool.auditor.schema]\nbogus = 1\n", "schema.bogus"),
        ("[tool.auditor]\nlayout = 'nope'\n", "layout"),
    ],
)
def test_family_sub_tables_are_validated_at_load(tmp_path: Path, text: str, key: str) -> None:
    """A bad key fails the run up front, even when its family is not selected (--no-db)."""
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{re.escape(key)}:"):
        load_config(start=tmp_path)


def test_non_utf8_config_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "auditor.toml").write_bytes(b"fail-on = '\xff'\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(start=tmp_path)
