"""Server hardening rules (HRD): the catalog-readable controls of the CIS PostgreSQL benchmark.

Input: a :class:`HardeningAudit`, the :class:`~auditor.families.hardening.facts.ServerFacts`
read by the collector plus the :class:`HardeningPolicy` from ``[tool.auditor.hardening]``.
Rules are pure. A fact the auditing role could not read is None/absent in the
facts; the rules then yield nothing for it, and the family reports the rule as
skipped with the privilege needed (see :data:`NEEDS`), never as passed.
"""

from __future__ import annotations

from auditor.families.hardening import versions
from auditor.families.hardening.facts import PG_AUTHID, PG_HBA, setting_key

# re-exported: the family, its command and the config loader import the policy from here
from auditor.families.hardening.policy import FAMILY, HardeningAudit, HardeningPolicy

PRELOAD = setting_key("shared_preload_libraries")


def _settings(*names: str) -> tuple[str, ...]:
    return tuple(setting_key(n) for n in names)


RULE_MODULES = (
    "auditor.families.hardening.rules.roles",
    "auditor.families.hardening.rules.network",
    "auditor.families.hardening.rules.objects",
    "auditor.families.hardening.rules.server",
    "auditor.families.hardening.rules.release",
)
"""The modules that register the hardening rules (each also listed in
:data:`auditor.core.rules.RULE_MODULES`)."""

SERVER_RULES = frozenset(
    {"HRD001", "HRD002", "HRD003", "HRD004", "HRD005", "HRD006", "HRD007", "HRD008"}
    | {"HRD014", "HRD015", "HRD018", "HRD019"}
    | {f"HRD{n:03d}" for n in range(20, 41)}
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
    "HRD020": _settings("data_checksums"),
    "HRD021": _settings("data_directory"),
    "HRD022": _settings("log_destination", "logging_collector"),
    "HRD023": _settings(
        "logging_collector", "log_directory", "log_filename", "log_file_mode", "data_directory"
    ),
    "HRD024": _settings(
        "logging_collector", "log_truncate_on_rotation", "log_rotation_age", "log_rotation_size"
    ),
    "HRD025": _settings("log_min_messages"),
    "HRD026": _settings(
        "debug_print_parse", "debug_print_rewritten", "debug_print_plan", "debug_pretty_print"
    ),
    "HRD027": _settings("log_error_verbosity"),
    "HRD028": _settings("log_hostname"),
    "HRD029": _settings("log_line_prefix"),
    "HRD030": _settings("log_timezone"),
    "HRD031": _settings("log_replication_commands"),
    "HRD032": (PRELOAD,),
    "HRD033": _settings("archive_mode", "archive_command"),
    "HRD034": _settings("ssl_ciphers"),
    "HRD035": (PG_HBA,),
    "HRD036": (PG_HBA,),
    "HRD037": (PG_HBA,),
    "HRD038": (PRELOAD,),
    "HRD039": (setting_key("authentication_timeout"), PRELOAD),
    "HRD040": (PRELOAD,),
}
"""Facts that need a privilege, per rule; the others read catalogs every role can read."""


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
    if rule_id in ("HRD008", "HRD035", "HRD036", "HRD037"):
        return f"{len(facts.hba or ())} pg_hba.conf lines read"
    if rule_id == "HRD021":
        return f"{shown}; tablespaces: " + (
            ", ".join(f"{t.name}={t.location or '(built in)'}" for t in facts.tablespaces)
        )
    if rule_id == "HRD041":
        return f"version table as of {versions.AS_OF}, audited {audit.policy.today}"
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


__all__ = [
    "FAMILY",
    "NEEDS",
    "RULE_MODULES",
    "SERVER_RULES",
    "HardeningAudit",
    "HardeningPolicy",
    "verified_evidence",
]
