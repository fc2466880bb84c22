"""Hardening controls on real servers: create the bad state, see exactly its finding,
then the good state and see none.

Roles are cluster-wide: every role gets a unique name and is dropped afterwards.
Server-wide settings (ssl, listen_addresses, fsync, pg_hba.conf) are never changed
here: their rules are tested on hand-built facts (test_rules.py) and, below,
against a live read of the real value. Per-database settings are changed only on the
test's own database, which is dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from auditor.core.config import Config
from auditor.core.family import AuditContext
from auditor.core.findings import FamilyResult, Finding
from auditor.core.rules import rules_of, run_rules
from auditor.db.target import target_for
from auditor.families.hardening.collect import collect_facts, read_facts
from auditor.families.hardening.family import HardeningFamily
from auditor.families.hardening.policy import FAMILY, HardeningAudit, HardeningPolicy
from auditor.families.hardening.rules import SERVER_RULES
from auditor.families.hardening.versions import major_version, split_version_num
from tests.pg import PgServer


@dataclass
class Lab:
    """A fresh database with a superuser connection and unique, self-cleaning roles."""

    server: PgServer
    dsn: str
    conn: psycopg.Connection[tuple[object, ...]]
    roles: list[str] = field(default_factory=list)

    def role(self, options: str = "NOLOGIN") -> str:
        name = f"hrd_{uuid.uuid4().hex[:10]}"
        self.roles.append(name)
        self.sql(f"CREATE ROLE {name} {options}")
        return name

    def sql(self, statement: str) -> None:
        self.conn.execute(statement)  # type: ignore[arg-type]

    def dsn_as(self, role: str) -> str:
        return make_conninfo(self.dsn, user=role)

    def findings(self, rule_id: str, **policy: object) -> list[Finding]:
        """The findings of ``rule_id`` on this database, audited as the superuser."""
        audit = HardeningAudit(collect_facts(self.dsn), HardeningPolicy(**policy))  # type: ignore[arg-type]
        rules = [r for r in rules_of(FAMILY) if r.id == rule_id]
        found, errors = run_rules(rules, audit)
        assert errors == []
        return found

    def mine(self, rule_id: str, name: str, **policy: object) -> list[Finding]:
        """Findings of ``rule_id`` whose object mentions ``name`` (other roles exist)."""
        return [f for f in self.findings(rule_id, **policy) if name in (f.location.object or "")]


@pytest.fixture
def lab(pg_server: PgServer, fresh_db: str) -> Iterator[Lab]:
    conn = psycopg.connect(fresh_db, autocommit=True)
    item = Lab(pg_server, fresh_db, conn)
    try:
        yield item
    finally:
        for name in reversed(item.roles):
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        conn.close()
        with psycopg.connect(pg_server.admin_dsn, autocommit=True) as admin:
            for name in reversed(item.roles):
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def family_result(dsn: str, config: Config | None = None) -> FamilyResult:
    ctx = AuditContext(
        project=Path("."),
        migrations=Path("migrations"),
        config=config or Config(),
        database=target_for(dsn, "--db"),
    )
    return HardeningFamily().run(ctx)


# --- 1. login superusers ---------------------------------------------------------------


def test_login_superuser(lab: Lab) -> None:
    boss = lab.role("SUPERUSER LOGIN")
    [hit] = lab.mine("HRD001", boss)
    assert ("rolsuper", "true") in hit.evidence
    assert lab.mine("HRD001", boss, allowed_superusers=("postgres", boss)) == []
    lab.sql(f"ALTER ROLE {boss} NOSUPERUSER")
    assert lab.mine("HRD001", boss) == []


def test_login_role_member_of_superuser(lab: Lab) -> None:
    root = lab.role("SUPERUSER NOLOGIN")
    app = lab.role("LOGIN")
    lab.sql(f"GRANT {root} TO {app}")
    hits = lab.mine("HRD001", app)
    assert [h.location.object for h in hits] == [f"role:{app}"]
    assert ("member of superuser", root) in hits[0].evidence
    lab.sql(f"REVOKE {root} FROM {app}")
    assert lab.mine("HRD001", app) == []
    if lab.server.version() >= 160000:  # a membership without SET cannot become the superuser
        lab.sql(f"GRANT {root} TO {app} WITH SET FALSE")
        assert lab.mine("HRD001", app) == []


# --- 2. privileged attributes ------------------------------------------------------------


def test_privileged_attributes(lab: Lab) -> None:
    name = lab.role("NOLOGIN BYPASSRLS CREATEDB")
    [hit] = lab.mine("HRD002", name)
    assert ("attributes", "BYPASSRLS, CREATEDB") in hit.evidence
    assert lab.mine("HRD002", name, privileged_roles=(name,)) == []
    lab.sql(f"ALTER ROLE {name} NOBYPASSRLS NOCREATEDB")
    assert lab.mine("HRD002", name) == []


# --- 3. login roles: connection limit, expiry, md5 ---------------------------------------


def test_connection_limit_and_expiry(lab: Lab) -> None:
    name = lab.role("LOGIN")
    [hit] = lab.mine("HRD003", name)
    assert ("rolconnlimit", "-1") in hit.evidence
    assert lab.mine("HRD004", name) == []  # not required by default
    assert len(lab.mine("HRD004", name, require_password_expiry=True)) == 1
    lab.sql(f"ALTER ROLE {name} CONNECTION LIMIT 5 VALID UNTIL '2030-01-01'")
    assert lab.mine("HRD003", name) == []
    assert lab.mine("HRD004", name, require_password_expiry=True) == []


def test_md5_password(lab: Lab) -> None:
    lab.sql("SET password_encryption = 'md5'")
    name = lab.role("LOGIN PASSWORD 'not-a-real-secret-1'")
    [hit] = lab.mine("HRD005", name)
    assert hit.location.object == f"role:{name}"
    assert all("not-a-real-secret" not in v and "md5" in v for k, v in hit.evidence if k != "role")
    lab.sql("SET password_encryption = 'scram-sha-256'")
    lab.sql(f"ALTER ROLE {name} PASSWORD 'not-a-real-secret-2'")
    assert lab.mine("HRD005", name) == []


def test_password_encryption_per_database(lab: Lab) -> None:
    dbname = conninfo_to_dict(lab.dsn)["dbname"]
    lab.sql(f"ALTER DATABASE {dbname} SET password_encryption = 'md5'")
    [hit] = lab.mine("HRD005", "password_encryption")
    assert ("source", "database") in hit.evidence
    lab.sql(f"ALTER DATABASE {dbname} RESET password_encryption")
    assert lab.mine("HRD005", "password_encryption") == []


# --- 4, 5, 11. server-wide settings: the rule agrees with a live read ---------------------


SERVER_SETTINGS: list[tuple[str, str, Callable[[str], bool]]] = [
    ("HRD006", "ssl", lambda v: v == "off"),
    ("HRD006", "ssl_min_protocol_version", lambda v: v in ("", "TLSv1", "TLSv1.1")),
    ("HRD007", "listen_addresses", lambda v: "*" in v or "0.0.0.0" in v),
    ("HRD015", "fsync", lambda v: v == "off"),
    ("HRD015", "full_page_writes", lambda v: v == "off"),
]


def test_server_settings_read_live(lab: Lab) -> None:
    for rule_id, name, bad in SERVER_SETTINGS:
        row = lab.conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
        assert row is not None
        actual = str(row[0])
        hits = lab.mine(rule_id, f"setting:{name}")
        assert len(hits) == (1 if bad(actual) else 0), (name, actual)
        for hit in hits:
            assert (name, actual or "''") in hit.evidence


# --- 6. pg_hba.conf ---------------------------------------------------------------------


def test_hba_rules_read_live(lab: Lab) -> None:
    rows = lab.conn.execute(
        "SELECT line_number, type, auth_method FROM pg_hba_file_rules WHERE error IS NULL"
    ).fetchall()
    assert rows, "a running server has pg_hba.conf lines"
    hits = lab.findings("HRD008")
    weak = {int(str(n)) for n, _, m in rows if m in ("trust", "password", "md5")}
    flagged = {
        int(str(h.location.object).split(":")[1]) for h in hits if "authenticates with" in h.message
    }
    assert flagged == weak


# --- 7. PUBLIC privileges ---------------------------------------------------------------


def test_create_on_public_schema(lab: Lab) -> None:
    lab.sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    assert lab.mine("HRD009", "schema:public") == []
    lab.sql("GRANT CREATE ON SCHEMA public TO PUBLIC")
    [hit] = lab.mine("HRD009", "schema:public")
    assert ("privilege", "CREATE") in hit.evidence
    lab.sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    assert lab.mine("HRD009", "schema:public") == []


def test_public_object_grants(lab: Lab) -> None:
    lab.sql("CREATE TABLE public.accounts (id int)")
    lab.sql("CREATE SEQUENCE public.ticket_seq")
    lab.sql("CREATE FUNCTION public.answer() RETURNS int LANGUAGE sql AS 'SELECT 42'")
    lab.sql("REVOKE EXECUTE ON FUNCTION public.answer() FROM PUBLIC")
    assert lab.findings("HRD010") == []
    lab.sql("GRANT SELECT ON public.accounts TO PUBLIC")
    lab.sql("GRANT USAGE ON SEQUENCE public.ticket_seq TO PUBLIC")
    lab.sql("GRANT EXECUTE ON FUNCTION public.answer() TO PUBLIC")
    found = {(f.location.object, f.severity.label) for f in lab.findings("HRD010")}
    assert found == {
        ("public.accounts", "medium"),
        ("public.ticket_seq", "medium"),
        ("public.answer()", "low"),
    }
    lab.sql("REVOKE ALL ON public.accounts FROM PUBLIC")
    lab.sql("REVOKE ALL ON SEQUENCE public.ticket_seq FROM PUBLIC")
    lab.sql("REVOKE EXECUTE ON FUNCTION public.answer() FROM PUBLIC")
    assert lab.findings("HRD010") == []


# --- 8. SECURITY DEFINER ------------------------------------------------------------------


def test_security_definer_search_path(lab: Lab) -> None:
    lab.sql(
        "CREATE FUNCTION public.promote(uid int) RETURNS int LANGUAGE sql "
        "SECURITY DEFINER AS 'SELECT uid'"
    )
    [hit] = lab.findings("HRD011")
    assert hit.location.object == "public.promote(uid integer)"
    assert "no pinned search_path" in hit.message
    lab.sql("ALTER FUNCTION public.promote(int) SET search_path = pg_temp, public")
    [hit] = lab.findings("HRD011")
    assert "pg_temp before the end" in hit.message
    lab.sql("ALTER FUNCTION public.promote(int) SET search_path = public, pg_temp")
    assert lab.findings("HRD011") == []


# --- 9. row-level security on personal data -------------------------------------------------


def test_personal_data_rls(lab: Lab) -> None:
    lab.sql("CREATE TABLE public.customers (id int PRIMARY KEY, email text, name text)")
    lab.sql("CREATE TABLE public.products (id int PRIMARY KEY, name text)")
    [hit] = lab.findings("HRD012", require_rls=True)
    assert hit.location.object == "public.customers"
    assert ("personal columns", "email") in hit.evidence
    assert hit.severity.label == "medium"
    [info] = lab.findings("HRD012")
    assert info.severity.label == "info"
    lab.sql("ALTER TABLE public.customers ENABLE ROW LEVEL SECURITY")
    assert lab.findings("HRD012", require_rls=True) == []
    [hit] = lab.findings("HRD013")
    assert hit.location.object == "public.customers"
    lab.sql("ALTER TABLE public.customers FORCE ROW LEVEL SECURITY")
    assert lab.findings("HRD013") == []


# --- 10, 11. logging and debugging settings, scoped to the test's database or session ----------


def session_findings(lab: Lab, rule_id: str, options: str, **policy: object) -> list[Finding]:
    """Findings of ``rule_id`` read through a session started with ``options``: settings
    that can only be set at connection start, scoped to this one session."""
    with psycopg.connect(
        lab.dsn, autocommit=True, options=f"{options} -c default_transaction_read_only=on"
    ) as conn:
        facts = read_facts(conn)
    rules = [r for r in rules_of(FAMILY) if r.id == rule_id]
    found, errors = run_rules(rules, HardeningAudit(facts, HardeningPolicy(**policy)))  # type: ignore[arg-type]
    assert errors == []
    return found


@pytest.mark.parametrize(
    ("rule_id", "name", "bad", "good", "policy"),
    [
        ("HRD014", "log_statement", "none", "ddl", {"require_statement_logging": True}),
        ("HRD014", "log_min_error_statement", "fatal", "error", {}),
        ("HRD015", "allow_system_table_mods", "on", "off", {}),
    ],
)
def test_database_scoped_settings(
    lab: Lab, rule_id: str, name: str, bad: str, good: str, policy: dict[str, object]
) -> None:
    dbname = conninfo_to_dict(lab.dsn)["dbname"]
    lab.sql(f"ALTER DATABASE {dbname} SET {name} = '{bad}'")
    [hit] = lab.mine(rule_id, f"setting:{name}", **policy)
    assert (name, bad) in hit.evidence and ("source", "database") in hit.evidence
    lab.sql(f"ALTER DATABASE {dbname} SET {name} = '{good}'")
    assert lab.mine(rule_id, f"setting:{name}", **policy) == []


CONNECTION_START_SETTINGS = [
    ("HRD014", "log_connections", "off", "on"),
    ("HRD014", "log_disconnections", "off", "on"),
    ("HRD015", "ignore_system_indexes", "on", "off"),
    ("HRD015", "jit_debugging_support", "on", "off"),
]


def test_connection_start_settings(lab: Lab) -> None:
    for rule_id, name, bad, good in CONNECTION_START_SETTINGS:
        hits = session_findings(lab, rule_id, f"-c {name}={bad}")
        mine = [h for h in hits if h.location.object == f"setting:{name}"]
        assert len(mine) == 1 and (name, bad) in mine[0].evidence, name
        hits = session_findings(lab, rule_id, f"-c {name}={good}")
        assert [h for h in hits if h.location.object == f"setting:{name}"] == [], name


# --- 12. extensions and untrusted languages -------------------------------------------------


def test_extension_deny_list(lab: Lab) -> None:
    assert lab.findings("HRD016") == []  # plpgsql only, not denied by default
    [hit] = lab.findings("HRD016", extension_deny_list=("plpgsql",))
    assert hit.location.object == "extension:plpgsql"


def test_untrusted_language_function_owner(lab: Lab) -> None:
    owner = lab.role("NOLOGIN")
    lab.sql("CREATE LANGUAGE plpgsql_untrusted HANDLER plpgsql_call_handler")
    lab.sql(
        "CREATE FUNCTION public.risky() RETURNS int LANGUAGE plpgsql_untrusted "
        "AS 'BEGIN RETURN 1; END'"
    )
    assert lab.findings("HRD017") == []  # owned by the superuser
    lab.sql(f"ALTER FUNCTION public.risky() OWNER TO {owner}")
    [hit] = lab.findings("HRD017")
    assert ("owner", owner) in hit.evidence and ("language", "plpgsql_untrusted") in hit.evidence
    lab.sql("ALTER FUNCTION public.risky() OWNER TO CURRENT_USER")
    assert lab.findings("HRD017") == []


# --- 13. version ------------------------------------------------------------------------------


def test_version_read_live(lab: Lab) -> None:
    num = lab.server.version()
    major, minor = split_version_num(num)
    entry = major_version(major)
    assert entry is not None, f"the version table does not know PostgreSQL {major}"
    behind = lab.findings("HRD019")
    assert len(behind) == (1 if minor < entry.latest_minor else 0)
    for hit in behind:
        assert ("server_version_num", str(num)) in hit.evidence
    assert len(lab.findings("HRD018")) == (1 if entry.end_of_life < HardeningPolicy().today else 0)


# --- the family ---------------------------------------------------------------------------------


def test_family_without_database_is_skipped() -> None:
    ctx = AuditContext(
        project=Path("."),
        migrations=Path("migrations"),
    )
    result = HardeningFamily().run(ctx)
    assert result.findings == () and result.verified == ()
    assert [s.reason for s in result.skipped] == ["no database audited"]
    assert HardeningFamily.needs_database is True


def test_family_as_superuser_reads_everything(lab: Lab) -> None:
    result = family_result(lab.dsn)
    assert result.errors == ()
    assert result.skipped == ()
    accounted = {f.rule_id for f in result.findings} | {v.what.split()[0] for v in result.verified}
    active = {r.id for r in rules_of(FAMILY)} - {"HRD004"}
    assert accounted == active
    assert any("HRD004 not required" in n for n in result.notes)


def test_family_on_throwaway_server_skips_server_controls(lab: Lab) -> None:
    lab.sql(
        "CREATE FUNCTION public.promote() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'"
    )
    ctx = AuditContext(
        project=Path("."),
        migrations=Path("migrations"),
        database=replace(target_for(lab.dsn, "embedded"), disposable=True),
    )
    result = HardeningFamily().run(ctx)
    assert result.errors == ()
    [skipped] = result.skipped
    assert "HRD001" in skipped.what and "HRD008" in skipped.what and "HRD019" in skipped.what
    found = {f.rule_id for f in result.findings}
    assert found & SERVER_RULES == set()
    assert "HRD011" in found  # the database's own objects are still audited
    verified = {v.what.split()[0] for v in result.verified}
    assert verified & SERVER_RULES == set()
