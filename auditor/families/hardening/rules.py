"""Server hardening rules (HRD): the catalog-readable controls of the CIS PostgreSQL benchmark.

Input: a :class:`HardeningAudit`, the :class:`~auditor.families.hardening.facts.ServerFacts`
read by the collector plus the :class:`HardeningPolicy` from ``[tool.auditor.hardening]``.
Rules are pure. A fact the auditing role could not read is None/absent in the
facts; the rules then yield nothing for it, and the family reports the rule as
skipped with the privilege needed (see :data:`NEEDS`), never as passed.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from auditor.core.config import Config
from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.families.hardening import versions as versions
from auditor.families.hardening.facts import (
    PG_AUTHID,
    PG_HBA,
    HbaLine,
    RoleFact,
    ServerFacts,
    setting_key,
)

FAMILY = "hardening"

DEFAULT_PERSONAL_DATA_COLUMNS = (
    "*email*",
    "*password*",
    "ssn",
    "*_ssn",
    "social_security*",
    "national_id*",
    "tax_id*",
    "passport*",
    "date_of_birth",
)
"""Column-name patterns (shell globs, case-insensitive) that mark a table as holding personal data."""

DEFAULT_EXTENSION_DENY_LIST = ("adminpack", "dblink", "file_fdw")
"""Extensions that reach outside the database (files, other servers) unless allowed."""

CONFIG_KEYS: dict[str, str] = {
    "allowed-superusers": "roles allowed to be login superusers (default: postgres)",
    "privileged-roles": "roles allowed BYPASSRLS, CREATEROLE, CREATEDB or REPLICATION",
    "require-password-expiry": "login roles must have VALID UNTIL (default false)",
    "require-private": "the server must not listen on every address (default false)",
    "require-statement-logging": "log_statement must not be 'none' (default false)",
    "personal-data-columns": "column-name globs marking personal data",
    "require-rls": "tables with personal data must have row-level security (default false)",
    "extension-deny-list": "extensions that must not be installed",
}
"""Keys of ``[tool.auditor.hardening]``."""


@dataclass(frozen=True)
class HardeningPolicy:
    """What the project requires of its server (``[tool.auditor.hardening]``)."""

    allowed_superusers: tuple[str, ...] = ("postgres",)
    privileged_roles: tuple[str, ...] = ()
    require_password_expiry: bool = False
    require_private: bool = False
    require_statement_logging: bool = False
    personal_data_columns: tuple[str, ...] = DEFAULT_PERSONAL_DATA_COLUMNS
    require_rls: bool = False
    extension_deny_list: tuple[str, ...] = DEFAULT_EXTENSION_DENY_LIST
    today: date = field(default_factory=date.today)
    """The day the version table is compared with (a field so tests can fix it)."""

    def inactive_rules(self) -> dict[str, str]:
        """Rules this policy turns off, with why (they are then neither run nor verified)."""
        inactive = {}
        if not self.require_password_expiry:
            inactive["HRD004"] = "require-password-expiry is false"
        return inactive

    @classmethod
    def from_config(cls, config: Config) -> HardeningPolicy:
        """Read and validate ``[tool.auditor.hardening]``; raise ConfigError when invalid."""
        section: Mapping[str, Any] = config.section(FAMILY)
        for key in section:
            if key not in CONFIG_KEYS:
                known = ", ".join(sorted(CONFIG_KEYS))
                raise config.error(f"{FAMILY}.{key}", f"unknown key (known keys: {known})")

        def names(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
            value = section.get(key)
            if value is None:
                return default
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise config.error(f"{FAMILY}.{key}", "must be a list of strings")
            return tuple(value)

        def flag(key: str) -> bool:
            value = section.get(key, False)
            if not isinstance(value, bool):
                raise config.error(f"{FAMILY}.{key}", "must be true or false")
            return value

        return cls(
            allowed_superusers=names("allowed-superusers", ("postgres",)),
            privileged_roles=names("privileged-roles", ()),
            require_password_expiry=flag("require-password-expiry"),
            require_private=flag("require-private"),
            require_statement_logging=flag("require-statement-logging"),
            personal_data_columns=names("personal-data-columns", DEFAULT_PERSONAL_DATA_COLUMNS),
            require_rls=flag("require-rls"),
            extension_deny_list=names("extension-deny-list", DEFAULT_EXTENSION_DENY_LIST),
        )


@dataclass(frozen=True)
class HardeningAudit:
    """What the hardening rules read: the server's facts and the project's policy."""

    facts: ServerFacts
    policy: HardeningPolicy = field(default_factory=HardeningPolicy)


SERVER_RULES = frozenset(
    {"HRD001", "HRD002", "HRD003", "HRD004", "HRD005", "HRD006", "HRD007", "HRD008"}
    | {"HRD014", "HRD015", "HRD018", "HRD019"}
)
"""Rules about the server (roles, settings, pg_hba.conf, version) rather than the objects
of the audited database; meaningless on the tool's own embedded throwaway server."""

NEEDS: dict[str, tuple[str, ...]] = {
    "HRD005": (setting_key("password_encryption"), PG_AUTHID),
    "HRD006": (setting_key("ssl"), setting_key("ssl_min_protocol_version")),
    "HRD007": (setting_key("listen_addresses"),),
    "HRD008": (PG_HBA,),
    "HRD014": tuple(
        setting_key(n)
        for n in (
            "log_connections",
            "log_disconnections",
            "log_statement",
            "log_min_error_statement",
        )
    ),
    "HRD015": tuple(
        setting_key(n)
        for n in (
            "fsync",
            "full_page_writes",
            "ignore_system_indexes",
            "allow_system_table_mods",
            "jit_debugging_support",
        )
    ),
}
"""Facts that need a privilege, per rule; the others read catalogs every role can read."""


def _role(name: str) -> Location:
    return Location(object=f"role:{name}")


def _setting(name: str) -> Location:
    return Location(object=f"setting:{name}")


def _setting_evidence(audit: HardeningAudit, name: str) -> tuple[tuple[str, str], ...]:
    value = audit.facts.setting(name)
    source = audit.facts.setting_source(name)
    evidence = ((name, "''" if value == "" else str(value)),)
    return (*evidence, ("source", source)) if source else evidence


def _is_off(value: str) -> bool:
    return value.strip().lower() in ("off", "false", "0", "", "no")


def _is_on(value: str) -> bool:
    return value.strip().lower() in ("on", "true", "1", "yes")


# --- 1. superusers -------------------------------------------------------------------


@rule("HRD001", FAMILY, Severity.HIGH, "Only allowed roles are superusers that can log in")
def login_superuser(audit: HardeningAudit) -> Iterator[Hit]:
    """A role that can log in is a superuser, or can ``SET ROLE`` to one through
    membership, and is not in ``allowed-superusers``.

    A superuser bypasses every permission check, row-level security included, and can
    run programs on the server (``COPY ... TO PROGRAM``). An application that logs in
    as one turns any SQL injection into full control of the host.

    Bad:

        CREATE ROLE app LOGIN SUPERUSER;

    Good:

        CREATE ROLE app LOGIN NOSUPERUSER;  -- granted only the privileges it uses
    """
    policy = audit.policy
    superusers = {r.name for r in audit.facts.roles if r.superuser}
    for role in audit.facts.roles:
        if not role.login or role.name in policy.allowed_superusers:
            continue
        if role.superuser:
            yield Hit(
                message=f"role {role.name} can log in and is a superuser",
                location=_role(role.name),
                fix=f"ALTER ROLE {role.name} NOSUPERUSER;  -- or list it in allowed-superusers",
                evidence=(("role", role.name), ("rolsuper", "true"), ("rolcanlogin", "true")),
            )
            continue
        via = sorted(superusers.intersection(role.member_of))
        if via:
            yield Hit(
                message=f"login role {role.name} is a member of superuser role {via[0]}",
                location=_role(role.name),
                fix=f"REVOKE {via[0]} FROM {role.name};",
                key="membership",
                evidence=(("role", role.name), ("member of superuser", ", ".join(via))),
            )


# --- 2. privileged attributes --------------------------------------------------------

_ATTRIBUTES = (
    ("bypassrls", "BYPASSRLS"),
    ("createrole", "CREATEROLE"),
    ("createdb", "CREATEDB"),
    ("replication", "REPLICATION"),
)


@rule(
    "HRD002",
    FAMILY,
    Severity.MEDIUM,
    "Only allowed roles hold BYPASSRLS, CREATEROLE, CREATEDB, REPLICATION",
)
def privileged_attributes(audit: HardeningAudit) -> Iterator[Hit]:
    """A role that is not a superuser has ``BYPASSRLS``, ``CREATEROLE``, ``CREATEDB`` or
    ``REPLICATION`` and is not in ``privileged-roles``.

    ``BYPASSRLS`` ignores every row-level security policy; ``CREATEROLE`` can create
    and alter other roles (before 16: grant itself almost anything); ``REPLICATION``
    can stream the whole cluster's data; ``CREATEDB`` can exhaust the server.
    (Superusers hold all four implicitly and are judged by HRD001.)

    Bad:

        CREATE ROLE app LOGIN BYPASSRLS CREATEROLE;

    Good:

        CREATE ROLE app LOGIN NOBYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION;
    """
    allowed = set(audit.policy.privileged_roles) | set(audit.policy.allowed_superusers)
    for role in audit.facts.roles:
        if role.superuser or role.name in allowed:
            continue
        held = [label for attr, label in _ATTRIBUTES if getattr(role, attr)]
        if held:
            yield Hit(
                message=f"role {role.name} has {', '.join(held)}",
                location=_role(role.name),
                fix=f"ALTER ROLE {role.name} {' '.join('NO' + h for h in held)};  -- or list it in privileged-roles",
                evidence=(("role", role.name), ("attributes", ", ".join(held))),
            )


# --- 3. login roles: connection limit, expiry, md5 -----------------------------------


def _ordinary_logins(audit: HardeningAudit) -> Iterator[RoleFact]:
    for role in audit.facts.roles:
        if role.login and not role.superuser:
            yield role


@rule("HRD003", FAMILY, Severity.LOW, "Login roles have a connection limit")
def no_connection_limit(audit: HardeningAudit) -> Iterator[Hit]:
    """A login role (not a superuser) has no connection limit (``rolconnlimit = -1``).

    One leaking or compromised client can then take every connection slot and lock
    everybody else out.

    Bad:

        CREATE ROLE app LOGIN;                      -- CONNECTION LIMIT -1

    Good:

        CREATE ROLE app LOGIN CONNECTION LIMIT 50;
    """
    for role in _ordinary_logins(audit):
        if role.connection_limit < 0:
            yield Hit(
                message=f"login role {role.name} has no connection limit",
                location=_role(role.name),
                fix=f"ALTER ROLE {role.name} CONNECTION LIMIT 50;  -- sized for the application",
                evidence=(("role", role.name), ("rolconnlimit", str(role.connection_limit))),
            )


@rule("HRD004", FAMILY, Severity.MEDIUM, "Login roles have a password expiry where required")
def no_password_expiry(audit: HardeningAudit) -> Iterator[Hit]:
    """With ``require-password-expiry = true``: a login role (not a superuser) has no
    ``VALID UNTIL`` date, so its password never expires.

    A password that never expires stays valid in every leaked configuration file and
    former employee's notes.

    Bad:

        CREATE ROLE report LOGIN PASSWORD '...';

    Good:

        CREATE ROLE report LOGIN PASSWORD '...' VALID UNTIL '2027-06-30';
    """
    if not audit.policy.require_password_expiry:
        return
    for role in _ordinary_logins(audit):
        if role.valid_until is None:
            yield Hit(
                message=f"login role {role.name} has a password that never expires",
                location=_role(role.name),
                fix=f"ALTER ROLE {role.name} VALID UNTIL '<date>';",
                evidence=(("role", role.name), ("rolvaliduntil", "null")),
            )


@rule("HRD005", FAMILY, Severity.HIGH, "Passwords are stored as SCRAM, never md5")
def md5_passwords(audit: HardeningAudit) -> Iterator[Hit]:
    """``password_encryption`` is not ``scram-sha-256``, or a role's stored password is
    an md5 hash (read from ``pg_authid``, superusers only; otherwise skipped).

    An md5 hash is the password's equivalent: whoever reads it can log in (md5 auth
    is pass-the-hash), and it is salted only with the role name.

    Bad:

        password_encryption = md5        # new passwords are stored as md5

    Good:

        password_encryption = 'scram-sha-256'   # pragma: allowlist secret
        # then set each md5 password again
    """
    value = audit.facts.setting("password_encryption")
    if value is not None and value.lower() not in ("scram-sha-256",):
        yield Hit(
            message=f"password_encryption is {value!r}, new passwords are stored as md5",
            location=_setting("password_encryption"),
            fix="ALTER SYSTEM SET password_encryption = 'scram-sha-256'; SELECT pg_reload_conf();",  # pragma: allowlist secret
            evidence=_setting_evidence(audit, "password_encryption"),
        )
    for name in audit.facts.md5_roles or ():
        yield Hit(
            message=f"role {name} has its password stored as an md5 hash",
            location=_role(name),
            fix=f"set a new password for {name} with password_encryption = 'scram-sha-256'",  # pragma: allowlist secret
            key="md5",
            evidence=(("role", name), ("pg_authid.rolpassword", "md5 hash (value not shown)")),
        )


# --- 4. SSL --------------------------------------------------------------------------

_WEAK_TLS = {"", "tlsv1", "tlsv1.1"}


@rule("HRD006", FAMILY, Severity.HIGH, "SSL is on, with TLS 1.2 or later")
def ssl_settings(audit: HardeningAudit) -> Iterator[Hit]:
    """``ssl`` is off, or ``ssl_min_protocol_version`` allows TLS older than 1.2.

    Without SSL, passwords (for ``password`` auth) and all data cross the network in
    clear text; TLS 1.0 and 1.1 are deprecated (RFC 8996).

    Bad:

        ssl = off
        ssl_min_protocol_version = 'TLSv1'

    Good:

        ssl = on
        ssl_min_protocol_version = 'TLSv1.2'
    """
    ssl = audit.facts.setting("ssl")
    if ssl is not None and not _is_on(ssl):
        yield Hit(
            message="ssl is off: connections are not encrypted",
            location=_setting("ssl"),
            fix="configure ssl_cert_file/ssl_key_file and set ssl = on",
            evidence=_setting_evidence(audit, "ssl"),
        )
    minimum = audit.facts.setting("ssl_min_protocol_version")
    if minimum is not None and minimum.strip().lower() in _WEAK_TLS:
        yield Hit(
            message=f"ssl_min_protocol_version is {minimum or 'empty'!r}: TLS older than 1.2 is accepted",
            location=_setting("ssl_min_protocol_version"),
            fix="ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.2';",
            evidence=_setting_evidence(audit, "ssl_min_protocol_version"),
        )


# --- 5. listen_addresses -------------------------------------------------------------


@rule("HRD007", FAMILY, Severity.INFO, "The server listens only where it must")
def listens_everywhere(audit: HardeningAudit) -> Iterator[Hit]:
    """``listen_addresses`` is ``*`` (or ``0.0.0.0``/``::``): the server accepts
    connections on every interface. Informational, medium when ``require-private = true``.

    A database reachable from every network depends on pg_hba.conf and passwords alone.

    Bad:

        listen_addresses = '*'

    Good:

        listen_addresses = '10.0.3.7'      # the private interface only
    """
    value = audit.facts.setting("listen_addresses")
    if value is None:
        return
    parts = {p.strip() for p in value.split(",")}
    if parts & {"*", "0.0.0.0", "::"}:
        yield Hit(
            message=f"listen_addresses is {value!r}: the server listens on every interface",
            location=_setting("listen_addresses"),
            fix="set listen_addresses to the private interfaces the clients use",
            evidence=_setting_evidence(audit, "listen_addresses"),
            severity=Severity.MEDIUM if audit.policy.require_private else Severity.INFO,
        )


# --- 6. pg_hba.conf ------------------------------------------------------------------


def _prefix_length(netmask: str) -> int:
    packed = ipaddress.ip_address(netmask).packed
    return sum(bin(b).count("1") for b in packed)


def hba_is_local(line: HbaLine) -> bool:
    """True for ``local`` lines and host lines that only match the loopback interface."""
    if line.type == "local":
        return True
    address = (line.address or "").strip()
    if address in ("samehost", "localhost"):
        return True
    try:
        if line.netmask:
            network = ipaddress.ip_network(
                f"{address}/{_prefix_length(line.netmask)}", strict=False
            )
        else:
            network = ipaddress.ip_network(address, strict=False)
    except ValueError:
        return False  # all, samenet, a host name: not only this machine
    return network.is_loopback


_WEAK_METHODS = {
    "trust": "no password at all",
    "password": "the password in clear text",  # pragma: allowlist secret
    "md5": "md5 challenge (pass-the-hash)",
}


@rule(
    "HRD008",
    FAMILY,
    Severity.HIGH,
    "pg_hba.conf has no trust/password/md5 lines and no plain host lines for remote addresses",
)
def hba_rules(audit: HardeningAudit) -> Iterator[Hit]:
    """A pg_hba.conf line uses ``trust``, ``password`` or ``md5``, or a ``host`` line
    (not ``hostssl``) accepts a non-local address. Read from ``pg_hba_file_rules``;
    skipped with the privilege needed when the role cannot read it.

    ``trust`` lets anyone who reaches the socket log in as any role; ``password``
    sends it in clear text; ``md5`` is pass-the-hash; ``host`` lets remote clients
    connect without TLS.

    Bad:

        host    all  all  0.0.0.0/0      md5
        local   all  all                 trust

    Good:

        hostssl all  all  10.0.0.0/8     scram-sha-256
        local   all  all                 peer
    """
    for line in audit.facts.hba or ():
        where = Location(object=f"pg_hba.conf:{line.line_number}")
        evidence = (
            ("line", str(line.line_number)),
            ("type", line.type),
            ("database", ",".join(line.databases)),
            ("user", ",".join(line.users)),
            ("address", "/".join(p for p in (line.address, line.netmask) if p) or "-"),
            ("method", line.method),
        )
        if line.error:
            yield Hit(
                message=f"pg_hba.conf line {line.line_number} has an error: {line.error}",
                location=where,
                key="error",
                evidence=(*evidence, ("error", line.error)),
                severity=Severity.LOW,
            )
            continue
        local = hba_is_local(line)
        if line.method in _WEAK_METHODS:
            if line.method == "md5":
                severity = Severity.MEDIUM
            elif local:
                severity = Severity.HIGH
            else:
                severity = Severity.CRITICAL
            yield Hit(
                message=f"pg_hba.conf line {line.line_number} ({line.type}) authenticates with {line.method}: {_WEAK_METHODS[line.method]}",
                location=where,
                fix="use scram-sha-256 (or peer for local lines)",
                key="method",
                evidence=evidence,
                severity=severity,
            )
        if line.type in ("host", "hostnossl") and not local:
            yield Hit(
                message=f"pg_hba.conf line {line.line_number} accepts remote connections without TLS ({line.type})",
                location=where,
                fix="use hostssl for every non-local line",
                key="host",
                evidence=evidence,
            )


# --- 7. privileges granted to PUBLIC --------------------------------------------------


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

        CREATE TABLE users (id bigint PRIMARY KEY);
        GRANT SELECT ON users TO PUBLIC;

    Good:

        CREATE TABLE users (id bigint PRIMARY KEY);
        REVOKE ALL ON users FROM PUBLIC;      -- then grant to the roles that need it
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


# --- 8. SECURITY DEFINER -------------------------------------------------------------


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

        CREATE FUNCTION credit(uid int) RETURNS int
          LANGUAGE sql SECURITY DEFINER AS $$ SELECT uid $$;

    Good:

        CREATE FUNCTION credit(uid int) RETURNS int
          LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
          AS $$ SELECT uid $$;
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


# --- 9. row-level security on personal data ------------------------------------------


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

        CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
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

        CREATE TABLE users (id bigint PRIMARY KEY);
        ALTER TABLE users ENABLE ROW LEVEL SECURITY;

    Good:

        CREATE TABLE users (id bigint PRIMARY KEY);
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


# --- 10. logging ---------------------------------------------------------------------

_LEVELS = (
    "debug5",
    "debug4",
    "debug3",
    "debug2",
    "debug1",
    "info",
    "notice",
    "warning",
    "error",
    "log",
    "fatal",
    "panic",
)


@rule(
    "HRD014", FAMILY, Severity.LOW, "Connections, disconnections and failing statements are logged"
)
def logging_settings(audit: HardeningAudit) -> Iterator[Hit]:
    """``log_connections`` or ``log_disconnections`` is off; ``log_statement`` is
    ``none`` while ``require-statement-logging = true``; ``log_min_error_statement``
    is above ``error`` (failing statements are not logged).

    Without these, an incident leaves no trace of who connected when, or of the
    statements that probed the schema.

    Bad:

        log_connections = off
        log_min_error_statement = fatal

    Good:

        log_connections = on
        log_disconnections = on
        log_statement = 'ddl'
        log_min_error_statement = error
    """
    facts = audit.facts
    for name in ("log_connections", "log_disconnections"):
        value = facts.setting(name)
        if value is not None and _is_off(value):
            yield Hit(
                message=f"{name} is off",
                location=_setting(name),
                fix=f"ALTER SYSTEM SET {name} = on; SELECT pg_reload_conf();",
                evidence=_setting_evidence(audit, name),
            )
    statement = facts.setting("log_statement")
    if statement is not None and audit.policy.require_statement_logging and statement == "none":
        yield Hit(
            message="log_statement is 'none' but statement logging is required",
            location=_setting("log_statement"),
            fix="ALTER SYSTEM SET log_statement = 'ddl'; SELECT pg_reload_conf();",
            evidence=_setting_evidence(audit, "log_statement"),
        )
    level = facts.setting("log_min_error_statement")
    if (
        level is not None
        and level.lower() in _LEVELS
        and _LEVELS.index(level.lower()) > _LEVELS.index("error")
    ):
        yield Hit(
            message=f"log_min_error_statement is {level}: statements that fail are not logged",
            location=_setting("log_min_error_statement"),
            fix="ALTER SYSTEM SET log_min_error_statement = error; SELECT pg_reload_conf();",
            evidence=_setting_evidence(audit, "log_min_error_statement"),
        )


# --- 11. dangerous settings ----------------------------------------------------------

_MUST_BE_ON = {"fsync": Severity.HIGH, "full_page_writes": Severity.HIGH}
_MUST_BE_OFF = {
    "ignore_system_indexes": Severity.MEDIUM,
    "allow_system_table_mods": Severity.HIGH,
    "jit_debugging_support": Severity.MEDIUM,
}


@rule("HRD015", FAMILY, Severity.HIGH, "No setting that risks data loss or catalog damage is on")
def dangerous_settings(audit: HardeningAudit) -> Iterator[Hit]:
    """``fsync`` or ``full_page_writes`` is off, or ``ignore_system_indexes``,
    ``allow_system_table_mods`` or ``jit_debugging_support`` is on.

    With fsync or full-page writes off a crash can corrupt the cluster beyond repair;
    the others are debugging switches that allow catalog damage or slow everything.

    Bad:

        fsync = off
        allow_system_table_mods = on

    Good:

        fsync = on
        full_page_writes = on
        allow_system_table_mods = off
    """
    facts = audit.facts
    for name, severity in _MUST_BE_ON.items():
        value = facts.setting(name)
        if value is not None and _is_off(value):
            yield Hit(
                message=f"{name} is off: a crash can corrupt the database",
                location=_setting(name),
                fix=f"ALTER SYSTEM SET {name} = on; SELECT pg_reload_conf();",
                evidence=_setting_evidence(audit, name),
                severity=severity,
            )
    for name, severity in _MUST_BE_OFF.items():
        value = facts.setting(name)
        if value is not None and _is_on(value):
            yield Hit(
                message=f"{name} is on (a debugging setting)",
                location=_setting(name),
                fix=f"ALTER SYSTEM RESET {name};  -- and restart where required",
                evidence=_setting_evidence(audit, name),
                severity=severity,
            )


# --- 12. extensions and untrusted languages ------------------------------------------


@rule("HRD016", FAMILY, Severity.MEDIUM, "No extension from the deny-list is installed")
def denied_extensions(audit: HardeningAudit) -> Iterator[Hit]:
    """An extension listed in ``extension-deny-list`` (default: adminpack, dblink,
    file_fdw) is installed in the audited database.

    These reach outside the database: server files, other servers with stored
    credentials. Each one widens what a stolen application role can do.

    Bad:

        CREATE EXTENSION dblink;

    Good:

        CREATE EXTENSION pgcrypto;   -- not denied (or allow dblink in the configuration)
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

        CREATE ROLE app;
        CREATE LANGUAGE plsh_u HANDLER plpgsql_call_handler;  -- untrusted, like plpython3u
        CREATE FUNCTION sh() RETURNS int LANGUAGE plsh_u AS 'BEGIN RETURN 1; END';
        ALTER FUNCTION sh() OWNER TO app;

    Good:

        CREATE ROLE app;
        CREATE LANGUAGE plsh_u HANDLER plpgsql_call_handler;
        CREATE FUNCTION sh() RETURNS int LANGUAGE plsh_u AS 'BEGIN RETURN 1; END';
        -- left owned by the superuser that created it (or dropped)
    """
    for fn in audit.facts.untrusted_functions:
        qualified = f"{fn.schema}.{fn.name}"
        yield Hit(
            message=f"function {qualified} in untrusted language {fn.language} is owned by non-superuser {fn.owner}",
            location=Location(object=qualified),
            fix=f"ALTER FUNCTION {qualified} OWNER TO postgres;  -- or DROP FUNCTION",
            evidence=(("function", qualified), ("language", fn.language), ("owner", fn.owner)),
        )


# --- 13. server version --------------------------------------------------------------


def _version_evidence(audit: HardeningAudit) -> tuple[tuple[str, str], ...]:
    return (
        ("server_version", audit.facts.version),
        ("server_version_num", str(audit.facts.version_num)),
        ("version table as of", versions.AS_OF.isoformat()),
    )


@rule(
    "HRD018", FAMILY, Severity.HIGH, "The server version is supported by the PostgreSQL community"
)
def end_of_life(audit: HardeningAudit) -> Iterator[Hit]:
    """The server's major version reached its end of life (table kept in the package,
    with its date): it no longer receives security fixes.

    Bad:

        server_version = '13.16'    # PostgreSQL 13: end of life 2025-11-13

    Good:

        server_version = '17.12'
    """
    major = versions.split_version_num(audit.facts.version_num)[0]
    if major < versions.OLDEST_KNOWN:
        yield Hit(
            message=f"PostgreSQL {audit.facts.version} is long out of community support",
            location=Location(object="server"),
            fix="upgrade to a supported major version (pg_upgrade)",
            evidence=_version_evidence(audit),
        )
        return
    entry = versions.major_version(major)
    if entry is not None and entry.end_of_life < audit.policy.today:
        yield Hit(
            message=f"PostgreSQL {major} reached its end of life on {entry.end_of_life.isoformat()}",
            location=Location(object="server"),
            fix="upgrade to a supported major version (pg_upgrade)",
            evidence=(*_version_evidence(audit), ("end of life", entry.end_of_life.isoformat())),
        )


@rule(
    "HRD019",
    FAMILY,
    Severity.MEDIUM,
    "The server runs the latest minor release of its major version",
)
def behind_latest_minor(audit: HardeningAudit) -> Iterator[Hit]:
    """The server runs an older minor release than the latest one the tool knows for
    its major version. Minor releases are mostly security and data-corruption fixes,
    and installing one is a restart.

    Bad:

        server_version = '15.4'     # latest known: 15.20

    Good:

        server_version = '15.20'
    """
    major, minor = versions.split_version_num(audit.facts.version_num)
    entry = versions.major_version(major)
    if entry is not None and minor < entry.latest_minor:
        yield Hit(
            message=f"PostgreSQL {major}.{minor} is behind the latest minor release {major}.{entry.latest_minor}",
            location=Location(object="server"),
            fix=f"install PostgreSQL {major}.{entry.latest_minor} and restart",
            evidence=(*_version_evidence(audit), ("latest minor", f"{major}.{entry.latest_minor}")),
        )


# --- evidence for a passing control ----------------------------------------------------


def verified_evidence(rule_id: str, audit: HardeningAudit) -> str:
    """What was read to pass ``rule_id``, in one line (for the report's Verified list)."""
    facts = audit.facts
    logins = [r for r in facts.roles if r.login]
    needed = [k.split(":", 1)[1] for k in NEEDS.get(rule_id, ()) if k.startswith("setting:")]
    shown = ", ".join(f"{n}={facts.setting(n)}" for n in needed if facts.setting(n) is not None)
    if rule_id in ("HRD001", "HRD002", "HRD003", "HRD004"):
        return f"{len(facts.roles)} roles, {len(logins)} can log in"
    if rule_id == "HRD005":
        return f"{shown}; {len(facts.roles)} roles' stored passwords read, none md5"
    if rule_id == "HRD008":
        return f"{len(facts.hba or ())} pg_hba.conf lines read"
    if rule_id == "HRD009":
        grants = ", ".join(f"{g.schema}:{g.privilege}" for g in facts.schema_grants) or "none"
        return f"schema privileges of PUBLIC: {grants}"
    if rule_id == "HRD010":
        return "no table, sequence or function grants to PUBLIC in application schemas"
    if rule_id == "HRD011":
        return f"{len(facts.definer_functions)} SECURITY DEFINER functions read"
    if rule_id in ("HRD012", "HRD013"):
        return f"{len(facts.tables)} tables read"
    if rule_id == "HRD016":
        return "extensions: " + (", ".join(e.name for e in facts.extensions) or "none")
    if rule_id == "HRD017":
        return "no untrusted-language function owned by a non-superuser"
    if rule_id in ("HRD018", "HRD019"):
        major, _ = versions.split_version_num(facts.version_num)
        entry = versions.major_version(major)
        known = (
            f"end of life {entry.end_of_life}, latest minor {major}.{entry.latest_minor}"
            if entry
            else "not in the version table"
        )
        return f"PostgreSQL {facts.version}: {known} (table as of {versions.AS_OF})"
    return shown or "read"
