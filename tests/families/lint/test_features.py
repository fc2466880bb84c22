"""The lint features of issue 21: transaction comments, start-after, metadata.toml, LNT065."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.core.config import ConfigError, load_config
from auditor.families.lint.engine import LintInputError, collect, family_result, lint_units
from auditor.families.lint.settings import LintConfig, load_lint_config
from tests.lint_helpers import lint_sql

TX = True
NO_TX = False
CONCURRENT = "CREATE INDEX CONCURRENTLY IF NOT EXISTS o_idx ON orders (user_id);"
INDEX = "CREATE INDEX orders_user_idx ON orders (user_id);"

# (rule, sql, the layout runs it in a transaction, expected number of findings of that rule)
CASES: list[tuple[str, str, bool, int]] = [
    # per-file transaction comments override the layout
    ("LNT003", CONCURRENT, TX, 1),
    (
        "LNT003",
        "-- auditor-assume-no-transaction: metadata.toml is generated\n" + CONCURRENT,
        TX,
        0,
    ),
    ("LNT003", "/* AUDITOR-ASSUME-NO-TRANSACTION */\n" + CONCURRENT, TX, 0),
    ("LNT003", "-- auditor-assume-in-transaction\n" + CONCURRENT, NO_TX, 1),
    ("LNT003", "-- not a pragma: auditor-assume-no-transaction\n" + CONCURRENT, TX, 1),
    (
        "LNT022",
        "-- auditor-assume-in-transaction\nCREATE TABLE t (id BIGINT PRIMARY KEY);",
        NO_TX,
        0,
    ),
    ("LNT022", "-- auditor-assume-no-transaction\nCREATE TABLE t (id BIGINT PRIMARY KEY);", TX, 1),
    # both comments: reported, and the layout's choice stands
    (
        "LNT040",
        "-- auditor-assume-in-transaction\n-- auditor-assume-no-transaction\n" + CONCURRENT,
        TX,
        1,
    ),
    (
        "LNT003",
        "-- auditor-assume-in-transaction\n-- auditor-assume-no-transaction\n" + CONCURRENT,
        TX,
        1,
    ),
    # LNT065: a statement that cannot be read
    ("LNT065", "INSERT INTO notes (body) VALUES ('it's done');", TX, 1),
    ("LNT065", "INSERT INTO notes (body) VALUES ('it''s done');", TX, 0),
    ("LNT065", "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1;", TX, 1),
    ("LNT065", "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1 $body$ LANGUAGE sql;", TX, 0),
    ("LNT065", 'SELECT 1;\n/* never closed\nSELECT "x;', TX, 1),
    ("LNT065", "SELECT 1; -- it's a comment, not a string", TX, 0),
]


@pytest.mark.parametrize(("rule_id", "sql", "in_tx", "expected"), CASES)
def test_feature_case(rule_id: str, sql: str, in_tx: bool, expected: int) -> None:
    findings = lint_sql(sql, in_transaction=in_tx)
    assert sum(1 for f in findings if f.rule_id == rule_id) == expected, findings


def test_unparsable_statement_names_the_line_of_the_token() -> None:
    findings = lint_sql("SELECT 1;\n\nUPDATE t SET a = 'x\nWHERE id = 1;\n")
    assert [(f.rule_id, f.location.line) for f in findings] == [("LNT065", 3)]
    assert "unterminated" in findings[0].message


def _migration(root: Path, name: str, up: str, metadata: str | None = None) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "up.sql").write_text(up, encoding="utf-8")
    (folder / "down.sql").write_text("SELECT 1;\n", encoding="utf-8")
    if metadata is not None:
        (folder / "metadata.toml").write_text(metadata, encoding="utf-8")


def _config(tmp_path: Path, body: str) -> LintConfig:
    path = tmp_path / "auditor.toml"
    path.write_text(body, encoding="utf-8")
    return load_lint_config(load_config(path))


def _history(tmp_path: Path) -> Path:
    root = tmp_path / "migrations"
    for n in (1, 2, 3):
        _migration(root, f"2024-01-01-00000{n}_m{n}", INDEX)
    return root


@pytest.mark.parametrize(
    ("start_after", "linted", "note"),
    [
        (None, ["000001", "000002", "000003"], None),
        ("2024-01-01-000002", ["000003"], "start-after 2024-01-01-000002: 2 migration(s)"),
        ("20240101000002", ["000003"], "2 migration(s) at or before it not linted"),
        ("2023-12-31-000000", ["000001", "000002", "000003"], "no migration at or before it"),
    ],
)
def test_start_after_skips_early_migrations_with_a_note(
    tmp_path: Path, start_after: str | None, linted: list[str], note: str | None
) -> None:
    body = "[lint]\n" + (f'start-after = "{start_after}"\n' if start_after else "")
    config = _config(tmp_path, body)
    run = lint_units(collect([_history(tmp_path)], tmp_path, config), config)
    assert not run.errors
    files = sorted({(f.location.file or "").split("/")[1][11:17] for f in run.findings})
    assert files == linted
    notes = family_result(run).notes
    assert (note is None and not notes) or any(note in n for n in notes if note), notes


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("[lint]\nstart-after = true\n", "lint.start-after"),
        ('[lint]\nstart-after = " "\n', "lint.start-after"),
    ],
)
def test_start_after_config_errors(tmp_path: Path, body: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle.replace(".", r"\.")):
        _config(tmp_path, body)


def test_start_after_that_the_tool_cannot_compare_is_an_error(tmp_path: Path) -> None:
    root = tmp_path / "flyway"
    root.mkdir()
    (root / "V1__a.sql").write_text(INDEX, encoding="utf-8")
    config = LintConfig(start_after="next-week")
    run = lint_units(collect([root], tmp_path, config), config)
    assert run.errors and "lint.start-after" in run.errors[0].message


def test_metadata_toml_disables_rules_for_its_migration_only(tmp_path: Path) -> None:
    root = tmp_path / "migrations"
    _migration(
        root,
        "2024-01-01-000001_small_table",
        INDEX,
        'run_in_transaction = true\n\n[auditor]\ndisable = ["lnt001"]\n',
    )
    _migration(root, "2024-01-01-000002_big_table", INDEX)
    run = lint_units(collect([root], tmp_path, LintConfig()), LintConfig())
    assert [(f.rule_id, f.location.file) for f in run.findings if f.rule_id == "LNT001"] == [
        ("LNT001", "migrations/2024-01-01-000002_big_table/up.sql")
    ]


def test_metadata_disable_also_keeps_a_pragma_on_that_rule_quiet(tmp_path: Path) -> None:
    root = tmp_path / "migrations"
    up = "-- auditor-ignore LNT001: small table\n" + INDEX
    _migration(root, "2024-01-01-000001_a", up, '[auditor]\ndisable = ["LNT001"]\n')
    run = lint_units(collect([root], tmp_path, LintConfig()), LintConfig())
    assert not [f for f in run.findings if f.rule_id in ("LNT001", "LNT041")], run.findings


@pytest.mark.parametrize(
    ("metadata", "needle"),
    [
        ('run_in_transaction = false\n[auditor]\ndisable = ["LNT001", "LNT999"]\n', ":3: "),
        ("[auditor]\ndisabled = []\n", ":2: [auditor] disabled: unknown key"),
        ('[auditor]\ndisable = "LNT001"\n', ":2: [auditor] disable must be a list"),
        ("auditor = 1\n", ":1: auditor must be a table"),
    ],
)
def test_metadata_toml_errors_name_the_file_and_line(
    tmp_path: Path, metadata: str, needle: str
) -> None:
    root = tmp_path / "migrations"
    _migration(root, "2024-01-01-000001_a", INDEX, metadata)
    with pytest.raises(LintInputError) as raised:
        collect([root], tmp_path, LintConfig())
    message = str(raised.value)
    assert "migrations/2024-01-01-000001_a/metadata.toml" in message and needle in message
    if "LNT999" in metadata:
        assert "unknown lint rule LNT999" in message
