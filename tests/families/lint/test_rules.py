"""Every lint rule, table-driven: SQL that must be reported and SQL that must pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.core.rules import rules_of
from auditor.families.lint.engine import HISTORY_RULES, collect, lint_units
from auditor.families.lint.settings import OPT_IN, LintConfig
from auditor.families.schema.rulepacks import load_rule_packs
from tests.families.lint.parity_cases import PARITY_CASES
from tests.lint_helpers import lint_sql

TX = True
NO_TX = False

# (rule, sql, runs in a transaction, expected number of findings of that rule)
CASES: list[tuple[str, str, bool, int]] = [
    # LNT001 index without CONCURRENTLY on an existing table
    ("LNT001", "CREATE INDEX orders_user_idx ON orders (user_id);", TX, 1),
    ("LNT001", "CREATE UNIQUE INDEX IF NOT EXISTS u ON public.orders (lower(email));", TX, 1),
    ("LNT001", "CREATE TABLE t (id BIGINT); CREATE INDEX t_idx ON t (id);", TX, 0),
    ("LNT001", "CREATE INDEX CONCURRENTLY IF NOT EXISTS o ON orders (user_id);", NO_TX, 0),
    ("LNT001", "CREATE INDEX o ON orders (x); CREATE TABLE orders (id BIGINT);", TX, 1),
    # LNT002 drop index without CONCURRENTLY
    ("LNT002", "DROP INDEX orders_user_idx;", TX, 1),
    ("LNT002", "DROP INDEX IF EXISTS a, b;", TX, 2),
    ("LNT002", "DROP INDEX CONCURRENTLY IF EXISTS orders_user_idx;", NO_TX, 0),
    (
        "LNT002",
        "CREATE TABLE t (id BIGINT); CREATE INDEX t_idx ON t (id); DROP INDEX t_idx;",
        TX,
        0,
    ),
    # LNT003 CONCURRENTLY inside a transaction
    ("LNT003", "CREATE INDEX CONCURRENTLY o ON orders (user_id);", TX, 1),
    ("LNT003", "DROP INDEX CONCURRENTLY o;", TX, 1),
    ("LNT003", "BEGIN; CREATE INDEX CONCURRENTLY o ON orders (x); COMMIT;", NO_TX, 1),
    ("LNT003", "CREATE INDEX CONCURRENTLY o ON orders (user_id);", NO_TX, 0),
    ("LNT003", "REINDEX INDEX CONCURRENTLY o;", NO_TX, 0),
    # LNT004 CHECK / FOREIGN KEY without NOT VALID
    (
        "LNT004",
        "ALTER TABLE o ADD CONSTRAINT o_u_fkey FOREIGN KEY (u) REFERENCES users (id);",
        TX,
        1,
    ),
    ("LNT004", "ALTER TABLE o ADD CHECK (total >= 0);", TX, 1),
    ("LNT004", "ALTER TABLE o ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;", TX, 0),
    ("LNT004", "ALTER TABLE o VALIDATE CONSTRAINT c;", TX, 0),
    (
        "LNT004",
        "CREATE TABLE o (u BIGINT); ALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES users (id);",
        TX,
        0,
    ),
    # LNT005 SET NOT NULL on an existing column
    ("LNT005", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", TX, 1),
    ("LNT005", "ALTER TABLE users ALTER email SET NOT NULL, ALTER name SET NOT NULL;", TX, 2),
    (
        "LNT005",
        "ALTER TABLE users ADD COLUMN tier TEXT; ALTER TABLE users ALTER tier SET NOT NULL;",
        TX,
        0,
    ),
    ("LNT005", "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;", TX, 0),
    (
        "LNT005",
        "ALTER TABLE users VALIDATE CONSTRAINT users_email_nn; ALTER TABLE users ALTER email SET NOT NULL;",
        TX,
        0,
    ),
    # LNT006 NOT NULL column without default
    ("LNT006", "ALTER TABLE users ADD COLUMN tier TEXT NOT NULL;", TX, 1),
    ("LNT006", "ALTER TABLE users ADD COLUMN tier TEXT NOT NULL DEFAULT 'free';", TX, 0),
    (
        "LNT006",
        "ALTER TABLE users ADD COLUMN n BIGINT NOT NULL GENERATED ALWAYS AS IDENTITY;",
        TX,
        0,
    ),
    ("LNT006", "ALTER TABLE users ADD COLUMN tier TEXT;", TX, 0),
    # LNT007 volatile default on a new column
    ("LNT007", "ALTER TABLE o ADD COLUMN token UUID DEFAULT gen_random_uuid();", TX, 1),
    ("LNT007", "ALTER TABLE o ADD COLUMN r FLOAT8 NOT NULL DEFAULT random();", TX, 1),
    ("LNT007", "ALTER TABLE o ADD COLUMN n BIGSERIAL;", TX, 1),
    ("LNT007", "ALTER TABLE o ADD COLUMN seen_at TIMESTAMPTZ NOT NULL DEFAULT now();", TX, 0),
    ("LNT007", "ALTER TABLE o ADD COLUMN flag BOOLEAN NOT NULL DEFAULT false;", TX, 0),
    # LNT008 column type change
    ("LNT008", "ALTER TABLE o ALTER COLUMN total TYPE NUMERIC(14, 2);", TX, 1),
    ("LNT008", "ALTER TABLE o ALTER total SET DATA TYPE BIGINT USING total::bigint;", TX, 1),
    ("LNT008", "CREATE TABLE o (total INT); ALTER TABLE o ALTER total TYPE BIGINT;", TX, 0),
    ("LNT008", "ALTER TABLE o ALTER COLUMN total SET DEFAULT 0;", TX, 0),
    # LNT009 UNIQUE / PRIMARY KEY without USING INDEX
    ("LNT009", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);", TX, 1),
    ("LNT009", "ALTER TABLE users ADD PRIMARY KEY (id);", TX, 1),
    ("LNT009", "ALTER TABLE users ADD CONSTRAINT k UNIQUE USING INDEX users_email_key;", TX, 0),
    (
        "LNT009",
        "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_pk_idx;",
        TX,
        0,
    ),
    # LNT010 renames
    ("LNT010", "ALTER TABLE users RENAME COLUMN mail TO email;", TX, 1),
    ("LNT010", "ALTER TABLE users RENAME TO accounts;", TX, 1),
    ("LNT010", "ALTER TABLE users RENAME CONSTRAINT a TO b;", TX, 0),
    ("LNT010", "CREATE TABLE tmp (a INT); ALTER TABLE tmp RENAME TO final;", TX, 0),
    # LNT011 drop table
    ("LNT011", "DROP TABLE legacy_orders;", TX, 1),
    ("LNT011", "DROP TABLE IF EXISTS a, b CASCADE;", TX, 2),
    ("LNT011", "CREATE TABLE scratch (id BIGINT); DROP TABLE scratch;", TX, 0),
    # LNT012 drop column
    ("LNT012", "ALTER TABLE users DROP COLUMN legacy_token;", TX, 1),
    ("LNT012", "ALTER TABLE users DROP legacy_token, DROP COLUMN IF EXISTS other;", TX, 2),
    ("LNT012", "ALTER TABLE users DROP CONSTRAINT users_legacy_check;", TX, 0),
    # LNT013 drop schema / database
    ("LNT013", "DROP SCHEMA reporting CASCADE;", TX, 1),
    ("LNT013", "DROP DATABASE IF EXISTS analytics;", NO_TX, 1),
    ("LNT013", "DROP VIEW reporting.daily;", TX, 0),
    # LNT014 drop NOT NULL
    ("LNT014", "ALTER TABLE o ALTER COLUMN shipped_at DROP NOT NULL;", TX, 1),
    (
        "LNT014",
        "ALTER TABLE o ADD COLUMN x INT NOT NULL DEFAULT 0; ALTER TABLE o ALTER x DROP NOT NULL;",
        TX,
        0,
    ),
    # LNT015 TRUNCATE CASCADE
    ("LNT015", "TRUNCATE users CASCADE;", TX, 1),
    ("LNT015", "TRUNCATE TABLE import_staging RESTART IDENTITY;", TX, 0),
    # LNT016 VACUUM FULL / CLUSTER
    ("LNT016", "VACUUM FULL orders;", NO_TX, 1),
    ("LNT016", "VACUUM (FULL, ANALYZE) orders;", NO_TX, 1),
    ("LNT016", "CLUSTER orders USING orders_pkey;", TX, 1),
    ("LNT016", "VACUUM (ANALYZE) orders;", NO_TX, 0),
    # LNT017 timeouts (opt-in, enabled by lint_sql)
    ("LNT017", "ALTER TABLE o ADD COLUMN note TEXT;", TX, 1),
    ("LNT017", "SET lock_timeout = '2s'; ALTER TABLE o ADD COLUMN note TEXT;", TX, 1),
    (
        "LNT017",
        "SET lock_timeout = '2s'; SET statement_timeout = '30s'; ALTER TABLE o ADD COLUMN n TEXT;",
        TX,
        0,
    ),
    ("LNT017", "CREATE TABLE t (id BIGINT); CREATE INDEX t_i ON t (id);", TX, 0),
    # LNT018 char(n)
    ("LNT018", "CREATE TABLE c (code CHAR(2) NOT NULL);", TX, 1),
    ("LNT018", "ALTER TABLE c ADD COLUMN flag character(1);", TX, 1),
    ("LNT018", "CREATE TABLE c (code VARCHAR(2), name CHARACTER VARYING(10), t TEXT);", TX, 0),
    # LNT019 int ids
    ("LNT019", "CREATE TABLE e (id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY);", TX, 1),
    ("LNT019", "ALTER TABLE e ADD COLUMN user_id INT REFERENCES users (id);", TX, 1),
    ("LNT019", "CREATE TABLE e (code SMALLINT PRIMARY KEY, qty INT);", TX, 1),
    ("LNT019", "CREATE TABLE e (id BIGINT PRIMARY KEY, quantity INTEGER, valid BOOLEAN);", TX, 0),
    # LNT020 serial
    ("LNT020", "CREATE TABLE e (id BIGSERIAL PRIMARY KEY);", TX, 1),
    ("LNT020", "CREATE TABLE e (id serial, n smallserial);", TX, 2),
    ("LNT020", "CREATE TABLE e (id BIGINT GENERATED BY DEFAULT AS IDENTITY);", TX, 0),
    # LNT021 timestamp without time zone
    ("LNT021", "CREATE TABLE e (at TIMESTAMP NOT NULL);", TX, 1),
    ("LNT021", "ALTER TABLE e ADD COLUMN at timestamp(3) without time zone;", TX, 1),
    ("LNT021", "CREATE TABLE e (at TIMESTAMPTZ, b TIMESTAMP WITH TIME ZONE, c DATE);", TX, 0),
    # LNT022 retry safety outside a transaction
    ("LNT022", "CREATE INDEX CONCURRENTLY o ON orders (x);", NO_TX, 1),
    ("LNT022", "ALTER TABLE o ADD COLUMN note TEXT;", NO_TX, 1),
    ("LNT022", "CREATE INDEX CONCURRENTLY IF NOT EXISTS o ON orders (x);", NO_TX, 0),
    ("LNT022", "CREATE TABLE t (id BIGINT); DROP TABLE t;", TX, 0),
    (
        "LNT022",
        "ALTER TABLE o ADD COLUMN IF NOT EXISTS note TEXT, DROP COLUMN IF EXISTS x;",
        NO_TX,
        0,
    ),
    # LNT023 identifiers longer than 63 bytes
    ("LNT023", "CREATE INDEX " + "x" * 64 + " ON o (a);", TX, 1),
    ("LNT023", 'CREATE TABLE "' + "é" * 32 + '" (id BIGINT);', TX, 1),
    ("LNT023", "CREATE INDEX " + "x" * 63 + " ON o (a);", TX, 0),
    (
        "LNT023",
        'CREATE TABLE "Tbl" (id BIGINT CHECK (id >= 0), c1 varchar(40) NOT NULL, '
        'c2 bigint NOT NULL, c3 text, c4 text, c5 text, "Col" text, c6 text);',
        TX,
        0,
    ),
    # LNT024 transaction nesting and uncommitted BEGIN
    ("LNT024", "BEGIN; ALTER TABLE o ADD COLUMN n TEXT; COMMIT;", TX, 1),
    ("LNT024", "BEGIN; ALTER TABLE o ADD COLUMN n TEXT;", NO_TX, 1),
    ("LNT024", "BEGIN; BEGIN; COMMIT;", NO_TX, 1),
    ("LNT024", "BEGIN; ALTER TABLE o ADD COLUMN n TEXT; COMMIT;", NO_TX, 0),
    # LNT030 secrets
    ("LNT030", "CREATE ROLE reporting LOGIN PASSWORD 'hunter2';", TX, 1),
    ("LNT030", "ALTER USER app WITH ENCRYPTED PASSWORD 'SCRAM-SHA-256$4096:abc';", TX, 1),
    (
        "LNT030",
        "CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password 'pw');",
        TX,
        1,
    ),
    ("LNT030", "SELECT dblink_connect('postgresql://bob:s3cret@db:5432/app');", TX, 1),
    (
        "LNT030",
        "CREATE SUBSCRIPTION s CONNECTION 'host=db dbname=app password=pw' PUBLICATION p;",
        NO_TX,
        1,
    ),
    ("LNT030", "CREATE ROLE reporting LOGIN; ALTER ROLE reporting PASSWORD NULL;", TX, 0),
    ("LNT030", "INSERT INTO docs (body) VALUES ('see postgresql://db:5432/app');", TX, 0),
    # LNT031 grant to public
    ("LNT031", "GRANT SELECT ON users TO PUBLIC;", TX, 1),
    ("LNT031", "GRANT EXECUTE ON FUNCTION f() TO app, public;", TX, 1),
    ("LNT031", "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC;", TX, 1),
    ("LNT031", "GRANT USAGE ON SCHEMA public TO app;", TX, 0),
    ("LNT031", "REVOKE ALL ON SCHEMA public FROM PUBLIC;", TX, 0),
    # LNT032 grant all
    ("LNT032", "GRANT ALL PRIVILEGES ON orders TO app;", TX, 1),
    ("LNT032", "GRANT ALL ON ALL TABLES IN SCHEMA app TO admin;", TX, 1),
    ("LNT032", "GRANT SELECT, INSERT ON orders TO app;", TX, 0),
    # LNT033 security definer without search_path
    (
        "LNT033",
        "CREATE FUNCTION f() RETURNS void LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;",
        TX,
        1,
    ),
    ("LNT033", "ALTER FUNCTION f() SECURITY DEFINER;", TX, 1),
    (
        "LNT033",
        "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE sql SECURITY DEFINER "
        "SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;",
        TX,
        0,
    ),
    (
        "LNT033",
        "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT 'SECURITY DEFINER' $$;",
        TX,
        0,
    ),
    # LNT034 RLS switched off
    ("LNT034", "ALTER TABLE invoices DISABLE ROW LEVEL SECURITY;", TX, 1),
    ("LNT034", "ALTER TABLE invoices NO FORCE ROW LEVEL SECURITY;", TX, 1),
    ("LNT034", "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;", TX, 0),
    # LNT036 money as float or money
    ("LNT036", "CREATE TABLE i (total DOUBLE PRECISION NOT NULL);", TX, 1),
    ("LNT036", "CREATE TABLE i (unit_price REAL, balance MONEY);", TX, 2),
    ("LNT036", "ALTER TABLE i ADD COLUMN fee float8;", TX, 1),
    ("LNT036", "CREATE TABLE i (total NUMERIC(12, 2), latitude DOUBLE PRECISION);", TX, 0),
    # LNT042 recreated history
    (
        "LNT042",
        " ".join(f"CREATE TABLE t{i} (id BIGINT);" for i in range(5))
        + " ALTER TABLE t1 ADD CONSTRAINT f FOREIGN KEY (id) REFERENCES t0 (id);",
        TX,
        1,
    ),
    ("LNT042", " ".join(f"CREATE TABLE t{i} (id BIGINT);" for i in range(5)), TX, 0),
    *PARITY_CASES,
]


@pytest.mark.parametrize(
    ("rule_id", "sql", "in_tx", "expected"),
    CASES,
    ids=[f"{c[0]}-{'fail' if c[3] else 'pass'}-{i}" for i, c in enumerate(CASES)],
)
def test_rule_case(rule_id: str, sql: str, in_tx: bool, expected: int) -> None:
    findings = lint_sql(sql, in_transaction=in_tx, config=LintConfig(enable=OPT_IN))
    got = [f for f in findings if f.rule_id == rule_id]
    assert len(got) == expected, [f.message for f in got]


def test_every_check_rule_has_pass_and_fail_cases() -> None:
    covered_fail = {c[0] for c in CASES if c[3]}
    covered_pass = {c[0] for c in CASES if not c[3]}
    for item in rules_of("lint"):
        if item.id in HISTORY_RULES:  # need a migration history: HISTORY_CASES below
            assert {c[0] for c in HISTORY_CASES if c[3]} >= {item.id}
            assert {c[0] for c in HISTORY_CASES if not c[3]} >= {item.id}
            continue
        assert item.id in covered_fail, f"{item.id} has no failing case"
        assert item.id in covered_pass, f"{item.id} has no passing case"


def test_volatile_default_follows_target_version() -> None:
    sql = "ALTER TABLE o ADD COLUMN flag BOOLEAN NOT NULL DEFAULT false;"
    old = LintConfig(postgres_version=10)
    assert [f.rule_id for f in lint_sql(sql, config=old) if f.rule_id == "LNT007"] == ["LNT007"]
    assert not [f for f in lint_sql(sql) if f.rule_id == "LNT007"]


def test_down_sql_reversing_its_up_is_not_destructive() -> None:
    up = "CREATE TABLE carts (id BIGINT); CREATE INDEX carts_idx ON carts (id); ALTER TABLE users ADD COLUMN tier TEXT;"
    down = "DROP INDEX carts_idx; DROP TABLE carts; ALTER TABLE users DROP COLUMN tier;"
    found = {f.rule_id for f in lint_sql(down, up=up, in_transaction=True)}
    assert not found & {"LNT002", "LNT011", "LNT012"}
    found = {f.rule_id for f in lint_sql("DROP TABLE users;", up=up, in_transaction=True)}
    assert "LNT011" in found


def test_secret_is_never_in_any_output() -> None:
    secret = "Zq8-very-secret-Pa55"
    sql = (
        f"CREATE ROLE r LOGIN PASSWORD '{secret}';\n"
        f"SELECT dblink_connect('postgresql://bob:{secret}@db/app');\n"
        f"CREATE SUBSCRIPTION s CONNECTION 'host=db password={secret}' PUBLICATION p;\n"
    )
    findings = lint_sql(sql)
    secrets = [f for f in findings if f.rule_id == "LNT030"]
    assert len(secrets) == 3
    for finding in findings:
        text = repr(finding)
        assert secret not in text and "Pa55" not in text
        assert "redacted" in finding.message or finding.rule_id != "LNT030"


# (rule, up.sql, down.sql, expected findings of that rule) on top of the reference migrations
HISTORY_CASES: list[tuple[str, str, str, int]] = [
    (
        "LNT035",
        "DROP INDEX users_email_lower_key;",
        "CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));",
        1,
    ),
    (
        "LNT035",
        "ALTER TABLE products DROP CONSTRAINT products_price_non_negative;",
        "ALTER TABLE products ADD CONSTRAINT products_price_non_negative CHECK (price >= 0);",
        1,
    ),
    (
        "LNT035",
        "CREATE UNIQUE INDEX users_email_ci ON users (upper(email));\nDROP INDEX users_email_lower_key;",
        "CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));\nDROP INDEX users_email_ci;",
        0,
    ),
    ("LNT037", "ALTER TABLE users ADD COLUMN tier TEXT NOT NULL DEFAULT 'free';", "SELECT 1;", 1),
    (
        "LNT037",
        "ALTER TABLE users ADD COLUMN tier TEXT;",
        "ALTER TABLE users DROP COLUMN tier;",
        0,
    ),
    (
        "LNT037",
        "ALTER TABLE products ALTER COLUMN description SET NOT NULL;",
        "ALTER TABLE products ALTER COLUMN description DROP NOT NULL;",
        0,
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "up", "down", "expected"),
    HISTORY_CASES,
    ids=[f"{c[0]}-{'fail' if c[3] else 'pass'}-{i}" for i, c in enumerate(HISTORY_CASES)],
)
def test_history_rule_case(
    tmp_path: Path, reference_migrations: Path, rule_id: str, up: str, down: str, expected: int
) -> None:
    root = tmp_path / "migrations"
    shutil.copytree(reference_migrations, root)
    folder = root / "2024-02-01-000000_change"
    folder.mkdir()
    (folder / "up.sql").write_text(up + "\n", encoding="utf-8")
    (folder / "down.sql").write_text(down + "\n", encoding="utf-8")
    config = LintConfig()
    run = lint_units(collect([root], tmp_path, config), config, load_rule_packs(), tmp_path)
    assert not run.errors and not run.skipped
    got = [f for f in run.findings if f.rule_id == rule_id]
    assert len(got) == expected, [f.message for f in got]
    for finding in got:
        assert finding.location.file is not None
        assert finding.location.file.startswith("migrations/2024-02-01-000000_change/")
