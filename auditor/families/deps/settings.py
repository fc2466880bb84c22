"""``[tool.auditor.deps]``: the dependency audit's settings, validated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from auditor.core.config import Config, Section
from auditor.core.findings import Severity
from auditor.families.deps.model import Ignore
from auditor.families.deps.services import SERVICES

SECTION = "deps"

KEYS: dict[str, str] = {
    "advisory-db": "offline OSV database (directory or all.zip), relative to the configuration file",
    "service": "online vulnerability service when no advisory-db is given: pypi (default) or osv",
    "timeout": "seconds to wait for the online service (default 15)",
    "max-db-age-days": "warn (DEP004) when the offline database is older than this (default 7)",
    "unauditable-severity": "severity of a dependency that could not be audited (default high)",
    "unknown-severity": "severity of a vulnerability without a CVSS vector (default high)",
    "inputs": "dependency files to audit, relative to the configuration file (default: detected)",
    "resolve": "resolve unpinned pyproject.toml dependencies through pip-audit (default false)",
    "exempt": "table of private package name = reason: not audited, listed as skipped",
    "ignore": "array of tables {id, reason, expires = YYYY-MM-DD}: vulnerabilities to ignore",
}
"""Keys of ``[tool.auditor.deps]`` with their meaning."""


@dataclass(frozen=True)
class DepsSettings:
    """How to run the dependency audit (configuration, then command-line overrides)."""

    advisory_db: Path | None = None
    service: str = "pypi"
    timeout: int = 15
    max_db_age_days: int = 7
    unauditable_severity: Severity = Severity.HIGH
    unknown_severity: Severity = Severity.HIGH
    inputs: tuple[Path, ...] = ()
    resolve: bool = False
    exempt: Mapping[str, str] = field(default_factory=dict)
    """Normalised package name to the reason it is not audited."""
    ignores: tuple[Ignore, ...] = ()
    config_file: str | None = None


def load_settings(config: Config) -> DepsSettings:
    """The configuration's ``[tool.auditor.deps]`` (parsed once per configuration)."""
    return config.settings("deps", DepsSettings)


def parse_settings(config: Config) -> DepsSettings:
    """Read and validate ``[tool.auditor.deps]``; raise ``ConfigError`` naming the key.

    The top-level ``advisory-database`` is the deprecated spelling of ``advisory-db``
    (still read, with a notice; ``advisory-db`` wins when both are given).
    """
    data = config.table(SECTION)
    data.only(KEYS)
    service = data.values.get("service", "pypi")
    if service not in SERVICES:
        raise data.error("service", f"must be one of {', '.join(SERVICES)}")
    inputs = data.values.get("inputs", [])
    if not isinstance(inputs, list):
        raise data.error("inputs", "must be an array of paths")
    advisory_db = data.path("advisory-db")
    if "advisory-database" in config.data:
        config.deprecated("advisory-database", "[deps] advisory-db")
        old = config.path_option("advisory-database")
        advisory_db = advisory_db or old
    return DepsSettings(
        advisory_db=advisory_db,
        service=str(service),
        timeout=_integer(data, "timeout", 15),
        max_db_age_days=_integer(data, "max-db-age-days", 7),
        unauditable_severity=data.severity("unauditable-severity", Severity.HIGH) or Severity.HIGH,
        unknown_severity=data.severity("unknown-severity", Severity.HIGH) or Severity.HIGH,
        inputs=tuple(_path(data, p, "inputs") for p in inputs),
        resolve=data.flag("resolve"),
        exempt=_exempt(config, data.mapping("exempt", "a table of package = reason")),
        ignores=_ignores(config, data.tables("ignore", "[[...deps.ignore]]")),
        config_file=str(config.path) if config.path else None,
    )


def _integer(data: Section, key: str, default: int) -> int:
    value = data.integer(key, default, minimum=0)
    return default if value is None else value


def _path(data: Section, value: Any, key: str) -> Path:
    if not isinstance(value, str) or not value:
        raise data.error(key, "must be a path string")
    return (data.config.root / value).resolve()


def _exempt(config: Config, value: Mapping[str, Any]) -> dict[str, str]:
    exempt: dict[str, str] = {}
    for name, reason in value.items():
        if not isinstance(reason, str) or not reason.strip():
            raise config.error(f"{SECTION}.exempt", f"{name}: a non-empty reason is required")
        exempt[str(canonicalize_name(name))] = reason.strip()
    return exempt


def _ignores(config: Config, value: list[Any]) -> tuple[Ignore, ...]:
    ignores: list[Ignore] = []
    for index, item in enumerate(value):
        where = f"{SECTION}.ignore[{index}]"
        if not isinstance(item, Mapping):
            raise config.error(where, "must be a table with id, reason and expires")
        Section(config, where, item).only(("id", "reason", "expires"))
        vuln_id, reason, expires = item.get("id"), item.get("reason"), item.get("expires")
        if not isinstance(vuln_id, str) or not vuln_id.strip():
            raise config.error(where, "id is required (a vulnerability id or alias)")
        if not isinstance(reason, str) or not reason.strip():
            raise config.error(where, f"{vuln_id}: a reason is required")
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise config.error(where, f"{vuln_id}: expires must be YYYY-MM-DD") from None
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        if not isinstance(expires, dt.date):
            raise config.error(
                where, f"{vuln_id}: an expiry date (expires = YYYY-MM-DD) is required"
            )
        ignores.append(Ignore(vuln_id.strip(), reason.strip(), expires))
    return tuple(ignores)
