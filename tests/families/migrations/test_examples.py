"""The Bad:/Good: example of every migrations (MIG) and reversibility (REV) rule.

MIG examples describe one migration of a project and its database: ``applied.sql`` is
the text the database applied (none: never applied), ``up.sql``/``down.sql`` are what
the repository holds now (no up.sql: the folder is gone). REV examples are a new
migration on top of the reference migrations, checked on a scratch database.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from auditor.families.migrations.reversibility_rules import FAMILY as REVERSIBILITY
from auditor.families.migrations.reversibility_rules import ReversibilitySubject
from auditor.families.migrations.rules import FAMILY, MigrationState
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import MigrationError, Runner
from auditor.migrate.verify import verify_reversibility
from tests.rule_examples import Example, cases, found, on_reference, rule_ids, write_files

FAMILIES = (FAMILY, REVERSIBILITY)
FOLDER = "2024-02-01-000000_example"


@pytest.mark.parametrize("example", cases(FAMILY))
def test_migrations_example(example: Example, tmp_path: Path, fresh_db: str) -> None:
    if any(name.endswith(".up.sql") for name in example.files):
        found(example, _paired_tool_example(example, tmp_path, fresh_db))
        return
    files = dict(example.files)
    applied = files.pop("applied.sql", None)
    assert set(files) <= {"up.sql", "down.sql"}, sorted(files)
    root = tmp_path / "migrations"
    folder = root / FOLDER
    root.mkdir()
    if applied is not None:
        write_files(folder, {"up.sql": applied, "down.sql": "SELECT 1;"})
        Runner(fresh_db, load_migrations(root)).migrate()
    shutil.rmtree(folder, ignore_errors=True)
    if "up.sql" in files:
        write_files(folder, files)
    migrations = load_migrations(root)
    statuses = tuple(Runner(fresh_db, migrations).status())
    state = MigrationState(project=tmp_path, migrations=tuple(migrations), statuses=statuses)
    found(example, rule_ids(FAMILY, state))


def _paired_tool_example(example: Example, tmp_path: Path, fresh_db: str) -> set[str]:
    """A golang-migrate project (``N_name.up.sql``/``.down.sql``) applied with the tool's
    own bookkeeping; a file that fails leaves its version dirty."""
    root = tmp_path / "migrations"
    write_files(root, dict(example.files))
    migrations = load_migrations(root, layout="golang-migrate")
    with contextlib.suppress(MigrationError):  # the Bad example fails half way
        Runner(fresh_db, migrations).migrate()
    statuses = tuple(Runner(fresh_db, migrations).status())
    state = MigrationState(project=tmp_path, migrations=tuple(migrations), statuses=statuses)
    return rule_ids(FAMILY, state)


@pytest.mark.parametrize("example", cases(REVERSIBILITY))
def test_reversibility_example(
    example: Example, tmp_path: Path, fresh_db: str, reference_migrations: Path
) -> None:
    assert set(example.files) == {"up.sql", "down.sql"}, sorted(example.files)
    root = on_reference(tmp_path, reference_migrations, FOLDER, example.files)
    report = verify_reversibility(fresh_db, load_migrations(root))
    found(example, rule_ids(REVERSIBILITY, ReversibilitySubject(tmp_path, report)))
