"""``[tool.auditor.secrets]``: what the secret scan reads, validated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.core.config import Config
from auditor.families.secrets.sources import DEFAULT_MAX_BYTES

SECTION_KEYS = {
    "exclude": "glob patterns of paths not to scan (list of strings)",
    "max-bytes": "files larger than this are skipped with a reason (default 2097152)",
    "baseline": "detect-secrets baseline file (default .secrets.baseline when present)",
    "cache": "cache results by git blob id in .git/ (default true)",
    "jobs": "worker processes (default: every core)",
    "history": "in the full profile, also scan every commit of the git history (default true)",
}
"""Keys of ``[tool.auditor.secrets]``."""


@dataclass(frozen=True)
class SecretsConfig:
    """``[tool.auditor.secrets]``, validated."""

    exclude: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    baseline: Path | None = None
    cache: bool = True
    jobs: int | None = None
    history: bool = True


def secrets_config(config: Config) -> SecretsConfig:
    """The configuration's ``[tool.auditor.secrets]`` (parsed once per configuration)."""
    return config.settings("secrets", SecretsConfig)


def parse_settings(config: Config) -> SecretsConfig:
    """Read and validate the ``secrets`` sub-table; raise ``ConfigError`` naming the key."""
    section = config.table("secrets")
    section.only(SECTION_KEYS)
    baseline = section.values.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise section.error("baseline", "must be a string path")
    return SecretsConfig(
        exclude=section.strings("exclude", "glob strings"),
        max_bytes=section.integer("max-bytes", DEFAULT_MAX_BYTES) or DEFAULT_MAX_BYTES,
        baseline=(config.root / baseline).resolve() if baseline is not None else None,
        cache=section.flag("cache", True),
        jobs=section.integer("jobs", None),
        history=section.flag("history", True),
    )
