"""Hardening rules on the audited database's objects: grants to PUBLIC, SECURITY DEFINER
functions, row-level security, extensions and untrusted languages."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.families.hardening.policy import FAMILY, HardeningAudit

# --- privileges granted to PUBLIC --------------------------------------------------


@rule("HRD009", FAMILY, Severity.HIGH, "No schema grants CREATE to PUBLIC")
def public_create_on_schema(audit: HardeningAudit) -> Iterator[Hit]:
    """``CREATE`` on a schema (``public`` above all) is granted to ``PUBLIC``.

    Any role can then plant a function or operator that shadows one the application
    calls through ``search_path`` (CVE-2018-1058), and run code as whoever calls it.
    PostgreSQL 15 stopped granting it by default; upgraded clusters keep it.

    Bad:

        GRANT CREATE ON SCHEMA public TO PUBLIC;

    Good:

        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    """
    for grant in audit.facts.schema_grants:
        if grant.privilege == "CREATE":
            yield Hit(
                message=f"CREATE on schema {grant.schema} is granted to PUBLIC",
                location=Location(object=f"schema:{grant.schema}"),
                fix=f"REVOKE CREATE ON SCHEMA {grant.schema} FROM PUBLIC;",
                evidence=(("schema", grant.schema), ("grantee", "PUBLIC"), ("privilege", "CREATE")),
            )


@rule(
    "HRD010",
    FAMILY,
    Severity.MEDIUM,
    "No table, sequence or function privilege is granted to PUBLIC",
)
def public_object_grants(audit: HardeningAudit) -> Iterator[Hit]:
    """A table, view, sequence or function in an application schema grants a privilege
    to ``PUBLIC`` (every role, present and future). Functions get ``EXECUTE`` for
    PUBLIC by default, so they are reported as low.

    Bad:

        GRANT SELECT ON users TO PUBLIC;

    Good:

        REVOKE ALL ON users FROM PUBLIC;
        GRANT SELECT ON users TO app_read;
        ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
    """
    for grant in audit.facts.public_grants:
        what = "ALL" if grant.kind != "function" else "EXECUTE"
        target = {"sequence": "SEQUENCE ", "function": "FUNCTION "}.get(grant.kind, "")
        yield Hit(
            message=f"{grant.kind} {grant.schema}.{grant.name} grants {', '.join(grant.privileges)} to PUBLIC",
            location=Location(object=f"{grant.schema}.{grant.name}"),
            fix=f"REVOKE {what} ON {target}{grant.schema}.{grant.name} FROM PUBLIC;",
            evidence=(
                ("object", f"{grant.schema}.{grant.name}"),
                ("kind", grant.kind),
                ("grantee", "PUBLIC"),
                ("privileges", ", ".join(grant.privileges)),
            ),
            severity=Severity.LOW if grant.kind == "function" else None,
        )


# --- SECURITY DEFINER -------------------------------------------------------------


def search_path_of(config: tuple[str, ...]) -> list[str] | None:
    """The schemas of a ``search_path=...`` entry in ``proconfig``, or None when unset."""
    for entry in config:
        name, _, value = entry.partition("=")
        if name.strip().lower() == "search_path":
            return [p.strip().strip('"') for p in value.split(",") if p.strip()]
    return None


@rule(
    "HRD011", FAMILY, Severity.HIGH, "SECURITY DEFINER functions pin search_path with pg_temp last"
)
def definer_search_path(audit: HardeningAudit) -> Iterator[Hit]:
    """A ``SECURITY DEFINER`` function (not from an extension) has no ``SET search_path``,
    or lists ``pg_temp`` before the end.

    The function runs with its owner's rights but resolves names through the caller's
    ``search_path``: a caller who can create objects in any schema on that path (or
    in ``pg_temp``, searched first unless placed last) makes it run their code.

    Bad:

        CREATE FUNCTION admin.grant_credit(uid int) RETURNS void
          LANGUAGE sql SECURITY DEFINER AS $$ UPDATE accounts ... $$;

    Good:

        CREATE FUNCTION admin.grant_credit(uid int) RETURNS void
          LANGUAGE sql SECURITY DEFINER SET search_path = admin, pg_temp
          AS $$ UPDATE admin.accounts ... $$;
    """
    for fn in audit.facts.definer_functions:
        path = search_path_of(fn.config)
        qualified = f"{fn.schema}.{fn.name}"
        if path is None:
            problem = "has no pinned search_path"
        elif "pg_temp" in path and path[-1] != "pg_temp":
            problem = f"lists pg_temp before the end of its search_path ({', '.join(path)})"
        else:
            continue
        yield Hit(
            message=f"SECURITY DEFINER function {qualified} {problem}",
            location=Location(object=qualified),
            fix=f"ALTER FUNCTION {qualified} SET search_path = {fn.schema}, pg_temp;",
            evidence=(
                ("function", qualified),
                ("owner", fn.owner),
                ("proconfig", "; ".join(fn.config) or "none"),
            ),
        )


# --- row-level security on personal data ------------------------------------------


def personal_columns(columns: tuple[str, ...], patterns: tuple[str, ...]) -> list[str]:
    """The columns whose names match one of ``patterns`` (case-insensitive globs)."""
    lowered = [p.lower() for p in patterns]
    return [c for c in columns if any(fnmatch.fnmatchcase(c.lower(), p) for p in lowered)]


@rule("HRD012", FAMILY, Severity.MEDIUM, "Tables holding personal data have row-level security")
def personal_data_without_rls(audit: HardeningAudit) -> Iterator[Hit]:
    """A table has a column matching ``personal-data-columns`` (default: email,
    password, ssn-like names) and row-level security is not enabled. Informational,
    medium when ``require-rls = true``.

    Without RLS every role with SELECT on the table reads every person's row; one
    missing ``WHERE user_id = ...`` in the application leaks them all.

    Bad:

        CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);

    Good:

        ALTER TABLE users ENABLE ROW LEVEL SECURITY;
        ALTER TABLE users FORCE ROW LEVEL SECURITY;
        CREATE POLICY own_row ON users USING (id = current_setting('app.user_id')::bigint);
    """
    for table in audit.facts.tables:
        matched = personal_columns(table.columns, audit.policy.personal_data_columns)
        if matched and not table.rls_enabled:
            qualified = f"{table.schema}.{table.name}"
            yield Hit(
                message=f"table {qualified} holds personal data ({', '.join(matched)}) without row-level security",
                location=Location(object=qualified),
                fix=f"ALTER TABLE {qualified} ENABLE ROW LEVEL SECURITY; -- then CREATE POLICY ...",
                evidence=(
                    ("table", qualified),
                    ("personal columns", ", ".join(matched)),
                    ("relrowsecurity", "false"),
                ),
                severity=Severity.MEDIUM if audit.policy.require_rls else Severity.INFO,
            )


@rule("HRD013", FAMILY, Severity.LOW, "Row-level security is forced for the table owner")
def rls_not_forced(audit: HardeningAudit) -> Iterator[Hit]:
    """A table has row-level security enabled but not forced: its owner (usually the
    role the application or the migrations connect as) bypasses every policy.

    Bad:

        ALTER TABLE users ENABLE ROW LEVEL SECURITY;

    Good:

        ALTER TABLE users ENABLE ROW LEVEL SECURITY;
        ALTER TABLE users FORCE ROW LEVEL SECURITY;
    """
    for table in audit.facts.tables:
        if table.rls_enabled and not table.rls_forced:
            qualified = f"{table.schema}.{table.name}"
            yield Hit(
                message=f"table {qualified} has row-level security enabled but not forced for its owner {table.owner}",
                location=Location(object=qualified),
                fix=f"ALTER TABLE {qualified} FORCE ROW LEVEL SECURITY;",
                evidence=(
                    ("table", qualified),
                    ("owner", table.owner),
                    ("relforcerowsecurity", "false"),
                    ("policies", str(table.policies)),
                ),
            )


# --- extensions and untrusted languages ------------------------------------------


@rule("HRD016", FAMILY, Severity.MEDIUM, "No extension from the deny-list is installed")
def denied_extensions(audit: HardeningAudit) -> Iterator[Hit]:
    """An extension listed in ``extension-deny-list`` (default: adminpack, dblink,
    file_fdw) is installed in the audited database.

    These reach outside the database: server files, other servers with stored
    credentials. Each one widens what a stolen application role can do.

    Bad:

        CREATE EXTENSION dblink;

    Good:

        DROP EXTENSION dblink;     -- or allow it explicitly in the configuration
    """
    denied = {name.lower() for name in audit.policy.extension_deny_list}
    for ext in audit.facts.extensions:
        if ext.name.lower() in denied:
            yield Hit(
                message=f"extension {ext.name} {ext.version} is installed (deny-listed)",
                location=Location(object=f"extension:{ext.name}"),
                fix=f"DROP EXTENSION {ext.name};",
                evidence=(
                    ("extension", ext.name),
                    ("version", ext.version),
                    ("schema", ext.schema),
                ),
            )


@rule("HRD017", FAMILY, Severity.HIGH, "Functions in untrusted languages are owned by superusers")
def untrusted_language_functions(audit: HardeningAudit) -> Iterator[Hit]:
    """A function written in an untrusted language (``plpython3u``, ``plperlu``, ``c``,
    ...), not from an extension, is owned by a role that is not a superuser.

    Untrusted languages reach the operating system as the server's user. Their
    functions can be created only by superusers; handing one to an ordinary owner
    lets that owner replace its body (``CREATE OR REPLACE``) with arbitrary code.

    Bad:

        CREATE FUNCTION util.sh(cmd text) RETURNS text LANGUAGE plpython3u AS $$...$$;
        ALTER FUNCTION util.sh(text) OWNER TO app;

    Good:

        ALTER FUNCTION util.sh(text) OWNER TO postgres;   -- or drop it
    """
    for fn in audit.facts.untrusted_functions:
        qualified = f"{fn.schema}.{fn.name}"
        yield Hit(
            message=f"function {qualified} in untrusted language {fn.language} is owned by non-superuser {fn.owner}",
            location=Location(object=qualified),
            fix=f"ALTER FUNCTION {qualified} OWNER TO postgres;  -- or DROP FUNCTION",
            evidence=(("function", qualified), ("language", fn.language), ("owner", fn.owner)),
        )
