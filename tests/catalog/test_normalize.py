"""normalize_expr: PostgreSQL's deparsed spelling and the migration's spelling agree."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.catalog.normalize import _normalize_parsed, normalize_expr, normalize_identifier

# (as pg_get_constraintdef / pg_get_expr / pg_get_indexdef print it, as a migration writes it)
SAME = [
    # reference schema: checks
    (
        "((char_length(username) >= 3) AND (char_length(username) <= 64))",
        "char_length(username) BETWEEN 3 AND 64",
    ),
    (
        "((char_length(email) >= 3) AND (char_length(email) <= 254))",
        "char_length(email) BETWEEN 3 AND 254",
    ),
    (
        "((char_length(name) >= 1) AND (char_length(name) <= 255))",
        "char_length(name) BETWEEN 1 AND 255",
    ),
    ("(char_length(description) <= 5000)", "char_length(description) <= 5000"),
    ("(price >= (0)::numeric)", "price >= 0"),
    ("(inventory_count >= 0)", "inventory_count >= 0"),
    ("(quantity > 0)", "quantity > 0"),
    # reference schema: index expressions and defaults
    ("lower(username)", "LOWER(username)"),
    ("lower(email)", "lower(Email)"),
    ("now()", "NOW()"),
    ("0", "0"),
    # what PostgreSQL adds or rewrites elsewhere
    ("lower((email)::text)", "lower(email)"),
    (
        "((char_length((username)::text) >= 3) AND (char_length((username)::text) <= 64))",
        "char_length(username) >= 3 AND char_length(username) <= 64",
    ),
    ("(x > '-1'::integer)", "x > -1"),
    ("(x >= 0.5)", "x >= 0.5"),
    ("(status = ANY (ARRAY['a'::text, 'b'::text]))", "status IN ('a', 'b')"),
    (
        "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))",
        "status IN ('a', 'b')",
    ),
    ("(code ~~ 'A%'::text)", "code LIKE 'A%'"),
    ("nextval('users_id_seq'::regclass)", "nextval('users_id_seq')"),
    ("'{}'::jsonb", "'{}'"),
    ("'new'::character varying", "'new'"),
    ("(NOT (deleted IS NULL))", "NOT deleted IS NULL"),
    ("(deleted_at IS NULL)", "deleted_at is null"),
    ('("email" IS NOT NULL)', "email IS NOT NULL"),
    ("((a AND b) AND c)", "a AND (b AND c)"),
    ("((a - b) - c)", "a - b - c"),
    ("(users.email IS NOT NULL)", "email IS NOT NULL"),
    ("(status <> ALL (ARRAY['a'::text, 'b'::text]))", "status NOT IN ('a', 'b')"),
    (
        "((vstatus)::text <> ALL ((ARRAY['a'::character varying, 'b'::character varying])::text[]))",
        "vstatus NOT IN ('a', 'b')",
    ),
    ("(ts > (now() - '1 day'::interval))", "ts > now() - interval '1 day'"),
]

DIFFERENT = [
    ("a - (b - c)", "a - b - c"),
    ("(a OR b) AND c", "a OR b AND c"),
    ("price >= 0", "price > 0"),
    ('"Email" IS NULL', "email IS NULL"),
    ("x::date", "x"),
    ("lower(email)", "upper(email)"),
]


@pytest.mark.parametrize(("deparsed", "source"), SAME)
def test_deparsed_and_source_spellings_normalize_equal(deparsed: str, source: str) -> None:
    assert normalize_expr(deparsed) == normalize_expr(source)


@pytest.mark.parametrize(("left", "right"), DIFFERENT)
def test_different_expressions_stay_different(left: str, right: str) -> None:
    assert normalize_expr(left) != normalize_expr(right)


def test_canonical_text_is_readable_and_stable() -> None:
    text = normalize_expr("char_length(username) BETWEEN 3 AND 64")
    assert text == "length(username) >= 3 AND length(username) <= 64"
    assert normalize_expr(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "007",
        "123456789012345",
        "nextval('t1_id_seq'::regclass)",
        "nextval('app.t1_id_seq'::regclass)",
        "nextval('\"TblQ1_id_seq\"'::regclass)",
        "nextval('app.\"T\"'::regclass)",
        "(c1 > -5)",
        "c1 >= 0",
        "C1 != 3",
        "c1>=0.50",
        "( c1 <= 5 )",
        '"c1" = -0',
        '"Ab" > 0',
        '"user" > 0',
        "user > 0",
        "date > 0",
        "current_date > 0",
        "c1 IS NOT NULL",
        "(c1 is null)",
        "(c1 > 5",
        "c1 > 5)",
        "c1 > 007",
    ],
)
def test_fast_paths_agree_with_the_parser(text: str) -> None:
    assert normalize_expr(text) == _normalize_parsed(text)


@given(
    st.integers(min_value=0, max_value=10**15 - 1).map(str)
    | st.from_regex(r"nextval\('[A-Za-z0-9_.\"]{1,20}'::regclass\)", fullmatch=True)
    | st.from_regex(
        r'\(? ?("?[A-Za-z_][A-Za-z0-9_]{0,8}"?) ?(>=|<=|<>|!=|=|<|>) ?-?[0-9]{1,4}(\.[0-9]{1,3})? ?\)?',
        fullmatch=True,
    )
    | st.from_regex(
        r'\(?("?[A-Za-z_][A-Za-z0-9_]{0,8}"?) (?i:is) (?i:not )?(?i:null)\)?', fullmatch=True
    )
    | st.sampled_from(["date", "time", "name", "user", "type", "current_user", "key"]).map(
        lambda word: f"{word} > 1"
    )
)
def test_fast_paths_agree_with_the_parser_on_generated_text(text: str) -> None:
    assert normalize_expr(text) == _normalize_parsed(text)


def test_unparseable_text_is_whitespace_collapsed() -> None:
    assert normalize_expr("this   is ((( not sql") == "this is ((( not sql"
    assert normalize_expr("  ") == ""


def test_identifiers_fold_like_postgresql() -> None:
    assert normalize_identifier("Users") == "users"
    assert normalize_identifier('"Users"') == "Users"


ROUND_TRIP = [
    "status IN ('a','b')",
    "status NOT IN ('a','b')",
    "vstatus IN ('a','b')",
    "vstatus NOT IN ('a','b')",
    "code LIKE 'A%'",
    "vcode LIKE 'A%'",
    "code ILIKE 'a%'",
    "code ~ '^[a-z]+$'",
    "code IS DISTINCT FROM 'x'",
    "coalesce(code, '') <> ''",
    "price > 0.5",
    "price BETWEEN 0 AND 100",
    "price >= -1.5",
    "qty > -1",
    "(qty > 0 OR qty IS NULL)",
    "qty % 2 = 0",
    "flag = true",
    "NOT flag",
    "d >= CURRENT_DATE",
    "ts > now() - interval '1 day'",
    "lower(vcode) = vcode",
    "char_length(vcode) BETWEEN 1 AND 10",
    "status = 'a' AND price > 0 OR qty > 1",
    "array_length(tags, 1) <= 5",
    "price::int > 0",
    "CASE WHEN flag THEN qty > 0 ELSE true END",
]


def test_postgresql_deparse_round_trip(fresh_db: str) -> None:
    """What PostgreSQL stores for a CHECK normalizes like the text that created it."""
    import psycopg

    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE nt (status text, vstatus varchar(10), code text, vcode varchar(20),"
            " price numeric, qty int, flag bool, d date, ts timestamptz, tags text[])"
        )
        for n, source in enumerate(ROUND_TRIP):
            conn.execute(f"ALTER TABLE nt ADD CONSTRAINT c{n} CHECK ({source})".encode())
        rows = conn.execute(
            "SELECT conname, pg_get_expr(conbin, conrelid) FROM pg_constraint"
            " WHERE conrelid = 'nt'::regclass"
        ).fetchall()
    stored = {name: text for name, text in rows}
    mismatches = [
        (source, stored[f"c{n}"])
        for n, source in enumerate(ROUND_TRIP)
        if normalize_expr(stored[f"c{n}"]) != normalize_expr(source)
    ]
    assert mismatches == []


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("date_trunc('Day', created_at)", "date_trunc('day'::text, created_at)"),
        ("pg_catalog.btrim(code)", "btrim(code)"),
        ("pg_catalog.lower(email)", "lower((email)::text)"),
        ("010", "10"),
        ("-0", "0"),
        ("00.10", "0.10"),
        ("price >= -00.5", "(price >= -0.5)"),
        ("quantity > 0 /* positive */", "(quantity > 0)"),
        ("CASE WHEN a > 0 THEN true END", "CASE WHEN (a > 0) THEN true ELSE NULL::boolean END"),
    ],
)
def test_spellings_postgresql_changes_compare_equal(written: str, stored: str) -> None:
    """A migration's spelling and pg_get_expr's: date_trunc units in any case, functions
    of pg_catalog with or without the schema, numbers without leading zeros or a sign
    on zero, comments (never stored), CASE without ELSE (stored with ELSE NULL)."""
    assert normalize_expr(written) == normalize_expr(stored)
