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
    "severity": 'table of rule id to severity, e.g. { LNT010 = "high" }',
    "exclude": "glob patterns of files (relative to the project root) not to lint",
    "postgres-version": "major PostgreSQL version the migrations target (default 16)",
    "assume-in-transaction": "treat plain .sql files as run inside a transaction (default false)",
}
OPT_IN = frozenset({"LNT017"})
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
    """Read and validate ``[tool.auditor.lint]``; raise ``ConfigError`` naming the bad key."""
    section = config.section("lint")
    for key in section:
        if key not in LINT_KEYS:
            known = ", ".join(sorted(LINT_KEYS))
            raise config.error(f"lint.{key}", f"unknown key (known keys: {known})")
    ids = {r.id for r in lint_rules()}

    def rule_list(key: str) -> frozenset[str]:
        value: Any = section.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise config.error(f"lint.{key}", "must be a list of rule ids")
        upper = [v.strip().upper() for v in value]
        unknown = [v for v in upper if v not in ids]
        if unknown:
            raise config.error(f"lint.{key}", f"unknown lint rule {', '.join(unknown)}")
        return frozenset(upper)

    severities: dict[str, Severity] = {}
    raw_severity: Any = section.get("severity", {})
    if not isinstance(raw_severity, Mapping):
        raise config.error("lint.severity", "must be a table of rule id to severity")
    for rule_id, value in raw_severity.items():
        if rule_id.upper() not in ids:
            raise config.error(f"lint.severity.{rule_id}", "unknown lint rule")
        if not isinstance(value, str):
            raise config.error(f"lint.severity.{rule_id}", "must be a severity name")
        try:
            severities[rule_id.upper()] = Severity.parse(value)
        except ValueError as exc:
            raise config.error(f"lint.severity.{rule_id}", str(exc)) from None

    exclude: Any = section.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(v, str) for v in exclude):
        raise config.error("lint.exclude", "must be a list of glob patterns")
    version: Any = section.get("postgres-version", DEFAULT_POSTGRES_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or not 9 <= version <= 99:
        raise config.error("lint.postgres-version", "must be a major version number such as 16")
    in_tx: Any = section.get("assume-in-transaction", False)
    if not isinstance(in_tx, bool):
        raise config.error("lint.assume-in-transaction", "must be true or false")
    return LintConfig(
        enable=rule_list("enable"),
        disable=rule_list("disable"),
        severity=severities,
        exclude=tuple(exclude),
        postgres_version=version,
        assume_in_transaction=in_tx,
    )
