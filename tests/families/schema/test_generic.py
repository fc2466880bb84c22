"""The generic rules (SCH011-SCH020) on any schema: a weak project and its hardened twin,
on the live model (real PostgreSQL) and on the static model (the migration files)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from auditor.catalog.live import build_live_model
from auditor.catalog.model import CatalogModel
from auditor.catalog.static import build_static_model
from auditor.core.findings import Finding
from auditor.core.rules import rules_of, run_rules
from auditor.db.target import connect
from auditor.families.schema.rulepacks import Requirement
from auditor.families.schema.rules import SchemaSubject
from auditor.families.schema.settings import GenericOptions
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner

GENERIC = {f"SCH{n:03d}" for n in range(11, 21)}

WEAK = """
CREATE TABLE teams (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name VARCHAR(80) NOT NULL);
CREATE TABLE accounts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE
);
CREATE TABLE items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    price REAL NOT NULL CHECK (price >= 0),
    quantity INTEGER NOT NULL
);
"""
WEAK_FINDINGS = [
    ("SCH011", "public.accounts.email"),
    ("SCH012", "public.accounts.email"),
    ("SCH013", "public.items.price"),
    ("SCH015", "public.items.quantity"),
    ("SCH017", "public.accounts.accounts_team_id_fkey"),
]

HARDENED = """
CREATE TABLE teams (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name VARCHAR(80) NOT NULL);
CREATE TABLE accounts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email VARCHAR(254) NOT NULL UNIQUE,
    username TEXT NOT NULL CHECK (char_length(username) BETWEEN 3 AND 64),
    team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX accounts_email_lower_key ON accounts (lower(email));
CREATE UNIQUE INDEX accounts_username_upper_key ON accounts (upper(username));
CREATE INDEX accounts_team_id_idx ON accounts (team_id);
CREATE TABLE items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    price NUMERIC(12, 2) NOT NULL CHECK (price >= 0),
    quantity INTEGER NOT NULL CHECK (quantity >= 0)
);
"""
CITEXT = """
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE accounts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email CITEXT NOT NULL UNIQUE CHECK (char_length(email) <= 254)
);
"""


def _project(root: Path, sql: str) -> Path:
    migrations = root / "migrations"
    step = migrations / "2024-01-01-000000_init"
    step.mkdir(parents=True)
    (step / "up.sql").write_text(sql)
    (step / "down.sql").write_text("SELECT 1;\n")
    return migrations


def _findings(
    model: CatalogModel,
    options: GenericOptions | None = None,
    requirements: tuple[Requirement, ...] = (),
) -> list[Finding]:
    subject = SchemaSubject(
        model, requirements, source="static", generic=options or GenericOptions()
    )
    findings, errors = run_rules(rules_of("schema"), subject)
    assert errors == []
    return findings


def _static(tmp_path: Path, sql: str) -> CatalogModel:
    static = build_static_model(load_migrations(_project(tmp_path, sql)), tmp_path)
    assert static.unmodeled == ()
    return static.model


def _live(dsn: str, tmp_path: Path, sql: str) -> CatalogModel:
    Runner(dsn, load_migrations(_project(tmp_path, sql))).migrate()
    conn = connect(dsn)
    try:
        return build_live_model(conn)
    finally:
        conn.close()


def _ids(findings: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.rule_id, f.location.object or "") for f in findings)


def test_weak_project_static(tmp_path: Path) -> None:
    findings = _findings(_static(tmp_path, WEAK))
    assert _ids(findings) == WEAK_FINDINGS
    # each finding names the migration and line that created the object
    assert {f.location.file for f in findings} == {"migrations/2024-01-01-000000_init/up.sql"}
    assert all(f.location.line and f.location.line > 1 for f in findings)


def test_weak_project_live(fresh_db: str, tmp_path: Path) -> None:
    assert _ids(_findings(_live(fresh_db, tmp_path, WEAK))) == WEAK_FINDINGS


def test_hardened_project_static(tmp_path: Path) -> None:
    assert _ids(_findings(_static(tmp_path, HARDENED))) == []


def test_hardened_project_live(fresh_db: str, tmp_path: Path) -> None:
    assert _ids(_findings(_live(fresh_db, tmp_path, HARDENED))) == []


def test_citext_unique_static(tmp_path: Path) -> None:
    assert _ids(_findings(_static(tmp_path, CITEXT))) == []


def test_citext_unique_live(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'citext'"
        ).fetchone():
            pytest.skip("citext is not available on this server")
    assert _ids(_findings(_live(fresh_db, tmp_path, CITEXT))) == []


# (SQL, the findings of the generic rules): one table per case, pass and fail side by side
CASES: list[tuple[str, list[str]]] = [
    ("CREATE TABLE t (id INT PRIMARY KEY, slug TEXT CHECK (length(slug) BETWEEN 1 AND 60))", []),
    ("CREATE TABLE t (id INT PRIMARY KEY, slug TEXT CHECK (length(slug) >= 1))", ["SCH011"]),
    ("CREATE TABLE t (id INT PRIMARY KEY, body TEXT)", []),  # free text is not an identifier
    (
        "CREATE TABLE t (id INT PRIMARY KEY, login VARCHAR(40) UNIQUE CHECK (login = lower(login)))",
        [],
    ),
    ("CREATE TABLE t (id INT PRIMARY KEY, login VARCHAR(40) UNIQUE)", ["SCH012"]),
    ("CREATE TABLE t (id INT PRIMARY KEY, login VARCHAR(40))", []),  # not unique: not a login
    (
        "CREATE FUNCTION canon(text) RETURNS text AS $$ SELECT lower($1) $$ LANGUAGE sql IMMUTABLE;"
        "CREATE TABLE t (id INT PRIMARY KEY, handle VARCHAR(40) UNIQUE);"
        "CREATE UNIQUE INDEX t_handle_canon ON t (canon(handle))",
        [],
    ),
    ("CREATE TABLE t (id INT PRIMARY KEY, total_cents BIGINT CHECK (total_cents >= 0))", []),
    ("CREATE TABLE t (id INT PRIMARY KEY, fee MONEY CHECK (fee >= 0::money))", ["SCH013"]),
    ("CREATE TABLE t (id INT PRIMARY KEY, amount NUMERIC(10, 2))", ["SCH014"]),
    ("CREATE TABLE t (id INT PRIMARY KEY, balance NUMERIC(10, 2))", []),  # signed by name
    ("CREATE TABLE t (id INT PRIMARY KEY, stock NUMERIC CHECK (stock >= 0))", ["SCH015"]),
    ("CREATE TABLE t (id INT PRIMARY KEY, like_count INT CHECK (like_count > -1))", []),
    (
        "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE t (id INT PRIMARY KEY, "
        "p_id INT REFERENCES p (id)); CREATE INDEX ON t (p_id)",
        ["SCH016"],
    ),
    (
        "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE t (id INT PRIMARY KEY, "
        "p_id INT REFERENCES p (id) ON DELETE SET NULL); CREATE INDEX ON t (p_id) WHERE p_id > 0",
        ["SCH017"],
    ),
    ("CREATE TABLE t (a INT, b INT)", ["SCH018"]),
    (
        "CREATE TABLE a (id INT PRIMARY KEY); CREATE TABLE b (id INT PRIMARY KEY);"
        "CREATE TABLE t (id SERIAL PRIMARY KEY, a_id INT REFERENCES a ON DELETE CASCADE,"
        " b_id INT REFERENCES b ON DELETE CASCADE, at TIMESTAMPTZ DEFAULT now());"
        "CREATE INDEX ON t (a_id); CREATE INDEX ON t (b_id)",
        ["SCH019"],
    ),
    (
        "CREATE TABLE a (id INT PRIMARY KEY); CREATE TABLE b (id INT PRIMARY KEY);"
        "CREATE TABLE t (a_id INT REFERENCES a ON DELETE CASCADE,"
        " b_id INT REFERENCES b ON DELETE CASCADE, PRIMARY KEY (b_id, a_id));"
        "CREATE INDEX ON t (a_id)",
        [],
    ),
    ("CREATE TABLE t (id INT PRIMARY KEY, api_key TEXT)", ["SCH020"]),
    ("CREATE TABLE t (id INT PRIMARY KEY, token_hash TEXT, reset_token CHAR(64))", []),
]


@pytest.mark.parametrize(("sql", "expected"), CASES)
def test_rule_cases(sql: str, expected: list[str], tmp_path: Path) -> None:
    assert sorted(f.rule_id for f in _findings(_static(tmp_path, sql + ";"))) == expected


def test_patterns_and_exemptions_are_settings(tmp_path: Path) -> None:
    model = _static(tmp_path, "CREATE TABLE t (id INT PRIMARY KEY, nick TEXT, api_key TEXT);")
    assert [f.rule_id for f in _findings(model)] == ["SCH020"]
    tuned = GenericOptions(
        patterns={"bounded-text": ("nick",), "secret": ()}, exempt={"all": ("public.other",)}
    )
    assert [f.rule_id for f in _findings(model, tuned)] == ["SCH011"]
    exempt = GenericOptions(exempt={"SCH020": ("public.t.*",)})
    assert _findings(model, exempt) == []


def test_generic_rules_off_and_pack_coverage(tmp_path: Path) -> None:
    model = _static(tmp_path, "CREATE TABLE t (id INT PRIMARY KEY, email TEXT UNIQUE);")
    subject = SchemaSubject(model, (), generic=None)
    assert run_rules(rules_of("schema"), subject) == ([], [])
    covering = Requirement(
        "t-email", "unique-ci", "public.t", _findings(model)[0].severity, "r", columns=("email",)
    )
    ids = {f.rule_id for f in _findings(model, requirements=(covering,))}
    assert "SCH012" not in ids and "SCH006" in ids  # the pack's verdict, once


def test_every_generic_rule_is_documented_with_examples() -> None:
    rules = {r.id: r for r in rules_of("schema")}
    assert rules.keys() >= GENERIC
    for rule_id in GENERIC:
        doc = rules[rule_id].doc
        assert "\nBad:\n" in doc and "\nGood:\n" in doc, rule_id
