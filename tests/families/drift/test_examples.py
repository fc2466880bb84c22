"""The Bad:/Good: example of every drift (DRF) rule.

The reference migrations are applied to a fresh database; then an example's main text
is run by hand on it (outside any migration), and its ``up.sql`` is added as a new
migration and applied. The live model is compared with the applied migrations.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from auditor.catalog.live import build_live_model
from auditor.catalog.static import build_static_model
from auditor.db.target import connect
from auditor.families.drift.rules import FAMILY, DriftSubject
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner
from tests.rule_examples import Example, cases, found, on_reference, rule_ids

FAMILIES = (FAMILY,)


@pytest.mark.parametrize("example", cases(FAMILY))
def test_example(
    example: Example, tmp_path: Path, fresh_db: str, reference_migrations: Path
) -> None:
    files = dict(example.files)
    by_hand, up = files.pop("", ""), files.pop("up.sql", None)
    assert not files, sorted(files)
    added = {} if up is None else {"up.sql": up, "down.sql": "SELECT 1;"}
    root = on_reference(tmp_path, reference_migrations, "2024-05-01-000000_example", added)
    migrations = load_migrations(root)
    Runner(fresh_db, migrations).migrate()
    if by_hand.strip():
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute(by_hand.encode())
    with connect(fresh_db) as conn:
        live = build_live_model(conn)
    static = build_static_model(migrations, tmp_path)
    found(example, rule_ids(FAMILY, DriftSubject(live, static, applied=len(migrations))))
