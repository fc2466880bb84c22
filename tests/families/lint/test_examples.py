"""The Bad:/Good: example of every lint rule, run through the lint engine.

An example is a Diesel up.sql (its main text or its ``up.sql``), run in a transaction
unless its ``metadata.toml`` says ``run_in_transaction = false``. The rules that read
the migration history (LNT035, LNT037) get it as a new migration, with its
``down.sql``, on top of the reference migrations; only findings in that migration count.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.families.lint.engine import HISTORY_RULES, LintUnit, collect, lint_units
from auditor.families.lint.settings import OPT_IN, LintConfig
from auditor.families.schema.rulepacks import load_rule_packs
from tests.rule_examples import Example, cases, found, on_reference

FAMILIES = ("lint",)
FOLDER = "2024-02-01-000000_example"


def lint_example(example: Example) -> set[str]:
    files = dict(example.files)
    up = files.pop("up.sql", None) or files.pop("", "")
    metadata = files.pop("metadata.toml", "")
    assert not files, f"unexpected files {sorted(files)}"
    unit = LintUnit(
        path=f"migrations/{FOLDER}/up.sql",
        text=up + "\n",
        direction="up",
        run_in_transaction="run_in_transaction = false" not in metadata,
    )
    config = LintConfig(enable=frozenset(OPT_IN))
    run = lint_units([unit], config)
    assert not run.errors  # skipped: LNT035/LNT037, which have no history here
    return {f.rule_id for f in run.findings}


def lint_history_example(example: Example, project: Path, reference: Path) -> set[str]:
    files = dict(example.files)
    files["up.sql"] = files.pop("up.sql", None) or files.pop("", "")
    assert set(files) <= {"up.sql", "down.sql", "metadata.toml"}, sorted(files)
    root = on_reference(project, reference, FOLDER, files)
    config = LintConfig(enable=frozenset(OPT_IN))
    run = lint_units(collect([root], project, config), config, load_rule_packs(), project)
    assert not run.errors and not run.skipped
    mine = f"migrations/{FOLDER}/"
    return {f.rule_id for f in run.findings if (f.location.file or "").startswith(mine)}


@pytest.mark.parametrize("example", cases(*FAMILIES))
def test_example(example: Example, tmp_path: Path, reference_migrations: Path) -> None:
    if example.rule.id in HISTORY_RULES:
        found(example, lint_history_example(example, tmp_path, reference_migrations))
    else:
        found(example, lint_example(example))
