"""Security rules for migrations: secrets, over-broad grants, definer functions, RLS."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.families.lint.model import LintFile, LintStatement
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.rules.common import hit, quoted
from auditor.sql.ddl import QNAME, base_name, literals

REDACTED = "[redacted]"
_PASSWORD_LITERAL = re.compile(r"\bPASSWORD\s+''", re.IGNORECASE)
_ROLE = re.compile(rf"^(?:CREATE|ALTER)\s+(?:ROLE|USER|GROUP)\s+({QNAME})", re.IGNORECASE)
_MAPPING = re.compile(rf"\bUSER\s+MAPPING\b.*?\bFOR\s+({QNAME})", re.IGNORECASE)
_URI_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^@\s/]+@", re.IGNORECASE)
_CONNINFO_PASSWORD = re.compile(r"(?:^|\s)password\s*=\s*\S", re.IGNORECASE)
_GRANTEES = re.compile(
    r"\sTO\s+(.*?)(?:\s+WITH\s+(?:GRANT|ADMIN|INHERIT|SET)\b|\s+GRANTED\s+BY\b|$)"
)
_DEFINER_TARGET = re.compile(
    r"^(?:CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)|ALTER\s+(FUNCTION|PROCEDURE))\s+([^\s(]+)",
    re.IGNORECASE,
)
_GRANT_ALL = re.compile(r"^(?:ALTER\s+DEFAULT\s+PRIVILEGES\b.*?\s)?GRANT\s+ALL\b")
_RLS_OFF = re.compile(
    r"^ALTER\s+TABLE\b.*\b(DISABLE\s+ROW\s+LEVEL\s+SECURITY|NO\s+FORCE\s+ROW\s+LEVEL\s+SECURITY)\b",
    re.IGNORECASE,
)


def _secret_kind(statement: LintStatement) -> str | None:
    """What kind of secret literal the statement holds, or None. Never returns the secret."""
    if "PASSWORD ''" in statement.upper and _PASSWORD_LITERAL.search(statement.masked):
        return "password literal"
    text = statement.text
    if "'" not in text or ("://" not in text and "PASSWORD" not in text.upper()):
        return None  # what both patterns below need: "://", or "password" in any case
    for value in literals(text):
        if _URI_CREDENTIALS.search(value):
            return "connection string with credentials"
        if _CONNINFO_PASSWORD.search(value):
            return "connection string with a password"
    return None


@rule("LNT030", FAMILY, Severity.CRITICAL, "No password or secret literal in SQL")
def secret_literal(file: LintFile) -> Iterator[Hit]:
    """A password or credentials written into a migration end up in git history forever.

    Covers ``CREATE/ALTER ROLE|USER ... PASSWORD '...'``, ``USER MAPPING ...
    OPTIONS (password '...')`` and connection strings with credentials
    (a URL with ``user:password@`` before the host, or ``password=`` in a key/value
    connection string). The
    finding is redacted: it never shows the value.

    Bad:

        CREATE ROLE reporting LOGIN PASSWORD 'hunter2';  -- pragma: allowlist secret

    Good:

        CREATE ROLE reporting LOGIN;  -- password set out of band: \\password reporting
    """
    for statement in file.statements:
        kind = _secret_kind(statement)
        if kind is None:
            continue
        role = _ROLE.match(statement.masked) or _MAPPING.search(statement.masked)
        subject = f" for {quoted(base_name(role.group(1)))}" if role else ""
        yield Hit(
            message=f"{kind}{subject} in {statement.words.split(' ')[0].upper()} statement ({REDACTED})",
            location=Location(file=file.path, line=statement.line),
            fix="remove the secret from SQL; set it out of band (\\password, a secret manager) and rotate it",
            key=f"secret:{subject}:{kind}",
            evidence=(("value", REDACTED),),
        )


def _grantees(statement: LintStatement) -> list[str]:
    upper = statement.upper
    if not (upper.startswith("GRANT") or upper.startswith("ALTER DEFAULT PRIVILEGES")):
        return []
    at = upper.rfind(" TO ")
    if at == -1:
        return []
    match = _GRANTEES.match(upper[at:])
    if not match:
        return []
    return [g.strip().removeprefix("GROUP ").strip() for g in match.group(1).split(",")]


@rule("LNT031", FAMILY, Severity.HIGH, "Nothing is granted to PUBLIC")
def grant_to_public(file: LintFile) -> Iterator[Hit]:
    """``GRANT ... TO PUBLIC`` gives the privilege to every role, present and future.

    Bad:

        GRANT SELECT ON users TO PUBLIC;

    Good:

        GRANT SELECT ON users TO app_readonly;
    """
    for statement in file.statements:
        if "PUBLIC" in _grantees(statement):
            yield hit(
                file,
                statement,
                f"{statement.words} grants to PUBLIC (every role)",
                "grant to a named role instead of PUBLIC",
                key="public",
            )


@rule("LNT032", FAMILY, Severity.MEDIUM, "Privileges are granted one by one, not ALL")
def grant_all(file: LintFile) -> Iterator[Hit]:
    """``GRANT ALL`` hands out TRUNCATE, REFERENCES and TRIGGER along with what was needed.

    Bad:

        GRANT ALL PRIVILEGES ON orders TO app;

    Good:

        GRANT SELECT, INSERT, UPDATE ON orders TO app;
    """
    for statement in file.statements:
        upper = statement.upper
        if upper.startswith(("GRANT", "ALTER")) and _GRANT_ALL.match(upper):
            yield hit(
                file,
                statement,
                f"{statement.words} grants ALL privileges",
                "grant only the privileges the role needs",
                key="all",
            )


@rule("LNT033", FAMILY, Severity.HIGH, "SECURITY DEFINER functions pin their search_path")
def definer_without_search_path(file: LintFile) -> Iterator[Hit]:
    """A ``SECURITY DEFINER`` function without ``SET search_path`` runs the caller's objects as its owner.

    Any role that can create an object in a schema on the caller's search_path
    can shadow a function or operator the body uses, and run code with the
    owner's privileges.

    Bad:

        CREATE FUNCTION purge_user(uid BIGINT) RETURNS void
            LANGUAGE sql SECURITY DEFINER AS $$ DELETE FROM users WHERE id = uid $$;

    Good:

        CREATE FUNCTION purge_user(uid BIGINT) RETURNS void
            LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
            AS $$ DELETE FROM public.users WHERE id = uid $$;
    """
    for statement in file.statements:
        upper = statement.upper
        if "SECURITY DEFINER" not in upper:
            continue
        match = _DEFINER_TARGET.match(statement.masked)
        if not match or re.search(r"\bSET\s+SEARCH_PATH\b", upper):
            continue
        kind = (match.group(1) or match.group(2)).lower()
        name = base_name(match.group(3))
        yield hit(
            file,
            statement,
            f"SECURITY DEFINER {kind} {quoted(name)} has no pinned search_path",
            "add SET search_path = pg_catalog, pg_temp (and schema-qualify the body)",
            key=name,
        )


@rule("LNT034", FAMILY, Severity.HIGH, "Row level security is never switched off")
def rls_disabled(file: LintFile) -> Iterator[Hit]:
    """``DISABLE ROW LEVEL SECURITY`` or ``NO FORCE ROW LEVEL SECURITY`` removes tenant isolation.

    Bad:

        ALTER TABLE invoices DISABLE ROW LEVEL SECURITY;

    Good:

        ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
        ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
    """
    for statement in file.statements:
        if "ROW LEVEL" not in statement.upper:
            continue
        match = _RLS_OFF.match(statement.masked)
        if not match:
            continue
        alter = statement.alter_table
        table = alter.table if alter else "?"
        action = " ".join(match.group(1).upper().split())
        yield hit(
            file,
            statement,
            f"{action} on {quoted(table)} switches off row level security",
            "keep RLS enabled (and forced); change the policies instead",
            key=f"{table}:{action}",
        )
