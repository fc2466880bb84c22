"""LNT008's no-rewrite list, checked against a live server.

PostgreSQL gives a table a new ``pg_class.relfilenode`` exactly when ``ALTER COLUMN
... TYPE`` rewrites it. Every case of the table is applied to a one-row table on each
test server, and the lint rule must call it a rewrite exactly when the server did.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from auditor.families.lint.coercion import rewrite_reason
from auditor.families.lint.engine import LintUnit, lint_units
from auditor.families.lint.settings import LintConfig
from auditor.sql.ddl import column_type
from tests.pg import PgServer

# (old type, new type, session time zone is UTC, PostgreSQL rewrites the table)
TYPE_CHANGES: list[tuple[str, str, bool, bool]] = [
    ("text", "text", False, False),
    ("varchar(10)", "varchar(20)", False, False),
    ("varchar(10)", "varchar", False, False),
    ("varchar(10)", "text", False, False),
    ("character varying(10)", "varchar(10)", False, False),
    ("text", "varchar", False, False),
    ("numeric(10, 2)", "numeric(12, 2)", False, False),
    ("numeric(10, 2)", "numeric", False, False),
    ("cidr", "inet", False, False),
    ("timestamp(3)", "timestamp(6)", False, False),
    ("timestamptz(0)", "timestamptz", False, False),
    ("time(2)", "time(4)", False, False),
    ("interval(2)", "interval", False, False),
    ("varbit(8)", "varbit(16)", False, False),
    ("timestamp", "timestamptz", True, False),
    ("timestamptz", "timestamp", True, False),
    # rewrites
    ("varchar(20)", "varchar(10)", False, True),
    ("text", "varchar(10)", False, True),
    ("numeric(10, 2)", "numeric(12, 4)", False, True),
    ("numeric", "numeric(12, 2)", False, True),
    ("integer", "bigint", False, True),
    ("smallint", "integer", False, True),
    ("char(5)", "char(10)", False, True),
    ("char(5)", "text", False, True),
    ("inet", "cidr", False, True),
    ("timestamp(6)", "timestamp(3)", False, True),
    ("timestamp", "timestamptz", False, True),
    ("varchar(10)[]", "varchar(20)[]", False, True),
    ("json", "jsonb", False, True),
]
"""Each case, with the server's verdict as measured on PostgreSQL 15 and 17."""


@pytest.fixture(scope="module")
def type_db(pg_server: PgServer) -> Iterator[str]:
    """One database per server for all the cases (each drops its table)."""
    name = pg_server.create_database()
    try:
        yield pg_server.dsn_for(name)
    finally:
        pg_server.drop_database(name)


def _rewrites_on_server(dsn: str, old: str, new: str, utc: bool) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"SET TIME ZONE '{'UTC' if utc else 'America/New_York'}'")
        conn.execute(f"CREATE TABLE t (c {old})")
        conn.execute("INSERT INTO t VALUES (NULL)")
        before = conn.execute("SELECT relfilenode FROM pg_class WHERE relname = 't'").fetchone()
        conn.execute(f"ALTER TABLE t ALTER COLUMN c TYPE {new}")
        after = conn.execute("SELECT relfilenode FROM pg_class WHERE relname = 't'").fetchone()
        conn.execute("DROP TABLE t")
    return before != after


@pytest.mark.parametrize(
    ("old", "new", "utc", "rewrites"),
    TYPE_CHANGES,
    ids=[f"{o}->{n}{'-utc' if u else ''}" for o, n, u, _ in TYPE_CHANGES],
)
def test_rule_says_rewrite_exactly_when_the_server_rewrites(
    type_db: str, old: str, new: str, utc: bool, rewrites: bool
) -> None:
    assert _rewrites_on_server(type_db, old, new, utc) is rewrites
    reason = rewrite_reason(_type_text(old), _type_text(new), postgres_version=16, utc=utc)
    assert (reason is not None) is rewrites, reason


def _type_text(sql_type: str) -> str:
    """The type as the lint model spells it (upper case, no blanks inside parentheses)."""
    return column_type(f"c {sql_type}")[1]


def test_old_type_is_read_from_earlier_migrations() -> None:
    up1 = "CREATE TABLE orders (id BIGINT PRIMARY KEY, note VARCHAR(10), total INTEGER);"

    def lint(*texts: str, version: int = 16) -> list[str]:
        units = [LintUnit(path=f"{i}.sql", text=t) for i, t in enumerate(texts)]
        run = lint_units(units, LintConfig(postgres_version=version))
        return [f.message for f in run.findings if f.rule_id == "LNT008"]

    widen = "ALTER TABLE orders ALTER COLUMN note TYPE VARCHAR(20), ALTER note TYPE TEXT;"
    assert lint(up1, widen) == []
    assert len(lint(up1, "ALTER TABLE orders ALTER COLUMN total TYPE BIGINT;")) == 1
    assert len(lint("ALTER TABLE orders ALTER COLUMN note TYPE TEXT;")) == 1  # old type unknown
    using = "ALTER TABLE orders ALTER COLUMN note TYPE TEXT USING note::text;"
    assert len(lint(up1, using)) == 1
    utc = "SET TIME ZONE 'UTC';\nALTER TABLE e ALTER COLUMN at TYPE TIMESTAMPTZ;"
    created = "CREATE TABLE e (id BIGINT PRIMARY KEY, at TIMESTAMP);"
    assert lint(created, utc) == []
    assert len(lint(created, utc, version=11)) == 1
    assert len(lint(created, utc.split("\n", 1)[1])) == 1
