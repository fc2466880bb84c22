"""Start-up stays lean: commands and families are imported only when they are used.

No timings here (see bench/): these tests check which modules a fresh interpreter
has imported after a command, so a heavy import at module level in a CLI module,
a family or a renderer fails a test instead of slowing every pre-push.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from auditor.cli import COMMANDS, cli
from auditor.cli.lazy import LazyCommands, LazyGroup
from auditor.core.registry import FAMILIES, all_families, family_class, family_names

HEAVY = ("psycopg", "sqlglot", "jinja2", "pip_audit", "detect_secrets", "packaging")


def imported_after(code: str, cwd: Path | None = None) -> set[str]:
    """Top-level packages imported by a fresh interpreter that ran ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, check=True
    )
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    return {name.split(".")[0] for name in modules} | set(modules)


def test_importing_the_cli_imports_no_heavy_package() -> None:
    loaded = imported_after("import auditor.cli")
    assert not loaded & set(HEAVY)
    cli_modules = {m for m in loaded if m.startswith("auditor.cli.")}
    assert cli_modules <= {"auditor.cli.common", "auditor.cli.lazy"}, "no command module yet"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_module_is_light_at_import(name: str) -> None:
    module = COMMANDS[name].partition(":")[0]
    assert not imported_after(f"import {module}") & set(HEAVY), module


def test_help_of_every_command_imports_no_heavy_package() -> None:
    code = (
        "from click.testing import CliRunner\n"
        "from auditor.cli import cli\n"
        "for args in ([], ['secrets', 'scan'], ['migrations', 'lint'], ['schema', 'drift'],"
        " ['audit'], ['deps', 'audit'], ['db', 'status'], ['hook', 'run']):\n"
        "    assert CliRunner().invoke(cli, [*args, '--help']).exit_code == 0, args\n"
    )
    assert not imported_after(code) & set(HEAVY)


def test_pre_push_profile_imports_only_its_families(tmp_path: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from auditor.core.pipeline import AuditRequest, select_families\n"
        "from auditor.core.config import Config\n"
        "from auditor.core.findings import Severity\n"
        "from auditor.core.profiles import PRE_PUSH\n"
        f"p = Path({str(tmp_path)!r})\n"
        "fams = select_families(AuditRequest(project=p, migrations=p, config=Config(),"
        " profile=PRE_PUSH, fail_on=Severity.HIGH, only=('migrations', 'gates')))\n"
        "assert [f.name for f in fams] == ['migrations', 'gates']\n"
    )
    loaded = imported_after(code)
    families = {m.split(".")[2] for m in loaded if m.startswith("auditor.families.")}
    assert families == {"migrations", "gates"}
    assert not loaded & {"psycopg", "sqlglot", "jinja2", "pip_audit", "detect_secrets"}


def test_rule_registry_imports_no_heavy_package() -> None:
    loaded = imported_after("from auditor.core.rules import all_rules\nall_rules()")
    assert not loaded & set(HEAVY)


def test_registry_names_match_the_family_classes() -> None:
    assert family_names() == list(FAMILIES)
    for name in FAMILIES:
        assert family_class(name).name == name
    assert [f.name for f in all_families()] == list(FAMILIES)


def test_every_lazy_command_resolves_to_the_named_command() -> None:
    ctx = click.Context(cli, info_name="auditor")
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name
    assert cli.get_command(ctx, "nope") is None


def test_lazy_commands_mapping() -> None:
    eager = click.Command("eager")
    commands = LazyCommands({"info": "auditor.cli.rules_cmd:explain"}, {"eager": eager})
    assert sorted(commands) == ["eager", "info"] and len(commands) == 2
    assert "info" in commands and "other" not in commands
    assert commands["info"].name == "explain"
    commands["info"] = eager
    assert commands["info"] is eager and len(commands) == 2
    del commands["info"]
    assert list(commands) == ["eager"]
    with pytest.raises(KeyError):
        commands["info"]
    group = LazyGroup("g", lazy_subcommands={"x": "auditor.cli.rules_cmd:rules_missing"})
    with pytest.raises(AttributeError):
        group.get_command(click.Context(group), "x")


def test_lint_rules_load_only_the_lint_modules_and_all_of_them() -> None:
    from auditor.core.rules import RULE_MODULES, all_rules
    from auditor.families.lint.rules import RULE_MODULES as LINT_MODULES

    assert set(LINT_MODULES) <= set(RULE_MODULES)
    code = "from auditor.families.lint.settings import lint_rules\nprint(','.join(r.id for r in lint_rules()))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    alone = done.stdout.strip().split(",")
    assert alone == [r.id for r in all_rules() if r.family == "lint"]
    loaded = imported_after(code)
    families = {m for m in loaded if m.startswith("auditor.families.")}
    assert not {m for m in families if not m.startswith("auditor.families.lint")}
    assert {m for m in families if m.startswith("auditor.families.lint.rules.")} == {
        *LINT_MODULES,
        "auditor.families.lint.rules.common",
    }
