"""Hardening rules on server settings: logging, and switches that risk data loss."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.core.findings import Hit, Severity
from auditor.core.rules import rule
from auditor.families.hardening.policy import FAMILY, HardeningAudit
from auditor.families.hardening.rules.common import (
    is_off,
    is_on,
    setting_evidence,
    setting_location,
)

# --- logging ---------------------------------------------------------------------

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
        if value is not None and is_off(value):
            yield Hit(
                message=f"{name} is off",
                location=setting_location(name),
                fix=f"ALTER SYSTEM SET {name} = on; SELECT pg_reload_conf();",
                evidence=setting_evidence(audit, name),
            )
    statement = facts.setting("log_statement")
    if statement is not None and audit.policy.require_statement_logging and statement == "none":
        yield Hit(
            message="log_statement is 'none' but statement logging is required",
            location=setting_location("log_statement"),
            fix="ALTER SYSTEM SET log_statement = 'ddl'; SELECT pg_reload_conf();",
            evidence=setting_evidence(audit, "log_statement"),
        )
    level = facts.setting("log_min_error_statement")
    if (
        level is not None
        and level.lower() in _LEVELS
        and _LEVELS.index(level.lower()) > _LEVELS.index("error")
    ):
        yield Hit(
            message=f"log_min_error_statement is {level}: statements that fail are not logged",
            location=setting_location("log_min_error_statement"),
            fix="ALTER SYSTEM SET log_min_error_statement = error; SELECT pg_reload_conf();",
            evidence=setting_evidence(audit, "log_min_error_statement"),
        )


# --- dangerous settings ----------------------------------------------------------

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
        if value is not None and is_off(value):
            yield Hit(
                message=f"{name} is off: a crash can corrupt the database",
                location=setting_location(name),
                fix=f"ALTER SYSTEM SET {name} = on; SELECT pg_reload_conf();",
                evidence=setting_evidence(audit, name),
                severity=severity,
            )
    for name, severity in _MUST_BE_OFF.items():
        value = facts.setting(name)
        if value is not None and is_on(value):
            yield Hit(
                message=f"{name} is on (a debugging setting)",
                location=setting_location(name),
                fix=f"ALTER SYSTEM RESET {name};  -- and restart where required",
                evidence=setting_evidence(audit, name),
                severity=severity,
            )
