"""The control mapping: which benchmark controls and weakness classes each rule evidences.

One table for every family. A reference is a short string with its scheme first:

- ``CIS 5.8``: a control of :data:`CIS_BENCHMARK` (its numbering as pgdsat uses it);
- ``CWE-798``: a MITRE Common Weakness Enumeration entry;
- ``ASVS 2.10.4``: a requirement of :data:`ASVS`.

A rule not in :data:`RULES` takes its family's entry in :data:`FAMILIES` (possibly none:
a migration-locking rule evidences no security control). The engine copies the references
into every :class:`~auditor.core.findings.Finding`; ``auditor explain`` shows them.
"""

from __future__ import annotations

CIS_BENCHMARK = "CIS PostgreSQL 16 Benchmark v1.0.0 (control numbers as pgdsat 1.1 uses them)"
ASVS = "OWASP ASVS 4.0.3"

FAMILIES: dict[str, tuple[str, ...]] = {
    "secrets": ("CWE-798", "ASVS 2.10.4"),
    "dependencies": ("CWE-1395", "ASVS 14.2.1"),
    "schema": ("CWE-20", "ASVS 5.1.4"),
    "drift": ("CWE-1357",),
    "migrations": ("CWE-1357",),
}
"""The references of every rule of a family that :data:`RULES` does not name."""

RULES: dict[str, tuple[str, ...]] = {
    # hardening: CIS section 1 (installation), 3 (logging), 4 (access), 5 (connection),
    # 6 (settings), 7 (replication), 8 (special)
    "HRD001": ("CIS 4.2", "CWE-250", "ASVS 4.1.3"),
    "HRD002": ("CIS 4.2", "CIS 4.7", "CWE-269", "ASVS 4.1.3"),
    "HRD003": ("CWE-770",),
    "HRD004": ("CWE-262",),
    "HRD005": ("CIS 5.9", "CWE-916", "ASVS 2.4.1"),
    "HRD006": ("CIS 5.5", "CIS 6.8", "CWE-319", "CWE-326", "ASVS 9.1.1", "ASVS 9.1.3"),
    "HRD007": ("CWE-1327",),
    "HRD008": ("CIS 5.1", "CIS 5.2", "CIS 5.5", "CWE-287", "CWE-319", "ASVS 9.2.2"),
    "HRD009": ("CIS 4.8", "CWE-732", "ASVS 4.1.3"),
    "HRD010": ("CIS 4.4", "CWE-732", "ASVS 4.1.3"),
    "HRD011": ("CIS 4.3", "CWE-427"),
    "HRD012": ("CIS 4.5", "CWE-639", "ASVS 4.2.1"),
    "HRD013": ("CIS 4.5", "CWE-639", "ASVS 4.2.1"),
    "HRD014": ("CIS 3.1.15", "CIS 3.1.20", "CIS 3.1.21", "CIS 3.1.25", "CWE-778", "ASVS 7.1.3"),
    "HRD015": ("CIS 6.2", "CWE-1188"),
    "HRD016": ("CIS 1.5", "CWE-1104"),
    "HRD017": ("CIS 4.2", "CWE-250"),
    "HRD018": ("CIS 1.4", "CWE-1104", "ASVS 14.2.1"),
    "HRD019": ("CIS 1.4", "CWE-1395", "ASVS 14.2.1"),
    "HRD020": ("CIS 1.3.3", "CWE-354"),
    "HRD021": ("CIS 1.6", "CIS 8.1"),
    "HRD022": ("CIS 3.1.2", "CIS 3.1.3", "CWE-778", "ASVS 7.1.3"),
    "HRD023": ("CIS 3.1.4", "CIS 3.1.5", "CIS 3.1.6", "CIS 3.1.27", "CWE-532", "ASVS 7.3.1"),
    "HRD024": ("CIS 3.1.7", "CIS 3.1.8", "CIS 3.1.9", "CWE-400"),
    "HRD025": ("CIS 3.1.14", "CWE-778"),
    "HRD026": ("CIS 3.1.16", "CIS 3.1.17", "CIS 3.1.18", "CIS 3.1.19", "CWE-532", "ASVS 7.1.1"),
    "HRD027": ("CIS 3.1.22", "CWE-778"),
    "HRD028": ("CIS 3.1.23",),
    "HRD029": ("CIS 3.1.24", "CWE-778", "ASVS 7.1.4"),
    "HRD030": ("CIS 3.1.26", "ASVS 7.3.4"),
    "HRD031": ("CIS 7.2", "CWE-778"),
    "HRD032": ("CIS 3.2", "CWE-778", "ASVS 7.1.3"),
    "HRD033": ("CIS 7.4",),
    "HRD034": ("CIS 6.8", "CWE-327", "ASVS 9.1.2"),
    "HRD035": ("CIS 5.6", "CWE-284"),
    "HRD036": ("CIS 5.7", "CWE-284", "ASVS 4.1.3"),
    "HRD037": ("CIS 5.8", "CWE-250"),
    "HRD038": ("CIS 5.3", "CWE-521", "ASVS 2.1.1"),
    "HRD039": ("CIS 5.4", "CWE-307", "ASVS 2.2.1"),
    "HRD040": ("CIS 4.6", "CWE-250"),
    "HRD041": ("CIS 1.4",),
    # lint rules that are about security, not locking
    "LNT030": ("CWE-798", "ASVS 2.10.4"),
    "LNT031": ("CIS 4.4", "CWE-732", "ASVS 4.1.3"),
    "LNT032": ("CWE-250", "ASVS 4.1.3"),
    "LNT033": ("CIS 4.3", "CWE-427"),
    "LNT034": ("CIS 4.5", "CWE-639", "ASVS 4.2.1"),
    "LNT035": ("CWE-20", "ASVS 5.1.4"),
    "LNT036": ("CWE-681",),
    "DEP001": ("CWE-1395", "ASVS 14.2.1"),
    "DEP002": ("CWE-1395", "ASVS 14.2.1"),
    "DEP003": ("CWE-1395",),
    "DEP004": ("CWE-1395",),
}
"""The references of one rule (they replace its family's)."""


SETTING_CONTROLS: dict[str, tuple[str, ...]] = {
    "log_destination": ("CIS 3.1.2",),
    "logging_collector": ("CIS 3.1.3",),
    "log_directory": ("CIS 3.1.4", "CIS 3.1.27"),
    "log_filename": ("CIS 3.1.5",),
    "log_file_mode": ("CIS 3.1.6",),
    "log_truncate_on_rotation": ("CIS 3.1.7",),
    "log_rotation_age": ("CIS 3.1.8",),
    "log_rotation_size": ("CIS 3.1.9",),
    "log_min_error_statement": ("CIS 3.1.15",),
    "debug_print_parse": ("CIS 3.1.16",),
    "debug_print_rewritten": ("CIS 3.1.17",),
    "debug_print_plan": ("CIS 3.1.18",),
    "debug_pretty_print": ("CIS 3.1.19",),
    "log_connections": ("CIS 3.1.20",),
    "log_disconnections": ("CIS 3.1.21",),
    "log_statement": ("CIS 3.1.25",),
}
"""For a rule covering several controls, the control a finding about one setting fails."""


def references_of(rule_id: str, family: str, where: str | None = None) -> tuple[str, ...]:
    """The references a finding of ``rule_id`` (of ``family``) at object ``where`` carries:
    a finding about a setting of :data:`SETTING_CONTROLS` names only that setting's control."""
    found = RULES.get(rule_id)
    refs = found if found is not None else FAMILIES.get(family, ())
    name = (where or "").removeprefix("setting:")
    narrowed = SETTING_CONTROLS.get(name) if where and where.startswith("setting:") else None
    if narrowed and set(narrowed) <= set(refs):
        return tuple(r for r in refs if not r.startswith("CIS ") or r in narrowed)
    return refs


def cis_controls(references: tuple[str, ...]) -> tuple[str, ...]:
    """The CIS control numbers among ``references`` (``CIS 5.8`` → ``5.8``)."""
    return tuple(
        r.split(" ", 1)[1] for r in references if r.startswith("CIS ") and r[4:5].isdigit()
    )
