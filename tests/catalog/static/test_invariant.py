"""The invariant: replaying migrations with sqlglot gives the model PostgreSQL gives."""

from __future__ import annotations

from pathlib import Path

from tests.paths import TEST_DATA
from tests.static_corpus import write_corpus
from tests.static_support import assert_static_equals_live

DATA = TEST_DATA / "static"


def test_reference_migrations(fresh_db: str, reference_migrations: Path) -> None:
    static = assert_static_equals_live(fresh_db, reference_migrations)
    assert static.statements >= 8 and static.modeled == static.statements


def test_every_statement_kind(fresh_db: str) -> None:
    assert_static_equals_live(fresh_db, DATA / "kitchen")


def test_generated_corpus(fresh_db: str, tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "corpus", 220, seed=4)
    text = "".join(p.read_text() for p in sorted(root.glob("*/up.sql")))
    for kind in (
        "RENAME COLUMN", "RENAME TO", "RENAME CONSTRAINT", "ALTER INDEX", "TYPE numeric",
        "DROP NOT NULL", "SET NOT NULL", "SET DEFAULT", "DROP DEFAULT", "DROP CONSTRAINT",
        "ADD CHECK", "NOT VALID", "VALIDATE", "CONCURRENTLY", "WHERE", "(lower(",
        "DROP INDEX", "DROP TABLE", "DROP COLUMN", '"', "app.", "search_path", "serial",
        "IDENTITY", "COMMENT ON", "UNIQUE", "REFERENCES", "truncation", "DOMAIN", "ENUM",
    ):  # fmt: skip
        assert kind in text, f"the corpus no longer exercises {kind}"
    static = assert_static_equals_live(fresh_db, root)
    assert static.files == 220
