"""Helpers shared by the hardening rule modules: locations and evidence for settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from auditor.core.findings import Hit, Location, Severity
from auditor.families.hardening.policy import HardeningAudit


def setting_location(name: str) -> Location:
    """Where a finding about server setting ``name`` points."""
    return Location(object=f"setting:{name}")


def setting_evidence(audit: HardeningAudit, name: str) -> tuple[tuple[str, str], ...]:
    """The setting's value (and where it was set, when known) as evidence."""
    value = audit.facts.setting(name)
    source = audit.facts.setting_source(name)
    evidence = ((name, "''" if value == "" else str(value)),)
    return (*evidence, ("source", source)) if source else evidence


def is_off(value: str) -> bool:
    """True for the spellings PostgreSQL reads as a false boolean (and an empty value)."""
    return value.strip().lower() in ("off", "false", "0", "", "no")


def is_on(value: str) -> bool:
    """True for the spellings PostgreSQL reads as a true boolean."""
    return value.strip().lower() in ("on", "true", "1", "yes")


def setting_hit(
    audit: HardeningAudit,
    name: str,
    message: str,
    fix: str,
    severity: Severity | None = None,
) -> Hit:
    """A finding about server setting ``name``, with its value (and source) as evidence."""
    return Hit(
        message=message,
        location=setting_location(name),
        fix=fix,
        evidence=setting_evidence(audit, name),
        severity=severity,
    )


def reload_fix(name: str, value: str) -> str:
    """The SQL that sets ``name`` server-wide and reloads the configuration."""
    return f"ALTER SYSTEM SET {name} = {value}; SELECT pg_reload_conf();"


def restart_fix(name: str, value: str) -> str:
    """The SQL that sets ``name`` server-wide; it takes effect at the next restart."""
    return f"ALTER SYSTEM SET {name} = {value};  -- then restart the server"


LEVELS = (
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
"""Message levels of ``log_min_messages`` and ``log_min_error_statement``, most verbose first."""


def less_verbose(level: str, than: str) -> bool:
    """True when message level ``level`` logs less than ``than`` (unknown levels: False)."""
    value = level.strip().lower()
    return value in LEVELS and LEVELS.index(value) > LEVELS.index(than)


def flag(
    audit: HardeningAudit,
    name: str,
    bad: Callable[[str], bool],
    message: str,
    good: str,
    severity: Severity | None = None,
) -> Iterator[Hit]:
    """A finding when setting ``name`` was read and ``bad(value)``: ``message`` (may name
    ``{value}``), fixed by setting it to ``good`` and reloading."""
    value = audit.facts.setting(name)
    if value is not None and bad(value):
        yield setting_hit(
            audit, name, message.format(value=value), reload_fix(name, good), severity
        )
