"""Deliberately weakened databases: each yields exactly the expected finding id.

Every variant is the reference schema plus a few statements, built in its own fresh
database; equivalent-but-differently-spelled forms must pass. The passing forms (and
the disabled-trigger case) also run with --prove, so a probe that disagrees with the
catalog shows up as SCH010; for weakened variants the catalog finding is the verdict
(SCH010 is only reported where the catalog says the requirement holds).
"""

from __future__ import annotations

import psycopg
import pytest

from auditor.catalog.live import build_live_model
from auditor.core.rules import rules_of, run_rules
from auditor.db.target import connect
from auditor.families.schema.probe import prove
from auditor.families.schema.rulepacks import load_rule_packs
from auditor.families.schema.rules import SchemaSubject
from tests.paths import REPO_ROOT

REFERENCE_SQL = "\n".join(
    p.read_text() for p in sorted((REPO_ROOT / "migrations").glob("*/up.sql"))
)

# (name, SQL after the reference schema, expected rule ids with --prove)
VARIANTS: list[tuple[str, str, set[str]]] = [
    ("reference", "", set()),
    (
        "username-check-dropped",
        "ALTER TABLE users DROP CONSTRAINT users_username_length;",
        {"SCH004"},
    ),
    (
        "username-check-loosened",
        "ALTER TABLE users DROP CONSTRAINT users_username_length;"
        "ALTER TABLE users ADD CHECK (char_length(username) BETWEEN 1 AND 500);",
        {"SCH004"},
    ),
    (
        "description-check-dropped",
        "ALTER TABLE products DROP CONSTRAINT products_description_length;",
        {"SCH004"},
    ),
    (
        "price-check-not-valid",
        "ALTER TABLE products DROP CONSTRAINT products_price_non_negative;"
        "ALTER TABLE products ADD CONSTRAINT products_price_non_negative CHECK (price >= 0) NOT VALID;",
        {"SCH005"},
    ),
    (
        "quantity-check-loosened",
        "ALTER TABLE cart_items DROP CONSTRAINT cart_items_quantity_positive;"
        "ALTER TABLE cart_items ADD CHECK (quantity >= 0);",
        {"SCH005"},
    ),
    (
        "inventory-check-dropped",
        "ALTER TABLE products DROP CONSTRAINT products_inventory_count_non_negative;",
        {"SCH005"},
    ),
    (
        "plain-unique-email",
        "DROP INDEX users_email_lower_key; ALTER TABLE users ADD UNIQUE (email);",
        {"SCH006"},
    ),
    (
        "partial-unique-email",
        "DROP INDEX users_email_lower_key;"
        "CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email)) WHERE id > 100;",
        {"SCH006"},
    ),
    (
        "price-double-precision",
        "ALTER TABLE products ALTER COLUMN price TYPE double precision;",
        {"SCH002"},
    ),
    (
        "carts-fk-no-action",
        "ALTER TABLE carts DROP CONSTRAINT carts_user_id_fkey;"
        "ALTER TABLE carts ADD CONSTRAINT carts_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);",
        {"SCH009"},
    ),
    (
        "product-fk-not-valid",
        "ALTER TABLE cart_items DROP CONSTRAINT cart_items_product_id_fkey;"
        "ALTER TABLE cart_items ADD CONSTRAINT cart_items_product_id_fkey FOREIGN KEY (product_id)"
        " REFERENCES products (id) ON DELETE CASCADE NOT VALID;",
        {"SCH009"},
    ),
    (
        "composite-unique-missing",
        "ALTER TABLE cart_items DROP CONSTRAINT cart_items_cart_id_product_id_key;",
        {"SCH007", "SCH021"},  # its index also served cart_id
    ),
    (
        "composite-unique-deferrable",
        "ALTER TABLE cart_items DROP CONSTRAINT cart_items_cart_id_product_id_key;"
        "ALTER TABLE cart_items ADD UNIQUE (cart_id, product_id) DEFERRABLE INITIALLY DEFERRED;",
        {"SCH007"},
    ),
    ("username-nullable", "ALTER TABLE users ALTER COLUMN username DROP NOT NULL;", {"SCH003"}),
    (
        "cart-items-no-primary-key",
        "ALTER TABLE cart_items DROP CONSTRAINT cart_items_pkey;",
        {"SCH008"},
    ),
    ("carts-fk-triggers-disabled", "ALTER TABLE carts DISABLE TRIGGER ALL;", {"SCH010"}),
    (
        "rule-swallows-negative-prices",
        "CREATE RULE products_drop_negative AS ON INSERT TO products"
        " WHERE NEW.price < 0 DO INSTEAD NOTHING;",
        {"SCH010"},
    ),
    # equivalent forms: must pass
    (
        "two-bounds-instead-of-between",
        "ALTER TABLE users DROP CONSTRAINT users_username_length;"
        "ALTER TABLE users ADD CHECK (length(username) >= 3 AND length(username) <= 64);",
        set(),
    ),
    (
        "separate-checks-per-bound",
        "ALTER TABLE users DROP CONSTRAINT users_email_length;"
        "ALTER TABLE users ADD CHECK (char_length(email) >= 3);"
        "ALTER TABLE users ADD CHECK (254 >= char_length(email));",
        set(),
    ),
    (
        "upper-index",
        "DROP INDEX users_email_lower_key;"
        "CREATE UNIQUE INDEX users_email_upper_key ON users (upper(email));",
        set(),
    ),
    (
        "varchar-upper-bound",
        "ALTER TABLE users DROP CONSTRAINT users_username_length;"
        "ALTER TABLE users ALTER COLUMN username TYPE varchar(64);"
        "ALTER TABLE users ADD CHECK (char_length(username) >= 3);",
        set(),
    ),
    (
        "price-domain",
        "CREATE DOMAIN money_amount AS numeric(12,2) CHECK (VALUE >= 0);"
        "ALTER TABLE products DROP CONSTRAINT products_price_non_negative;"
        "ALTER TABLE products ALTER COLUMN price TYPE money_amount;",
        set(),
    ),
    (
        "quantity-at-least-one",
        "ALTER TABLE cart_items DROP CONSTRAINT cart_items_quantity_positive;"
        "ALTER TABLE cart_items ADD CHECK (quantity BETWEEN 1 AND 1000);",
        set(),
    ),
]

CITEXT = (
    "citext-email",
    "CREATE EXTENSION IF NOT EXISTS citext;"
    "DROP INDEX users_email_lower_key;"
    "ALTER TABLE users ALTER COLUMN email TYPE citext;"
    "ALTER TABLE users ADD UNIQUE (email);",
    set(),
)
ICU = (
    "case-insensitive-collation",
    "CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2',"
    " deterministic = false);"
    "DROP INDEX users_email_lower_key;"
    "ALTER TABLE users ALTER COLUMN email TYPE text COLLATE case_insensitive;"
    "ALTER TABLE users ADD UNIQUE (email);",
    set(),
)


def audit(dsn: str, *, probe: bool, touched: str = "") -> set[str]:
    """Rule ids found; with ``probe``, the requirements on tables named in ``touched`` are
    probed (all when empty)."""
    requirements = load_rule_packs()
    with connect(dsn) as conn:
        model = build_live_model(conn)
    probed = [r for r in requirements if not touched or f" {r.table.split('.')[-1]} " in touched]
    probes = tuple(prove(dsn, model, probed)) if probe else None
    findings, errors = run_rules(
        rules_of("schema"), SchemaSubject(model, tuple(requirements), probes)
    )
    assert not errors
    return {f.rule_id for f in findings}


def build(dsn: str, extra: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(REFERENCE_SQL.encode())
        if extra:
            conn.execute(extra.encode())


@pytest.mark.parametrize(("name", "extra", "expected"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_variant_yields_exactly_the_expected_findings(
    fresh_db: str, name: str, extra: str, expected: set[str]
) -> None:
    build(fresh_db, extra)
    probe = not expected or expected == {"SCH010"}
    assert audit(fresh_db, probe=probe, touched=extra) == expected


@pytest.mark.parametrize(
    "extra",
    [
        "ALTER TABLE carts DISABLE TRIGGER ALL;",
        "CREATE RULE products_drop_negative AS ON INSERT TO products"
        " WHERE NEW.price < 0 DO INSTEAD NOTHING;",
    ],
    ids=["disabled-fk-triggers", "rewrite-rule"],
)
def test_what_only_probing_catches(fresh_db: str, extra: str) -> None:
    build(fresh_db, extra)
    assert audit(fresh_db, probe=False) == set()


def test_invalid_unique_index_does_not_count(fresh_db: str) -> None:
    build(fresh_db, "DROP INDEX users_email_lower_key;")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (username, email, password_hash) VALUES"
            " ('alice', 'A@example.org', 'x'), ('alicia', 'a@example.org', 'x')"
        )
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "CREATE UNIQUE INDEX CONCURRENTLY users_email_lower_key ON users (lower(email))"
            )
        conn.execute("DELETE FROM users")
    assert audit(fresh_db, probe=False) == {"SCH006"}


@pytest.mark.parametrize("variant", [CITEXT, ICU], ids=[CITEXT[0], ICU[0]])
def test_case_insensitive_forms_pass(fresh_db: str, variant: tuple[str, str, set[str]]) -> None:
    name, extra, expected = variant
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        if name == "citext-email":
            row = conn.execute(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'citext'"
            ).fetchone()
            if not row or not row[0]:
                pytest.skip("citext is not available on this server")
        else:
            try:
                conn.execute(
                    "CREATE COLLATION probe_ci (provider = icu, locale = 'und-u-ks-level2',"
                    " deterministic = false)"
                )
            except psycopg.Error:
                pytest.skip("this server has no ICU support")
    build(fresh_db, extra)
    assert audit(fresh_db, probe=True, touched=extra) == expected


def test_findings_say_what_was_required_found_and_how_to_fix(fresh_db: str) -> None:
    build(
        fresh_db,
        "ALTER TABLE users DROP CONSTRAINT users_username_length;"
        "ALTER TABLE users ADD CHECK (char_length(username) BETWEEN 1 AND 500);"
        "DROP INDEX users_email_lower_key; ALTER TABLE users ADD UNIQUE (email);"
        "ALTER TABLE carts DROP CONSTRAINT carts_user_id_fkey;"
        "ALTER TABLE carts ADD CONSTRAINT carts_user_id_fkey FOREIGN KEY (user_id)"
        " REFERENCES users (id);",
    )
    requirements = load_rule_packs()
    with connect(fresh_db) as conn:
        model = build_live_model(conn)
    findings, _ = run_rules(rules_of("schema"), SchemaSubject(model, tuple(requirements)))
    by_id = {f.rule_id: f for f in findings}
    assert set(by_id) == {"SCH004", "SCH006", "SCH009"}
    length = by_id["SCH004"]
    assert "within 3..64" in length.message and "<= 500" in length.message
    assert length.location.object == "public.users.username"
    assert length.fix is not None and "BETWEEN 3 AND 64" in length.fix
    unique = by_id["SCH006"]
    assert "case-sensitive UNIQUE(email)" in unique.message
    assert unique.fix is not None and "(lower(email))" in unique.fix
    fk = by_id["SCH009"]
    assert "ON DELETE NO ACTION" in fk.message
    assert fk.fix is not None and "ON DELETE CASCADE" in fk.fix
    # a requirement's severity comes from the pack
    assert unique.severity.label == "critical"
