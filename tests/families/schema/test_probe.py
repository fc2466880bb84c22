"""Proof by probing: every reference requirement proven, nothing left behind."""

from __future__ import annotations

import psycopg

from auditor.catalog.live import build_live_model
from auditor.db.target import connect
from auditor.families.schema.probe import prove
from auditor.families.schema.rulepacks import load_rule_packs
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner
from tests.paths import REPO_ROOT

REPO = REPO_ROOT

STATE = """
SELECT (SELECT json_agg(t ORDER BY t) FROM (
          SELECT 'users' AS t, count(*) FROM users UNION ALL
          SELECT 'products', count(*) FROM products UNION ALL
          SELECT 'carts', count(*) FROM carts UNION ALL
          SELECT 'cart_items', count(*) FROM cart_items) t)::text,
       (SELECT json_agg(s ORDER BY s.sequencename)
          FROM (SELECT sequencename, last_value FROM pg_sequences) s)::text
"""


def test_reference_requirements_are_proven_and_nothing_changes(fresh_db: str) -> None:
    Runner(fresh_db, load_migrations(REPO / "migrations")).migrate()
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (username, email, password_hash) VALUES ('alice', 'a@x.org', 'h')"
        )
        conn.execute("INSERT INTO products (name, price) VALUES ('pen', 1.50)")
        before = conn.execute(STATE).fetchone()
    requirements = load_rule_packs()
    with connect(fresh_db) as conn:
        model = build_live_model(conn)
    results = prove(fresh_db, model, requirements)
    probed = {r.requirement for r in results}
    # every requirement that can be probed was probed, and proven
    assert probed == {r.id for r in requirements if r.kind not in ("table", "type", "index")}
    assert [r for r in results if not r.proven] == []
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        after = conn.execute(STATE).fetchone()
    assert after == before
