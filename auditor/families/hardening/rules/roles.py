"""Hardening rules on roles: superusers, privileged attributes, login limits, password storage."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.families.hardening.facts import RoleFact
from auditor.families.hardening.policy import FAMILY, HardeningAudit
from auditor.families.hardening.rules.common import reload_fix, setting_evidence, setting_location


def _role(name: str) -> Location:
    return Location(object=f"role:{name}")


# --- superusers -------------------------------------------------------------------


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


# --- privileged attributes --------------------------------------------------------

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


# --- login roles: connection limit, expiry, md5 -----------------------------------


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
            location=setting_location("password_encryption"),
            fix="ALTER SYSTEM SET password_encryption = 'scram-sha-256'; SELECT pg_reload_conf();",  # pragma: allowlist secret
            evidence=setting_evidence(audit, "password_encryption"),
        )
    for name in audit.facts.md5_roles or ():
        yield Hit(
            message=f"role {name} has its password stored as an md5 hash",
            location=_role(name),
            fix=f"set a new password for {name} with password_encryption = 'scram-sha-256'",  # pragma: allowlist secret
            key="md5",
            evidence=(("role", name), ("pg_authid.rolpassword", "md5 hash (value not shown)")),
        )


# --- passwords and authentication attempts (CIS 5.3, 5.4, 4.6) -----------------------

_COMPLEXITY_MODULES = ("passwordcheck", "credcheck")


@rule("HRD038", FAMILY, Severity.LOW, "New passwords are checked for complexity")
def password_complexity(audit: HardeningAudit) -> Iterator[Hit]:
    """Neither ``passwordcheck`` nor ``credcheck`` is in ``shared_preload_libraries``:
    ``CREATE ROLE ... PASSWORD 'a'`` is accepted (needs ``pg_read_all_settings``).

    Bad:

        shared_preload_libraries = ''

    Good:

        shared_preload_libraries = 'passwordcheck'
    """
    preloaded = audit.facts.preloaded()
    if preloaded is not None and not set(preloaded) & set(_COMPLEXITY_MODULES):
        yield Hit(
            message="no password complexity module is loaded (passwordcheck or credcheck)",
            location=setting_location("shared_preload_libraries"),
            fix="add passwordcheck (or credcheck) to shared_preload_libraries and restart",
            evidence=setting_evidence(audit, "shared_preload_libraries"),
        )


MAX_AUTHENTICATION_TIMEOUT = 60
"""Seconds a client may take to authenticate (the CIS benchmark's limit, and the default)."""


@rule("HRD039", FAMILY, Severity.LOW, "Authentication times out quickly and failures are delayed")
def authentication_delay(audit: HardeningAudit) -> Iterator[Hit]:
    """``authentication_timeout`` is over 60 seconds, or ``auth_delay`` is not loaded
    (or its ``auth_delay.milliseconds`` is 0), so password guesses are answered at once.
    Reading the preloaded libraries needs ``pg_read_all_settings``.

    Bad:

        authentication_timeout = 600
        shared_preload_libraries = ''

    Good:

        authentication_timeout = 60
        shared_preload_libraries = 'auth_delay'
        auth_delay.milliseconds = 500
    """
    facts = audit.facts
    timeout = facts.setting("authentication_timeout")
    if timeout is not None and timeout.isdigit() and int(timeout) > MAX_AUTHENTICATION_TIMEOUT:
        yield Hit(
            message=f"authentication_timeout is {timeout}s: a half-open login holds a slot that long",
            location=setting_location("authentication_timeout"),
            fix=reload_fix("authentication_timeout", "'60s'"),
            evidence=setting_evidence(audit, "authentication_timeout"),
        )
    preloaded = facts.preloaded()
    if preloaded is None:
        return
    delay = facts.setting("auth_delay.milliseconds")
    if "auth_delay" not in preloaded:
        yield Hit(
            message="auth_delay is not loaded: failed logins are answered without delay",
            location=setting_location("shared_preload_libraries"),
            fix="add auth_delay to shared_preload_libraries, set auth_delay.milliseconds = 500, restart",
            key="auth_delay",
            evidence=setting_evidence(audit, "shared_preload_libraries"),
        )
    elif delay is not None and delay.strip() in ("0", ""):
        yield Hit(
            message="auth_delay.milliseconds is 0: failed logins are answered without delay",
            location=setting_location("auth_delay.milliseconds"),
            fix=reload_fix("auth_delay.milliseconds", "500"),
            evidence=(("auth_delay.milliseconds", delay),),
        )


@rule("HRD040", FAMILY, Severity.LOW, "set_user controls escalation to superuser")
def set_user_loaded(audit: HardeningAudit) -> Iterator[Hit]:
    """``set_user`` is not in ``shared_preload_libraries`` (needs ``pg_read_all_settings``):
    administrators log in as the superuser instead of escalating, logged, from their own role.

    Bad:

        shared_preload_libraries = 'pgaudit'

    Good:

        shared_preload_libraries = 'pgaudit, set_user'
    """
    preloaded = audit.facts.preloaded()
    if preloaded is not None and "set_user" not in preloaded:
        yield Hit(
            message="set_user is not loaded: superuser escalation is neither controlled nor logged",
            location=setting_location("shared_preload_libraries"),
            fix="add set_user to shared_preload_libraries, restart, CREATE EXTENSION set_user",
            evidence=setting_evidence(audit, "shared_preload_libraries"),
        )
