"""The live catalog builder: reference schema, fixed query count, exclusions."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from auditor.catalog import live
from auditor.catalog.live import QUERY_COUNT, BuildStats, build_live_model
from auditor.catalog.model import Column, diff_models
from auditor.catalog.normalize import normalize_expr
from auditor.db.target import connect
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner
from auditor.migrate.state import BOOKKEEPING_TABLES
from tests.paths import REPO_ROOT

REPO = REPO_ROOT


def _tables(dsn: str, start: int, count: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for n in range(start, start + count):
            conn.execute(
                f"CREATE TABLE t{n} (id bigint PRIMARY KEY, name text NOT NULL"
                f" CHECK (char_length(name) <= 10), parent bigint REFERENCES t{n} (id));"
                f"CREATE UNIQUE INDEX t{n}_name_key ON t{n} (lower(name));"
            )


def _build(dsn: str) -> tuple[int, int]:
    stats = BuildStats()
    with connect(dsn) as conn:
        build_live_model(conn, stats=stats)
    return stats.queries, stats.tables


def test_query_count_does_not_grow_with_tables(fresh_db: str) -> None:
    _tables(fresh_db, 0, 3)
    few = _build(fresh_db)
    _tables(fresh_db, 3, 30)
    many = _build(fresh_db)
    assert few == (QUERY_COUNT, 3)
    assert many == (QUERY_COUNT, 33)


def test_reference_model_and_exclusions(fresh_db: str) -> None:
    Runner(fresh_db, load_migrations(REPO / "migrations")).migrate()
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            "CREATE SCHEMA other; CREATE TABLE other.audit_log (id int, note text);"
            "CREATE INDEX audit_multi ON other.audit_log"
            " (id, lower(note), (id + 1) DESC, upper(coalesce(note, 'a,b'))) INCLUDE (note)"
        )
    with connect(fresh_db) as conn:  # read-only session
        model = build_live_model(conn)
        only_public = build_live_model(conn, ["public"])
    names = [t.qualified for t in model.tables]
    assert names == [
        "other.audit_log",
        "public.cart_items",
        "public.carts",
        "public.products",
        "public.users",
    ]  # runner bookkeeping tables left out
    assert [t.qualified for t in only_public.tables] == names[1:]
    audit_log = model.table("other.audit_log")
    assert audit_log is not None
    (multi,) = audit_log.indexes
    assert [(k.expression, k.is_column, k.descending) for k in multi.keys] == [
        ("id", True, False),
        ("lower(note)", False, False),
        ("id + 1", False, True),
        ("upper(coalesce(note, 'a,b'))", False, False),
    ]
    assert multi.include == ("note",)
    users = model.table("users")
    assert users is not None
    assert {c.name: c.expression for c in users.checks} == {
        "users_email_length": "length(email) >= 3 AND length(email) <= 254",
        "users_username_length": "length(username) >= 3 AND length(username) <= 64",
    }
    by_name = {i.name: i for i in users.indexes}
    assert by_name["users_email_lower_key"].keys[0].expression == "lower(email)"
    assert by_name["users_email_lower_key"].unique
    assert by_name["users_pkey"].constraint == "primary key"
    carts = model.table("carts")
    assert carts is not None
    fk = carts.foreign_keys[0]
    assert (fk.columns, fk.ref_table, fk.on_delete) == (("user_id",), "public.users", "cascade")
    products = model.table("products")
    assert products is not None
    price = products.column("price")
    assert price is not None and (price.type, price.not_null) == ("numeric(12,2)", True)
    assert diff_models(model, model) == []


def test_diff_names_the_difference(fresh_db: str) -> None:
    Runner(fresh_db, load_migrations(REPO / "migrations")).migrate()
    with connect(fresh_db) as conn:
        before = build_live_model(conn)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE INDEX users_created_idx ON users (created_at)")
        conn.execute("ALTER TABLE carts DISABLE TRIGGER ALL")
    with connect(fresh_db) as conn:
        after = build_live_model(conn)
    diff = diff_models(before, after, ("before", "after"))
    assert diff == ["table public.users index users_created_idx: only in after"]


def test_works_for_a_role_that_cannot_read_the_tables(fresh_db: str) -> None:
    Runner(fresh_db, load_migrations(REPO / "migrations")).migrate()
    role = f"auditor_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
    try:
        dsn = make_conninfo(fresh_db, user=role)
        with connect(dsn) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT * FROM users")
            model = build_live_model(conn)
        assert [t.name for t in model.tables] == ["cart_items", "carts", "products", "users"]
    finally:
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {role}")


def test_expressions_read_as_deparsed_with_their_own_table(fresh_db: str) -> None:
    # Tables with the same column names share a representative for pg_get_expr; the
    # model must still read as if every expression were printed with its own table:
    # same names in another order, a dropped column, a whole-row reference, defaults
    # with and without column references.
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for n in range(3):
            conn.execute(
                f"CREATE TABLE same{n} (lo int, hi int CHECK (hi > lo), note text,"
                f" total int GENERATED ALWAYS AS (lo + hi) STORED,"
                f" CHECK (num_nonnulls(same{n}.*) > 1));"
                f"CREATE INDEX same{n}_expr ON same{n} ((hi - lo)) WHERE note <> 'x'"
            )
        conn.execute(
            "CREATE TABLE swapped (hi int, lo int CHECK (hi > lo), note text DEFAULT 'n',"
            " total int GENERATED ALWAYS AS (lo + hi) STORED);"
            "CREATE INDEX swapped_expr ON swapped ((hi - lo)) WHERE note <> 'x';"
            "CREATE TABLE dropped (gone int, lo int, hi int CHECK (hi > lo), note text,"
            " total int GENERATED ALWAYS AS (lo + hi) STORED);"
            "ALTER TABLE dropped DROP COLUMN gone;"
            "CREATE INDEX dropped_expr ON dropped ((hi - lo)) WHERE note <> 'x'"
        )
    with connect(fresh_db) as conn:
        model = build_live_model(conn)
        # The reference: every expression printed with its own table, one by one.
        checks = conn.execute(
            "SELECT c.relname, con.conname, pg_get_expr(con.conbin, con.conrelid)"
            " FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid"
            " WHERE con.contype = 'c'"
        ).fetchall()
        indexes = conn.execute(
            "SELECT c.relname, ic.relname, pg_get_expr(i.indexprs, i.indrelid),"
            " pg_get_expr(i.indpred, i.indrelid)"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
            " JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indexprs IS NOT NULL"
        ).fetchall()
        defaults = conn.execute(
            "SELECT c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid)"
            " FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid"
            " JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
        ).fetchall()
    tables = {t.name: t for t in model.tables}
    assert sorted(tables) == ["dropped", "same0", "same1", "same2", "swapped"]
    got_checks = {(t.name, c.name): c.expression for t in model.tables for c in t.checks}
    assert got_checks == {(t, c): normalize_expr(e) for t, c, e in checks}
    # The normalized form drops table qualifiers (``same2.*`` reads ``*``): check the
    # printed text itself, which must name the table's own name.
    with connect(fresh_db) as conn:
        params = {
            "schemas": None,
            "system": list(live.SYSTEM_SCHEMAS),
            "bookkeeping": sorted(BOOKKEEPING_TABLES),
        }
        rels = conn.execute(live.Q_TABLES.encode(), params).fetchall()
        params.update(oids=[r[0] for r in rels], reps=[r[5] for r in rels])
        printed = {r[1]: r[6] for r in conn.execute(live.Q_CONSTRAINTS.encode(), params)}
    assert len({r[5] for r in rels}) < len(rels)  # a representative is shared
    assert "same2.*" in printed["same2_check1"]
    assert printed["same2_check"] == "(hi > lo)"
    got_indexes = {
        (t.name, i.name): (i.keys[0].expression, i.predicate)
        for t in model.tables
        for i in t.indexes
    }
    assert got_indexes == {(t, i): (normalize_expr(e), normalize_expr(p)) for t, i, e, p in indexes}
    got_defaults = {
        (t.name, c.name): c.generated or c.default
        for t in model.tables
        for c in t.columns
        if c.generated or c.default
    }
    assert got_defaults == {(t, c): normalize_expr(e) for t, c, e in defaults}
    assert tables["swapped"].column("total") == Column(
        "total", "integer", generated=normalize_expr("lo + hi")
    )
