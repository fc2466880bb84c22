"""The invariant: replaying migrations with sqlglot gives the model PostgreSQL gives."""

from __future__ import annotations

from pathlib import Path

from tests.static_support import assert_static_equals_live

DATA = Path(__file__).parent / "data" / "static"


def test_reference_migrations(fresh_db: str, reference_migrations: Path) -> None:
    static = assert_static_equals_live(fresh_db, reference_migrations)
    assert static.statements >= 8 and static.modeled == static.statements


def test_every_statement_kind(fresh_db: str) -> None:
    assert_static_equals_live(fresh_db, DATA / "kitchen")
