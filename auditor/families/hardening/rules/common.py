"""Helpers shared by the hardening rule modules: locations and evidence for settings."""

from __future__ import annotations

from auditor.core.findings import Location
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
