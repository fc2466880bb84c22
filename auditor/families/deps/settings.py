"""``[tool.auditor.deps]``: the dependency audit's settings, validated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from auditor.core.config import Config
from auditor.core.findings import Severity
from auditor.families.deps.model import Ignore
from auditor.families.deps.services import SERVICES

SECTION = "deps"

KEYS: dict[str, str] = {
    "advisory-db": "offline OSV database (directory or all.zip), or an array of them (one per ecosystem), relative to the configuration file",
    "service": "online vulnerability service when no advisory-db is given: pypi (default) or osv",
    "osv-api": "root of the OSV API that --service osv queries for crates.io, npm and Go (default https://api.osv.dev; a mirror)",
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
    more_dbs: tuple[Path, ...] = ()
    """Further offline databases read with ``advisory_db`` (e.g. one export per ecosystem)."""
    service: str = "pypi"
    osv_api: str = "https://api.osv.dev"
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

    def databases(self) -> tuple[Path, ...]:
        """Every offline database to read (empty: use the online service)."""
        return (*((self.advisory_db,) if self.advisory_db else ()), *self.more_dbs)


def load_settings(config: Config) -> DepsSettings:
    """Read and validate ``[tool.auditor.deps]``; raise ``ConfigError`` naming the key."""
    data = config.section(SECTION)
    for key in data:
        if key not in KEYS:
            raise config.error(
                f"{SECTION}.{key}", f"unknown key (known keys: {', '.join(sorted(KEYS))})"
            )

    def severity(key: str) -> Severity:
        value = data.get(key, "high")
        if not isinstance(value, str):
            raise config.error(f"{SECTION}.{key}", "must be a severity name")
        try:
            return Severity.parse(value)
        except ValueError as exc:
            raise config.error(f"{SECTION}.{key}", str(exc)) from None

    def integer(key: str, default: int) -> int:
        value = data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise config.error(f"{SECTION}.{key}", "must be a non-negative integer")
        return value

    def path(value: Any, key: str) -> Path:
        if not isinstance(value, str) or not value:
            raise config.error(f"{SECTION}.{key}", "must be a path string")
        return (config.root / value).resolve()

    service = data.get("service", "pypi")
    if service not in SERVICES:
        raise config.error(f"{SECTION}.service", f"must be one of {', '.join(SERVICES)}")
    inputs = data.get("inputs", [])
    if not isinstance(inputs, list):
        raise config.error(f"{SECTION}.inputs", "must be an array of paths")
    osv_api = data.get("osv-api", DepsSettings.osv_api)
    if not isinstance(osv_api, str) or not osv_api.startswith(("http://", "https://")):
        raise config.error(f"{SECTION}.osv-api", "must be an http(s) URL")
    resolve = data.get("resolve", False)
    if not isinstance(resolve, bool):
        raise config.error(f"{SECTION}.resolve", "must be true or false")
    databases = data.get("advisory-db", [])
    databases = databases if isinstance(databases, list) else [databases]
    more_dbs = tuple(path(p, "advisory-db") for p in databases[1:])
    advisory_db = path(databases[0], "advisory-db") if databases else None
    if advisory_db is None:  # the top-level key of [tool.auditor] means the same
        advisory_db = config.path_option("advisory-database")
    return DepsSettings(
        advisory_db=advisory_db,
        more_dbs=more_dbs,
        service=str(service),
        osv_api=osv_api,
        timeout=integer("timeout", 15),
        max_db_age_days=integer("max-db-age-days", 7),
        unauditable_severity=severity("unauditable-severity"),
        unknown_severity=severity("unknown-severity"),
        inputs=tuple(path(p, "inputs") for p in inputs),
        resolve=resolve,
        exempt=_exempt(config, data.get("exempt", {})),
        ignores=_ignores(config, data.get("ignore", [])),
        config_file=str(config.path) if config.path else None,
    )


def _exempt(config: Config, value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise config.error(f"{SECTION}.exempt", "must be a table of package = reason")
    exempt: dict[str, str] = {}
    for name, reason in value.items():
        if not isinstance(reason, str) or not reason.strip():
            raise config.error(f"{SECTION}.exempt", f"{name}: a non-empty reason is required")
        exempt[str(canonicalize_name(name))] = reason.strip()
    return exempt


def _ignores(config: Config, value: object) -> tuple[Ignore, ...]:
    if not isinstance(value, list):
        raise config.error(f"{SECTION}.ignore", "must be an array of tables ([[...deps.ignore]])")
    ignores: list[Ignore] = []
    for index, item in enumerate(value):
        where = f"{SECTION}.ignore[{index}]"
        if not isinstance(item, Mapping):
            raise config.error(where, "must be a table with id, reason and expires")
        unknown = set(item) - {"id", "reason", "expires"}
        if unknown:
            raise config.error(where, f"unknown key {sorted(unknown)[0]!r} (id, reason, expires)")
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
