"""Static model: PostgreSQL naming rules, unmodeled statements, uncertain requirements."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.catalog.names import make_object_name
from auditor.catalog.static import StaticBuilder, StaticModel
from auditor.core.family import AuditContext
from auditor.families.schema.rulepacks import load_rule_packs
from auditor.families.schema.static_family import StaticOptions, StaticSchemaFamily
from auditor.families.schema.static_rules import StaticSubject, uncertain_requirements
from tests.paths import REPO_ROOT


def build(sql: str, file: str = "m.sql") -> StaticModel:
    builder = StaticBuilder()
    builder.add_sql(sql, file)
    return builder.build()


@pytest.mark.parametrize(
    ("name1", "name2", "label", "expected"),
    [
        ("users", "email", "key", "users_email_key"),
        ("carts", "user_id", "fkey", "carts_user_id_fkey"),
        ("t" * 70, None, "pkey", "t" * 58 + "_pkey"),
        ("a" * 40, "b" * 40, "key", "a" * 29 + "_" + "b" * 29 + "_key"),
        ("é" * 40, None, "check", "é" * 28 + "_check"),  # never splits a 2-byte character
    ],
)
def test_make_object_name(name1: str, name2: str | None, label: str, expected: str) -> None:
    assert make_object_name(name1, name2, label) == expected
    assert len(make_object_name(name1, name2, label).encode()) <= 63


def test_default_names_and_collisions() -> None:
    model = build(
        "CREATE TABLE Users (id serial PRIMARY KEY, Email text UNIQUE, n int CHECK (n > 0));"
        "ALTER TABLE users ADD CHECK (n < 10);"
        "ALTER TABLE users ADD UNIQUE (email);"
        "CREATE INDEX ON users (lower(email)); CREATE INDEX ON users (lower(email));"
    ).model
    users = model.table("users")
    assert users is not None
    assert [c.name for c in users.checks] == ["users_n_check", "users_n_check1"]
    assert {i.name for i in users.indexes} == {
        "users_pkey",
        "users_email_key",
        "users_email_key1",
        "users_lower_idx",
        "users_lower_idx1",
    }
    id_col = users.column("id")
    assert id_col is not None and id_col.type == "integer" and id_col.not_null
    assert id_col.default is not None and "nextval('users_id_seq'" in id_col.default


def test_do_block_is_unmodeled_and_requirement_uncertain(tmp_path: Path) -> None:
    sql = (
        "CREATE TABLE users (id bigint PRIMARY KEY, username text NOT NULL);\n"
        "DO $$ BEGIN\n"
        "  ALTER TABLE users ADD CONSTRAINT users_username_length\n"
        "    CHECK (char_length(username) BETWEEN 3 AND 64);\n"
        "END $$;\n"
        "SELEKT broken;\n"
        "CREATE INDEX users_username_idx ON users (username);\n"
    )
    static = build(sql, "migrations/1/up.sql")
    assert [(u.file, u.line) for u in static.unmodeled] == [
        ("migrations/1/up.sql", 2),
        ("migrations/1/up.sql", 6),
    ]
    assert static.unmodeled[0].first_words.startswith("DO $$ BEGIN")
    assert static.unmodeled[0].tables == ("public.users",)
    assert static.statements == 4 and static.modeled == 2
    users = static.model.table("users")
    assert users is not None and [i.name for i in users.indexes] == [
        "users_pkey",
        "users_username_idx",
    ]
    requirements = tuple(r for r in load_rule_packs() if r.table == "public.users")
    uncertain = uncertain_requirements(StaticSubject(static, requirements))
    assert {r.id for r in uncertain} == {r.id for r in requirements}


def test_static_family_reports_uncertain_not_pass(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    ref = REPO_ROOT / "migrations"
    for folder in ref.iterdir():
        (migrations / folder.name).mkdir(parents=True)
        text = (folder / "up.sql").read_text()
        if folder.name.endswith("create_users"):
            text = text.replace(
                "    CONSTRAINT users_username_length CHECK (char_length(username) BETWEEN 3 AND 64),\n",
                "",
            )
            text += (
                "\nDO $$ BEGIN ALTER TABLE users ADD CONSTRAINT users_username_length "
                "CHECK (char_length(username) BETWEEN 3 AND 64); END $$;\n"
            )
        (migrations / folder.name / "up.sql").write_text(text)
    users_sql = next(migrations.glob("*create_users/up.sql")).read_text()
    do_line = users_sql.count("\n", 0, users_sql.index("DO $$")) + 1
    ctx = AuditContext(project=tmp_path, migrations=migrations)
    result = StaticSchemaFamily(StaticOptions(force=True)).run(ctx)
    ids = {f.rule_id for f in result.findings}
    assert ids == {"STA001", "STA002"}, [f.message for f in result.findings]
    sta001 = next(f for f in result.findings if f.rule_id == "STA001")
    assert sta001.location.file is not None and sta001.location.file.endswith("create_users/up.sql")
    assert sta001.location.line == do_line
    uncertain = {dict(f.evidence)["requirement"] for f in result.findings if f.rule_id == "STA002"}
    assert "users-username-length" in uncertain
    assert not any("users-username-length" in v.what for v in result.verified)
    assert any("products-price-exact" in v.what for v in result.verified)


def test_sch_findings_point_to_the_migration(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    (migrations / "2024-01-01-000001_t").mkdir(parents=True)
    (migrations / "2024-01-01-000001_t" / "up.sql").write_text(
        "-- products without guards\nCREATE TABLE products (\n  id bigint PRIMARY KEY,\n"
        "  name text NOT NULL,\n  price double precision NOT NULL\n);\n"
    )
    result = StaticSchemaFamily(StaticOptions(force=True)).run(
        AuditContext(project=tmp_path, migrations=migrations)
    )
    price = [f for f in result.findings if f.location.object == "public.products.price"]
    assert price, [str(f.location) for f in result.findings]
    assert {(f.location.file, f.location.line) for f in price} == {
        ("migrations/2024-01-01-000001_t/up.sql", 2)
    }


def test_unsplittable_file_keeps_the_statements_before_the_bad_token() -> None:
    static = build(
        "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nCOMMENT ON TABLE a IS 'oops;\n",
        "m.sql",
    )
    assert [t.name for t in static.model.tables] == ["a", "b"]
    assert [(u.line, u.reason.startswith("cannot split")) for u in static.unmodeled] == [(3, True)]


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE USER app PASSWORD 'Static_Pw_1';\n",
        "CREATE USER app ENCRYPTED PASSWORD 'Static_Pw_1';\n",
        "CREATE USER app PASSWORD 'Static_Pw_1 with spaces';\n",
        "ALTER USER app PASSWORD E'Static_Pw_1';\n",
        "CREATE USER MAPPING FOR app SERVER s OPTIONS (password 'Static_Pw_1');\n",
        "CREATE USER app PASSWORD 'Static_Pw_1\n",  # unterminated: the file cannot be split
    ],
)
def test_unmodeled_snippets_never_show_a_password(sql: str) -> None:
    """STA001 quotes the statement's first words: a password literal there is redacted."""
    static = build(sql, "m.sql")
    assert static.unmodeled, "expected an unmodeled statement"
    for entry in static.unmodeled:
        assert "Static_Pw_1" not in entry.first_words + entry.reason, entry
