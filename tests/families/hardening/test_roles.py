"""The hardening family as a non-superuser: every control runs or is skipped with the
missing privilege named; nothing unread is passed; and it never writes."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from auditor.core.config import Config
from auditor.core.family import AuditContext
from auditor.core.findings import FamilyResult
from auditor.core.rules import rules_of
from auditor.db.target import target_for
from auditor.families.hardening.collect import READ_ALL_SETTINGS
from auditor.families.hardening.family import HardeningFamily
from auditor.families.hardening.policy import FAMILY
from tests.paths import REPO_ROOT
from tests.pg import PgServer

README = REPO_ROOT / "README.md"


def readme_role_sql(role: str) -> list[str]:
    """The README's minimal auditing role, for role ``role``, as statements."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- minimal-auditing-role.*?-->\s*```sql\n(.*?)```", text, re.DOTALL)
    assert match, "README has no minimal-auditing-role block"
    body = re.sub(r"\bauditor\b", role, match.group(1))
    return [s.strip() for s in body.split(";") if s.strip()]


class Roles:
    """Unique cluster-wide roles, dropped (with what they own in ``dsn``) afterwards."""

    def __init__(self, server: PgServer, dsn: str) -> None:
        self.server = server
        self.dsn = dsn
        self.names: list[str] = []

    def new(self) -> str:
        name = f"hrd_aud_{uuid.uuid4().hex[:10]}"
        self.names.append(name)
        return name

    def drop(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            for name in self.names:
                if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                    conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        with psycopg.connect(self.server.admin_dsn, autocommit=True) as admin:
            for name in self.names:
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def roles(pg_server: PgServer, fresh_db: str) -> Iterator[Roles]:
    item = Roles(pg_server, fresh_db)
    try:
        yield item
    finally:
        item.drop()


def run_family(dsn: str) -> FamilyResult:
    ctx = AuditContext(
        project=Path("."),
        migrations=Path("migrations"),
        config=Config(),
        database=target_for(dsn, "--db"),
    )
    return HardeningFamily().run(ctx)


def accounted_for(result: FamilyResult) -> None:
    """Every active rule was found, verified or skipped; none both verified and skipped."""
    active = {r.id for r in rules_of(FAMILY)} - {"HRD004"}
    verified = {v.what.split()[0] for v in result.verified}
    skipped = {s.what.split()[0] for s in result.skipped}
    found = {f.rule_id for f in result.findings}
    assert verified | skipped | found == active
    assert not verified & skipped, "a rule with unread facts was reported as passed"
    for item in result.skipped:
        assert "needs " in item.reason


def test_minimal_role_from_readme(fresh_db: str, roles: Roles) -> None:
    role = roles.new()
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for statement in readme_role_sql(role):
            conn.execute(statement)  # type: ignore[arg-type]
    result = run_family(make_conninfo(fresh_db, user=role))
    assert result.errors == ()
    accounted_for(result)
    # only the password hashes stay out of reach
    assert [(s.what.split()[0], s.what.rsplit(": ", 1)[1]) for s in result.skipped] == [
        ("HRD005", "pg_authid")
    ]
    assert "superuser" in result.skipped[0].reason
    assert any(f"role {role}" in n for n in result.notes)
    hba_verified_or_found = {v.what.split()[0] for v in result.verified} | {
        f.rule_id for f in result.findings
    }
    assert "HRD008" in hba_verified_or_found and "HRD006" in hba_verified_or_found


def test_bare_login_role_skips_with_privileges(fresh_db: str, roles: Roles) -> None:
    role = roles.new()
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    result = run_family(make_conninfo(fresh_db, user=role))
    assert result.errors == ()
    accounted_for(result)
    reasons = {s.what.rsplit(": ", 1)[1]: s.reason for s in result.skipped}
    assert reasons["setting:ssl_min_protocol_version"].endswith(f"needs {READ_ALL_SETTINGS}")
    assert (
        "GRANT EXECUTE ON FUNCTION pg_catalog.pg_hba_file_rules()" in reasons["pg_hba_file_rules"]
    )
    assert "superuser" in reasons["pg_authid"]
    verified = {v.what.split()[0] for v in result.verified}
    assert {"HRD005", "HRD006", "HRD008"}.isdisjoint(verified)


# --- read-only proof --------------------------------------------------------------------------

_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.MULTILINE)
_STATEMENT = re.compile(r"LOG:\s+(?:statement|execute [^:]*):\s*(.*)", re.DOTALL)


def logged_statements(log_text: str) -> list[str]:
    """The SQL of every ``statement:``/``execute`` log entry in ``log_text``."""
    starts = [m.start() for m in _ENTRY.finditer(log_text)] + [len(log_text)]
    found = []
    for begin, end in itertools.pairwise(starts):
        match = _STATEMENT.search(log_text[begin:end])
        if match:
            found.append(match.group(1).strip())
    return found


def test_family_only_reads(embedded_server: PgServer) -> None:
    name = embedded_server.create_database("hrd_ro")
    dsn = embedded_server.dsn_for(name)
    roles = Roles(embedded_server, dsn)
    try:
        role = roles.new()
        with psycopg.connect(dsn, autocommit=True) as conn:
            for statement in readme_role_sql(role):
                conn.execute(statement)  # type: ignore[arg-type]
            ident = sql.Identifier(role)
            conn.execute(sql.SQL("ALTER ROLE {} SET log_statement = 'all'").format(ident))
            conn.execute(
                sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(ident)
            )
            row = conn.execute("SHOW data_directory").fetchone()
            assert row is not None
        log = Path(str(row[0])) / "log"
        offset = log.stat().st_size
        result = run_family(make_conninfo(dsn, user=role))
        assert result.errors == ()
        with log.open("r", encoding="utf-8", errors="replace") as handle:
            handle.seek(offset)
            statements = logged_statements(handle.read())
    finally:
        roles.drop()
        embedded_server.drop_database(name)
    assert len(statements) >= 8, "log_statement=all should have logged the collector's queries"
    print(f"{len(statements)} statements logged")
    verbs = {s.split(None, 1)[0].upper() for s in statements}
    assert verbs <= {"SELECT", "WITH", "SHOW"}, statements


def test_logged_statements_parser_sees_writes() -> None:
    log = (
        "2026-11-25 13:00:00.000 UTC [1] LOG:  statement: SELECT 1\n"
        "2026-11-25 13:00:00.001 UTC [1] LOG:  execute <unnamed>: \n"
        "\tINSERT INTO t VALUES (1)\n"
        "2026-11-25 13:00:00.002 UTC [1] DETAIL:  parameters: $1 = 'x'\n"
    )
    assert logged_statements(log) == ["SELECT 1", "INSERT INTO t VALUES (1)"]
