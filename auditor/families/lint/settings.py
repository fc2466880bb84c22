"""``[tool.auditor.lint]``: which lint rules run, at what severity, on which files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.core.config import Config
from auditor.core.findings import Severity
from auditor.core.rules import Rule, registered
from auditor.families.lint.rules import FAMILY, RULE_MODULES

LINT_KEYS: dict[str, str] = {
    "enable": "rule ids to switch on (opt-in rules such as LNT017)",
    "disable": "rule ids to switch off",
    "severity": "deprecated: use the top-level [severity] table",
    "exclude": "glob patterns of files (relative to the project root) not to lint",
    "postgres-version": "major PostgreSQL version the migrations target (default 16)",
    "assume-in-transaction": "treat plain .sql files as run inside a transaction (default false)",
    "start-after": "a migration version: migrations at or before it are not linted",
    "history": '"report" (default): findings on migrations already on the base do not gate; '
    '"gate": they do',
}
OPT_IN = frozenset({"LNT017", "LNT054", "LNT056", "LNT057", "LNT060", "LNT062", "LNT064"})
"""Rules that are off unless enabled."""
DEFAULT_POSTGRES_VERSION = 16


@dataclass(frozen=True)
class LintConfig:
    """Validated lint settings."""

    enable: frozenset[str] = frozenset()
    disable: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    postgres_version: int = DEFAULT_POSTGRES_VERSION
    assume_in_transaction: bool = False
    start_after: str | None = None
    """Migrations at or before this version are not linted (diesel-guard's ``start_after``)."""
    history_gates: bool = False
    """``history = "gate"``: findings on migrations already on the base fail the gate too."""

    def active_rules(self) -> list[Rule]:
        """The lint rules that run, with a check function, ordered by id."""
        return [r for r in lint_rules() if r.check is not None and self.is_active(r.id)]

    def is_active(self, rule_id: str) -> bool:
        """True when ``rule_id`` runs under this configuration."""
        if rule_id in self.disable:
            return False
        return rule_id not in OPT_IN or rule_id in self.enable


def lint_rules() -> list[Rule]:
    """Every lint rule (with or without a check function), ordered by id.

    Imports only the lint rule modules, not every family's.
    """
    return registered(FAMILY, RULE_MODULES)


def load_lint_config(config: Config) -> LintConfig:
    """The configuration's ``[tool.auditor.lint]`` (parsed once per configuration)."""
    return config.settings("lint", LintConfig)


def parse_settings(config: Config) -> LintConfig:
    """Read and validate ``[tool.auditor.lint]``; raise ``ConfigError`` naming the bad key.

    ``[tool.auditor.lint.severity]`` is the deprecated spelling of the top-level
    ``[tool.auditor.severity]``: still applied to lint findings, with a notice.
    """
    section = config.table("lint")
    section.only(LINT_KEYS)
    ids = {r.id for r in lint_rules()}

    def rule_list(key: str) -> frozenset[str]:
        upper = [v.strip().upper() for v in section.strings(key, "rule ids")]
        unknown = [v for v in upper if v not in ids]
        if unknown:
            raise section.error(key, f"unknown lint rule {', '.join(unknown)}")
        return frozenset(upper)

    severities: dict[str, Severity] = {}
    raw_severity = section.mapping("severity", "a table of rule id to severity")
    if raw_severity:
        config.deprecated("lint.severity", "[severity] (top level)")
    for rule_id, value in raw_severity.items():
        key = f"lint.severity.{rule_id}"
        if rule_id.upper() not in ids:
            raise config.error(key, "unknown lint rule")
        severities[rule_id.upper()] = config.severity_at(key, value)
    version: Any = section.values.get("postgres-version", DEFAULT_POSTGRES_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or not 9 <= version <= 99:
        raise section.error("postgres-version", "must be a major version number such as 16")
    start_after: Any = section.values.get("start-after")
    if isinstance(start_after, int) and not isinstance(start_after, bool):
        start_after = str(start_after)
    if start_after is not None and (not isinstance(start_after, str) or not start_after.strip()):
        raise section.error(
            "start-after", 'must be a migration version such as "2024-01-01-000000"'
        )
    history: Any = section.values.get("history", "report")
    if history not in ("report", "gate"):
        raise section.error("history", 'must be "report" or "gate"')
    return LintConfig(
        start_after=start_after.strip() if start_after is not None else None,
        enable=rule_list("enable"),
        disable=rule_list("disable"),
        severity=severities,
        exclude=section.strings("exclude", "glob patterns"),
        postgres_version=version,
        assume_in_transaction=section.flag("assume-in-transaction"),
        history_gates=history == "gate",
    )
