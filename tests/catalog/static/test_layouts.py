"""Migration layouts: detection, each tool's ordering, and the runner on every layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.catalog.static import build_static_model
from auditor.migrate.layouts import LayoutError, detect_layout, load_migrations
from auditor.migrate.runner import Runner


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


LAYOUT_FILES = {
    "paired": {
        "2_b.up.sql": "ALTER TABLE a ADD COLUMN b int;",
        "2_b.down.sql": "ALTER TABLE a DROP COLUMN b;",
        "10_c.up.sql": "ALTER TABLE a ADD COLUMN c int;",  # 10 after 2: numeric order
        "1_a.up.sql": "CREATE TABLE a (id int);",
        "1_a.down.sql": "DROP TABLE a;",
    },
    "flyway": {
        "V1__a.sql": "CREATE TABLE a (id int);",
        "V1.2__b.sql": "ALTER TABLE a ADD COLUMN b int;",
        "V1.10__c.sql": "ALTER TABLE a ADD COLUMN c int;",  # 1.10 after 1.2
        "U1.2__b.sql": "ALTER TABLE a DROP COLUMN b;",
    },
    "dbmate": {
        "20240101000000_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n",
        "20240102000000_b.sql": "-- migrate:up\n\nALTER TABLE a ADD COLUMN b int;\n-- migrate:down\nSELECT 1;\n",
        "20240103000000_c.sql": "-- migrate:up transaction:false\nALTER TABLE a ADD COLUMN c int;\n",
    },
    "diesel": {
        "2024-01-01-000001_a/up.sql": "CREATE TABLE a (id int);",
        "2024-01-01-000001_a/down.sql": "DROP TABLE a;",
        "2024-01-01-000002_b/up.sql": "ALTER TABLE a ADD COLUMN b int;",
        "2024-01-01-000002_b/down.sql": "ALTER TABLE a DROP COLUMN b;",
        "2024-01-01-000003_c/up.sql": "ALTER TABLE a ADD COLUMN c int;",
        "2024-01-01-000003_c/metadata.toml": "run_in_transaction = false\n",
    },
}


@pytest.mark.parametrize("layout", sorted(LAYOUT_FILES))
def test_layout_detection_and_order(tmp_path: Path, layout: str) -> None:
    root = write(tmp_path, LAYOUT_FILES[layout])
    assert detect_layout(root) == layout
    migrations = load_migrations(root)
    assert [m.name for m in migrations] == ["a", "b", "c"]
    assert migrations[1].down is not None
    # golang-migrate sends a one-statement file without a transaction; Flyway wraps it
    assert migrations[2].run_in_transaction == (layout == "flyway")
    model = build_static_model(migrations).model
    table = model.table("a")
    assert table is not None and [c.name for c in table.columns] == ["id", "b", "c"]


def test_dbmate_sections_keep_file_lines(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_a.sql": LAYOUT_FILES["dbmate"]["20240102000000_b.sql"]})
    migration = load_migrations(root, layout="dbmate")[0]
    assert migration.up.first_line == 2
    table_sql = "-- migrate:up\nCREATE TABLE t (id int);\nDO $$ BEGIN END $$;\n"
    (root / "1_a.sql").write_text(table_sql)
    static = build_static_model(load_migrations(root))
    assert [u.line for u in static.unmodeled] == [3]


def test_mixed_layouts_are_an_error_unless_forced(tmp_path: Path) -> None:
    root = write(tmp_path, {**LAYOUT_FILES["flyway"], **LAYOUT_FILES["paired"]})
    with pytest.raises(LayoutError, match="mixes migration layouts"):
        load_migrations(root)
    with pytest.raises(LayoutError, match="not a Flyway"):
        load_migrations(root, layout="flyway")


def test_runner_applies_and_reverts_paired_layout(fresh_db: str, tmp_path: Path) -> None:
    root = write(tmp_path, LAYOUT_FILES["paired"])
    runner = Runner(fresh_db, load_migrations(root))
    assert [m.version for m in runner.migrate()] == ["1", "2", "10"]
    with pytest.raises(Exception, match="no down"):
        runner.rollback(1)  # 10 has no down script: numeric order, not string order
